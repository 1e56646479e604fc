"""A model service that expects a GPU and does not use one is not ready.

Stands in for the CUDA image on a machine whose driver cannot run its CUDA build (or
with no GPU attached): torch then silently runs everything on the CPU. Here torch and
OpenCV see no CUDA device, so with MA_GPU_EXPECTED=true /readyz must answer 503 and
say why, and without it the same service is ready. Also: which backend darknet runs on
(the PyPI OpenCV has no CUDA), and the build-time preflight of the image's weights.
"""

from __future__ import annotations

import pytest

from gpu_service import gpu_check
from gpu_service.app import create_app
from gpu_service.config import ClipConfig, LogoConfig, ServiceConfig
from gpu_service.detectors import ModelUnavailable
from gpu_service.detectors.darknet import DarknetConfig, dnn_backend, opencv_cuda_devices
from mediacore.settings import get_settings

ON_CPU = not gpu_check.probe()["cuda_available"] and opencv_cuda_devices() == 0
needs_no_gpu = pytest.mark.skipif(not ON_CPU, reason="needs a machine without a CUDA device")


def service(monkeypatch, expected: str | None):
    """The service as its environment configures it (darknet, no CLIP, no logo library)."""
    monkeypatch.delenv("MA_GPU_CONFIG", raising=False)
    if expected is None:
        monkeypatch.delenv("MA_GPU_EXPECTED", raising=False)
    else:
        monkeypatch.setenv("MA_GPU_EXPECTED", expected)
    monkeypatch.setenv("MA_DETECTOR", "darknet")
    monkeypatch.setenv("MA_CLIP_ENABLED", "false")
    get_settings.cache_clear()
    config = ServiceConfig.load().model_copy(
        update={"logos": LogoConfig(folder=None, bucket_prefix=None)}
    )
    get_settings.cache_clear()
    return create_app(config, load_async=False).test_client()


@needs_no_gpu
def test_readyz_refuses_when_a_gpu_is_expected_and_not_used(monkeypatch):
    answer = service(monkeypatch, "true").get("/readyz")
    body = answer.get_json()
    assert answer.status_code == 503 and body["ready"] is False
    assert body["reason"].startswith("a GPU is expected (MA_GPU_EXPECTED) but not used")
    assert "sees no CUDA device" in body["reason"]
    assert "detector darknet:yolov3-tiny runs on cpu" in body["reason"]
    assert body["gpu"]["expected"] is True and body["gpu"]["cuda_available"] is False


@needs_no_gpu
@pytest.mark.parametrize("expected", [None, "false"])
def test_readyz_is_ready_on_the_cpu_when_no_gpu_is_expected(monkeypatch, expected):
    answer = service(monkeypatch, expected).get("/readyz")
    body = answer.get_json()
    assert answer.status_code == 200 and body["ready"] is True and "reason" not in body
    assert body["gpu"] == {**gpu_check.probe(), "expected": False}
    assert body["detector"]["device"] == "cpu"
    assert body["detector"]["backend"] == "opencv-dnn-cpu (this OpenCV has no CUDA)"


def test_gpu_problems_name_each_model_off_the_gpu():
    found = {"torch": "2.14.1+cu126", "torch_cuda": "12.6", "cuda_available": True}
    status = {
        "detector": {"model": "ultralytics:yolo11n", "device": "cuda:0", "backend": "torch"},
        "clip": {"model": "open_clip:ViT-B-32-quickgelu/x", "device": "cuda:0"},
    }
    assert gpu_check.problems(True, found, status) == []
    cpu_clip = {**status, "clip": {"model": "open_clip:x", "device": "cpu"}}
    assert gpu_check.problems(True, found, cpu_clip) == ["clip open_clip:x runs on cpu"]
    no_cuda = {**found, "cuda_available": False}
    assert "sees no CUDA device" in gpu_check.problems(True, no_cuda, status)[0]
    unavailable = {"detector": {"unavailable": "no weights"}, "clip": {"loading": True}}
    assert gpu_check.problems(True, found, unavailable) == []  # nothing loaded off the GPU
    assert gpu_check.problems(False, no_cuda, cpu_clip) == []  # none expected


def test_darknet_backend_follows_what_opencv_was_built_with():
    import cv2

    assert dnn_backend("auto", 0)[:2] == ("cpu", "opencv-dnn-cpu (this OpenCV has no CUDA)")
    assert dnn_backend("cpu", 1)[1:] == (
        "opencv-dnn-cpu",
        cv2.dnn.DNN_BACKEND_OPENCV,
        cv2.dnn.DNN_TARGET_CPU,
    )
    assert dnn_backend("auto", 1) == (
        "cuda:0",
        "opencv-dnn-cuda",
        cv2.dnn.DNN_BACKEND_CUDA,
        cv2.dnn.DNN_TARGET_CUDA,
    )
    with pytest.raises(ModelUnavailable, match="PyPI opencv-python wheels are CPU-only"):
        dnn_backend("cuda", 0)


@needs_no_gpu
def test_darknet_asked_for_cuda_refuses_this_opencv():
    with pytest.raises(ModelUnavailable, match="OpenCV built with CUDA"):
        DarknetConfig(device="cuda").create()
    assert DarknetConfig().create().backend.startswith("opencv-dnn-cpu")


# --- the image's build-time preflight (gpu_service.preflight) ------------------------------
@pytest.fixture(scope="module")
def local_weights(tmp_path_factory):
    """YOLO11n and CLIP built here (no download), saved as the image keeps them."""
    import open_clip
    from safetensors.torch import save_file
    from ultralytics import YOLO

    folder = tmp_path_factory.mktemp("models")
    YOLO("yolo11n.yaml").save(str(folder / "yolo11n.pt"))
    save_file(open_clip.create_model("ViT-S-32").state_dict(), str(folder / "clip.safetensors"))
    return folder


def test_preflight_passes_when_the_configured_models_load(local_weights):
    from gpu_service.detectors.auto import AutoConfig
    from gpu_service.detectors.ultralytics_detector import UltralyticsConfig
    from gpu_service.preflight import problems

    config = ServiceConfig(
        detector=AutoConfig(
            ultralytics=UltralyticsConfig(weights=str(local_weights / "yolo11n.pt"))
        ),
        clip=ClipConfig(model="ViT-S-32", weights=str(local_weights / "clip.safetensors")),
        logos=LogoConfig(folder=None, bucket_prefix=None),
    )
    assert problems(config, "ultralytics") == []


def test_preflight_fails_on_missing_weights(tmp_path):
    from gpu_service.detectors.auto import AutoConfig
    from gpu_service.detectors.ultralytics_detector import UltralyticsConfig
    from gpu_service.preflight import problems

    config = ServiceConfig(
        detector=AutoConfig(ultralytics=UltralyticsConfig(weights=str(tmp_path / "yolo11n.pt"))),
        clip=ClipConfig(model="ViT-S-32", weights=str(tmp_path / "none" / "clip.safetensors")),
        logos=LogoConfig(folder=None, bucket_prefix=None),
    )
    found = problems(config, "ultralytics")
    assert found[0].startswith("detector darknet:yolov3-tiny, not ultralytics")
    assert found[1].startswith("no CLIP: CLIP checkpoint not found")


def test_the_image_clip_model_exists_in_open_clip():
    """The CUDA image names ViT-B-32-quickgelu for OpenAI's weights (tests/infra checks it)."""
    import open_clip

    assert "ViT-B-32-quickgelu" in open_clip.list_models()
