"""Stream totals by source (functions/aggregates.py): seconds on screen by logo or text (a
frame with both counts once), logo and text seconds apart, spoken mentions; moved by the
difference between a segment's new and replaced contribution, so a redelivery counts
nothing twice; stream documents written before sources existed still read.

The transforms are applied here as Firestore applies them (increment, minimum, maximum on
a nested map); tests/integration/test_api_signals.py writes through the real writer."""

from __future__ import annotations

import pytest

from functions.aggregates import brand_aggregate, contribution, stream_update
from mediacore.schema import SegmentResult


def increment(value):
    return ("inc", value)


def minimum(value):
    return ("min", value)


def maximum(value):
    return ("max", value)


def apply(doc: dict, update: dict) -> dict:
    """A merge of ``update`` (with the transforms above) into ``doc``, as Firestore does."""
    for key, value in update.items():
        if isinstance(value, dict):
            apply(doc.setdefault(key, {}), value)
            continue
        op, operand = value
        current = doc.get(key)
        if op == "inc":
            doc[key] = round((current or 0) + operand, 6)
        elif op == "min":
            doc[key] = operand if current is None else min(current, operand)
        else:
            doc[key] = operand if current is None else max(current, operand)
    return doc


def hit(kind, brand):
    return {"label": brand, "score": 0.9, "box": [0.1, 0.1, 0.2, 0.1], "kind": kind}


def segment(seq, frames, mentions=(), generation="1", duration=2.0, status="done"):
    return SegmentResult.model_validate({
        "seq": seq, "stream_id": "s", "object": "o", "generation": generation,
        "status": status, "duration": duration, "frames": frames, "mentions": list(mentions),
    })  # fmt: skip


def mention(brand, start):
    return {"brand": brand, "start": start, "end": start + 0.4, "text": brand, "score": 0.8}


# Four frames of 0.5 s: acme by logo, by both, by text held (OCR did not read), by text.
FIRST = segment(0, [
    {"t": 0.0, "detections": [hit("logo", "acme")], "ocr": True},
    {"t": 0.5, "detections": [hit("logo", "acme"), hit("text", "acme")], "ocr": True},
    {"t": 1.0, "detections": [], "ocr": False},
    {"t": 1.5, "detections": [hit("text", "acme"), hit("object", "person")], "ocr": True},
], mentions=[mention("beta", 0.3), mention("acme", 1.2), mention("beta", 1.8)])  # fmt: skip
SECOND = segment(1, [
    {"t": 2.0, "detections": [], "brands": [{"label": "acme", "score": 0.4}], "ocr": True},
    {"t": 3.0, "detections": [hit("text", "gamma")], "ocr": True},
], mentions=[mention("acme", 3.5)])  # fmt: skip


def write(doc: dict, new: SegmentResult, old: SegmentResult | None) -> dict:
    return apply(doc, stream_update(contribution(new), contribution(old), increment, minimum,
                                    maximum))  # fmt: skip


def test_a_frame_with_logo_and_text_of_a_brand_counts_once_on_screen():
    c = contribution(FIRST)
    assert c.brand_seconds["acme"] == pytest.approx(2.0)  # all four frames
    assert c.logo_seconds["acme"] == pytest.approx(1.0)
    assert c.text_seconds["acme"] == pytest.approx(1.5)  # 0.5, 1.0 (held), 1.5
    assert c.brand_seconds["acme"] < c.logo_seconds["acme"] + c.text_seconds["acme"]
    assert c.mentions == {"beta": 2, "acme": 1}
    assert (c.mention_first["beta"], c.mention_last["beta"]) == (0.3, 1.8)
    assert "beta" not in c.brand_seconds  # said, never on screen
    assert c.objects == {"person": 1}


def test_stream_totals_by_source_and_mentions_count_once_when_redelivered():
    doc: dict = {}
    for new, old in ((FIRST, None), (SECOND, None), (FIRST, FIRST), (SECOND, SECOND)):
        write(doc, new, old)  # the last two: redelivered (the writer passes what it stored)
    acme, beta, gamma = (doc["brands"][b] for b in ("acme", "beta", "gamma"))
    # CLIP's whole-frame label at 2.0 counts as logo, as before.
    assert acme == {
        "seconds": 3.0,
        "logo_seconds": 2.0,
        "text_seconds": 1.5,
        "mentions": 2,
        "first_seen": 0.0,
        "last_seen": 2.0,
        "first_mention": 1.2,
        "last_mention": 3.5,
    }
    assert beta == {"mentions": 2, "first_mention": 0.3, "last_mention": 1.8}
    assert (gamma["seconds"], gamma["text_seconds"], gamma["first_seen"]) == (1.0, 1.0, 3.0)
    assert "logo_seconds" not in gamma and doc["analysed_seconds"] == 4.0


def test_a_reanalysis_moves_every_total_by_the_difference():
    doc: dict = {}
    write(doc, FIRST, None)
    # Re-analysed: acme only by logo in the first frame, beta said once.
    replaced = segment(0, [{"t": 0.0, "detections": [hit("logo", "acme")], "ocr": True}],
                       mentions=[mention("beta", 0.3)], generation="2")  # fmt: skip
    write(doc, replaced, FIRST)
    acme, beta = doc["brands"]["acme"], doc["brands"]["beta"]
    assert (acme["seconds"], acme["logo_seconds"], acme["text_seconds"]) == (2.0, 2.0, 0.0)
    assert (acme["mentions"], beta["mentions"]) == (0, 1)


def test_mentions_of_a_segment_without_frames_count_but_failed_segments_count_nothing():
    audio_only = segment(4, [], mentions=[mention("acme", 8.1)])
    assert contribution(audio_only).mentions == {"acme": 1}
    assert contribution(audio_only).analysed_seconds == 0.0
    failed = segment(4, [], mentions=[mention("acme", 8.1)], status="failed")
    assert contribution(failed).mentions == {}


def test_old_stream_documents_still_read():
    """Before sources, ``brands.{b}`` had seconds, first_seen, last_seen: all logo."""
    old = brand_aggregate({"seconds": 4.5, "first_seen": 1.0, "last_seen": 9.0})
    assert (old.seconds, old.logo_seconds, old.text_seconds, old.mentions) == (4.5, 4.5, 0.0, 0)
    assert old.first_mention is None and old.first_seen == 1.0
    new = brand_aggregate({"seconds": 2.0, "text_seconds": 2.0})
    assert (new.logo_seconds, new.text_seconds) == (0.0, 2.0)
    said = brand_aggregate({"mentions": 3, "first_mention": 1.0, "last_mention": 5.0})
    assert (said.seconds, said.logo_seconds, said.mentions) == (0.0, 0.0, 3)
    assert brand_aggregate(None).seconds == 0.0
    # A segment document stored before text and speech existed is read back and replaced.
    stored = {"seq": 0, "stream_id": "s", "object": "o", "generation": "1", "status": "done",
              "duration": 2.0, "frames": [{"t": 0.0, "detections": [hit("logo", "acme")]}],
              "open_runs": {"acme": 0.0}}  # fmt: skip
    c = contribution(SegmentResult.model_validate(stored))
    assert (c.brand_seconds["acme"], c.logo_seconds["acme"], c.text_seconds["acme"]) == (2, 2, 0)
