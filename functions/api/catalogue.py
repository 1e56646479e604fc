"""/v1/catalogue: the bundled logo catalogue, to add a brand's logo by name.

The catalogue is simple-icons (npm, pinned in functions/catalogue/package.json): one SVG
glyph per brand (``icons/{slug}.svg``) and an index with titles, aliases, brand colours
and licenses (``data/simple-icons.json``). ``MA_LOGO_CATALOGUE_DIR`` names its folder;
``make setup`` installs it in the repository and the functions image carries its own
copy. Without it the routes answer 503 and say why; nothing else changes.

A glyph is served and added in its brand colour (black where that colour is too light to
see on white, as the logo check's cards are). Adding one takes the same path as an upload
(``brands.store_logo``): rendered to PNG, checked by the model service, stored with the
verdict, or refused with it.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from functions.api.auth import CONTROL, PUBLIC, READ, SECURITY, require
from functions.api.brands import existing, store_logo
from functions.api.errors import ApiError, ErrorBody
from functions.api.schemas import (
    CatalogueLogoPath,
    CatalogueMatches,
    CataloguePath,
    CatalogueQuery,
    CatalogueStatus,
    Logo,
)
from functions.api.services import services

log = logging.getLogger(__name__)

TAG = Tag(name="catalogue", description="The bundled logo catalogue (simple-icons)")
bp = APIBlueprint("catalogue", __name__, url_prefix="/v1", abp_tags=[TAG], abp_security=SECURITY)
ERRORS = {400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody}
INDEX = Path("data") / "simple-icons.json"
DEFAULT_LICENSE = "CC0-1.0"  # simple-icons' own; icons under another name it per icon
# Colours lighter than this (relative luminance) would vanish on white: drawn black instead.
MAX_LUMINANCE = 0.75
SVG_HEADERS = {
    # Static package files, but an SVG opened as a page runs in the API's origin: no
    # scripts, no loads, whatever it holds.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=86400",
}


class CatalogueMissing(Exception):
    """No usable catalogue at the configured folder; the message says why."""


def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Citroën' -> 'citroen'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def compact(text: str) -> str:
    """Letters and digits only: 'Coca-Cola' and 'coca cola' both -> 'cocacola'."""
    return re.sub(r"[\W_]+", "", fold(text))


@dataclass(frozen=True)
class Icon:
    slug: str
    title: str
    hex: str
    license: str
    aliases: tuple[str, ...]

    @cached_property
    def keys(self) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """The title, its words and the aliases, compacted once."""
        words = tuple(compact(w) for w in re.split(r"[\s\-_/.&+]+", self.title))
        return compact(self.title), words, tuple(compact(a) for a in self.aliases)

    def rank(self, query: str) -> int | None:
        """Lower is better; None: no match. Whole title, whole alias, title prefix, prefix
        of a word of the title, alias prefix, then anywhere in the title or an alias."""
        title, words, aliases = self.keys
        checks = (
            title == query,
            query in aliases,
            title.startswith(query),
            any(w.startswith(query) for w in words),
            any(a.startswith(query) for a in aliases),
            query in title,
            any(query in a for a in aliases),
        )
        return next((rank for rank, hit in enumerate(checks) if hit), None)


def _aliases(entry: dict) -> tuple[str, ...]:
    found = entry.get("aliases") or {}
    names = [*found.get("aka", []), *found.get("old", []), *found.get("loc", {}).values()]
    names += [dup.get("title", "") for dup in found.get("dup", [])]
    return tuple(n for n in names if n)


class Catalogue:
    def __init__(self, folder: Path):
        self.folder = folder
        index = folder / INDEX
        try:
            entries = json.loads(index.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CatalogueMissing(f"no catalogue index at {index}") from exc
        except (OSError, ValueError) as exc:
            raise CatalogueMissing(f"the catalogue index {index} cannot be read: {exc}") from exc
        self.icons = {
            e["slug"]: Icon(
                e["slug"],
                e["title"],
                e.get("hex", "000000").upper(),
                (e.get("license") or {}).get("type", DEFAULT_LICENSE),
                _aliases(e),
            )
            for e in entries
        }
        try:
            self.version = json.loads((folder / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            self.version = None

    def search(self, query: str, limit: int) -> list[Icon]:
        wanted = compact(query)
        if not wanted:
            return []
        ranked = []
        for icon in self.icons.values():
            rank = icon.rank(wanted)
            if rank is not None:
                ranked.append((rank, len(icon.title), fold(icon.title), icon))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked[:limit]]

    def svg(self, slug: str) -> bytes:
        """The glyph in its brand colour (black when that colour is too light)."""
        icon = self.icons.get(slug)
        if icon is None:
            raise KeyError(slug)
        try:
            text = (self.folder / "icons" / f"{slug}.svg").read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogueMissing(f"the catalogue has no file for {slug!r}: {exc}") from exc
        colour = icon.hex if luminance(icon.hex) <= MAX_LUMINANCE else "000000"
        # simple-icons' paths carry no fill of their own: the root's is inherited.
        return text.replace("<svg ", f'<svg fill="#{colour}" ', 1).encode()


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of RRGGBB (0 black .. 1 white)."""
    try:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    except ValueError:
        return 0.0
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@lru_cache(maxsize=4)
def _load(folder: str, stamp: float) -> Catalogue:
    return Catalogue(Path(folder))


def catalogue() -> Catalogue:
    """The configured catalogue, read once per change of its index; 503 when missing."""
    folder = Path(services().settings.api.logo_catalogue_dir)
    try:
        stamp = (folder / INDEX).stat().st_mtime
        return _load(str(folder), stamp)
    except (OSError, CatalogueMissing) as exc:
        log.warning("logo catalogue unavailable at %s: %s", folder, exc)
        raise ApiError(
            503,
            "the logo catalogue is not installed on this server (MA_LOGO_CATALOGUE_DIR; "
            "`make setup` installs it): upload logo files instead",
        ) from exc


def icon_view(icon: Icon) -> dict:
    return {
        "slug": icon.slug,
        "title": icon.title,
        "hex": icon.hex,
        "license": icon.license,
        "svg_url": f"/v1/catalogue/{icon.slug}.svg",
    }


@bp.get("/catalogue", responses={200: CatalogueMatches, **ERRORS})
@require(READ)
def search(query: CatalogueQuery):
    """Catalogue logos whose name or aliases match ``q`` (case and accents aside): whole
    names first, then names starting with it, then names containing it."""
    found = catalogue().search(query.q, query.limit)
    return {"query": query.q, "icons": [icon_view(icon) for icon in found]}


@bp.get("/catalogue/status", responses={200: CatalogueStatus, **ERRORS})
@require(READ)
def status():
    """Whether this server has the catalogue (the dashboard hides it when not)."""
    try:
        loaded = catalogue()
    except ApiError as exc:
        return {"available": False, "icons": 0, "version": None, "reason": exc.message}
    return {
        "available": True,
        "icons": len(loaded.icons),
        "version": loaded.version,
        "reason": None,
    }


@bp.get(
    "/catalogue/<slug>.svg",
    responses={
        200: {
            "description": "SVG glyph in its brand colour",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        },
        **ERRORS,
    },
)
@require(PUBLIC)
def glyph(path: CataloguePath):
    """The glyph as it would be added, for previews (``<img src>``: no credential needed;
    these are the package's public files, nothing of any user's)."""
    try:
        data = catalogue().svg(path.slug)
    except KeyError as exc:
        raise ApiError(404, f"no catalogue logo {path.slug!r}") from exc
    except CatalogueMissing as exc:
        raise ApiError(503, f"the logo catalogue is incomplete: {exc}") from exc
    return Response(data, mimetype="image/svg+xml", headers=SVG_HEADERS)


@bp.post(
    "/brands/<brand_id>/logos/catalogue/<slug>",
    responses={201: Logo, 413: ErrorBody, 422: ErrorBody, **ERRORS},
)
@require(CONTROL)
def add_from_catalogue(path: CatalogueLogoPath):
    """Add a catalogue glyph as one of the brand's reference logos: checked and stored as an
    uploaded file is (same answer, verdict included; 422 with the reason when unusable)."""
    existing(path.brand_id)
    try:
        data = catalogue().svg(path.slug)
    except KeyError as exc:
        raise ApiError(404, f"no catalogue logo {path.slug!r}") from exc
    except CatalogueMissing as exc:
        raise ApiError(503, f"the logo catalogue is incomplete: {exc}") from exc
    return store_logo(path.brand_id, data)
