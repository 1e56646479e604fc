"""Is the GPU used? The accelerator part of ``/readyz``, and why it refuses.

A CUDA build the driver cannot run does not fail: ``torch.cuda.is_available()`` is
False and every model quietly runs on the CPU, many times slower, so every segment
is late. With ``MA_GPU_EXPECTED=true`` (the CUDA image sets it) ``/readyz`` answers
503 and names the reason, and the platform's startup probe fails the revision.
"""

from __future__ import annotations

from gpu_service.detectors.darknet import opencv_cuda_devices


def probe() -> dict:
    """What this process can run on: torch's build and CUDA devices, OpenCV's CUDA devices."""
    found: dict = {"opencv_cuda_devices": opencv_cuda_devices()}
    try:
        import torch
    except ImportError:
        return {**found, "torch": None, "cuda_available": False}
    found.update(torch=torch.__version__, torch_cuda=torch.version.cuda)
    found["cuda_available"] = torch.cuda.is_available()
    if found["cuda_available"]:
        found["cuda_devices"] = [
            torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())
        ]
    return found


def problems(expected: bool, found: dict, status: dict) -> list[str]:
    """Why a GPU that is expected is not used (empty: it is, or none is expected).

    ``status`` is ``Models.status()``: each loaded model names the device it is on.
    """
    if not expected:
        return []
    out = []
    if not found.get("cuda_available"):
        if found.get("torch") is None:
            out.append("torch is not installed")
        else:
            out.append(
                f"torch {found['torch']} (built for CUDA {found.get('torch_cuda')}) sees no "
                "CUDA device: no GPU attached, or a driver too old for that CUDA build"
            )
    for name in ("detector", "clip"):
        model = status.get(name, {})
        device = model.get("device")
        if device is not None and not device.startswith("cuda"):
            backend = f", {model['backend']}" if model.get("backend") else ""
            out.append(f"{name} {model.get('model')} runs on {device}{backend}")
    return out
