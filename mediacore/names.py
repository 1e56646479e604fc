r"""Object names of the bucket contract (DESIGN.md), built and parsed in one place.

    streams/{stream_id}/segments/{seq:08d}.ts   (or .m4s)
    streams/{stream_id}/index.m3u8

List a stream's segments under ``segments_prefix(stream_id)``; never spell the
prefix out again.

Stream ids are validated here so that no caller can smuggle path tricks
(``..``, ``/``) into an object name. Names are matched whole and in ASCII
(``fullmatch``, ``re.ASCII``): ``$`` would accept a trailing newline and ``\d``
any Unicode digit, so ``7.ts`` or ``٧.ts`` would parse as segment 7 and
overwrite its result. A segment name must be exactly the one ``segment_object``
writes for its stream and sequence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STREAM_ID_PATTERN = r"[a-z0-9][a-z0-9_-]{0,62}"
SEGMENT_EXTENSIONS = ("ts", "m4s")

_STREAM_ID = re.compile(STREAM_ID_PATTERN, re.ASCII)
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
