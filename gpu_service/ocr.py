"""Text in frames: rapidocr (PP-OCR detection, orientation and recognition on onnxruntime),
for POST /v1/ocr.

Library: ``rapidocr`` 3.10.0 (Apache-2.0) with ``onnxruntime`` 1.32.0 on the CPU. Its
default models (PP-OCRv6 small detection and recognition, PP-OCR mobile orientation)
ship inside the wheel; its model type, version and language stay at those defaults,
because any other choice is downloaded on first use. Each frame's text lines come back
with their recognition score and the axis-aligned hull of rapidocr's quadrilateral,
normalised to the frame. Lines of a single letter or digit are dropped (MA_OCR_MIN_CHARS):
on photos they are texture the detector boxed, not text.

rapidocr logs an INFO line (and a WARNING for every frame without text) to its own
stderr handler; :func:`quiet_logs` sends its records through ours, WARNING and up, minus
the per-frame "no text" notice.
"""

from __future__ import annotations

import logging
import threading
import time

import cv2
import numpy as np

from gpu_service.config import OcrConfig
from mediacore.schema import TextLine

log = logging.getLogger(__name__)

RAPIDOCR_LOGGER = "RapidOCR"
NO_TEXT_NOTICES = ("detection result is empty", "result is empty")


class _DropNoText(logging.Filter):
    """A frame without text is normal here, not a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(notice in message for notice in NO_TEXT_NOTICES)


def quiet_logs() -> None:
    """rapidocr's records go through the root handlers (our JSON lines), WARNING and up."""
    from rapidocr.utils.log import logger  # importing it creates the colour handler

    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = True
    if not any(isinstance(f, _DropNoText) for f in logger.filters):
        logger.addFilter(_DropNoText())


class TextReader:
    """rapidocr, loaded once (``load``); ``read`` runs one frame after another."""

    def __init__(self, config: OcrConfig):
        self.config = config
        self.ready = False  # loaded, or known to be unavailable (see error)
        self.error: str | None = None if config.enabled else "disabled by config (MA_OCR_ENABLED)"
        self.model = "rapidocr"
        self.load_s: float | None = None
        self._engine = None
        self._lock = threading.Lock()  # rapidocr keeps per-call settings on the engine

    @property
    def available(self) -> bool:
        return self._engine is not None

    def load(self) -> None:
        if not self.config.enabled:
            self.ready = True
            return
        started = time.perf_counter()
        try:
            from rapidocr import RapidOCR

            quiet_logs()
            params = {
                "Global.log_level": "warning",
                # Lines are filtered by score here, per request (min_score).
                "Global.text_score": 0.0,
                "EngineConfig.onnxruntime.intra_op_num_threads": self.config.threads or -1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
            if self.config.det_max_side:
                params["Det.limit_type"] = "max"
                params["Det.limit_side_len"] = self.config.det_max_side
            engine = RapidOCR(params=params)
            quiet_logs()  # RapidOCR() sets its logger's level from its config again
            cfg = engine.cfg
            self.model = (
                f"rapidocr:{cfg.Det.ocr_version.value}-det-{cfg.Det.model_type.value}"
                f"+{cfg.Rec.ocr_version.value}-rec-{cfg.Rec.model_type.value}"
            )
            self._engine = engine
            self._warm_up()
            self.load_s = time.perf_counter() - started
            log.info("ocr: %s loaded and warmed up in %.1f s", self.model, self.load_s)
        except Exception as exc:  # a broken wheel or onnxruntime: said in /readyz
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("OCR unavailable, /v1/ocr answers 503: %s", self.error)
        finally:
            self.ready = True

    def _warm_up(self) -> None:
        """rapidocr builds its three sessions on first use; a frame with a word loads all."""
        frame = np.full((360, 640, 3), 40, np.uint8)
        cv2.putText(frame, "WARM UP", (60, 200), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 6)
        self.read([frame], 0.0)

    def status(self) -> dict:
        if not self.config.enabled:
            return {"model": self.model, "ready": False, "unavailable": self.error}
        if not self.ready:
            return {"model": self.model, "ready": False, "loading": True}
        if self._engine is None:
            return {"model": self.model, "ready": False, "unavailable": self.error}
        return {
            "model": self.model,
            "ready": True,
            "device": "cpu",
            "det_max_side": self.config.det_max_side,
            "min_score": self.config.min_score,
            "min_chars": self.config.min_chars,
        }

    def read(self, frames: list[np.ndarray], min_score: float) -> list[list[TextLine]]:
        """Text lines of each RGB frame, in order."""
        return [self._read_one(frame, min_score) for frame in frames]

    def _read_one(self, frame: np.ndarray, min_score: float) -> list[TextLine]:
        height, width = frame.shape[:2]
        bgr = np.ascontiguousarray(frame[:, :, ::-1])  # rapidocr takes arrays as BGR
        with self._lock:
            result = self._engine(bgr)
        boxes = getattr(result, "boxes", None)
        if boxes is None or result.txts is None:
            return []
        lines = []
        for quad, text, score in zip(boxes, result.txts, result.scores, strict=True):
            if score < min_score or sum(c.isalnum() for c in text) < self.config.min_chars:
                continue
            quad = np.asarray(quad, dtype=np.float64).reshape(-1, 2)
            x0, y0 = np.clip(quad.min(axis=0) / (width, height), 0, 1)
            x1, y1 = np.clip(quad.max(axis=0) / (width, height), 0, 1)
            lines.append(
                TextLine(
                    text=text.strip(),
                    score=min(1.0, float(score)),
                    box=(float(x0), float(y0), float(x1 - x0), float(y1 - y0)),
                )
            )
        return lines
