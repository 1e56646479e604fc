"""What a detector plugin is: a name, a model label, and a batched detect()."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from gpu_service.detections import Detection


class Detector(Protocol):
    name: str  # plugin: ultralytics | darknet
    model: str  # e.g. ultralytics:yolo11n, darknet:yolov3-tiny
    device: str  # where the forward pass runs: cpu, cuda:0
    backend: str  # what runs it: torch, opencv-dnn-cpu, opencv-dnn-cuda
    input_side: int  # frames are scaled to this long side before the forward pass

    def detect(self, images: list[np.ndarray]) -> list[list[Detection]]:
        """Objects in each RGB image (H x W x 3, uint8), one list per image."""
        ...


class ModelUnavailable(RuntimeError):
    """The weights cannot be loaded here (missing file, no network to fetch them)."""
