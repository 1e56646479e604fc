"""HLS playlists, with the m3u8 library: nginx's (read) and the bucket's playback one (written).

The playback playlist ``streams/{id}/index.m3u8`` lives next to the segments
in the bucket and names them relatively (``segments/00000042.ts``), so players
fetch everything from the bucket (or a CDN in front of it) and the ingest
machine serves no viewer traffic. Each entry carries
``EXT-X-PROGRAM-DATE-TIME`` so the dashboard can map video time to wall clock,
and a reconnect, or a hole left by dropped segments, is marked with
``EXT-X-DISCONTINUITY``. ``PlaybackPlaylists`` keeps each stream's window of
recent segments and rewrites the playlist after every upload; after a restart
it reads the window back from the bucket.
"""

from __future__ import annotations

import logging
import math
import re
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import m3u8

from ingest.spool import Claim
from mediacore.names import parse_segment_object, playlist_object, segments_prefix
from mediacore.storage import ObjectStore

log = logging.getLogger(__name__)

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

    @classmethod
    def from_claim(cls, claim: Claim) -> PlaybackEntry:
        return cls(
            claim.seq,
            float(claim.metadata["duration"]),
            datetime.fromisoformat(claim.metadata["program_date_time"]),
            claim.discontinuity,
        )


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


class PlaybackPlaylists:
    """The bucket's ``streams/{id}/index.m3u8`` per stream, from a window of recent segments."""

    def __init__(self, store: ObjectStore, window: int):
        self._store = store
        self._size = window
        self._windows: dict[str, deque[PlaybackEntry]] = {}
        self._ended: set[str] = set()

    def add(self, stream_id: str, claims: list[Claim]) -> None:
        """Uploaded segments join the window; the playlist is rewritten."""
        window = self._window(stream_id)
        for claim in claims:
            if window and claim.seq <= window[-1].seq:
                continue  # already read back from the bucket
            entry = PlaybackEntry.from_claim(claim)
            if window and claim.seq > window[-1].seq + 1:  # segments dropped in between
                entry = replace(entry, discontinuity=True)
            window.append(entry)
        self.write(stream_id)

    def end(self, stream_id: str) -> None:
        """Close the playlist (``EXT-X-ENDLIST``), once per publish session."""
        if stream_id not in self._ended:
            self._ended.add(stream_id)
            self.write(stream_id, ended=True)

    def reopen(self, stream_id: str) -> None:
        """A new publish session: the next end() closes the playlist again."""
        self._ended.discard(stream_id)

    def write(self, stream_id: str, ended: bool = False) -> None:
        text = playback_playlist(list(self._window(stream_id)), ended=ended)
        try:
            self._store.put(
                playlist_object(stream_id),
                text.encode(),
                content_type="application/vnd.apple.mpegurl",
                cache_control="no-cache, max-age=0",
            )
        except Exception:
            log.exception(
                "stream %s: playlist update failed; the next upload rewrites it", stream_id
            )

    def _window(self, stream_id: str) -> deque[PlaybackEntry]:
        """Recent segments for the playback playlist; after a restart, read back from the bucket."""
        if stream_id not in self._windows:
            window: deque[PlaybackEntry] = deque(maxlen=self._size)
            names = [o.name for o in self._store.list(segments_prefix(stream_id))]
            for name in names[-self._size :]:
                stat = self._store.stat(name)
                segment = parse_segment_object(name)
                if stat is None or segment is None:
                    continue
                pdt = stat.metadata.get("program_date_time")
                window.append(
                    PlaybackEntry(
                        segment.seq,
                        float(stat.metadata.get("duration", 2.0)),
                        datetime.fromisoformat(pdt) if pdt else None,
                        discontinuity=bool(window) and segment.seq > window[-1].seq + 1,
                    )
                )
            self._windows[stream_id] = window
        return self._windows[stream_id]
