"""Ultralytics YOLO (YOLO11n by default; AGPL-3.0, see README) on torch.

Weights come from a path, or from a name that Ultralytics downloads where there
is internet (``yolo11n.pt``). Device ``auto`` picks CUDA when present, else the
CPU; on CUDA inference runs in FP16. Frames go through ``model.predict`` as one
batch, so the service's dynamic batching turns into real model batches.

Plugin ``ultralytics``: its config (``MA_YOLO_WEIGHTS``, ``MA_ULTRALYTICS_*``) is
``UltralyticsConfig`` below, registered with the detector registry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gpu_service.detections import Detection, clip_box
from gpu_service.detectors.base import ModelUnavailable
from gpu_service.detectors.registry import register
from mediacore.settings import NOT_FROM_ENV, Section

NAME = "ultralytics"


class UltralyticsConfig(Section):
    """Detector ``ultralytics``: YOLO on torch (YOLO11n by default; AGPL-3.0)."""

    model_config = SettingsConfigDict(env_prefix="MA_ULTRALYTICS_")

    type: Literal["ultralytics"] = Field(
        NAME, json_schema_extra=NOT_FROM_ENV, description="Plugin name (MA_DETECTOR)."
    )
    weights: str = Field(
        "yolo11n.pt",
        validation_alias="MA_YOLO_WEIGHTS",
        description="Ultralytics weights: a path, or a name that downloads where there is "
        "internet.",
    )
    device: str = Field("auto", description="Torch device; auto = CUDA when present, else the CPU.")
    imgsz: int = Field(640, description="Side the model looks at (YOLO11n is trained at 640).")
    score_threshold: float = Field(0.25, description="Lowest score a detection is kept at.")
    half: bool = Field(True, description="FP16 inference, on CUDA only.")

    def create(self) -> UltralyticsDetector:
        return UltralyticsDetector(
            self.weights, self.device, self.imgsz, self.score_threshold, self.half
        )


register(NAME, UltralyticsConfig)


def resolve_weights(weights: str) -> Path | None:
    """The local file the weights name points to, if there is one (no download)."""
    path = Path(weights)
    if path.exists():
        return path
    try:
        from ultralytics.utils import SETTINGS

        cached = Path(SETTINGS["weights_dir"]) / path.name
        return cached if cached.exists() else None
    except Exception:
        return None


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


class UltralyticsDetector:
    name = NAME

    def __init__(
        self,
        weights: str = "yolo11n.pt",
        device: str = "auto",
        imgsz: int = 640,
        score_threshold: float = 0.25,
        half: bool = True,
    ):
        from ultralytics import YOLO

        self.device = pick_device(device)
        local = resolve_weights(weights)
        try:
            self._model = YOLO(str(local or weights), task="detect")
            self._model.to(self.device)
        except Exception as exc:
            raise ModelUnavailable(f"ultralytics weights {weights!r} unavailable: {exc}") from exc
        # Where the weights are, not where they were asked to go (what /readyz checks).
        self.device = str(next(self._model.model.parameters()).device)
        self.backend = "torch"
        self.labels = self._model.names
        self.imgsz = imgsz
        self.input_side = imgsz  # the frame side the model looks at
        self.score_threshold = score_threshold
        self.half = half and self.device.startswith("cuda")
        self.model = f"ultralytics:{Path(weights).stem}"

    def detect(self, images: list[np.ndarray]) -> list[list[Detection]]:
        if not images:
            return []
        # Ultralytics expects OpenCV's BGR channel order for numpy input.
        results = self._model.predict(
            [image[..., ::-1] for image in images],
            imgsz=self.imgsz,
            conf=self.score_threshold,
            device=self.device,
            verbose=False,
            **({"half": True} if self.half else {}),
        )
        return [self._to_detections(result) for result in results]

    def _to_detections(self, result) -> list[Detection]:
        boxes = result.boxes
        detections = []
        for (cx, cy, w, h), score, cls in zip(
            boxes.xywhn.tolist(), boxes.conf.tolist(), boxes.cls.tolist(), strict=True
        ):
            detections.append(
                Detection(
                    label=self.labels[int(cls)],
                    score=float(score),
                    box=clip_box(cx - w / 2, cy - h / 2, w, h),
                    source=self.model,
                )
            )
        return detections
