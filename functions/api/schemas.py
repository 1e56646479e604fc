"""Request and response shapes of the control API (pydantic; they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from mediacore.schema import Appearance, LogoCheck, StreamStats

__all__ = ["Appearance", "LogoCheck"]  # re-exported: part of the API's documents

STREAM_ID = r"^[a-z0-9][a-z0-9_-]{0,62}$"
BRAND_ID = r"^[a-z0-9][a-z0-9-]{0,39}$"
LOGO_ID = r"^[0-9a-f]{16}\.(png|jpg|webp|svg)$"
Mode = Literal["realtime", "batch"]
Source = Literal["logo", "text", "speech"]
MAX_ALIASES = 20
# One alias: trimmed, 1-60 characters, no control characters.
Alias = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
ALIASES_DOC = (
    "Other ways the brand is written or said (e.g. 'Coke' for Coca-Cola): at most "
    f"{MAX_ALIASES}, each trimmed and 1-60 characters; duplicates (ignoring case) and the "
    "name itself are dropped. OCR text and transcripts are matched against the name, the "
    "id read as words and these, from the next segment analysed."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- paths and queries -------------------------------------------------------
class StreamPath(BaseModel):
    stream_id: str = Field(pattern=STREAM_ID, description="Stream id (a-z, 0-9, '-', '_')")


class BackfillPath(StreamPath):
    backfill_id: str = Field(pattern=r"^[0-9]{1,20}$")


class SegmentPath(StreamPath):
    segment: str = Field(pattern=r"^[0-9]{8}\.ts$", description="e.g. 00000042.ts")


class BrandPath(BaseModel):
    brand_id: str = Field(pattern=BRAND_ID, description="Brand id (a-z, 0-9, '-')")


class LogoPath(BrandPath):
    logo_id: str = Field(pattern=LOGO_ID)


class PageQuery(BaseModel):
    page_size: int | None = Field(None, ge=1, le=500)
    page_token: str | None = Field(None, max_length=200, pattern=r"^[A-Za-z0-9_=-]*$")


# --- bodies --------------------------------------------------------------------
class StreamSignals(Strict):
    """Which brand signals beyond logos the analysis runs for a stream."""

    text: bool = Field(True, description="Read brand names on screen (OCR)")
    speech: bool = Field(True, description="Find brands said aloud (transcription)")


class SignalSwitches(Strict):
    """Switches to change; one left out keeps its value."""

    text: bool | None = Field(None, description="Read brand names on screen (OCR)")
    speech: bool | None = Field(None, description="Find brands said aloud (transcription)")


class CreateStream(Strict):
    name: str = Field(min_length=1, max_length=100, description="Display name")
    stream_id: str | None = Field(
        None, pattern=STREAM_ID, description="Id to use; default: derived from the name"
    )
    mode: Mode = "realtime"
    signals: SignalSwitches | None = Field(
        None,
        description="Text and speech switches; one left out follows the deployment's default "
        "(on unless its settings say otherwise)",
    )


class UpdateStream(Strict):
    name: str | None = Field(None, min_length=1, max_length=100)
    mode: Mode | None = Field(None, description="realtime: keyframes, skips backlog; batch: 5 fps")
    signals: SignalSwitches | None = Field(
        None,
        description="Switch text (OCR) or speech on or off from the next segment analysed; "
        "a switch left out keeps its value",
    )


class BackfillRequest(Strict):
    start: float = Field(0.0, ge=0, le=1e7, description="Media time (s) to start at")
    end: float | None = Field(None, gt=0, le=1e7, description="Media time (s) to stop at")


class PutBrand(Strict):
    name: str = Field(min_length=1, max_length=100, description="Display name")
    aliases: list[Alias] | None = Field(
        None, max_length=MAX_ALIASES, description=ALIASES_DOC + " Left out: kept as they are."
    )


# --- responses -------------------------------------------------------------------
class Stream(BaseModel):
    stream_id: str
    name: str
    status: str
    mode: str
    signals: StreamSignals = Field(
        StreamSignals(),
        description="Text and speech switches (one never set shows the deployment's default: on "
        "unless its settings say otherwise)",
    )
    playlist: str | None = None
    keyframe_interval_s: float | None = None
    warnings: dict = {}
    stats: StreamStats = StreamStats()
    created_at: datetime | None = None
    live_since: datetime | None = None
    ended_at: datetime | None = None


class DeletionProgress(BaseModel):
    objects_deleted: int = Field(description="Media objects deleted by this request.")
    finished: bool = Field(description="False: media is left; DELETE again to go on.")


class ObsSettings(BaseModel):
    service: str = "Custom..."
    server: str
    stream_key: str
    keyframe_interval_s: int


class CreatedStream(BaseModel):
    stream: Stream
    rtmp_url: str
    stream_key: str = Field(description="Shown once: only its hash is stored")
    obs: ObsSettings


class StreamPage(BaseModel):
    streams: list[Stream]
    next_page_token: str | None = None


class BrandExposure(BaseModel):
    """One brand's totals over the stream: on screen (logo or text) and said aloud, together
    in one row."""

    brand: str
    seconds: float = Field(
        description="Seconds on screen, by logo or by text (a frame with both counts once)"
    )
    logo_seconds: float = Field(0.0, description="Seconds its logo was on screen")
    text_seconds: float = Field(0.0, description="Seconds its name was read on screen (OCR)")
    mentions: int = Field(0, description="Times it was said aloud")
    share_of_voice: float = Field(description="This brand's share of all brands' seconds on screen")
    screen_share: float | None = Field(None, description="Seconds on screen / seconds analysed")
    first_seen: float | None = Field(None, description="Media time (s) first on screen")
    last_seen: float | None = Field(None, description="Media time (s) last on screen")
    first_mention: float | None = Field(None, description="Media time (s) first said")
    last_mention: float | None = Field(None, description="Media time (s) last said")


class ObjectCount(BaseModel):
    label: str
    count: int


class Summary(BaseModel):
    stream_id: str
    status: str
    analysed_seconds: float
    brands: list[BrandExposure]
    appearances: list[Appearance] = []
    objects: list[ObjectCount]
    stats: StreamStats


class Backfill(BaseModel):
    backfill_id: str
    stream_id: str
    start: float | None = None
    end: float | None = None
    segments: int
    finished: int
    status: Literal["running", "completed"]


class Brand(BaseModel):
    brand_id: str
    name: str
    aliases: list[str] = Field([], description="Other ways it is written or said")
    logos: int = 0


class BrandList(BaseModel):
    brands: list[Brand]


class Logo(BaseModel):
    logo_id: str
    brand_id: str
    object: str
    size: int
    content_type: str | None = None
    check: LogoCheck | None = Field(
        None, description="the upload check (absent where the backend has no logo matcher)"
    )


class LogoList(BaseModel):
    logos: list[Logo]


# --- brand totals across streams, renaming, the logo catalogue (backend-brands) ----------------
class RenameBrand(Strict):
    name: str | None = Field(None, min_length=1, max_length=100, description="New display name")
    aliases: list[Alias] | None = Field(
        None, max_length=MAX_ALIASES, description=ALIASES_DOC + " Replaces the stored list."
    )

    @model_validator(mode="after")
    def _something(self) -> RenameBrand:
        if self.name is None and self.aliases is None:
            raise ValueError("give a name, aliases or both")
        return self


class BrandStreamTotals(BaseModel):
    stream_id: str
    name: str
    status: str | None = None
    seconds: float = Field(description="Seconds this brand was on screen in this stream")
    mentions: int = Field(0, description="Times it was said aloud in this stream")
    appearances: int = Field(description="Continuous stretches on screen in this stream")
    first_seen: float | None = Field(None, description="Media time (s) in this stream")
    last_seen: float | None = Field(None, description="Media time (s) in this stream")
    live_since: datetime | None = None
    ended_at: datetime | None = None


class BrandTotals(Brand):
    seconds: float = Field(0.0, description="Seconds on screen across all streams read")
    mentions: int = Field(0, description="Times said aloud across all streams read")
    appearances: int = Field(0, description="Appearances on screen across all streams read")
    share_of_voice: float = Field(
        0.0, description="This brand's seconds / all brands' seconds, across the same streams"
    )
    streams: list[BrandStreamTotals] = Field(
        [], description="Streams where it was seen, most seconds first"
    )


class BrandTotalsList(BaseModel):
    brands: list[BrandTotals]
    streams_read: int = Field(description="Streams the totals were added up over")
    streams_truncated: bool = Field(
        description="True: there are more streams than one answer reads (the oldest ids "
        "first); totals cover only streams_read of them"
    )


class CatalogueQuery(BaseModel):
    q: str = Field(min_length=1, max_length=100, description="Brand name, or part of it")
    limit: int = Field(20, ge=1, le=100)


class CataloguePath(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9_]{1,64}$", description="Catalogue slug, e.g. cocacola")


class CatalogueLogoPath(BrandPath):
    slug: str = Field(pattern=r"^[a-z0-9_]{1,64}$", description="Catalogue slug, e.g. cocacola")


class CatalogueIcon(BaseModel):
    slug: str
    title: str
    hex: str = Field(description="Brand colour, RRGGBB")
    license: str = Field(description="The icon's license (simple-icons: CC0-1.0 unless named)")
    svg_url: str = Field(description="Preview: the glyph in its brand colour (SVG)")


class CatalogueMatches(BaseModel):
    query: str
    icons: list[CatalogueIcon]


class CatalogueStatus(BaseModel):
    available: bool
    icons: int = 0
    version: str | None = None
    reason: str | None = Field(None, description="Why the catalogue is unavailable")


# --- evidence frames, exposure over time, exports (backend-evidence) ---------------------------
class EvidencePath(StreamPath):
    seq: int = Field(ge=0, le=10**12, description="Segment sequence number")
    brand: str = Field(
        min_length=1,
        max_length=200,
        description="Brand label, or its slug as in an appearance's evidence path",
    )


class ExportQuery(BaseModel):
    brand: list[str] = Field(
        [], max_length=50, description="Only these brands (repeat the parameter); none: all"
    )
    start: float | None = Field(None, ge=0, le=1e7, description="Media time (s) from")
    end: float | None = Field(None, gt=0, le=1e7, description="Media time (s) to")
    min_confidence: float | None = Field(
        None, ge=0, le=1, description="Only appearances whose best detection scored this much"
    )
    source: list[Source] = Field(
        [],
        max_length=3,
        description="Only these sources (repeat the parameter): logo, text (on screen), "
        "speech (mentions); none: all",
    )


class TimelineQuery(ExportQuery):
    bucket_s: float = Field(10.0, ge=1, le=86400, description="Bucket length (media seconds)")
    by_source: bool = Field(
        False,
        description="One series per brand and source (logo, text, speech) instead of one "
        "per brand (on screen by logo or text together, with its mentions)",
    )


class TimelineSeries(BaseModel):
    brand: str
    source: Source | None = Field(
        None, description="null: on screen by logo or text together (one series per brand)"
    )
    seconds: list[float] = Field(description="Seconds on screen in each bucket (speech: 0)")
    total: float = Field(description="Seconds on screen in the range")
    mentions: list[int] = Field([], description="Mentions starting in each bucket")
    mentions_total: int = Field(0, description="Mentions in the range")


class TimelineAnswer(BaseModel):
    stream_id: str
    start: float = Field(description="Media time (s) of the first bucket's start")
    end: float = Field(description="Media time (s) of the last bucket's end")
    bucket_s: float
    buckets: list[float] = Field(description="Each bucket's start (media s); the last may be short")
    series: list[TimelineSeries] = Field(description="One per brand, most seconds first")
