"""Appearances: each continuous stretch of a brand on screen, with its evidence.

A run is a brand seen in consecutive sampled frames. Within a segment runs are
found from its frames; a run that reaches the segment's last frame is *open*
and recorded on the segment document (``open_runs: {brand: start}``), so the
next segment continues it instead of starting a new one.

``streams/{id}/appearances/{brand}-{start_ms}`` holds one appearance. Each
segment writes only its own part under ``parts.{seq}`` (end, peak box and
size, best frame and score, and the bucket object of the brand's evidence frame
in that segment when one was stored) and moves ``end`` with a server-side maximum, so a
redelivered segment rewrites the same part and counts nothing twice. Readers
(API, dashboard) take start, end, the peak box, the best frame and the evidence
frame from the parts. If a segment is analysed before the one before it has been written,
its run starts afresh: the appearance is then split in two at that boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mediacore.names import brand_slug
from mediacore.schema import Appearance, Detection, FrameResult, SegmentResult


@dataclass
class RunPart:
    brand: str
    start: float  # media time where the appearance began (maybe in an earlier segment)
    end: float  # media time where this segment's part of it ends
    peak_box: list[float]
    peak_area: float
    best_t: float
    best_score: float
    source: str = "logo"
    frames: int = 0
    evidence: str | None = None  # bucket object of the brand's evidence frame in this segment


@dataclass
class SegmentRuns:
    parts: list[RunPart] = field(default_factory=list)
    open_runs: dict[str, float] = field(default_factory=dict)  # brand -> start


def _logo_hits(frame: FrameResult) -> dict[str, Detection]:
    """The best logo detection per brand in a frame."""
    best: dict[str, Detection] = {}
    for detection in frame.detections:
        if detection.kind != "logo":
            continue
        label = detection.label
        if label not in best or detection.score > best[label].score:
            best[label] = detection
    return best


def segment_runs(segment: SegmentResult, previous_open: dict[str, float] | None) -> SegmentRuns:
    """Runs of each brand over a segment's sampled frames, continuing ``previous_open``."""
    result = SegmentRuns()
    frames = segment.frames
    if segment.status != "done" or not frames:
        return result
    share = float(segment.duration or 2.0) / len(frames)  # each sample stands for this much
    previous_open = previous_open or {}
    active: dict[str, RunPart] = {}
    for index, frame in enumerate(frames):
        hits = _logo_hits(frame)
        for brand in list(active):
            if brand not in hits:
                result.parts.append(active.pop(brand))
        for brand, detection in hits.items():
            box = [round(float(v), 4) for v in detection.box]
            area = box[2] * box[3]
            run = active.get(brand)
            if run is None:
                start = previous_open.get(brand) if index == 0 else None
                run = active[brand] = RunPart(
                    brand, frame.t if start is None else start, frame.t, box, area,
                    frame.t, float(detection.score),
                )  # fmt: skip
            run.end = round(frame.t + share, 3)
            run.frames += 1
            if area > run.peak_area:
                run.peak_box, run.peak_area = box, area
            if detection.score > run.best_score:
                run.best_t, run.best_score = frame.t, float(detection.score)
    for brand, run in active.items():
        result.parts.append(run)
        result.open_runs[brand] = run.start
    for part in result.parts:
        # One frame per brand and segment (its best detection there): a brand that left
        # and came back within one segment shows the same frame for both parts.
        part.evidence = segment.evidence.get(part.brand)
    return result


def appearance_id(brand: str, start: float) -> str:
    return f"{brand}-{round(start * 1000):010d}"


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
    """One appearance document as the API shows it: start, end, seconds, peak, best frame,
    and the evidence frame of its best part that has one (its API path needs ``stream_id``)."""
    parts = list((doc.get("parts") or {}).values())
    peak = max(parts, key=lambda p: p["peak_area"], default=None)
    best = max(parts, key=lambda p: p["best_score"], default=None)
    shown = [(int(seq), p) for seq, p in (doc.get("parts") or {}).items() if p.get("evidence")]
    evidence_seq = max(shown, key=lambda sp: sp[1]["best_score"], default=(None, None))[0]
    end = max((p["end"] for p in parts), default=doc.get("start", 0.0))
    start = float(doc.get("start", 0.0))
    brand = doc.get("brand")
    return Appearance(
        brand=brand,
        source=doc.get("source", "logo"),
        start=start,
        end=end,
        seconds=round(end - start, 3),
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
