"""What the stream document learns from each batch of uploads, and of drops.

Upload progress, the playback URL, the measured keyframe interval with a
warning OBS users can act on, sequence gaps, and segments dropped unshipped.
The registry owns how that is stored; a failed update is logged and never holds
up the uploads.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from ingest.space import Drop
from ingest.spool import Claim
from mediacore.names import playlist_object
from mediacore.settings import Settings
from mediacore.storage import ObjectStore

log = logging.getLogger(__name__)

KEYFRAME_TOLERANCE_S = 0.1  # PTS rounding; a 2 s GOP measures 2.0-2.03 s


def keyframe_warning(interval: float, target: float) -> str | None:
    if interval <= target + KEYFRAME_TOLERANCE_S:
        return None
    return (
        f"Keyframes arrive every {interval:.1f} s, so segments are {interval:.1f} s long and "
        f"results lag behind. Set OBS keyframe interval to {target:g} s "
        "(Settings > Output > Keyframe Interval)."
    )


@dataclass(frozen=True)
class UploadSummary:
    """The arguments of ``StreamRegistry.record_uploads`` for a batch, less the playlist."""

    count: int
    last_seq: int
    keyframe_interval_s: float | None = None
    keyframe_warning: str | None = None
    gaps: tuple[tuple[int, int], ...] = ()


def summarize(claims: list[Claim], target_s: float) -> UploadSummary:
    """One batch of uploaded claims (oldest first): the longest keyframe interval seen,
    and each gap as ``(before_seq, missing_fragments)``."""
    intervals = [c.keyframe_interval for c in claims if c.keyframe_interval]
    interval = round(max(intervals), 3) if intervals else None
    return UploadSummary(
        count=len(claims),
        last_seq=claims[-1].seq,
        keyframe_interval_s=interval,
        keyframe_warning=keyframe_warning(interval, target_s) if interval is not None else None,
        gaps=tuple((c.seq, c.gap) for c in claims if c.gap),
    )


class StreamStatus:
    def __init__(self, settings: Settings, store: ObjectStore, registry):
        self._settings = settings
        self._store = store
        self._registry = registry

    def playback_url(self, stream_id: str) -> str:
        base = self._settings.api.playback_base_url
        if base:
            return f"{base.rstrip('/')}/v1/streams/{stream_id}/playlist.m3u8"
        return self._store.public_url(playlist_object(stream_id))

    def uploaded(self, stream_id: str, claims: list[Claim]) -> None:
        summary = summarize(claims, self._settings.ingest.hls_fragment_s)
        playlist = self.playback_url(stream_id)
        try:
            self._registry.record_uploads(
                stream_id,
                count=summary.count,
                last_seq=summary.last_seq,
                playlist=playlist,
                keyframe_interval_s=summary.keyframe_interval_s,
                keyframe_warning=summary.keyframe_warning,
                gaps=summary.gaps,
            )
        except Exception:
            log.exception("stream %s: stream document update failed", stream_id)

    def dropped(self, stream_id: str, drops: list[Drop]) -> None:
        try:
            self._registry.record_drops(
                stream_id,
                dict(Counter(d.reason for d in drops)),
                last_seq=max((d.seq for d in drops if d.seq is not None), default=None),
            )
        except Exception:
            log.exception("stream %s: stream document update failed", stream_id)
