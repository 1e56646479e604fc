r"""Object names of the bucket contract (DESIGN.md), built and parsed in one place.

    streams/{stream_id}/segments/{seq:08d}.ts   (or .m4s)
    streams/{stream_id}/index.m3u8
    evidence/{stream_id}/{seq:08d}-{brand_slug}.jpg   (a brand's best frame in a segment)

List a stream's segments under ``segments_prefix(stream_id)``; never spell the
prefix out again. Evidence frames live outside ``streams/``: the bucket
notifications of every deployment (GCS, MinIO) fire for ``streams/`` only, so
storing one never invokes the analysis. ``media_prefixes`` names everything a
stream owns in the bucket (deleted with it).

Stream ids are validated here so that no caller can smuggle path tricks
(``..``, ``/``) into an object name. Names are matched whole and in ASCII
(``fullmatch``, ``re.ASCII``): ``$`` would accept a trailing newline and ``\d``
any Unicode digit, so ``7.ts`` or ``٧.ts`` would parse as segment 7 and
overwrite its result. A segment name must be exactly the one ``segment_object``
writes for its stream and sequence.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

STREAM_ID_PATTERN = r"[a-z0-9][a-z0-9_-]{0,62}"
SEGMENT_EXTENSIONS = ("ts", "m4s")
EVIDENCE_ROOT = "evidence/"
BRAND_SLUG_PATTERN = r"[a-z0-9][a-z0-9-]{0,62}"

_STREAM_ID = re.compile(STREAM_ID_PATTERN, re.ASCII)
_BRAND_SLUG = re.compile(BRAND_SLUG_PATTERN, re.ASCII)
_SEGMENT = re.compile(
    rf"streams/(?P<stream>{STREAM_ID_PATTERN})/segments/(?P<seq>[0-9]{{8,12}})\.(?P<ext>ts|m4s)",
    re.ASCII,
)


class InvalidName(ValueError):
    """A stream id or object name that breaks the naming contract."""


@dataclass(frozen=True)
class SegmentName:
    stream_id: str
    seq: int
    ext: str = "ts"

    @property
    def object_name(self) -> str:
        return segment_object(self.stream_id, self.seq, self.ext)


def check_stream_id(stream_id: str) -> str:
    if not isinstance(stream_id, str) or not _STREAM_ID.fullmatch(stream_id):
        raise InvalidName(
            f"invalid stream id {stream_id!r}: use 1-63 of a-z, 0-9, '-', '_', "
            "starting with a letter or digit"
        )
    return stream_id


def stream_prefix(stream_id: str) -> str:
    """Where all of a stream's objects live; playlist lines are relative to it."""
    return f"streams/{check_stream_id(stream_id)}/"


def segments_prefix(stream_id: str) -> str:
    """Where a stream's segments live: the prefix to list them by."""
    return f"{stream_prefix(stream_id)}segments/"


def segment_object(stream_id: str, seq: int, ext: str = "ts") -> str:
    prefix = segments_prefix(stream_id)
    if seq < 0:
        raise InvalidName(f"segment sequence must be >= 0, got {seq}")
    if ext not in SEGMENT_EXTENSIONS:
        raise InvalidName(f"segment extension must be one of {SEGMENT_EXTENSIONS}, got {ext!r}")
    return f"{prefix}{seq:08d}.{ext}"


def playlist_object(stream_id: str) -> str:
    return f"{stream_prefix(stream_id)}index.m3u8"


def evidence_prefix(stream_id: str) -> str:
    """Where a stream's evidence frames live (outside ``streams/``: no analysis event)."""
    return f"{EVIDENCE_ROOT}{check_stream_id(stream_id)}/"


def media_prefixes(stream_id: str) -> tuple[str, ...]:
    """Every prefix holding a stream's objects: what deleting the stream empties."""
    return stream_prefix(stream_id), evidence_prefix(stream_id)


def brand_slug(brand: str) -> str:
    """A brand label as a name part: itself when already lower-case ASCII words joined by
    '-' (brand ids), else those words and 8 hex digits of its hash, so labels that differ
    only in case or punctuation ("Coca-Cola", "coca cola") keep apart. Idempotent."""
    if _BRAND_SLUG.fullmatch(brand):
        return brand
    digest = hashlib.sha256(brand.encode()).hexdigest()[:8]
    words = re.sub(r"[^a-z0-9]+", "-", brand.lower(), flags=re.ASCII).strip("-")[:40]
    words = words.strip("-")
    return f"{words}-{digest}" if words else digest


def evidence_object(stream_id: str, seq: int, brand: str) -> str:
    """The JPEG of ``brand``'s best frame in segment ``seq`` (its box drawn)."""
    if seq < 0:
        raise InvalidName(f"segment sequence must be >= 0, got {seq}")
    return f"{evidence_prefix(stream_id)}{seq:08d}-{brand_slug(brand)}.jpg"


def segment_doc_id(seq: int) -> str:
    """Firestore document id of a segment: zero-padded so ids sort by sequence."""
    return f"{seq:08d}"


def parse_segment_object(name: str) -> SegmentName | None:
    """The segment a bucket object is, or None when it is anything else (including a name
    that only resembles one: ``7.ts``, ``000000007.ts``)."""
    match = _SEGMENT.fullmatch(name) if isinstance(name, str) else None
    if not match:
        return None
    segment = SegmentName(match["stream"], int(match["seq"]), match["ext"])
    return segment if segment.object_name == name else None
