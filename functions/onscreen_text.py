"""Brand names read on screen: which frames OCR reads, and OCR lines to brand detections.

OCR costs ~0.6 CPU-s per frame (the text detector runs on the whole frame, the
recogniser only where it fires), about ten times the logo path, and text on screen
usually stays for seconds: so it reads frames at most every ``interval_s``
(realtime: one per 2 s segment; batch: one a second) from those already sampled.

A brand found in a line becomes a ``kind: "text"`` detection whose box is the part
of the line's box its words take (by character share: lines are near-horizontal).
A text hit on a region where the logo detector found the same brand counts once:
the logo stays, the text hit is dropped.
"""

from __future__ import annotations

from mediacore.schema import Detection, TextLine

from .brand_text import BrandMatcher

OCR_SOURCE = "ocr:rapidocr"
MAX_LINES_PER_FRAME = 40  # what a frame's document keeps of the lines read (size bound)
MAX_LINE_CHARS = 200
# A text box this much covered by a same-brand logo box is the same sighting.
SAME_SIGHTING = 0.3


def pick_frames(times: list[float], interval_s: float) -> list[int]:
    """Indices of frames at least ``interval_s`` apart; a segment shorter than the
    interval still gets one, its middle frame (the most representative)."""
    if not times:
        return []
    if times[-1] - times[0] < interval_s:
        return [len(times) // 2]
    chosen = [0]
    for index, t in enumerate(times[1:], start=1):
        if t - times[chosen[-1]] >= interval_s - 1e-3:
            chosen.append(index)
    return chosen


def kept_lines(lines: list[TextLine]) -> list[TextLine]:
    """The lines a frame document stores: the most confident first, bounded."""
    ranked = sorted(lines, key=lambda line: -line.score)[:MAX_LINES_PER_FRAME]
    return [
        line
        if len(line.text) <= MAX_LINE_CHARS
        else line.model_copy(update={"text": line.text[:MAX_LINE_CHARS]})
        for line in ranked
    ]


def _word_box(line: TextLine, first_word: int, last_word: int) -> tuple[float, float, float, float]:
    """The part of the line's box taken by words first..last, by their characters."""
    words = line.text.split()
    before = len(" ".join(words[:first_word])) + (1 if first_word else 0)
    taken = len(" ".join(words[first_word : last_word + 1]))
    total = max(1, len(line.text.strip()))
    x, y, w, h = line.box
    return (x + w * before / total, y, w * min(1.0, taken / total), h)


def _covered(box, by) -> float:
    """Share of ``box``'s area inside ``by``."""
    x, y, w, h = box
    bx, by_, bw, bh = by
    ix = max(0.0, min(x + w, bx + bw) - max(x, bx))
    iy = max(0.0, min(y + h, by_ + bh) - max(y, by_))
    area = w * h
    return ix * iy / area if area > 0 else 0.0


def brand_detections(
    lines: list[TextLine], matcher: BrandMatcher, logos: list[Detection]
) -> list[Detection]:
    """Text detections of the brands named in ``lines``, without those a same-brand logo
    detection in the frame already covers, one per brand and place."""
    found: list[Detection] = []
    for line in lines:
        for match in matcher.in_text(line.text):
            box = _word_box(line, match.first_word, match.last_word)
            if any(
                logo.label == match.brand and _covered(box, logo.box) >= SAME_SIGHTING
                for logo in logos
            ):
                continue
            found.append(
                Detection(
                    label=match.brand,
                    score=round(line.score * match.score, 4),
                    box=box,
                    kind="text",
                    source=OCR_SOURCE,
                    text=match.found,
                )
            )
    return found
