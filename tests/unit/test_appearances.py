"""Appearances from sampled frames: runs within a segment, continued across segments; runs
of a brand's name read on screen apart from its logo runs; spoken mentions."""

from functions.appearances import (
    appearance_id,
    part_fields,
    run_key,
    segment_runs,
    summarise,
    text_hits,
)
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


# --- text and speech (issue 18) ----------------------------------------------------------


def hit(kind, brand, score=0.9, box=(0.1, 0.1, 0.2, 0.1), text=None):
    return {"label": brand, "score": score, "box": list(box), "kind": kind, "text": text}


def read(t, *detections, ocr=True):
    return {"t": t, "detections": list(detections), "ocr": ocr}


def spoken(seq, frames, mentions, duration=2.0):
    return SegmentResult(
        seq=seq, stream_id="s", object="o", generation="1", status="done", duration=duration,
        frames=frames, mentions=mentions,
    )  # fmt: skip


def test_text_runs_are_apart_from_logo_runs_and_keyed_apart_when_open():
    doc = segment(0, [
        read(0.0, hit("logo", "acme")),
        read(0.5, hit("logo", "acme"), hit("text", "acme", 0.7, text="ACME sale")),
        read(1.0, hit("text", "acme", 0.95, box=(0.2, 0.2, 0.4, 0.1), text="Acme!")),
        read(1.5, hit("text", "acme", 0.8, text="acme")),
    ])  # fmt: skip
    runs = segment_runs(doc, None)
    parts = {p.source: p for p in runs.parts}
    assert set(parts) == {"logo", "text"}
    assert (parts["logo"].start, parts["logo"].end) == (0.0, 1.0)
    text = parts["text"]
    assert (text.start, text.end, text.best_score, text.text) == (0.5, 2.0, 0.95, "Acme!")
    assert text.peak_box == [0.2, 0.2, 0.4, 0.1]
    assert runs.open_runs == {run_key("acme", "text"): 0.5} == {"text:acme": 0.5}
    # The next segment continues the text run only, not a logo run of the same brand.
    nxt = segment_runs(segment(1, [read(2.0, hit("text", "acme"), hit("logo", "acme"))]),
                       runs.open_runs)  # fmt: skip
    starts = {p.source: p.start for p in nxt.parts}
    assert starts == {"text": 0.5, "logo": 2.0}


def test_an_old_open_runs_document_still_continues_its_logo_run():
    """Segment documents written before text runs hold {brand: start} for logo runs."""
    nxt = segment_runs(segment(1, [frame(2.0, ("acme", 0.9, 0.1))]), {"acme": 0.5})
    (part,) = nxt.parts
    assert (part.source, part.start) == ("logo", 0.5)


def test_frames_ocr_did_not_read_hold_the_last_read_frame():
    doc = segment(0, [
        read(0.0, ocr=False),  # before the first read frame: holds that one (acme)
        read(0.5, hit("text", "acme")),
        read(1.0, ocr=False),  # holds 0.5: acme
        read(1.5),  # read, nothing: the run ends here
    ])  # fmt: skip
    (part,) = segment_runs(doc, None).parts
    assert (part.source, part.start, part.end, part.frames) == ("text", 0.0, 1.5, 3)
    assert text_hits(segment(0, [read(0.0, ocr=False)]).frames) == [{}]  # nothing read


def test_each_spoken_mention_is_an_appearance_of_its_own():
    doc = spoken(3, [frame(6.0, ("acme", 0.9, 0.1))], [
        {"brand": "acme", "start": 6.4, "end": 6.9, "text": "Acme", "score": 0.8},
        {"brand": "beta", "start": 7.1, "end": 7.5, "text": "beta's", "score": 0.6},
    ])  # fmt: skip
    runs = segment_runs(doc, None)
    said = [p for p in runs.parts if p.source == "speech"]
    assert [(p.brand, p.start, p.end, p.text, p.best_score) for p in said] == [
        ("acme", 6.4, 6.9, "Acme", 0.8), ("beta", 7.1, 7.5, "beta's", 0.6)
    ]  # fmt: skip
    assert runs.open_runs == {"acme": 6.0}  # mentions never stay open
    ids = {appearance_id(p.brand, p.start, p.source) for p in runs.parts}
    assert ids == {"acme-0000006000", "acme-speech-0000006400", "beta-speech-0000007100"}
    # Redelivered: the same ids and the same part keys, so nothing is counted twice.
    again = segment_runs(doc, None)
    assert [part_fields(3, p) for p in again.parts] == [part_fields(3, p) for p in runs.parts]
    shown = summarise(part_fields(3, said[1]))
    assert (shown.source, shown.text, shown.seconds, shown.best_score) == ("speech", "beta's",
                                                                           0.4, 0.6)  # fmt: skip
    assert shown.peak_box is None and shown.peak_size is None and shown.evidence is None


def test_ids_differ_by_source_and_logo_ids_stay_as_they_were():
    assert appearance_id("acme", 1.5) == "acme-0000001500"
    assert appearance_id("acme", 1.5, "logo") == "acme-0000001500"
    assert appearance_id("acme", 1.5, "text") == "acme-text-0000001500"
    assert appearance_id("acme", 1.5, "speech") == "acme-speech-0000001500"


def test_text_appearances_show_their_text_and_the_segments_evidence():
    doc = segment(2, [read(4.0, hit("text", "acme", 0.9, text="ACME"))])
    doc.evidence = {"acme": "evidence/s/00000002-acme.jpg"}
    (part,) = segment_runs(doc, None).parts
    shown = summarise(part_fields(2, part), "s")
    assert (shown.source, shown.text, shown.evidence_seq) == ("text", "ACME", 2)
    assert shown.evidence == "/v1/streams/s/evidence/2/acme"
