"""Analyse one segment: fetch it, sample frames, measure them, write the result once.

Error policy (what the event source sees):

- permanent problems with the media (empty, truncated, not video) are written
  as ``status: failed`` with a readable ``error`` and acknowledged: a retry of
  the same bytes cannot succeed, and the next segment must not wait;
- transient problems (bucket or Firestore unreachable) raise, so the function
  answers 5xx and Pub/Sub / Eventarc / MinIO deliver the event again;
- an event for a generation already written, or for an object that has since
  been replaced, is acknowledged and changes nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from functions.backends import BackendRejected, create_backend
from functions.decode import MediaError, sample_frames
from functions.events import ObjectEvent, parse_time
from functions.measures import measure
from functions.modes import BATCH, REALTIME, ModeCache
from functions.results import ResultWriter
from mediacore import metrics
from mediacore.settings import AnalyzerBackend, Settings
from mediacore.storage import ObjectNotFound, ObjectStore

log = logging.getLogger(__name__)

BACKEND_LABELS = {AnalyzerBackend.NONE: "measures"}


@dataclass(frozen=True)
class Outcome:
    status: str  # done | failed | skipped | duplicate | superseded
    written: bool = False
    error: str | None = None


def _float(metadata: dict[str, str], key: str) -> float | None:
    try:
        return float(metadata[key])
    except (KeyError, ValueError):
        return None


class SegmentAnalyzer:
    def __init__(
        self,
        settings: Settings,
        store_for_bucket,
        writer: ResultWriter,
        modes: ModeCache,
        backend=None,
        brand_names=None,
    ):
        self._settings = settings
        self._store_for_bucket = store_for_bucket
        self._writer = writer
        self._modes = modes
        self._backend = backend if backend is not None else create_backend(settings)
        self._brand_names = brand_names  # the managed brand list (mediacore.brands.BrandNames)

    def handle(self, event: ObjectEvent) -> Outcome:
        started = datetime.now(UTC)
        segment = event.segment
        context = {"stream_id": segment.stream_id, "seq": segment.seq, "object": event.name}
        if self._writer.is_current(
            segment.stream_id, segment.seq, event.generation, event.revision
        ):
            log.info("segment already analysed at this generation", extra=context)
            metrics.segments_analysed.labels(segment.stream_id, "duplicate").inc()
            return Outcome("duplicate")

        doc = self._base_doc(event, started)
        # A backfill re-analyses in batch mode whatever the stream's live mode is.
        doc["mode"] = mode = BATCH if event.revision else self._modes.mode(segment.stream_id)
        if mode == REALTIME and (lag := self._lag(doc, started)) is not None:
            limit = self._settings.realtime_max_lag_segments * (doc["duration"] or 2.0)
            if lag > limit:
                doc["status"] = "skipped"
                doc["error"] = (
                    f"realtime mode: {lag:.1f} s behind live (limit {limit:.1f} s); "
                    "a backfill in batch mode can analyse it"
                )
                return self._finish(segment.stream_id, doc, context)

        store: ObjectStore = self._store_for_bucket(event.bucket)
        try:
            data = store.read(event.name, event.generation or None)
        except ObjectNotFound:
            log.warning(
                "object gone or replaced since the event; a newer event follows", extra=context
            )
            metrics.segments_analysed.labels(segment.stream_id, "superseded").inc()
            return Outcome("superseded")

        decode_started = time.perf_counter()
        try:
            decoded = sample_frames(
                data,
                ext=segment.ext,
                fps=self._settings.batch_sample_fps if mode == BATCH else self._settings.sample_fps,
                thumb_width=self._settings.thumb_width,
                infer_side=self._settings.inference_side if self._backend else None,
            )
        except MediaError as exc:
            doc["status"], doc["error"] = "failed", str(exc)
            doc["timings"]["decode_ms"] = _ms_since(decode_started)
            return self._finish(segment.stream_id, doc, context)

        decode_ms = _ms_since(decode_started)
        log.info(
            "segment decoded: %d frames",
            len(decoded.frames),
            extra=context | {"stage": "decode", "decode_ms": decode_ms},
        )
        media_start = doc["media_start"]
        if media_start is None:
            media_start = doc["media_start"] = round(decoded.first_pts, 3)
        if doc["duration"] is None:
            doc["duration"] = decoded.duration
        doc["video"] = {
            "width": decoded.width,
            "height": decoded.height,
            "fps": decoded.fps,
            "codec": decoded.codec,
            "keyframes": len(decoded.keyframe_times),
        }
        labels = [None] * len(decoded.frames)
        if self._backend:
            inference_started = time.perf_counter()
            try:
                # BackendUnavailable propagates: transient, the event comes back later.
                version = self._brand_names.library_version() if self._brand_names else None
                brands = self._brand_names.names(version) if self._brand_names else None
                result = self._backend.analyze(
                    [frame.image for frame in decoded.frames], brands, library_version=version
                )
            except BackendRejected as exc:
                doc["status"], doc["error"] = "failed", str(exc)
                doc["timings"]["decode_ms"] = decode_ms
                return self._finish(segment.stream_id, doc, context)
            doc["timings"]["inference_ms"] = _ms_since(inference_started)
            log.info(
                "segment inferred by %s",
                result.label,
                extra=context
                | {"stage": "inference", "inference_ms": doc["timings"]["inference_ms"]},
            )
            doc["backend"] = result.label
            doc["warnings"] = result.warnings
            labels = result.frames
        doc["frames"] = [
            {
                # Stream-relative media time: where this frame sits in the stream.
                "t": round(media_start + (frame.pts - decoded.first_pts), 3),
                "detections": found.detections if found else [],
                "scene": found.scene if found else [],
                "brands": found.brands if found else [],
                **measure(frame, self._settings.dominant_colors),
            }
            for frame, found in zip(decoded.frames, labels, strict=True)
        ]
        doc["status"] = "done"
        doc["timings"]["decode_ms"] = decode_ms
        return self._finish(segment.stream_id, doc, context)

    def _base_doc(self, event: ObjectEvent, started: datetime) -> dict[str, Any]:
        metadata = event.metadata
        return {
            "seq": event.segment.seq,
            "stream_id": event.segment.stream_id,
            "object": event.name,
            "generation": event.generation,
            "revision": event.revision,
            "backfill_id": event.backfill_id or None,
            "media_start": _float(metadata, "media_start"),
            "duration": _float(metadata, "duration"),
            "program_date_time": parse_time(metadata.get("program_date_time")),
            "status": None,
            "error": None,
            "mode": REALTIME,
            "backend": BACKEND_LABELS.get(
                self._settings.analyzer_backend, str(self._settings.analyzer_backend)
            ),
            "frames": [],
            "warnings": [],  # what the model backend noted (e.g. one unreadable frame)
            "timings": {
                "uploaded_at": event.created_at,
                "event_at": event.event_at,
                "started_at": started,
                "decode_ms": None,
                "inference_ms": None,
                "finished_at": None,
            },
        }

    @staticmethod
    def _lag(doc: dict[str, Any], now: datetime) -> float | None:
        """Seconds between the segment's last frame (wall clock) and now, when known."""
        start = doc["program_date_time"]
        if start is None:
            return None
        return (now - start).total_seconds() - (doc["duration"] or 0.0)

    def _finish(self, stream_id: str, doc: dict[str, Any], context: dict) -> Outcome:
        doc["timings"]["finished_at"] = datetime.now(UTC)
        write_started = time.perf_counter()
        written = self._writer.write(stream_id, doc)
        write_ms = _ms_since(write_started)
        # Latency and lag describe live analysis; a backfill's re-analysis would skew them.
        if written and doc["status"] == "done" and not doc["revision"]:
            try:
                self._writer.note_warnings(stream_id, doc["seq"], doc["warnings"])
                self._writer.refresh_latency(stream_id)
            except Exception:
                # A derived statistic: the next segment recomputes it.
                log.exception("latency stats not updated", extra=context)
        timings = {k: v for k, v in doc["timings"].items() if k.endswith("_ms")}
        timings |= stage_timings(doc["timings"]) | {"write_ms": write_ms}
        record_metrics(stream_id, doc, timings)
        fields = context | timings | {"stage": "write", "status": doc["status"], "written": written}
        if doc["status"] == "failed":
            log.warning("segment failed: %s", doc["error"], extra=fields)
        else:
            log.info(
                "segment written: %s, %d frames", doc["status"], len(doc["frames"]), extra=fields
            )
        return Outcome(doc["status"], written, doc["error"])


def _ms_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() * 1000, 1)


def stage_timings(t: dict[str, Any]) -> dict[str, float]:
    """The wall-clock stages around the function: upload -> event -> start, and the whole."""
    stages = {
        "event_ms": _ms_between(t.get("uploaded_at"), t.get("event_at")),
        "start_ms": _ms_between(t.get("event_at") or t.get("uploaded_at"), t.get("started_at")),
        "result_ms": _ms_between(t.get("uploaded_at"), t.get("finished_at")),
    }
    return {k: v for k, v in stages.items() if v is not None}


STAGE_KEYS = ("event", "start", "decode", "inference", "write", "result")


def record_metrics(stream_id: str, doc: dict[str, Any], timings: dict[str, float]) -> None:
    metrics.segments_analysed.labels(stream_id, doc["status"]).inc()
    metrics.frames_analysed.inc(len(doc["frames"]))
    for stage in STAGE_KEYS:
        value = timings.get(f"{stage}_ms")
        if value is not None and value >= 0:
            metrics.stage_seconds.labels(stage).observe(value / 1000)


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
