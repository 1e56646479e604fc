"""Evidence frames: for each brand a segment shows, one JPEG of the frame where its logo
was detected best, its box drawn, so an analyst sees what was counted and where.

About 480 px wide at JPEG quality 80 (~15-40 kB), rendered from the frame the models
saw (already in memory) and stored at ``mediacore.names.evidence_object`` (outside
``streams/``: no analysis event). The same segment always gives the same names, so a
redelivery overwrites. Evidence is a by-product: a failed or late upload is a warning
on the segment, never a failed analysis, and the uploads end by the deadline they get
(the write keeps its own reserve).
"""

from __future__ import annotations

import io
import logging
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from mediacore.names import evidence_object
from mediacore.schema import Detection, FrameResult
from mediacore.storage import ObjectStore

log = logging.getLogger(__name__)

WIDTH = 480
QUALITY = 80
BOX_COLOUR = (255, 214, 0)  # amber: visible on most footage; a dark rim keeps it on light
RIM_COLOUR = (0, 0, 0)
CACHE_CONTROL = "private, max-age=86400"  # a stored frame never changes but by re-analysis
MIN_UPLOAD_S = 0.5  # less time than this left: not started


def best_views(frames: list[FrameResult]) -> dict[str, tuple[int, Detection]]:
    """Per brand, the index of the frame with its highest-scoring logo detection and that
    detection (the first on ties, as ``functions.appearances.segment_runs`` picks its
    best frame); a brand only read as text on screen gets its best text detection."""
    best: dict[str, tuple[int, Detection]] = {}
    for index, frame in enumerate(frames):
        for detection in frame.detections:
            if detection.kind not in ("logo", "text"):
                continue
            held = best.get(detection.label)
            rank = (detection.kind == "logo", detection.score)
            if held is None or rank > (held[1].kind == "logo", held[1].score):
                best[detection.label] = (index, detection)
    return best


def render(image: np.ndarray, box, width: int = WIDTH, quality: int = QUALITY) -> bytes:
    """A JPEG of an RGB frame scaled to ``width`` (never up), the normalised box drawn."""
    picture = Image.fromarray(image)
    if picture.width > width:
        height = max(2, round(picture.height * width / picture.width))
        picture = picture.resize((width, height), Image.Resampling.BILINEAR)
    x, y, w, h = (float(v) for v in box)
    left, top = x * picture.width, y * picture.height
    right, bottom = (x + w) * picture.width, (y + h) * picture.height
    draw = ImageDraw.Draw(picture)
    thick = max(2, picture.width // 160)
    draw.rectangle((left - thick, top - thick, right + thick, bottom + thick), outline=RIM_COLOUR)
    draw.rectangle((left, top, right, bottom), outline=BOX_COLOUR, width=thick)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=quality)
    return out.getvalue()


@dataclass
class Stored:
    objects: dict[str, str] = field(default_factory=dict)  # brand -> object name
    failed: dict[str, str] = field(default_factory=dict)  # brand -> why not
    sizes: dict[str, int] = field(default_factory=dict)  # brand -> JPEG bytes


class EvidenceWriter:
    """Renders and uploads a segment's evidence frames, in parallel, within a deadline."""

    def __init__(self, store: ObjectStore, workers: int = 4):
        self._store = store
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="evidence")

    def store(
        self,
        stream_id: str,
        seq: int,
        frames: list[FrameResult],
        images: list[np.ndarray | None],
        deadline: float,
    ) -> Stored:
        """Evidence of every brand with a logo detection in ``frames`` (``images`` are the
        decoded frames, same order) until ``deadline`` (time.monotonic()). Never raises."""
        stored = Stored()
        jobs = {}
        for brand, (index, detection) in best_views(frames).items():
            if deadline - time.monotonic() < MIN_UPLOAD_S:
                stored.failed[brand] = "no time left before the result's write"
                continue
            image = images[index]
            if image is None:
                stored.failed[brand] = "no decoded frame"
                continue
            try:
                data = render(image, detection.box)
            except Exception as exc:  # a by-product: never fail the analysis for it
                stored.failed[brand] = f"not rendered: {exc}"
                continue
            name = evidence_object(stream_id, seq, brand)
            stored.sizes[brand] = len(data)
            metadata = {"brand": brand, "seq": str(seq), "score": f"{detection.score:.4f}"}
            jobs[brand] = (name, self._pool.submit(self._upload, name, data, metadata))
        if jobs:
            wait([job for _, job in jobs.values()], timeout=max(0.0, deadline - time.monotonic()))
        for brand, (name, job) in jobs.items():
            if not job.done():
                # It may still land: an unrecorded object, overwritten or deleted later.
                stored.failed[brand] = "upload not finished before the result's write"
            elif job.exception() is not None:
                stored.failed[brand] = f"upload failed: {job.exception()}"
            else:
                stored.objects[brand] = name
        return stored

    def _upload(self, name: str, data: bytes, metadata: dict[str, str]) -> None:
        self._store.put(
            name, data, metadata=metadata, content_type="image/jpeg", cache_control=CACHE_CONTROL
        )
