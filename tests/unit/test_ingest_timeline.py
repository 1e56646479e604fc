"""Fragment claiming and timeline math (ingest/timeline.py), without disk or bucket."""

from datetime import UTC, datetime

import pytest

from ingest.playlist import Listed
from ingest.probe import SegmentTiming
from ingest.spool import StreamState
from ingest.timeline import claim_fragment, is_finished

CLOSED_AT = datetime(2026, 11, 25, 18, 0, 10, tzinfo=UTC).timestamp()


def test_listed_fragments_and_those_before_the_newest_listed_are_finished():
    listed = {7, 8}
    assert is_finished(7, 0.0, listed, 12.0)
    assert is_finished(5, 0.0, listed, 12.0)  # fell out of the playlist window
    assert not is_finished(9, 0.5, listed, 12.0)  # nginx is still writing it
    assert is_finished(9, 12.5, listed, 12.0)  # abandoned after a crash
    assert not is_finished(0, 1.0, set(), 12.0)
    assert is_finished(0, 13.0, set(), 12.0)


def test_first_fragment_starts_the_timeline():
    timing = SegmentTiming(first_pts=10.0, duration=2.0, keyframes=[10.0, 11.0])
    claim = claim_fragment("cam", 3, timing, Listed(3, 2.0, False), CLOSED_AT, StreamState(5))
    assert claim.seq == 5 and claim.fragment == 3
    assert claim.metadata == {
        "stream_id": "cam",
        "seq": "5",
        "duration": "2.000",
        "media_start": "0.000",
        "program_date_time": "2026-11-25T18:00:08.000+00:00",  # closed minus duration
        "fragment": "3",
        "pts": "10.000",
    }
    assert claim.keyframe_interval == 1.0
    assert claim.gap == 0 and not claim.discontinuity
    assert claim.extra == {"closed_at": CLOSED_AT}
    assert claim.state_after == StreamState(
        next_seq=6, last_fragment=3, last_pts_end=12.0, last_media_end=2.0, last_keyframe=11.0
    )


def after_first():
    return StreamState(
        next_seq=6, last_fragment=3, last_pts_end=12.0, last_media_end=2.0, last_keyframe=11.0
    )


def test_next_fragment_continues_media_time_and_measures_keyframes_across_segments():
    timing = SegmentTiming(first_pts=12.04, duration=2.0, keyframes=[12.04])
    claim = claim_fragment("cam", 4, timing, None, CLOSED_AT, after_first())
    assert claim.seq == 6
    assert claim.metadata["media_start"] == "2.040"  # publisher clock jitter is kept
    assert claim.keyframe_interval == pytest.approx(1.04)  # from the last segment's keyframe
    assert not claim.discontinuity and claim.gap == 0
    assert claim.state_after.last_media_end == pytest.approx(4.04)


def test_new_publish_session_continues_media_time_instead_of_jumping_back():
    timing = SegmentTiming(first_pts=0.0, duration=2.0, keyframes=[0.0])
    claim = claim_fragment("cam", 4, timing, None, CLOSED_AT, after_first())
    assert claim.metadata["media_start"] == "2.000"
    assert claim.discontinuity
    assert claim.keyframe_interval is None  # one keyframe, no previous one to measure from
    assert claim.state_after.last_pts_end == 2.0
    assert claim.state_after.last_media_end == 4.0


def test_nginx_discontinuity_breaks_the_run_even_with_continuous_timestamps():
    timing = SegmentTiming(first_pts=12.0, duration=2.0, keyframes=[12.0, 13.0])
    claim = claim_fragment("cam", 4, timing, Listed(4, 2.0, True), CLOSED_AT, after_first())
    assert claim.discontinuity
    assert claim.metadata["media_start"] == "2.000"
    assert claim.keyframe_interval == 1.0  # not measured from the previous segment


def test_missing_fragments_are_a_gap_not_a_hole_in_the_numbering():
    timing = SegmentTiming(first_pts=18.0, duration=2.0, keyframes=[18.0])
    claim = claim_fragment("cam", 6, timing, None, CLOSED_AT, after_first())
    assert claim.gap == 2 and claim.seq == 6
    assert claim.metadata["media_start"] == "2.000"  # 6 s later than the last end: a new run
    assert claim.discontinuity


def test_restarted_fragment_numbers_keep_the_highest_seen():
    timing = SegmentTiming(first_pts=12.0, duration=2.0, keyframes=[12.0])
    claim = claim_fragment("cam", 0, timing, None, CLOSED_AT, after_first())
    assert claim.gap == 0 and claim.seq == 6
    assert claim.state_after.last_fragment == 3


def test_unreadable_fragment_takes_nginx_duration_and_keeps_the_clock():
    claim = claim_fragment("cam", 4, None, Listed(4, 1.48, False), CLOSED_AT, after_first())
    assert claim.metadata["duration"] == "1.480" and "pts" not in claim.metadata
    assert claim.keyframe_interval is None
    assert claim.discontinuity
    assert claim.state_after.last_pts_end == 12.0
    assert claim.state_after.last_keyframe == 11.0
    assert claim.state_after.last_media_end == pytest.approx(3.48)

    unlisted = claim_fragment("cam", 4, None, None, CLOSED_AT, StreamState())
    assert unlisted.metadata["duration"] == "0.000"
    assert not unlisted.discontinuity  # nothing before it to break from
