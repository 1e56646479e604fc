"""/v1/streams/{id}: evidence frames, share of voice over time, CSV exports, the report.

What an analyst takes away from a stream, all computed from its appearance documents
(``functions/appearances.py``) with the same filters: ``brand`` (repeatable), ``start``
and ``end`` (media seconds), ``min_confidence`` (of an appearance's best detection) and
``source`` (repeatable: logo, text, speech). Seconds are on screen (logo or text, counted
once where both saw the brand); spoken mentions are counted beside them.
The arithmetic is in ``functions/exposure.py``; this module reads and answers.
"""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from flask import Response, render_template
from flask_openapi3 import APIBlueprint, Tag
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from functions import exposure
from functions.api.auth import READ, SECURITY, require
from functions.api.errors import ApiError
from functions.api.schemas import (
    EvidencePath,
    ExportQuery,
    StreamPath,
    TimelineAnswer,
    TimelineQuery,
)
from functions.api.services import services
from functions.api.streams import ERRORS, existing, media
from functions.appearances import summarise
from mediacore.names import evidence_object
from mediacore.schema import Appearance
from mediacore.storage import ObjectNotFound

log = logging.getLogger(__name__)

TAG = Tag(
    name="exports",
    description="Evidence frames, share of voice over time, CSV exports and the printable report",
)
bp = APIBlueprint(
    "exports", __name__, url_prefix="/v1/streams", abp_tags=[TAG], abp_security=SECURITY
)

REPORT_BRANDS = 8  # drawn one by one in the report's charts and thumbnails; the rest grouped
REPORT_TABLE_ROWS = 10  # rows that fit one A4 page with the charts (brands.csv has all)
REPORT_PLOT = exposure.Plot(height=165, top=24, right=28)  # room for the unit and 1:00:00
# The report is a standalone page: styles inline, images as data: URIs, nothing else.
REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


# --- reading --------------------------------------------------------------------------------
def filters_of(query: ExportQuery) -> exposure.Filters:
    if query.start is not None and query.end is not None and query.end <= query.start:
        raise ApiError(400, "end must be after start")
    return exposure.Filters(
        brands=frozenset(query.brand),
        start=query.start,
        end=query.end,
        min_confidence=query.min_confidence,
        sources=frozenset(query.source),
    )


def read_appearances(stream_id: str, filters: exposure.Filters) -> list[tuple[str, Appearance]]:
    """The stream's appearances the filters keep, as (document id, appearance), by start."""
    query = services().registry.ref(stream_id).collection("appearances")
    if filters.end is not None:  # the one range condition an index answers by itself
        query = query.where(filter=FieldFilter("start", "<", filters.end))
    rows = [(s.id, summarise(s.to_dict(), stream_id)) for s in query.order_by("start").stream()]
    return sorted(
        ((i, a) for i, a in rows if filters.keeps(a)), key=lambda row: (row[1].start, row[1].brand)
    )


def media_end(stream_id: str) -> float:
    """Where the newest analysed segment ends (media s), 0 with none."""
    newest = (
        services()
        .registry.ref(stream_id)
        .collection("segments")
        .order_by("seq", direction=firestore.Query.DESCENDING)
        .limit(1)
        .select(["media_start", "duration"])
        .stream()
    )
    for snapshot in newest:
        doc = snapshot.to_dict()
        return float(doc.get("media_start") or 0.0) + float(doc.get("duration") or 0.0)
    return 0.0


def time_range(
    stream_id: str, filters: exposure.Filters, appearances: list[Appearance]
) -> tuple[float, float]:
    """The range asked for, or from 0 to the end of what was analysed (or seen)."""
    start = filters.start if filters.start is not None else 0.0
    if filters.end is not None:
        return start, filters.end
    seen = max((a.end for a in appearances), default=0.0)
    return start, max(media_end(stream_id), seen, start + 1.0)


def analysed_seconds(stream_id: str, doc: dict, start: float | None, end: float | None) -> float:
    """Seconds analysed (done segments) in the range: the stream's counter when unbounded."""
    if start is None and end is None:
        return round(float(doc.get("analysed_seconds") or 0.0), 3)
    segments = services().registry.ref(stream_id).collection("segments")
    total = 0.0
    for snapshot in segments.select(["media_start", "duration", "status"]).stream():
        seg = snapshot.to_dict()
        if seg.get("status") != "done" or seg.get("media_start") is None:
            continue
        lo = float(seg["media_start"])
        hi = lo + float(seg.get("duration") or 0.0)
        total += max(0.0, min(hi, math.inf if end is None else end) - max(lo, start or 0.0))
    return round(total, 3)


def attachment(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# --- routes -----------------------------------------------------------------------------------
@bp.get(
    "/<stream_id>/evidence/<seq>/<brand>",
    responses={
        200: media("image/jpeg", "The brand's best frame in the segment, its box drawn"),
        **ERRORS,
    },
)
@require(READ)
def evidence(path: EvidencePath):
    """A brand's evidence frame of one segment: the frame of its best logo detection there,
    ~480 px wide, its box drawn. Appearances name theirs (``evidence``). Always the bytes
    (~30 kB), never a redirect to a signed URL: the dashboard fetches it with credentials,
    and a cross-origin redirect would reach the bucket with ``Origin: null``, which its
    CORS refuses."""
    existing(path.stream_id)
    name = evidence_object(path.stream_id, path.seq, path.brand)
    try:
        data = services().store.read(name)
    except ObjectNotFound as exc:
        raise ApiError(404, f"no evidence frame of {path.brand!r} in segment {path.seq}") from exc
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/<stream_id>/timeline", responses={200: TimelineAnswer, **ERRORS})
@require(READ)
def timeline(path: StreamPath, query: TimelineQuery):
    """Share of voice over time: seconds on screen per brand in each bucket of media time
    (what a stacked area chart draws), with the brand's spoken mentions per bucket. A
    brand's buckets add up to its seconds in range. ``by_source``: a series per brand and
    source (logo, text, speech) instead."""
    existing(path.stream_id)
    filters = filters_of(query)
    rows = [a for _, a in read_appearances(path.stream_id, filters)]
    start, end = time_range(path.stream_id, filters, rows)
    if exposure.bucket_count(start, end, query.bucket_s) > exposure.MAX_BUCKETS:
        raise ApiError(400, f"more than {exposure.MAX_BUCKETS} buckets: choose a larger bucket_s")
    line = exposure.timeline(rows, start, end, query.bucket_s, by_source=query.by_source)
    return TimelineAnswer(
        stream_id=path.stream_id,
        start=line.start,
        end=line.end,
        bucket_s=line.bucket_s,
        buckets=line.buckets,
        series=[
            {
                "brand": s.brand,
                "source": s.source,
                "seconds": s.seconds,
                "total": s.total,
                "mentions": s.mentions or [0] * len(s.seconds),
                "mentions_total": s.mentions_total,
            }
            for s in line.series
        ],
    ).model_dump()


@bp.get(
    "/<stream_id>/appearances.csv",
    responses={200: media("text/csv", "One row per appearance"), **ERRORS},
)
@require(READ)
def appearances_csv(path: StreamPath, query: ExportQuery):
    """Every appearance the filters keep (times as stored, not clipped to the range), with
    its source (logo, text, speech), the text read or said, its confidence, peak box and
    evidence path. Cells that a spreadsheet would run as a
    formula start with an apostrophe."""
    existing(path.stream_id)
    rows = read_appearances(path.stream_id, filters_of(query))
    text = exposure.to_csv(
        exposure.APPEARANCE_COLUMNS, exposure.appearance_rows(path.stream_id, rows, brand_names())
    )
    return attachment(text, f"{path.stream_id}-appearances.csv")


@bp.get(
    "/<stream_id>/brands.csv",
    responses={200: media("text/csv", "One row per brand"), **ERRORS},
)
@require(READ)
def brands_csv(path: StreamPath, query: ExportQuery):
    """Per-brand totals in the range: seconds on screen (logo or text, counted once), logo
    and text seconds, spoken mentions, appearances on screen, share of voice, first/last
    seen and said, mean (seconds-weighted) and peak confidence, mean size and position of
    the peak box."""
    existing(path.stream_id)
    filters = filters_of(query)
    rows = [a for _, a in read_appearances(path.stream_id, filters)]
    totals = exposure.brand_totals(rows, filters)
    rows_out = exposure.brand_rows(path.stream_id, totals, brand_names())
    text = exposure.to_csv(exposure.BRAND_COLUMNS, rows_out)
    return attachment(text, f"{path.stream_id}-brands.csv")


@bp.get(
    "/<stream_id>/report",
    responses={200: media("text/html", "A one-page, print-ready report (A4)"), **ERRORS},
)
@require(READ)
def report(path: StreamPath, query: ExportQuery):
    """A one-page report to print or save as PDF: brands with seconds on screen, spoken
    mentions, appearances and share of voice, the share of voice over time, each brand's
    best evidence frame. Standalone: its images are data: URIs."""
    doc = existing(path.stream_id)
    filters = filters_of(query)
    rows = [a for _, a in read_appearances(path.stream_id, filters)]
    start, end = time_range(path.stream_id, filters, rows)
    analysed = analysed_seconds(path.stream_id, doc, filters.start, filters.end)
    store = services().store

    def frame(brand: str, seq: int) -> bytes | None:
        try:
            return store.read(evidence_object(path.stream_id, seq, brand))
        except ObjectNotFound:
            log.warning("evidence frame of %s in %s/%d missing", brand, path.stream_id, seq)
            return None

    page = report_page(
        path.stream_id, doc, filters, rows, (start, end), analysed, frame, brand_names()
    )
    return Response(
        page,
        mimetype="text/html",
        headers={"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store"},
    )


def report_page(
    stream_id: str,
    doc: dict,
    filters: exposure.Filters,
    rows: list[Appearance],
    period: tuple[float, float],
    analysed: float,
    frame: Callable[[str, int], bytes | None],
    names: Mapping[str, str],
) -> str:
    """The report's HTML from what was read (``frame(brand, seq)``: an evidence JPEG;
    ``names``: brand id -> the library's name)."""
    start, end = period
    totals = exposure.brand_totals(rows, filters)
    top = [t.brand for t in totals[:REPORT_BRANDS]]
    palette = exposure.colours(top)
    line = exposure.timeline(rows, start, end, exposure.report_bucket(end - start))
    return render_template(
        "report.html",
        stream_id=stream_id,
        name=doc.get("name") or stream_id,
        status=doc.get("status", "idle"),
        live_since=_when(doc.get("live_since")),
        ended_at=_when(doc.get("ended_at")),
        start=exposure.media_time(start),
        end=exposure.media_time(end),
        filters=filters,
        analysed=analysed,
        total_seconds=round(sum(t.seconds for t in totals), 1),
        total_mentions=sum(t.mentions for t in totals),
        table=totals[:REPORT_TABLE_ROWS],
        more_brands=max(0, len(totals) - REPORT_TABLE_ROWS),
        palette=palette,
        bars=exposure.share_bars(
            exposure.grouped_totals(totals, REPORT_BRANDS), palette, width=520, row=14
        ),
        area=exposure.area_chart(line, REPORT_PLOT, keep=REPORT_BRANDS, palette=palette),
        thumbnails=_thumbnails(rows, top, frame),
        media_time=exposure.media_time,
        brand_name=lambda brand: exposure.name_of(names, brand),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def brand_names() -> dict[str, str]:
    """Brand id -> name, from the library, for exports a person reads."""
    return {b["brand_id"]: b.get("name", "") for b in services().brands.all()}


def _when(value) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else None


def _thumbnails(
    rows: list[Appearance], brands: list[str], frame: Callable[[str, int], bytes | None]
) -> list[dict]:
    """Each brand's best-scoring appearance with a stored frame, as a data: URI."""
    shown = []
    for brand in brands:
        framed = [a for a in rows if a.brand == brand and a.evidence_seq is not None]
        best = max(framed, key=lambda a: a.best_score or 0.0, default=None)
        data = frame(brand, best.evidence_seq) if best else None
        if data is None:
            continue
        shown.append(
            {
                "brand": brand,
                "src": "data:image/jpeg;base64," + base64.b64encode(data).decode(),
                "start": exposure.media_time(best.start),
                "end": exposure.media_time(best.end),
                "score": best.best_score,
            }
        )
    return shown
