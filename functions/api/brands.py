"""/v1/brands: the brand list the models look for, each brand's reference logos, and its
totals across streams.

A brand's id is the label every backend writes into results (the logo matcher's library
folder, Cloud Vision's answers mapped onto it), so the stream totals
(``streams/{id}.brands.{brand_id}``) and appearances (``brand``) are keyed by it. The
display name is only a field of ``brands/{brand_id}``: renaming changes that field alone,
so logos, upload verdicts and history stay attached. The id never changes.

Aliases (``brands/{brand_id}.aliases``) are other ways the name is written or said ("Coke"
for Coca-Cola): the analysis matches OCR text and transcripts against the name, the id
read as words and the aliases (``mediacore.brands.BrandNames.terms``). Every change moves
the library version, so they are re-read from the next segment analysed.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from flask import Response
from flask_openapi3 import APIBlueprint, FileStorage, Tag
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import BaseModel

from functions.api.auth import CONTROL, READ, SECURITY, require
from functions.api.errors import ApiError, ErrorBody
from functions.api.schemas import (
    Brand,
    BrandPath,
    BrandTotals,
    BrandTotalsList,
    Logo,
    LogoList,
    LogoPath,
    PutBrand,
    RenameBrand,
)
from functions.api.services import services
from functions.errors import BackendRejected, BackendUnavailable
from mediacore.logo_images import InvalidLogo, as_stored
from mediacore.schema import LogoCheck
from mediacore.settings import AnalyzerBackend
from mediacore.storage import ObjectNotFound

TAG = Tag(name="brands", description="Brands to monitor and their reference logo images")
bp = APIBlueprint(
    "brands", __name__, url_prefix="/v1/brands", abp_tags=[TAG], abp_security=SECURITY
)
ERRORS = {400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody}
# Totals read every stream document: one answer adds up at most MAX_STREAMS of them (in id
# order, STREAM_PAGE a read) and says when there were more. Appearances are counted with
# one Firestore count query per (stream, brand seen there), COUNT_THREADS at a time.
MAX_STREAMS = 1000
STREAM_PAGE = 200
COUNT_THREADS = 8


class LogoUpload(BaseModel):
    file: FileStorage


def brand_view(doc: dict) -> dict:
    logos = len(services().brands.logos(doc["brand_id"]))
    aliases = [a for a in doc.get("aliases") or [] if isinstance(a, str)]
    return Brand(
        brand_id=doc["brand_id"], name=doc.get("name", doc["brand_id"]), aliases=aliases,
        logos=logos,
    ).model_dump()  # fmt: skip


def clean_aliases(aliases: list[str], name: str) -> list[str]:
    """Aliases as stored: the validated (trimmed) ones in the given order, without
    duplicates or the name itself (both ignoring case)."""
    seen = {name.strip().casefold()}
    kept = []
    for alias in aliases:
        key = alias.casefold()
        if key not in seen:
            seen.add(key)
            kept.append(alias)
    return kept


def store_brand(brand_id: str, name: str | None, aliases: list[str] | None) -> bool:
    """Set the name and/or the aliases (None: leave as they are); True when created. The
    stored aliases are cleaned against the new name too. Moves the library version."""
    library = services().brands
    current = library.get(brand_id)
    name = name if name is not None else (current or {}).get("name", brand_id)
    if aliases is None and current is not None:
        aliases = [a for a in current.get("aliases") or [] if isinstance(a, str)]
    created = current is None
    if aliases is not None:
        library.ref(brand_id).set(
            {"aliases": clean_aliases(aliases, name), "updated_at": firestore.SERVER_TIMESTAMP},
            merge=True,
        )
    library.put(brand_id, name)  # the name, and the version move the analysis reads
    return created


def existing(brand_id: str) -> dict:
    doc = services().brands.get(brand_id)
    if doc is None:
        raise ApiError(404, f"no brand {brand_id!r}")
    return doc


def read_streams() -> tuple[list[tuple[str, dict]], bool]:
    """Stream documents in id order, at most MAX_STREAMS; True when there were more."""
    registry, rows, after = services().registry, [], None
    while True:
        want = min(STREAM_PAGE, MAX_STREAMS + 1 - len(rows))
        page = registry.page(want, after)
        rows += page
        if len(page) < want or len(rows) > MAX_STREAMS:
            break
        after = page[-1][0]
    return rows[:MAX_STREAMS], len(rows) > MAX_STREAMS


def count_appearances(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Appearances on screen of each (stream, brand): streams/{id}/appearances where brand
    == it, less its spoken mentions (source speech; older documents have no source, so
    they cannot be selected by a source condition)."""
    registry = services().registry

    def count(pair: tuple[str, str]) -> int:
        query = registry.ref(pair[0]).collection("appearances")
        query = query.where(filter=FieldFilter("brand", "==", pair[1]))
        said = query.where(filter=FieldFilter("source", "==", "speech"))
        return int(query.count().get()[0][0].value) - int(said.count().get()[0][0].value)

    if not pairs:
        return {}
    with ThreadPoolExecutor(min(COUNT_THREADS, len(pairs))) as pool:
        return dict(zip(pairs, pool.map(count, pairs), strict=True))


def totals(brand_ids: list[str]) -> tuple[dict[str, dict], int, bool]:
    """Each brand's seconds, appearances, share of voice and streams, over the streams read.
    Share of voice divides by every brand's seconds in those streams, brands outside the
    library (settings' MA_BRANDS, deleted ones) included, as a stream's summary does."""
    rows, truncated = read_streams()
    wanted, all_seconds = set(brand_ids), 0.0
    seen: dict[str, list[dict]] = defaultdict(list)
    for stream_id, doc in rows:
        for brand, entry in (doc.get("brands") or {}).items():
            entry = entry or {}
            seconds = float(entry.get("seconds") or 0.0)
            all_seconds += seconds
            if brand in wanted:
                seen[brand].append(
                    {
                        "stream_id": stream_id,
                        "name": doc.get("name", stream_id),
                        "status": doc.get("status"),
                        "seconds": round(seconds, 3),
                        "mentions": int(entry.get("mentions") or 0),
                        "first_seen": entry.get("first_seen"),
                        "last_seen": entry.get("last_seen"),
                        "live_since": doc.get("live_since"),
                        "ended_at": doc.get("ended_at"),
                    }
                )
    counts = count_appearances(
        [(s["stream_id"], b) for b, streams in seen.items() for s in streams]
    )
    result = {}
    for brand in brand_ids:
        streams = seen.get(brand, [])
        for stream in streams:
            stream["appearances"] = counts[(stream["stream_id"], brand)]
        streams.sort(key=lambda s: (-s["seconds"], s["stream_id"]))
        seconds = sum(s["seconds"] for s in streams)
        result[brand] = {
            "seconds": round(seconds, 3),
            "mentions": sum(s["mentions"] for s in streams),
            "appearances": sum(s["appearances"] for s in streams),
            "share_of_voice": round(seconds / all_seconds, 4) if all_seconds else 0.0,
            "streams": streams,
        }
    return result, len(rows), truncated


def brand_totals_view(doc: dict, brand_totals: dict) -> dict:
    return BrandTotals(**brand_view(doc), **brand_totals).model_dump(mode="json")


@bp.get("", responses={200: BrandTotalsList, **ERRORS})
@require(READ)
def list_brands():
    """Monitored brands with their aliases, logos count and their totals across streams:
    seconds on screen, spoken mentions, appearances, share of voice and the streams where
    each was seen. Totals add up
    at most 1000 streams (``streams_truncated`` says when there are more)."""
    docs = services().brands.all()
    found, read, truncated = totals([doc["brand_id"] for doc in docs])
    return {
        "brands": [brand_totals_view(doc, found[doc["brand_id"]]) for doc in docs],
        "streams_read": read,
        "streams_truncated": truncated,
    }


@bp.put("/<brand_id>", responses={200: Brand, 201: Brand, **ERRORS})
@require(CONTROL)
def put_brand(path: BrandPath, body: PutBrand):
    """Add a brand to monitor (or rename it), with its aliases if given (left out: the
    stored ones stay). Its id is the label results carry."""
    created = store_brand(path.brand_id, body.name, body.aliases)
    return brand_view(existing(path.brand_id)), 201 if created else 200


@bp.patch("/<brand_id>", responses={200: Brand, **ERRORS})
@require(CONTROL)
def rename_brand(path: BrandPath, body: RenameBrand):
    """Rename a brand and/or replace its aliases: its id (the label in results), logos,
    upload verdicts and history stay. The analysis matches the new aliases from the next
    segment analysed. 404 for a brand that does not exist (PUT creates)."""
    existing(path.brand_id)
    store_brand(path.brand_id, body.name, body.aliases)
    return brand_view(existing(path.brand_id))


@bp.get("/<brand_id>", responses={200: BrandTotals, **ERRORS})
@require(READ)
def get_brand(path: BrandPath):
    """One brand with its totals across streams (as in the list)."""
    doc = existing(path.brand_id)
    found, _, _ = totals([path.brand_id])
    return brand_totals_view(doc, found[path.brand_id])


@bp.delete("/<brand_id>", responses={204: None, **ERRORS})
@require(CONTROL)
def delete_brand(path: BrandPath):
    """Stop monitoring a brand and remove its logos (past results keep their counts)."""
    existing(path.brand_id)
    services().brands.delete(path.brand_id)
    return "", 204


@bp.get("/<brand_id>/logos", responses={200: LogoList, **ERRORS})
@require(READ)
def list_logos(path: BrandPath):
    existing(path.brand_id)
    checks = services().brands.checks(path.brand_id)
    return {
        "logos": [
            {**vars(logo), "check": checks.get(logo.logo_id.replace(".", "_"))}
            for logo in services().brands.logos(path.brand_id)
        ]
    }


def check_logo(data: bytes, filename: str) -> LogoCheck | None:
    """Ask the model service whether its detector finds this logo; None where the
    analyzer backend has no reference matcher of ours (Cloud Vision knows logos itself)."""
    from functions.backends.local import LocalBackend

    settings = services().settings
    if settings.analysis.backend is not AnalyzerBackend.LOCAL:
        return None
    try:
        return LocalBackend(settings).check_logo(data, filename)
    except BackendRejected as exc:
        raise ApiError(400, f"the logo image cannot be read: {exc}") from exc
    except BackendUnavailable as exc:
        raise ApiError(
            503, f"the model service that checks logos is not reachable; try again ({exc})"
        ) from exc


@bp.post(
    "/<brand_id>/logos",
    responses={201: Logo, 413: ErrorBody, 422: ErrorBody, 503: ErrorBody, **ERRORS},
)
@require(CONTROL)
def add_logo(path: BrandPath, form: LogoUpload):
    """Upload a reference logo (PNG, JPEG, WebP or SVG, multipart field ``file``); a brand
    may have several (variants, colours). A file that is not such an image, or an SVG that
    cannot be rendered safely, is refused with 400 and the reason; an SVG is kept as its
    PNG rendering (400 px long side). The model service then renders it into test scenes
    and looks for it: an image it cannot use is refused with 422 and the reason; a usable
    one is stored with the verdict and matched from the next segment analysed."""
    existing(path.brand_id)
    data = form.file.read(services().settings.api.max_body_bytes + 1)
    return store_logo(path.brand_id, data)


def store_logo(brand_id: str, data: bytes) -> tuple[dict, int]:
    """Check and store one logo image for an existing brand: the path every logo takes,
    uploaded or added from the catalogue. (response, 201), or ApiError with the reason."""
    if not data:
        raise ApiError(400, "empty file")
    try:
        data, extension = as_stored(data)  # an SVG becomes a bounded PNG here, once
    except InvalidLogo as exc:
        raise ApiError(400, str(exc)) from exc
    verdict = check_logo(data, f"logo.{extension}")
    if verdict is not None and not verdict.usable:
        raise ApiError(422, f"this logo cannot be used: {verdict.reason}")
    check = verdict.model_dump() if verdict is not None else None
    logo = services().brands.add_logo(brand_id, data)
    services().brands.record_check(brand_id, logo.logo_id, check)
    return {**vars(logo), "check": check}, 201


LOGO_IMAGE = {
    "description": "The stored reference image (an SVG upload is stored as its PNG rendering)",
    "content": {
        t: {"schema": {"type": "string"}} for t in ("image/png", "image/jpeg", "image/webp")
    },
}


@bp.get("/<brand_id>/logos/<logo_id>", responses={200: LOGO_IMAGE, **ERRORS})
@require(READ)
def logo_image(path: LogoPath):
    """A stored reference logo, for the dashboard's thumbnails. Its id is its content's hash,
    so it never changes: cached for a day."""
    existing(path.brand_id)
    logo = next(
        (x for x in services().brands.logos(path.brand_id) if x.logo_id == path.logo_id), None
    )
    if logo is None:
        raise ApiError(404, f"no logo {path.logo_id!r} for brand {path.brand_id!r}")
    try:
        data = services().store.read(logo.object)
    except ObjectNotFound as exc:
        raise ApiError(404, f"no logo {path.logo_id!r} for brand {path.brand_id!r}") from exc
    return Response(
        data,
        mimetype=logo.content_type or "application/octet-stream",
        headers={
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@bp.delete("/<brand_id>/logos/<logo_id>", responses={204: None, **ERRORS})
@require(CONTROL)
def delete_logo(path: LogoPath):
    existing(path.brand_id)
    if not services().brands.delete_logo(path.brand_id, path.logo_id):
        raise ApiError(404, f"no logo {path.logo_id!r} for brand {path.brand_id!r}")
    return "", 204
