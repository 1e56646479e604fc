"""Analyse one segment: fetch it, sample frames, measure them, write the result once.

Error policy (what the event source sees):

- permanent problems with the media (empty, truncated, not video) are written
  as ``status: failed`` with a readable ``error`` and acknowledged: a retry of
  the same bytes cannot succeed, and the next segment must not wait;
- transient problems (bucket or Firestore unreachable) raise, so the function
  answers 5xx and Pub/Sub / Eventarc / MinIO deliver the event again;
- an event for a generation already written, or for an object that has since
  been replaced, is acknowledged and changes nothing.

Deadlines: the whole analysis ends within MA_ANALYSIS_DEADLINE_S, below the
platform's request timeout and the event source's ack deadline. The model calls
get what is left of it less the write's reserve (at most MA_MODEL_BUDGET_S); with
too little left they are not started and the event comes back (5xx) instead of
being delivered a second time while this one still runs.

Brand signals: logos (the model service's analyze call) carry the segment; on-screen
text (OCR on a few frames, functions/onscreen_text.py) and speech (a transcription
window across segments, functions/speech.py) run beside it, in parallel, each ending
by the same point. Each reports its state on ``signals``; a text or speech call that
fails is a warning on the segment, not a redelivery (the logos stand). Realtime mode
drops text, then speech, when the segment is late (MA_SHED_*_LAG_SEGMENTS), before it
skips whole segments; batch mode and backfills run everything.

Evidence: a done segment with logo detections stores one JPEG per brand (its best
frame, box drawn; functions/evidence.py) before the write, by the same point the
models must end, so the write keeps its reserve. A frame not stored is a warning
on the segment, never a failure.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.api_core.exceptions import InvalidArgument

from functions.audio import decode_audio, to_wav
from functions.backends import Backend, BackendResult, create_backend
from functions.backends.base import MIN_TRY_S
from functions.brand_text import BrandMatcher
from functions.decode import DecodedSegment, sample_frames
from functions.errors import BackendRejected, BackendUnavailable, PermanentError, StreamGone
from functions.events import ObjectEvent, parse_time
from functions.evidence import EvidenceWriter
from functions.measures import measure
from functions.modes import BATCH, REALTIME, ModeCache, StreamSwitches
from functions.onscreen_text import brand_detections, kept_lines, pick_frames
from functions.results import ResultWriter
from functions.speech import Heard, SpeechWindows
from mediacore import metrics
from mediacore.schema import (
    FrameResult,
    OcrResponse,
    SegmentResult,
    SegmentTimings,
    VideoInfo,
)
from mediacore.settings import WRITE_RESERVE_S, AnalyzerBackend, Settings
from mediacore.storage import ObjectNotFound, ObjectStore

log = logging.getLogger(__name__)

BACKEND_LABELS = {AnalyzerBackend.NONE: "measures"}


@dataclass(frozen=True)
class Outcome:
    status: str  # done | failed | skipped | duplicate | superseded | rejected | stream_gone
    written: bool = False
    error: str | None = None


class _Skipped(Exception):
    """Realtime mode is too far behind live for this segment: written as skipped."""


@dataclass
class _Signals:
    """The text and speech work started beside the logos, and what became of it."""

    matcher: BrandMatcher
    text: Future | None = None
    text_frames: list[int] = field(default_factory=list)
    speech: Future | None = None
    started: float = field(default_factory=time.perf_counter)
    ended: dict[str, float] = field(default_factory=dict)  # signal -> perf_counter when done

    def watch(self, signal: str, future: Future) -> Future:
        future.add_done_callback(lambda _: self.ended.setdefault(signal, time.perf_counter()))
        return future


class _Superseded(Exception):
    """The object was replaced since the event: a newer event follows, write nothing."""


def _float(metadata: dict[str, str], key: str) -> float | None:
    try:
        return float(metadata[key])
    except (KeyError, ValueError):
        return None


class SegmentAnalyzer:
    """One segment event -> one segment document, in named steps: new result -> keep up
    with live -> read -> decode -> infer -> assemble frames -> evidence frames -> write."""

    def __init__(
        self,
        settings: Settings,
        store: ObjectStore,
        writer: ResultWriter,
        modes: ModeCache,
        backend: Backend | None = None,
        brand_names=None,
    ):
        self._settings = settings
        self._store = store  # the configured bucket: the only one analysed
        self._writer = writer
        self._modes = modes
        self._backend = backend if backend is not None else create_backend(settings)
        self._brand_names = brand_names  # the managed brand list (mediacore.brands.BrandNames)
        self._evidence = EvidenceWriter(store)
        analysis = settings.analysis
        self._speech = SpeechWindows(store, analysis.speech_context_s, analysis.speech_hold_s)
        # Text and speech calls run beside the logo call: on a model service with free
        # cores (or a GPU) the segment then costs the longest of the three, not the sum.
        self._side = ThreadPoolExecutor(max_workers=8, thread_name_prefix="signals")
        self._matchers: dict[tuple, BrandMatcher] = {}

    def handle(self, event: ObjectEvent) -> Outcome:
        try:
            return self._handle(event)
        except StreamGone as exc:  # deleted: acknowledged, nothing written, not re-created
            stream_id = event.segment.stream_id
            log.warning("segment %s acknowledged unwritten: %s", event.name, exc)
            metrics.segments_analysed.labels(stream_id, "stream_gone").inc()
            return Outcome("stream_gone", error=str(exc))

    def _handle(self, event: ObjectEvent) -> Outcome:
        started = datetime.now(UTC)
        # When the model calls must be over: the write keeps its reserve of the deadline.
        models_end = time.monotonic() + self._settings.analysis.analysis_deadline_s
        models_end -= WRITE_RESERVE_S
        segment = event.segment
        context = {"stream_id": segment.stream_id, "seq": segment.seq, "object": event.name}
        if event.bucket != self._store.bucket:  # events.py rejects these first
            log.warning("event for bucket %r ignored: not ours", event.bucket, extra=context)
            metrics.segments_analysed.labels(segment.stream_id, "rejected").inc()
            return Outcome("rejected")
        self._writer.ensure_stream(segment.stream_id)  # before any cost: deleted streams stop
        if self._writer.is_current(
            segment.stream_id, segment.seq, event.generation, event.revision
        ):
            log.info("segment already analysed at this generation", extra=context)
            metrics.segments_analysed.labels(segment.stream_id, "duplicate").inc()
            return Outcome("duplicate")

        switches = self._modes.switches(segment.stream_id)
        result = self._new_result(event, started, switches)
        try:
            lag = self._keep_up_with_live(result, started)
            data = self._read(event, context)
            decoded = self._decode(result, data, segment.ext, context)
            version, terms = self._brand_terms()
            plan = self._plan_signals(result, switches, lag)
            side = self._start_signals(result, plan, data, decoded, segment.ext, terms, models_end)
            brands = list(terms) if terms is not None else None
            labels = self._infer(result, decoded, context, models_end, version, brands)
            self._assemble(result, decoded, labels)
            self._finish_signals(result, decoded, side, context, models_end)
            self._store_evidence(result, decoded, context, models_end)
        except _Superseded:
            metrics.segments_analysed.labels(segment.stream_id, "superseded").inc()
            return Outcome("superseded")
        except _Skipped as exc:
            result.status, result.error = "skipped", str(exc)
        except StreamGone:
            raise
        except PermanentError as exc:  # the media or the backend's refusal: fail, go on
            result.status, result.error = "failed", str(exc)
        # Anything else (BackendUnavailable, bucket or Firestore down) propagates: redeliver.
        return self._finish(result, context)

    def _new_result(
        self, event: ObjectEvent, started: datetime, switches: StreamSwitches
    ) -> SegmentResult:
        metadata = event.metadata
        # A backfill re-analyses in batch mode whatever the stream's live mode is.
        mode = BATCH if event.revision else switches.mode
        return SegmentResult(
            seq=event.segment.seq,
            stream_id=event.segment.stream_id,
            object=event.name,
            generation=event.generation,
            revision=event.revision,
            backfill_id=event.backfill_id or None,
            media_start=_float(metadata, "media_start"),
            duration=_float(metadata, "duration"),
            program_date_time=parse_time(metadata.get("program_date_time")),
            mode=mode,
            backend=BACKEND_LABELS.get(
                self._settings.analysis.backend, str(self._settings.analysis.backend)
            ),
            timings=SegmentTimings(
                uploaded_at=event.created_at, event_at=event.event_at, started_at=started
            ),
        )

    def _keep_up_with_live(self, result: SegmentResult, now: datetime) -> float | None:
        """Realtime mode skips a segment too far behind live (a backfill can redo it);
        returns how far behind live it is (None: not known, or batch mode)."""
        if result.mode != REALTIME or result.program_date_time is None:
            return None
        lag = (now - result.program_date_time).total_seconds() - (result.duration or 0.0)
        limit = self._settings.analysis.realtime_max_lag_segments * (result.duration or 2.0)
        if lag > limit:
            raise _Skipped(
                f"realtime mode: {lag:.1f} s behind live (limit {limit:.1f} s); "
                "a backfill in batch mode can analyse it"
            )
        return lag

    def _read(self, event: ObjectEvent, context: dict) -> bytes:
        try:
            return self._store.read(event.name, event.generation or None)
        except ObjectNotFound as exc:
            log.warning(
                "object gone or replaced since the event; a newer event follows", extra=context
            )
            raise _Superseded from exc

    def _decode(
        self, result: SegmentResult, data: bytes, ext: str, context: dict
    ) -> DecodedSegment:
        started = time.perf_counter()
        analysis = self._settings.analysis
        try:
            decoded = sample_frames(
                data,
                ext=ext,
                fps=analysis.batch_sample_fps if result.mode == BATCH else analysis.sample_fps,
                thumb_width=analysis.thumb_width,
                infer_side=analysis.inference_side if self._backend else None,
                keyframe_spacing_s=analysis.keyframe_spacing_s,
                max_frames=analysis.max_frames_per_segment,
            )
        finally:
            result.timings.decode_ms = _ms_since(started)
        log.info(
            "segment decoded: %d frames",
            len(decoded.frames),
            extra=context | {"stage": "decode", "decode_ms": result.timings.decode_ms},
        )
        if result.media_start is None:
            result.media_start = round(decoded.first_pts, 3)
        if result.duration is None:
            result.duration = decoded.duration
        result.video = VideoInfo(
            width=decoded.width,
            height=decoded.height,
            fps=decoded.fps,
            codec=decoded.codec,
            keyframes=len(decoded.keyframe_times),
        )
        return decoded

    def _brand_terms(self) -> tuple[str | None, dict[str, list[str]] | None]:
        """The library version and brand id -> names and aliases (None: settings' list)."""
        names = self._brand_names
        if not names:
            return None, None
        version = names.library_version()
        return version, names.terms(version)

    def _matcher(self, terms: dict[str, list[str]] | None) -> BrandMatcher:
        terms = terms if terms is not None else {b: [b] for b in self._settings.analysis.brands}
        key = tuple(sorted((b, tuple(t)) for b, t in terms.items()))
        matcher = self._matchers.get(key)
        if matcher is None:
            if len(self._matchers) > 16:
                self._matchers.clear()
            matcher = self._matchers[key] = BrandMatcher(terms)
        return matcher

    def _plan_signals(
        self, result: SegmentResult, switches: StreamSwitches, lag: float | None
    ) -> dict[str, bool]:
        """Which of text and speech run for this segment; the others' state and why."""
        analysis = self._settings.analysis
        duration = result.duration or 2.0
        result.signals["logo"] = "done" if self._backend else "unavailable"
        plan = {}
        for signal, on, can, shed_at, what in (
            ("text", switches.text, "read_text", analysis.shed_text_lag_segments, "on-screen text"),
            ("speech", switches.speech, "transcribe", analysis.shed_speech_lag_segments, "speech"),
        ):
            plan[signal] = False
            if not on:
                result.signals[signal] = "off"
            elif not hasattr(self._backend, can):
                result.signals[signal] = "unavailable"
                result.warnings.append(
                    f"{what} is not analysed: it needs the model service "
                    "(MA_ANALYZER_BACKEND=local)"
                )
            elif lag is not None and lag > shed_at * duration:
                result.signals[signal] = "shed"
                result.warnings.append(
                    f"realtime mode: {what} dropped to keep up, {lag:.1f} s behind live "
                    f"(limit {shed_at * duration:.1f} s); logos go on, a backfill in batch "
                    "mode analyses it"
                )
            else:
                plan[signal] = True
        return plan

    def _start_signals(
        self,
        result: SegmentResult,
        plan: dict[str, bool],
        data: bytes,
        decoded: DecodedSegment,
        ext: str,
        terms: dict[str, list[str]] | None,
        models_end: float,
    ) -> _Signals:
        side = _Signals(self._matcher(terms))
        analysis = self._settings.analysis
        if plan.get("text"):
            interval = (
                analysis.batch_text_interval_s if result.mode == BATCH else analysis.text_interval_s
            )
            side.text_frames = pick_frames([f.pts for f in decoded.frames], interval)
            images = [
                decoded.frames[i].image if decoded.frames[i].image is not None
                else decoded.frames[i].rgb
                for i in side.text_frames
            ]  # fmt: skip
            side.text = side.watch(
                "text",
                self._side.submit(
                    self._backend.read_text,
                    images,
                    analysis.text_min_score,
                    models_end - time.monotonic(),
                ),
            )
        if plan.get("speech"):
            side.speech = side.watch(
                "speech",
                self._side.submit(self._hear, result, data, decoded, ext, side.matcher, models_end),
            )
        return side

    def _hear(
        self,
        result: SegmentResult,
        data: bytes,
        decoded: DecodedSegment,
        ext: str,
        matcher: BrandMatcher,
        models_end: float,
    ) -> tuple[str, Heard | None, tuple[float, float] | None]:
        """Speech state, what this segment heard, and the range of times it owns."""
        audio = decode_audio(data, result.media_start, decoded.first_pts)
        if audio is None:
            return "no_audio", None, None
        window = self._speech.window(result.stream_id, result.seq, ext, audio)
        owned = (round(window.own_from, 3), round(window.own_to, 3))
        if window.silent():
            return "silence", Heard([], []), owned
        analysis = self._settings.analysis
        answer = self._backend.transcribe(
            to_wav(window.audio),
            matcher.hotwords(),
            analysis.transcript_language,
            models_end - time.monotonic(),
        )
        heard = self._speech.heard(
            window,
            answer,
            matcher,
            analysis.speech_min_probability,
            (result.stream_id, result.seq),
        )
        state = "done" if answer.speech_s > 0 or answer.words else "silence"
        return state, heard, owned

    def _finish_signals(
        self,
        result: SegmentResult,
        decoded: DecodedSegment,
        side: _Signals,
        context: dict,
        models_end: float,
    ) -> None:
        """Text and speech results onto the segment; a failed signal is a warning."""
        for signal, future in (("text", side.text), ("speech", side.speech)):
            if future is None:
                continue
            try:
                outcome = future.result(timeout=max(0.0, models_end - time.monotonic()))
                elapsed = round(
                    (side.ended.get(signal, time.perf_counter()) - side.started) * 1000, 2
                )
                setattr(result.timings, f"{signal}_ms", elapsed)
            except FutureTimeout:
                future.cancel()
                problem = "no answer within the analysis deadline"
            except (BackendUnavailable, BackendRejected) as exc:
                problem = str(exc)
            else:
                if signal == "text":
                    self._apply_text(result, side, outcome)
                else:
                    self._apply_speech(result, outcome)
                continue
            log.warning("%s not analysed: %s", signal, problem, extra=context)
            result.signals[signal] = "failed"
            what = "on-screen text" if signal == "text" else "speech"
            result.warnings.append(f"{what} not analysed: {problem}")

    def _apply_text(self, result: SegmentResult, side: _Signals, answer: OcrResponse) -> None:
        result.signals["text"] = "done"
        for index, read in zip(side.text_frames, answer.frames, strict=False):
            frame = result.frames[index]
            logos = [d for d in frame.detections if d.kind == "logo"]
            frame.ocr = True
            frame.text = kept_lines(read.lines)
            frame.detections = [
                *frame.detections,
                *brand_detections(read.lines, side.matcher, logos),
            ]

    @staticmethod
    def _apply_speech(result: SegmentResult, outcome) -> None:
        state, heard, owned = outcome
        result.signals["speech"] = state
        if owned:
            result.speech_from, result.speech_to = owned
        if heard:
            result.transcript, result.mentions = heard.transcript, heard.mentions

    def _infer(
        self,
        result: SegmentResult,
        decoded: DecodedSegment,
        context: dict,
        models_end: float,
        version: str | None,
        brands: list[str] | None,
    ) -> BackendResult | None:
        if not self._backend:
            return None
        budget = models_end - time.monotonic()
        if budget < MIN_TRY_S:  # read and decode took it all: try again later, in time
            raise BackendUnavailable("the analysis deadline leaves no time for the models")
        started = time.perf_counter()
        brands = brands if self._brand_names else None
        labels = self._backend.analyze(
            [frame.image for frame in decoded.frames],
            brands,
            library_version=version,
            budget_s=budget,
        )
        result.timings.inference_ms = _ms_since(started)
        log.info(
            "segment inferred by %s",
            labels.label,
            extra=context | {"stage": "inference", "inference_ms": result.timings.inference_ms},
        )
        result.backend = labels.label
        result.warnings = [*result.warnings, *labels.warnings]
        return labels

    def _assemble(
        self, result: SegmentResult, decoded: DecodedSegment, labels: BackendResult | None
    ) -> None:
        found = labels.frames if labels else [None] * len(decoded.frames)
        result.frames = [
            FrameResult(
                # Stream-relative media time: where this frame sits in the stream.
                t=round(result.media_start + (frame.pts - decoded.first_pts), 3),
                detections=frame_labels.detections if frame_labels else [],
                scene=frame_labels.scene if frame_labels else [],
                brands=frame_labels.brands if frame_labels else [],
                **measure(frame, self._settings.analysis.dominant_colors),
            )
            for frame, frame_labels in zip(decoded.frames, found, strict=True)
        ]
        result.status = "done"

    def _store_evidence(
        self, result: SegmentResult, decoded: DecodedSegment, context: dict, end: float
    ) -> None:
        """Each brand's best frame as a JPEG in the bucket, named on the result; what could
        not be stored is a warning (the analysis stands without it)."""
        if not any(d.kind in ("logo", "text") for f in result.frames for d in f.detections):
            return
        started = time.perf_counter()
        images = [f.image if f.image is not None else f.rgb for f in decoded.frames]
        try:
            stored = self._evidence.store(
                result.stream_id, result.seq, result.frames, images, deadline=end
            )
        except Exception as exc:  # EvidenceWriter.store catches its own; belt and braces
            log.exception("evidence frames not stored", extra=context)
            result.warnings = [*result.warnings, f"evidence frames not stored: {exc}"]
            return
        finally:
            result.timings.evidence_ms = _ms_since(started)
        result.evidence = stored.objects
        fields = context | {"stage": "evidence", "evidence_ms": result.timings.evidence_ms}
        fields["evidence_bytes"] = sum(stored.sizes.values())
        if stored.failed:
            reasons = "; ".join(f"{b}: {why}" for b, why in sorted(stored.failed.items()))
            log.warning("evidence frames not stored: %s", reasons, extra=fields)
            result.warnings = [
                *result.warnings,
                f"evidence frames of {len(stored.failed)} brand(s) not stored "
                "(appearances show no thumbnail for this segment)",
            ]
        else:
            log.info("evidence frames stored: %d", len(stored.objects), extra=fields)

    def _finish(self, result: SegmentResult, context: dict) -> Outcome:
        result.timings.finished_at = datetime.now(UTC)
        stream_id = result.stream_id
        write_started = time.perf_counter()
        try:
            written = self._writer.write(stream_id, result)
        except InvalidArgument as exc:
            # Firestore refuses this document, and would on every delivery: keep the
            # reason instead of a loop (doc_size.fit should have made it fit).
            log.error("result refused by Firestore: %s", exc, extra=context)
            result.status, result.frames = "failed", []
            result.error = f"result refused by Firestore: {exc.message}"
            written = self._writer.write(stream_id, result)
        write_ms = _ms_since(write_started)
        timings = {k: v for k, v in result.timings.model_dump().items() if k.endswith("_ms")}
        timings = {k: v for k, v in timings.items() if v is not None}
        timings |= stage_timings(result.timings) | {"write_ms": write_ms}
        record_metrics(stream_id, result, timings)
        fields = context | timings | {"stage": "write", "status": result.status}
        fields["written"] = written
        if result.status == "failed":
            log.warning("segment failed: %s", result.error, extra=fields)
        else:
            log.info(
                "segment written: %s, %d frames", result.status, len(result.frames), extra=fields
            )
        return Outcome(result.status, written, result.error)


def _ms_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() * 1000, 1)


def stage_timings(t: SegmentTimings) -> dict[str, float]:
    """The wall-clock stages around the function: upload -> event -> start, and the whole."""
    stages = {
        "event_ms": _ms_between(t.uploaded_at, t.event_at),
        "start_ms": _ms_between(t.event_at or t.uploaded_at, t.started_at),
        "result_ms": _ms_between(t.uploaded_at, t.finished_at),
    }
    return {k: v for k, v in stages.items() if v is not None}


STAGE_KEYS = (
    "event", "start", "decode", "inference", "text", "speech", "evidence", "write", "result"
)  # fmt: skip


def record_metrics(stream_id: str, result: SegmentResult, timings: dict[str, float]) -> None:
    metrics.segments_analysed.labels(stream_id, result.status).inc()
    metrics.frames_analysed.inc(len(result.frames))
    for stage in STAGE_KEYS:
        value = timings.get(f"{stage}_ms")
        if value is not None and value >= 0:
            metrics.stage_seconds.labels(stage).observe(value / 1000)


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
