"""Appearances from sampled frames: runs within a segment, continued across segments."""

from functions.appearances import appearance_id, segment_runs, summarise
from mediacore.schema import SegmentResult


def frame(t, *logos):
    return {
        "t": t,
        "detections": [
            {"label": b, "score": s, "box": [0.1, 0.1, w, w], "kind": "logo"} for b, s, w in logos
        ]
        + [{"label": "person", "score": 0.9, "box": [0, 0, 1, 1], "kind": "object"}],
    }


def segment(seq, frames, duration=2.0):
    return SegmentResult(
        seq=seq, stream_id="s", object="o", generation="1", status="done", duration=duration,
        frames=frames,
    )  # fmt: skip


def test_runs_within_a_segment_keep_peak_and_best_frame():
    doc = segment(0, [frame(0.0, ("acme", 0.9, 0.1)), frame(0.5, ("acme", 0.95, 0.2)),
                      frame(1.0), frame(1.5, ("acme", 0.8, 0.1))])  # fmt: skip
    runs = segment_runs(doc, None)
    first, second = sorted(runs.parts, key=lambda p: p.start)
    assert (first.start, first.end, first.frames) == (0.0, 1.0, 2)
    assert first.peak_box == [0.1, 0.1, 0.2, 0.2] and first.best_t == 0.5
    assert (second.start, second.end) == (1.5, 2.0)
    assert runs.open_runs == {"acme": 1.5}  # reaches the segment's end


def test_a_run_open_at_the_end_continues_in_the_next_segment():
    first = segment_runs(segment(0, [frame(0.0), frame(1.0, ("acme", 0.9, 0.1))]), None)
    assert first.open_runs == {"acme": 1.0}
    second = segment_runs(segment(1, [frame(2.0, ("acme", 0.9, 0.3)), frame(3.0)]), first.open_runs)
    (part,) = second.parts
    assert part.start == 1.0 and part.end == 3.0 and second.open_runs == {}
    assert appearance_id("acme", part.start) == appearance_id("acme", 1.0)


def test_summary_of_an_appearance_from_its_parts():
    doc = {
        "brand": "acme",
        "start": 1.0,
        "parts": {
            "00000000": {"end": 2.0, "frames": 1, "peak_box": [0, 0, 0.1, 0.1],
                         "peak_area": 0.01, "best_t": 1.0, "best_score": 0.8},
            "00000001": {"end": 3.0, "frames": 1, "peak_box": [0, 0, 0.3, 0.3],
                         "peak_area": 0.09, "best_t": 2.0, "best_score": 0.95},
        },
    }  # fmt: skip
    summary = summarise(doc)
    assert summary.seconds == 2.0 and summary.peak_box == [0, 0, 0.3, 0.3]
    assert summary.best_frame_t == 2.0 and summary.source == "logo"


def test_failed_segments_have_no_runs():
    failed = SegmentResult(seq=1, stream_id="s", object="o", generation="1", status="failed")
    assert segment_runs(failed, {"acme": 0.0}).parts == []
