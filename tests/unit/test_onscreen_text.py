"""OCR frames and lines to brand detections: sampling rate, the brand's part of a line, and
a text hit on a same-brand logo counted once."""

import pytest

from functions.brand_text import BrandMatcher
from functions.onscreen_text import (
    MAX_LINES_PER_FRAME,
    brand_detections,
    kept_lines,
    pick_frames,
)
from mediacore.schema import Detection, TextLine

MATCHER = BrandMatcher({"spotify": ["Spotify"], "heineken": ["Heineken"]})


@pytest.mark.parametrize(
    ("times", "interval", "expected"),
    [
        ([0.0, 1.0], 2.0, [1]),  # a 2 s segment at 1 fps: its middle (second) frame
        ([0.0], 2.0, [0]),
        ([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8], 1.0, [0, 5]),
        ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 2.0, [0, 2, 4, 6]),
        ([], 2.0, []),
    ],
)
def test_frames_are_read_at_most_every_interval(times, interval, expected):
    assert pick_frames(times, interval) == expected


def test_the_brand_box_is_its_part_of_the_line():
    line = TextLine(text="Visit Spotify today", score=0.9, box=(0.1, 0.5, 0.38, 0.05))
    (hit,) = brand_detections([line], MATCHER, [])
    x, y, w, h = hit.box
    assert (hit.label, hit.kind, hit.text) == ("spotify", "text", "Spotify")
    assert x == pytest.approx(0.1 + 0.38 * 6 / 19) and w == pytest.approx(0.38 * 7 / 19)
    assert (y, h) == (0.5, 0.05)
    assert hit.score == pytest.approx(0.9)


def test_a_text_hit_on_a_same_brand_logo_counts_once():
    line = TextLine(text="HEINEKEN", score=0.95, box=(0.2, 0.2, 0.2, 0.05))
    logo = Detection(label="heineken", score=0.8, box=(0.18, 0.15, 0.25, 0.15), kind="logo")
    other = Detection(label="spotify", score=0.8, box=(0.18, 0.15, 0.25, 0.15), kind="logo")
    far = Detection(label="heineken", score=0.8, box=(0.7, 0.7, 0.1, 0.1), kind="logo")
    assert brand_detections([line], MATCHER, [logo]) == []
    assert [d.label for d in brand_detections([line], MATCHER, [other, far])] == ["heineken"]


def test_lines_without_brands_give_no_detection_but_are_kept_bounded():
    lines = [
        TextLine(text=f"line {i} " + "x" * 300, score=i / 100, box=(0, 0, 1, 0.01))
        for i in range(60)
    ]
    assert brand_detections(lines, MATCHER, []) == []
    kept = kept_lines(lines)
    assert len(kept) == MAX_LINES_PER_FRAME
    assert kept[0].score == 0.59 and all(len(k.text) <= 200 for k in kept)
