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


class Detection(Schema):
    """One box: an object (YOLO) or a brand's logo."""

    model_config = ConfigDict(frozen=True)

    label: str
    score: float = Field(ge=0, le=1)
    box: Box = Field(
        description="x, y, width, height; normalised 0-1, origin top-left",
        json_schema_extra={"tsType": "[number, number, number, number]"},
    )
    kind: Literal["object", "logo"] = "object"
    source: str = Field("", description="model or method that found it")

    # Stored and sent rounded to what a 4K frame can resolve.
    @field_serializer("score")
    def _round_score(self, score: float) -> float:
        return round(float(score), 4)

    @field_serializer("box")
    def _round_box(self, box: Box) -> list[float]:
        return [round(float(v), 4) for v in box]

    def to_json(self) -> dict:
        return self.model_dump()


class LabelScore(Schema):
    """A zero-shot label of a whole frame (CLIP scene or brand)."""

    label: str
    score: float


class FrameLabels(Schema):
    """What a model backend says about one sampled frame."""

    detections: list[Detection] = []
    scene: list[LabelScore] = []
    brands: list[LabelScore] = []


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
    source: str = Field("logo", description="logo | text | speech")
    start: float
    end: float
    seconds: float
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


# The time (Unix seconds) a caller of gpu_service stops waiting: the service drops a job
# still queued then, rather than spend the model on an answer nobody reads. Absolute, so a
# request that sat in a socket backlog (a stalled server) is recognised as late.
DEADLINE_HEADER = "X-Deadline"

# What the dashboard reads; the TypeScript types are generated from these.
FRONTEND_MODELS = (SegmentResult, Appearance, StreamStats)


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
