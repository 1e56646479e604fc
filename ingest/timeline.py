"""Which fragments are finished, and where each one sits on the stream's timeline.

Pure (no disk, no clock, no bucket) so the rules that number segments and
keep media time continuous are unit-tested on their own.

A fragment is finished when nginx lists it (it lists a fragment only once it
is closed), when a later fragment is listed (it fell out of the playlist
window), or when nobody has written to it for longer than nginx keeps an idle
publisher (an abandoned partial fragment after a crash).

Bucket sequence numbers stay dense: missing fragments are reported as a gap,
not left as holes. Media time continues across a new publish session (the
publisher's clock restarts) instead of jumping back.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ingest.spool import Claim, StreamState

if TYPE_CHECKING:
    from ingest.playlist import Listed
    from ingest.probe import SegmentTiming

# A jump of the publisher's clock between two fragments (s) still read as one run.
CONTINUITY_WINDOW_S = (-0.5, 5.0)


def is_finished(
    fragment: int, idle_s: float, listed: Collection[int], abandoned_after_s: float
) -> bool:
    """Whether nginx is done with a fragment that nobody has written to for ``idle_s``."""
    newest_listed = max(listed, default=-1)
    return fragment in listed or fragment < newest_listed or idle_s > abandoned_after_s


def claim_fragment(
    stream_id: str,
    fragment: int,
    timing: SegmentTiming | None,
    listing: Listed | None,
    closed_at: float,
    state: StreamState,
) -> Claim:
    """The claim for the next finished fragment: its bucket sequence number, the DESIGN.md
    metadata, and the stream state after it.

    ``timing`` is what probe() read (None when unreadable), ``listing`` nginx's entry
    for it (None when it was never listed), ``closed_at`` its mtime (epoch seconds).
    """
    duration = timing.duration if timing else (listing.duration if listing else 0.0)

    gap = 0
    if state.last_fragment is not None and fragment > state.last_fragment + 1:
        gap = fragment - state.last_fragment - 1
    low, high = CONTINUITY_WINDOW_S
    continuous = (
        timing is not None
        and state.last_pts_end is not None
        and not (listing and listing.discontinuity)
        and low <= timing.first_pts - state.last_pts_end <= high
    )
    if continuous:
        media_start = state.last_media_end + (timing.first_pts - state.last_pts_end)
    else:
        media_start = state.last_media_end

    keyframe_interval = None
    if timing and timing.keyframes:
        marks = timing.keyframes
        if continuous and state.last_keyframe is not None:
            marks = [state.last_keyframe, *marks]
        steps = [b - a for a, b in zip(marks, marks[1:], strict=False)]
        keyframe_interval = max(steps) if steps else None

    seq = state.next_seq
    started_at = datetime.fromtimestamp(closed_at, UTC) - timedelta(seconds=duration)
    metadata = {
        "stream_id": stream_id,
        "seq": str(seq),
        "duration": f"{duration:.3f}",
        "media_start": f"{media_start:.3f}",
        "program_date_time": started_at.isoformat(timespec="milliseconds"),
        "fragment": str(fragment),
    }
    if timing:
        metadata["pts"] = f"{timing.first_pts:.3f}"
    after = StreamState(
        next_seq=seq + 1,
        last_fragment=max(fragment, state.last_fragment or 0),
        last_pts_end=(timing.first_pts + duration) if timing else state.last_pts_end,
        last_media_end=media_start + duration,
        last_keyframe=(
            timing.keyframes[-1] if timing and timing.keyframes else state.last_keyframe
        ),
    )
    return Claim(
        seq,
        fragment,
        metadata,
        after,
        keyframe_interval,
        gap,
        discontinuity=state.last_pts_end is not None and not continuous,
        extra={"closed_at": closed_at},
    )
