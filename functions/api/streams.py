"""/v1/streams: create, list, read, update (name, mode, signal switches), delete, rotate key,
backfill, summary."""

from __future__ import annotations

import base64
import binascii
import math

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from functions import deletion
from functions.aggregates import brand_aggregate
from functions.api.auth import CONTROL, READ, SECURITY, require
from functions.api.errors import ApiError, ErrorBody
from functions.api.schemas import (
    Backfill,
    BackfillPath,
    BackfillRequest,
    CreatedStream,
    CreateStream,
    DeletionProgress,
    ObsSettings,
    PageQuery,
    SegmentPath,
    Stream,
    StreamPage,
    StreamPath,
    Summary,
    UpdateStream,
)
from functions.api.services import services
from functions.appearances import summarise
from functions.backfill import request_backfill
from functions.errors import BackfillError
from mediacore.names import (
    check_stream_id,
    parse_segment_object,
    playlist_object,
    segment_object,
    segments_prefix,
    stream_prefix,
)
from mediacore.storage import ObjectNotFound
from mediacore.streams import SIGNALS, StreamExists, StreamRegistry, signals_of

# A segment's length in a recording playlist until its analysis says otherwise.
DEFAULT_SEGMENT_S = 2.0

TAG = Tag(name="streams", description="Streams, their keys, modes, backfills and summaries")
bp = APIBlueprint(
    "streams", __name__, url_prefix="/v1/streams", abp_tags=[TAG], abp_security=SECURITY
)

ERRORS = {400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody}
PUBLIC_FIELDS = set(Stream.model_fields) - {"stream_id"}


def stream_view(stream_id: str, doc: dict) -> dict:
    """The public shape of a stream document (never its key hash)."""
    view = {k: v for k, v in doc.items() if k in PUBLIC_FIELDS}
    view.setdefault("name", stream_id)
    view.setdefault("status", "idle")
    view.setdefault("mode", "realtime")
    view["signals"] = signals_of(doc, signal_defaults())
    return Stream(stream_id=stream_id, **view).model_dump(mode="json")


def signal_defaults() -> dict[str, bool]:
    """What a switch a stream never set means: the analysis's defaults (settings)."""
    analysis = services().settings.analysis
    return {name: getattr(analysis, f"{name}_default", True) for name in SIGNALS}


def key_answer(stream_id: str, doc: dict, stream_key: str) -> dict:
    """The one answer that shows a stream key: with the OBS settings to paste it into."""
    settings = services().settings
    return CreatedStream(
        stream=stream_view(stream_id, doc),
        rtmp_url=settings.ingest.rtmp_url,
        stream_key=stream_key,
        obs=ObsSettings(
            server=settings.ingest.rtmp_url,
            stream_key=stream_key,
            keyframe_interval_s=settings.ingest.hls_fragment_s,
        ),
    ).model_dump(mode="json")


def existing(stream_id: str) -> dict:
    doc = services().registry.get(stream_id)
    if doc is None:
        raise ApiError(404, f"no stream {stream_id!r}")
    return doc


def _encode_token(stream_id: str) -> str:
    return base64.urlsafe_b64encode(stream_id.encode()).decode()


def _decode_token(token: str) -> str:
    """The stream id a page token names; anything else is the caller's mistake (400)."""
    try:
        return check_stream_id(base64.urlsafe_b64decode(token.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:  # InvalidName too
        raise ApiError(400, "invalid page_token") from exc


@bp.post("", responses={201: CreatedStream, 409: ErrorBody, **ERRORS})
@require(CONTROL)
def create_stream(body: CreateStream):
    """Create a stream; the stream key is in this answer only."""
    svc = services()
    switches = body.signals.model_dump(exclude_none=True) if body.signals else {}
    extra = {"signals": switches} if switches else {}  # unset: the deployment's default
    try:
        new = svc.registry.create(body.name, body.stream_id, mode=body.mode, **extra)
    except StreamExists as exc:
        raise ApiError(409, f"stream {exc} already exists") from exc
    doc = svc.registry.get(new.stream_id) or {}
    return key_answer(new.stream_id, doc, new.stream_key), 201


@bp.get("", responses={200: StreamPage, **ERRORS})
@require(READ)
def list_streams(query: PageQuery):
    """Streams in id order, a page at a time."""
    svc = services()
    size = query.page_size or svc.settings.api.page_size
    after = _decode_token(query.page_token) if query.page_token else None
    rows = svc.registry.page(size + 1, after)
    more = len(rows) > size
    rows = rows[:size]
    return {
        "streams": [stream_view(stream_id, doc) for stream_id, doc in rows],
        "next_page_token": _encode_token(rows[-1][0]) if more else None,
    }


@bp.get("/<stream_id>", responses={200: Stream, **ERRORS})
@require(READ)
def get_stream(path: StreamPath):
    return stream_view(path.stream_id, existing(path.stream_id))


@bp.patch("/<stream_id>", responses={200: Stream, **ERRORS})
@require(CONTROL)
def update_stream(path: StreamPath, body: UpdateStream):
    """Rename a stream, switch its processing mode or turn text (OCR) or speech on or off
    (the analysis sees it within seconds; a signal switch left out keeps its value)."""
    existing(path.stream_id)
    fields = body.model_dump(exclude_none=True, exclude={"signals"})
    if body.signals is not None:
        fields |= StreamRegistry.signal_fields(body.signals.model_dump())
    if fields:
        services().registry.update(path.stream_id, fields)
    return stream_view(path.stream_id, existing(path.stream_id))


@bp.delete("/<stream_id>", responses={202: DeletionProgress, 204: None, **ERRORS})
@require(CONTROL)
def delete_stream(path: StreamPath):
    """Delete a stream with its key (it can no longer publish), its results and its media.
    204: all gone. 202: the stream is gone but a long recording's media is still being
    deleted; DELETE again to go on (the id cannot be created again until then)."""
    registry = services().registry
    if registry.get(path.stream_id) is None and not registry.media_pending(path.stream_id):
        raise ApiError(404, f"no stream {path.stream_id!r}")
    done = deletion.delete_stream(registry, services().store, path.stream_id)
    if done.finished:
        return "", 204
    return DeletionProgress(objects_deleted=done.objects_deleted, finished=False).model_dump(), 202


@bp.post("/<stream_id>/rotate-key", responses={200: CreatedStream, **ERRORS})
@require(CONTROL)
def rotate_key(path: StreamPath):
    """A new stream key; the old one is refused from the next publish on."""
    doc = existing(path.stream_id)
    new = services().registry.rotate_key(path.stream_id)
    return key_answer(path.stream_id, doc, new.stream_key)


@bp.post("/<stream_id>/backfills", responses={202: Backfill, **ERRORS})
@require(CONTROL)
def create_backfill(path: StreamPath, body: BackfillRequest):
    """Re-analyse the stored segments of a media-time range in batch mode."""
    existing(path.stream_id)
    svc = services()
    inline = None if svc.settings.platform.backfill_topic else svc.analyzer()
    try:
        result = request_backfill(
            svc.backfills, svc.store, svc.settings, path.stream_id, body.start, body.end, inline
        )
    except BackfillError as exc:
        raise ApiError(400, str(exc)) from exc
    return result, 202


@bp.get("/<stream_id>/backfills/<backfill_id>", responses={200: Backfill, **ERRORS})
@require(READ)
def get_backfill(path: BackfillPath):
    status = services().backfills.status(path.stream_id, path.backfill_id)
    if status is None:
        raise ApiError(404, f"no backfill {path.backfill_id} for stream {path.stream_id!r}")
    return status


@bp.get("/<stream_id>/summary", responses={200: Summary, **ERRORS})
@require(READ)
def summary(path: StreamPath):
    """Brand exposure so far, one row per brand: seconds on screen (logo or text, a frame
    with both counted once), logo and text seconds apart, spoken mentions, share of voice
    (of screen seconds); the appearances (with their source) and object counts."""
    doc = existing(path.stream_id)
    analysed = float(doc.get("analysed_seconds") or 0.0)
    totals = {name: brand_aggregate(b) for name, b in (doc.get("brands") or {}).items()}
    screen = sum(t.seconds for t in totals.values())
    exposure = [
        {
            "brand": name,
            "seconds": round(t.seconds, 3),
            "logo_seconds": round(t.logo_seconds, 3),
            "text_seconds": round(t.text_seconds, 3),
            "mentions": t.mentions,
            "share_of_voice": round(t.seconds / screen, 4) if screen else 0.0,
            "screen_share": round(t.seconds / analysed, 4) if analysed else None,
            "first_seen": t.first_seen,
            "last_seen": t.last_seen,
            "first_mention": t.first_mention,
            "last_mention": t.last_mention,
        }
        for name, t in totals.items()
    ]
    exposure.sort(key=lambda e: (-e["seconds"], -e["mentions"], e["brand"]))
    objects = sorted(
        ({"label": k, "count": int(v)} for k, v in (doc.get("objects") or {}).items()),
        key=lambda o: (-o["count"], o["label"]),
    )
    appearances = [
        summarise(a.to_dict(), path.stream_id).model_dump()
        for a in services()
        .registry.ref(path.stream_id)
        .collection("appearances")
        .order_by("start")
        .limit(1000)
        .stream()
    ]
    return {
        "stream_id": path.stream_id,
        "status": doc.get("status", "idle"),
        "analysed_seconds": round(analysed, 3),
        "brands": exposure,
        "appearances": appearances,
        "objects": objects,
        "stats": doc.get("stats") or {},
    }


def media(kind: str, description: str) -> dict:
    return {"description": description, "content": {kind: {"schema": {"type": "string"}}}}


@bp.get(
    "/<stream_id>/playlist.m3u8",
    responses={200: media("application/vnd.apple.mpegurl", "HLS media playlist"), **ERRORS},
)
@require(READ)
def playlist(path: StreamPath):
    """The stream's live HLS playlist for players, its segments as short-lived signed URLs
    (or, where the bucket cannot sign, this API's own segment URLs). The bucket stays private."""
    existing(path.stream_id)
    svc = services()
    try:
        text = svc.store.read(playlist_object(path.stream_id)).decode()
    except ObjectNotFound as exc:
        raise ApiError(404, f"stream {path.stream_id!r} has no playlist yet") from exc
    lines = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = stream_prefix(path.stream_id) + line
            if parse_segment_object(name) is None:
                continue  # never hand out anything but this stream's segments
            line = svc.store.signed_url(name, svc.settings.api.playback_url_ttl_s) or line
        lines.append(line)
    return Response(
        "\n".join(lines) + "\n",
        mimetype="application/vnd.apple.mpegurl",
        headers={"Cache-Control": "no-store"},
    )


@bp.get(
    "/<stream_id>/recording.m3u8",
    responses={200: media("application/vnd.apple.mpegurl", "HLS VOD playlist"), **ERRORS},
)
@require(READ)
def recording(path: StreamPath):
    """The whole recording as an HLS VOD playlist: every segment the bucket keeps (the live
    playlist holds only the last minute). Segments are served through this API's segment
    route, so links stay valid for however long a viewing lasts; durations come from the
    segments' analyses (2 s where a segment has none yet). A missing number (a dropped
    segment) is marked as a discontinuity."""
    existing(path.stream_id)
    svc = services()
    seqs = sorted(
        segment.seq
        for obj in svc.store.list(segments_prefix(path.stream_id))
        if (segment := parse_segment_object(obj.name)) is not None
    )
    if not seqs:
        raise ApiError(404, f"stream {path.stream_id!r} has no recorded segments")
    durations = {
        int(doc.id): float(doc.get("duration") or DEFAULT_SEGMENT_S)
        for doc in svc.registry.ref(path.stream_id)
        .collection("segments")
        .select(["duration"])
        .stream()
        if doc.id.isdigit()
    }
    lengths = [durations.get(seq, DEFAULT_SEGMENT_S) for seq in seqs]
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        f"#EXT-X-TARGETDURATION:{math.ceil(max(lengths))}",
        f"#EXT-X-MEDIA-SEQUENCE:{seqs[0]}",
    ]
    previous = None
    for seq, length in zip(seqs, lengths, strict=True):
        if previous is not None and seq != previous + 1:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [
            f"#EXTINF:{length:.3f},",
            f"segments/{segment_object(path.stream_id, seq).rsplit('/', 1)[1]}",
        ]
        previous = seq
    lines.append("#EXT-X-ENDLIST")
    return Response(
        "\n".join(lines) + "\n",
        mimetype="application/vnd.apple.mpegurl",
        headers={"Cache-Control": "no-store"},
    )


@bp.get(
    "/<stream_id>/segments/<segment>",
    responses={200: media("video/mp2t", "MPEG-TS segment"), **ERRORS},
)
@require(READ)
def segment(path: SegmentPath):
    """One segment's bytes, for stores that cannot sign URLs (the local emulator)."""
    name = segments_prefix(path.stream_id) + path.segment
    if parse_segment_object(name) is None:
        raise ApiError(404, f"no segment {path.segment!r}")
    try:
        data = services().store.read(name)
    except ObjectNotFound as exc:
        raise ApiError(404, f"no segment {path.segment!r}") from exc
    return Response(data, mimetype="video/mp2t", headers={"Cache-Control": "private, max-age=3600"})
