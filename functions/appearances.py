"""Appearances: each continuous stretch of a brand on screen, and each time it is said.

Every appearance carries its ``source``:

- ``logo``: a run of the brand's logo detections (``kind: "logo"``) over consecutive
  sampled frames;
- ``text``: a run of its name read on screen (``kind: "text"`` detections, from OCR);
- ``speech``: one spoken mention (``SegmentResult.mentions``), start/end the words' times.

OCR may run on fewer frames than the logo detector (``FrameResult.ocr``): a frame it did
not read holds what the nearest earlier read frame of the segment saw (the first read
frame, for frames before it), so a text run is not broken by frames nobody read, and the
stream totals (functions/aggregates.py) count the same frames.

A run that reaches the segment's last frame is *open* and recorded on the segment document
(``open_runs: {key: start}``), so the next segment continues it instead of starting a new
one. Keys: a logo run keeps the plain brand (what documents written before text runs
existed hold, so they still read); a text run is ``text:{brand}`` (:func:`run_key`).
Mentions are never open: the segment that owns the words holds the whole mention.

``streams/{id}/appearances/{id}`` holds one appearance; ids differ by source:
``{brand}-{start_ms}`` (logo, as before), ``{brand}-text-{start_ms}``,
``{brand}-speech-{start_ms}`` (start in ms, 10 digits). Each segment writes only its own
part under ``parts.{seq}`` (end, peak box and size, best frame and score, the text read
or said, and the bucket object of the brand's evidence frame in that segment when one was
stored) and moves ``end`` with a server-side maximum, so a redelivered segment rewrites the
same part and counts nothing twice. Readers (API, dashboard) take start, end, the peak box,
the best frame, the text and the evidence frame from the parts. If a segment is analysed
before the one before it has been written, its run starts afresh: the appearance is then
split in two at that boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mediacore.names import brand_slug
from mediacore.schema import Appearance, Detection, FrameResult, SegmentResult

# open_runs key of a text run; a logo run's key is the brand itself (older documents).
TEXT_RUN_PREFIX = "text:"
SCREEN_SOURCES = ("logo", "text")


@dataclass
class RunPart:
    brand: str
    start: float  # media time where the appearance began (maybe in an earlier segment)
    end: float  # media time where this segment's part of it ends
    peak_box: list[float] | None
    peak_area: float
    best_t: float
    best_score: float
    source: str = "logo"
    frames: int = 0
    evidence: str | None = None  # bucket object of the brand's evidence frame in this segment
    text: str | None = None  # text and speech: what was read (best line) or said


@dataclass
class SegmentRuns:
    parts: list[RunPart] = field(default_factory=list)
    open_runs: dict[str, float] = field(default_factory=dict)  # run_key -> start


def run_key(brand: str, source: str) -> str:
    """The ``open_runs`` key of a run: the brand for a logo run, ``text:{brand}`` for text."""
    return brand if source == "logo" else f"{TEXT_RUN_PREFIX}{brand}"


def _best(frame: FrameResult, kind: str) -> dict[str, Detection]:
    """The best detection of ``kind`` per brand in a frame."""
    best: dict[str, Detection] = {}
    for detection in frame.detections:
        if detection.kind != kind:
            continue
        label = detection.label
        if label not in best or detection.score > best[label].score:
            best[label] = detection
    return best


def logo_hits(frame: FrameResult) -> dict[str, Detection]:
    """The best logo detection per brand in a frame."""
    return _best(frame, "logo")


def text_hits(frames: list[FrameResult]) -> list[dict[str, Detection]]:
    """Per frame, the best text detection per brand, frames OCR did not read holding the
    nearest earlier read frame (the first read one before it). A frame counts as read when
    ``ocr`` says so or it holds a text detection; none read: no text anywhere."""
    read = [i for i, f in enumerate(frames) if f.ocr or any(d.kind == "text" for d in f.detections)]
    if not read:
        return [{} for _ in frames]
    seen = {i: _best(frames[i], "text") for i in read}
    held, current = [], read[0]
    for index in range(len(frames)):
        if index in seen:
            current = index
        held.append(seen[current])
    return held


def segment_runs(segment: SegmentResult, previous_open: dict[str, float] | None) -> SegmentRuns:
    """Runs of each brand and screen source over a segment's sampled frames, continuing
    ``previous_open``; and one part per spoken mention."""
    result = SegmentRuns()
    if segment.status != "done":
        return result
    frames = segment.frames
    previous_open = previous_open or {}
    active: dict[tuple[str, str], RunPart] = {}
    share = float(segment.duration or 2.0) / len(frames) if frames else 0.0
    held_text = text_hits(frames)
    for index, frame in enumerate(frames):
        hits = {("logo", b): d for b, d in logo_hits(frame).items()}
        hits |= {("text", b): d for b, d in held_text[index].items()}
        for key in list(active):
            if key not in hits:
                result.parts.append(active.pop(key))
        for (source, brand), detection in hits.items():
            box = [round(float(v), 4) for v in detection.box]
            area = box[2] * box[3]
            run = active.get((source, brand))
            if run is None:
                start = previous_open.get(run_key(brand, source)) if index == 0 else None
                run = active[(source, brand)] = RunPart(
                    brand, frame.t if start is None else start, frame.t, box, area,
                    frame.t, float(detection.score), source=source, text=detection.text,
                )  # fmt: skip
            run.end = round(frame.t + share, 3)
            run.frames += 1
            if area > run.peak_area:
                run.peak_box, run.peak_area = box, area
            if detection.score > run.best_score:
                run.best_t, run.best_score = frame.t, float(detection.score)
                run.text = detection.text
    for (source, brand), run in active.items():
        result.parts.append(run)
        result.open_runs[run_key(brand, source)] = run.start
    for part in result.parts:
        # One frame per brand and segment (its best logo or text hit there): a brand that
        # left and came back within one segment shows the same frame for both parts.
        part.evidence = segment.evidence.get(part.brand)
    for mention in segment.mentions:
        result.parts.append(
            RunPart(
                mention.brand,
                round(mention.start, 3),
                round(max(mention.end, mention.start), 3),
                None,
                0.0,
                round(mention.start, 3),
                float(mention.score),
                source="speech",
                text=mention.text,
            )
        )
    return result


def appearance_id(brand: str, start: float, source: str = "logo") -> str:
    """The document id: ``{brand}-{ms}`` for a logo run (as before sources existed),
    ``{brand}-{source}-{ms}`` for text and speech."""
    ms = f"{round(start * 1000):010d}"
    return f"{brand}-{ms}" if source == "logo" else f"{brand}-{source}-{ms}"


def part_fields(seq: int, part: RunPart) -> dict:
    fields = {
        "end": part.end,
        "frames": part.frames,
        "peak_box": part.peak_box,
        "peak_area": round(part.peak_area, 6),
        "best_t": part.best_t,
        "best_score": round(part.best_score, 4),
    }
    if part.evidence:
        fields["evidence"] = part.evidence
    if part.text is not None:
        fields["text"] = part.text
    return {
        "brand": part.brand,
        "source": part.source,
        "start": part.start,
        "parts": {f"{seq:08d}": fields},
    }


def evidence_path(stream_id: str, seq: int, brand: str) -> str:
    """The API path that serves a brand's evidence frame of a segment (the slug is
    URL-safe; the route takes the label too)."""
    return f"/v1/streams/{stream_id}/evidence/{seq}/{brand_slug(brand)}"


def summarise(doc: dict, stream_id: str | None = None) -> Appearance:
    """One appearance document as the API shows it: source, start, end, seconds, peak, best
    frame, the text read or said (its best part's), and the evidence frame of its best part
    that has one (its API path needs ``stream_id``). Documents written before sources
    existed are logo appearances."""
    parts = list((doc.get("parts") or {}).values())
    boxed = [p for p in parts if p.get("peak_box")]
    peak = max(boxed, key=lambda p: p.get("peak_area") or 0.0, default=None)
    best = max(parts, key=lambda p: p.get("best_score") or 0.0, default=None)
    shown = [(int(seq), p) for seq, p in (doc.get("parts") or {}).items() if p.get("evidence")]
    evidence_seq = max(shown, key=lambda sp: sp[1]["best_score"], default=(None, None))[0]
    end = max((p["end"] for p in parts), default=doc.get("start", 0.0))
    start = float(doc.get("start", 0.0))
    brand = doc.get("brand")
    text = next((p["text"] for p in [best, *parts] if p and p.get("text")), doc.get("text"))
    return Appearance(
        brand=brand,
        source=doc.get("source") or "logo",
        start=start,
        end=end,
        seconds=round(end - start, 3),
        text=text,
        peak_box=peak["peak_box"] if peak else None,
        peak_size=round(peak["peak_area"], 6) if peak else None,
        best_frame_t=best["best_t"] if best else None,
        best_score=best["best_score"] if best else None,
        evidence_seq=evidence_seq,
        evidence=(
            evidence_path(stream_id, evidence_seq, brand)
            if stream_id and evidence_seq is not None
            else None
        ),
    )
