"""The result schema, defined once: what the model service returns, what a segment
document holds, what the API shows of appearances and stream statistics.

pydantic models, used by gpu_service (its wire format and OpenAPI document), the
analyze function and both backends (building and writing segment documents),
the aggregates (reading them back) and the control API. The dashboard's
TypeScript types are generated from :func:`json_schema` (``python -m
mediacore.schema``, checked by ``tests/unit/test_schema_types.py``), so a
change here that the frontend does not follow fails ``make test``.

Stored documents are read back with ``extra="ignore"``: a field an older
version wrote and this one dropped does not break a read.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

Box = tuple[float, float, float, float]


class Schema(BaseModel):
    """Base of the result models: stored documents are read back ignoring fields an older
    version wrote; every field is written, so the generated types require them all."""

    model_config = ConfigDict(extra="ignore", json_schema_serialization_defaults_required=True)


Mode = Literal["realtime", "batch"]
SegmentStatus = Literal["done", "failed", "skipped"]


Source = Literal["logo", "text", "speech"]
# What a brand signal did for a segment: ran; was switched off for the stream; was dropped
# to keep realtime mode within its lag bound; had nothing to work on; or failed.
SignalState = Literal["done", "off", "shed", "no_audio", "silence", "unavailable", "failed"]


class ScoredBox(Schema):
    """A score and a box in the frame (a detection, a line of text)."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=0, le=1)
    box: Box = Field(
        description="x, y, width, height; normalised 0-1, origin top-left",
        json_schema_extra={"tsType": "[number, number, number, number]"},
    )

    # Stored and sent rounded to what a 4K frame can resolve.
    @field_serializer("score")
    def _round_score(self, score: float) -> float:
        return round(float(score), 4)

    @field_serializer("box")
    def _round_box(self, box: Box) -> list[float]:
        return [round(float(v), 4) for v in box]


class Detection(ScoredBox):
    """One box: an object (YOLO), a brand's logo, or a brand name read on screen (OCR)."""

    label: str
    kind: Literal["object", "logo", "text"] = "object"
    source: str = Field("", description="model or method that found it")
    text: str | None = Field(None, description="kind text: the line OCR read (label: the brand)")

    def to_json(self) -> dict:
        return self.model_dump()


class LabelScore(Schema):
    """A zero-shot label of a whole frame (CLIP scene or brand)."""

    label: str
    score: float


class TextLine(ScoredBox):
    """One line of text OCR read in a frame (its box: the axis-aligned hull)."""

    text: str


class FrameLabels(Schema):
    """What a model backend says about one sampled frame."""

    detections: list[Detection] = []
    scene: list[LabelScore] = []
    brands: list[LabelScore] = []
    text: list[TextLine] = Field(
        [], description="lines OCR read (only on the frames OCR ran on: see `ocr`)"
    )
    ocr: bool = Field(False, description="OCR ran on this frame")


class Word(Schema):
    """One transcribed word; times are stream media seconds."""

    word: str
    start: float
    end: float
    probability: float = Field(ge=0, le=1)

    @field_serializer("start", "end")
    def _round_time(self, t: float) -> float:
        return round(float(t), 3)

    @field_serializer("probability")
    def _round_probability(self, p: float) -> float:
        return round(float(p), 3)


class Mention(Schema):
    """A brand said aloud: the words of the transcript that name it (name or alias)."""

    brand: str
    start: float = Field(description="media time the first matched word starts")
    end: float
    text: str = Field(description="the words as transcribed")
    score: float = Field(ge=0, le=1, description="match quality x the words' probability")


class TranscribeResponse(Schema):
    """gpu_service's answer to POST /v1/transcribe: the words of one audio window, times
    from the window's start (s)."""

    words: list[Word]
    language: str | None = None
    duration: float = Field(description="seconds of audio received")
    speech_s: float = Field(description="seconds the voice-activity detector kept")
    model: str
    device: str


class OcrFrame(Schema):
    lines: list[TextLine] = []


class OcrResponse(Schema):
    """gpu_service's answer to POST /v1/ocr: text lines per frame, in request order."""

    frames: list[OcrFrame]
    model: str


class Colour(Schema):
    hex: str = Field(pattern=r"^#[0-9a-f]{6}$")
    share: float = Field(ge=0, le=1, description="share of the frame's pixels")


class FrameResult(FrameLabels):
    """One sampled frame of a segment: labels plus the model-free measures."""

    t: float = Field(description="stream media time (s) of the frame")
    brightness: float | None = None
    colors: list[Colour] = []
    motion: float | None = None


class VideoInfo(Schema):
    width: int
    height: int
    fps: float | None = None
    codec: str | None = None
    keyframes: int = 0


class SegmentTimings(Schema):
    uploaded_at: datetime | None = None
    event_at: datetime | None = None
    started_at: datetime | None = None
    decode_ms: float | None = None
    inference_ms: float | None = None
    evidence_ms: float | None = Field(None, description="rendering and storing evidence frames")
    text_ms: float | None = Field(None, description="on-screen text (OCR), beside inference")
    speech_ms: float | None = Field(None, description="the speech window, beside inference")
    finished_at: datetime | None = None


class SegmentResult(Schema):
    """``streams/{id}/segments/{seq:08d}``: the analysis of one segment object generation."""

    seq: int = Field(ge=0)
    stream_id: str
    object: str
    generation: str
    revision: int = Field(0, description="> 0: re-analysed by a backfill")
    backfill_id: str | None = None
    media_start: float | None = Field(None, description="stream media time of the first frame")
    duration: float | None = None
    program_date_time: datetime | None = None
    status: SegmentStatus | None = None
    error: str | None = None
    mode: Mode = "realtime"
    backend: str = ""
    video: VideoInfo | None = None
    frames: list[FrameResult] = []
    warnings: list[str] = Field([], description="what the model backend noted")
    timings: SegmentTimings = SegmentTimings()
    open_runs: dict[str, float] = Field(
        {}, description="brand -> start of an appearance still on screen at the segment's end"
    )
    evidence: dict[str, str] = Field(
        {},
        description="brand -> bucket object of its evidence JPEG: the frame of its best logo "
        "detection in this segment, box drawn (a brand whose upload failed is absent)",
    )
    signals: dict[str, SignalState] = Field(
        {},
        description="logo | text | speech -> what that brand signal did for this segment "
        "(why one did not run is also in `warnings`)",
    )
    transcript: list[Word] = Field(
        [],
        description="words of the stream's audio this segment owns: those starting in "
        "[speech_from, speech_to) (windows overlap, each word is stored once)",
    )
    speech_from: float | None = None
    speech_to: float | None = None
    mentions: list[Mention] = Field([], description="brands said aloud in `transcript`")

    def to_firestore(self) -> dict:
        """The stored form (datetimes stay datetimes: Firestore timestamps)."""
        return self.model_dump()


class LogoLibraryStatus(Schema):
    model_config = ConfigDict(extra="allow")

    brands: list[str]
    references: int


class ModelsStatus(Schema):
    """Which models answered (``/readyz`` and every analyze response)."""

    model_config = ConfigDict(extra="allow")

    detector: dict
    clip: dict
    logos: LogoLibraryStatus


class AnalyzeResponse(Schema):
    """gpu_service's answer to POST /v1/analyze: results per frame, in request order."""

    frames: list[FrameLabels]
    models: ModelsStatus
    warnings: list[str] = []


class LogoCheck(Schema):
    """The model service's verdict on a reference: found in ``found`` of ``trials`` test
    scenes (60-400 px, rotated, tilted, on a card and printed), from ``smallest_found_px``."""

    usable: bool
    quality: Literal["good", "fair", "poor", "unusable"]
    reason: str | None = None
    found: int
    trials: int
    smallest_found_px: int | None = None
    keypoints: bool = Field(False, description="textured enough for the keypoint path too")

    def to_json(self) -> dict:
        return self.model_dump()


class Appearance(Schema):
    """One continuous stretch of a brand on screen (media seconds from stream start)."""

    brand: str
    source: Source = Field("logo", description="logo | text (on screen) | speech (a mention)")
    start: float
    end: float
    seconds: float = Field(description="on screen; for a spoken mention, how long it was said")
    text: str | None = Field(None, description="text and speech: what was read or said")
    peak_box: list[float] | None = Field(None, description="largest view: x, y, w, h (0-1)")
    peak_size: float | None = Field(None, description="its share of the frame's area")
    best_frame_t: float | None = Field(None, description="media time of the clearest view")
    best_score: float | None = None
    evidence_seq: int | None = Field(
        None, description="segment whose evidence frame shows this appearance"
    )
    evidence: str | None = Field(
        None,
        description="API path of that JPEG (GET /v1/streams/{id}/evidence/{seq}/{brand}, "
        "same credentials as the rest of the API); null: no frame stored",
    )


class StreamStats(Schema):
    """``stats`` of a stream document: segment counters and live latency (the latency
    fields appear once a segment has been analysed, hence optional in TypeScript)."""

    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=False)

    segments: int = 0
    analyzed: int = 0
    failed: int = 0
    skipped: int = 0
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    latency_window: int | None = None
    lag_s: float | None = None


class BrandAggregate(Schema):
    """``brands.{brand}`` of a stream document: the brand's totals over the stream. On
    screen means found by its logo or its name read in the frame (a frame with both
    counts once); spoken mentions are counted apart (a mention has no screen time)."""

    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=False)

    seconds: float = Field(0.0, description="on screen: logo or text")
    logo_seconds: float = 0.0
    text_seconds: float = 0.0
    mentions: int = Field(0, description="times said aloud")
    first_seen: float | None = None
    last_seen: float | None = None
    first_mention: float | None = None
    last_mention: float | None = None


# The time (Unix seconds) a caller of gpu_service stops waiting: the service drops a job
# still queued then, rather than spend the model on an answer nobody reads. Absolute, so a
# request that sat in a socket backlog (a stalled server) is recognised as late.
DEADLINE_HEADER = "X-Deadline"

# What the dashboard reads; the TypeScript types are generated from these.
FRONTEND_MODELS = (SegmentResult, Appearance, StreamStats, BrandAggregate)


def _for_typescript(node):
    """Timestamps as Date (the web SDK's Timestamps are converted by firebase.service), and
    no titles on fields (json-schema-to-typescript would make a named alias of each)."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            node["tsType"] = "Date"
        for field in (node.get("properties") or {}).values():
            field.pop("title", None)
        for value in node.values():
            _for_typescript(value)
    elif isinstance(node, list):
        for value in node:
            _for_typescript(value)
    return node


def json_schema() -> dict:
    """One JSON Schema document: every model the dashboard reads, under ``$defs``, and a
    root that names them (json-schema-to-typescript makes one interface per model)."""
    defs: dict = {}
    for model in FRONTEND_MODELS:
        schema = model.model_json_schema(ref_template="#/$defs/{model}", mode="serialization")
        defs.update(schema.pop("$defs", {}))
        defs[model.__name__] = schema
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ResultSchema",
        "description": "Generated from mediacore/schema.py: do not edit.",
        "type": "object",
        "properties": {m.__name__: {"$ref": f"#/$defs/{m.__name__}"} for m in FRONTEND_MODELS},
        "$defs": defs,
    }
    return _for_typescript(root)


if __name__ == "__main__":
    json.dump(json_schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
