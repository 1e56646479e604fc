"""What every analyzer backend is: frames in, one :class:`FrameLabels` per frame out."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from PIL import Image

from mediacore.schema import FrameLabels


@dataclass
class BackendResult:
    frames: list[FrameLabels]
    label: str  # e.g. darknet:yolov3-tiny, for the segment's `backend` field
    warnings: list[str] = field(default_factory=list)


class Backend(Protocol):
    def analyze(
        self,
        images: list[np.ndarray],
        brands: list[str] | None = None,
        library_version: str | None = None,
    ) -> BackendResult:
        """Labels per image. Raises BackendUnavailable (retry) or BackendRejected (fail)."""
        ...


def to_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
