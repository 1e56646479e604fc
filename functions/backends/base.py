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


# A try needs at least this long to be worth starting.
MIN_TRY_S = 1.0


class Backend(Protocol):
    def analyze(
        self,
        images: list[np.ndarray],
        brands: list[str] | None = None,
        library_version: str | None = None,
        budget_s: float | None = None,
    ) -> BackendResult:
        """Labels per image, within ``budget_s`` seconds (and MA_MODEL_BUDGET_S), retries
        included. Raises BackendUnavailable (retry) or BackendRejected (fail)."""
        ...


def to_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
