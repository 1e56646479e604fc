"""HLS playlists, with the m3u8 library: nginx's (read) and the bucket's playback one (written).

The playback playlist ``streams/{id}/index.m3u8`` lives next to the segments
in the bucket and names them relatively (``segments/00000042.ts``), so players
fetch everything from the bucket (or a CDN in front of it) and the ingest
machine serves no viewer traffic. Each entry carries
``EXT-X-PROGRAM-DATE-TIME`` so the dashboard can map video time to wall clock,
and a reconnect is marked with ``EXT-X-DISCONTINUITY``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import m3u8

FRAGMENT = re.compile(r"^(\d+)\.ts$")


@dataclass(frozen=True)
class Listed:
    fragment: int
    duration: float
    discontinuity: bool


@dataclass(frozen=True)
class PlaybackEntry:
    seq: int
    duration: float
    program_date_time: datetime | None
    discontinuity: bool = False


def fragment_number(name: str) -> int | None:
    match = FRAGMENT.match(name)
    return int(match[1]) if match else None


def read_nginx_playlist(path: Path) -> dict[int, Listed]:
    """Fragments nginx lists as finished, by fragment number ({} when there is no playlist)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    listed = {}
    for segment in m3u8.loads(text).segments:
        number = fragment_number(Path(segment.uri).name)
        if number is not None:
            listed[number] = Listed(number, float(segment.duration), bool(segment.discontinuity))
    return listed


def playback_playlist(entries: list[PlaybackEntry], ended: bool = False) -> str:
    playlist = m3u8.M3U8()
    playlist.version = 3
    playlist.media_sequence = entries[0].seq if entries else 0
    playlist.target_duration = max((math.ceil(e.duration) for e in entries), default=2)
    for entry in entries:
        playlist.add_segment(
            m3u8.Segment(
                uri=f"segments/{entry.seq:08d}.ts",
                duration=round(entry.duration, 3),
                program_date_time=entry.program_date_time,
                discontinuity=entry.discontinuity,
            )
        )
    playlist.is_endlist = ended
    return playlist.dumps()
