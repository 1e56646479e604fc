"""Read a finished HLS segment's timing with PyAV, demuxing only (no decoding).

What the uploader needs: the first presentation time (for ``media_start``),
the duration, and where the keyframes are (to measure the publisher's
keyframe interval). Costs well under a millisecond per 2 s segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

# Opening a file makes FFmpeg decode a frame per stream to fill in stream info
# (~20 ms for a 1080p keyframe); the demuxer's own parsing is all we need.
NO_DECODE = {"skip_frame": "all"}


@dataclass(frozen=True)
class SegmentTiming:
    first_pts: float
    duration: float
    keyframes: list[float]


def _open(path: Path):
    try:
        return av.open(str(path), stream_options=[NO_DECODE] * 8)
    except ValueError:  # streams appear only while probing: no per-stream options
        return av.open(str(path))


def probe(path: Path) -> SegmentTiming | None:
    """Timing of the segment's video, or None when it has no readable video."""
    try:
        with _open(path) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            rate = float(stream.average_rate or stream.guessed_rate or 30)
            times, keyframes = [], []
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                t = float(packet.pts * packet.time_base)
                times.append(t)
                if packet.is_keyframe:
                    keyframes.append(t)
    except (av.FFmpegError, ValueError):
        return None
    if not times:
        return None
    return SegmentTiming(min(times), max(times) - min(times) + 1.0 / rate, keyframes)
