"""What one segment adds to its stream's totals: brand on-screen seconds and object counts.

A sampled frame stands for an equal share of the segment's duration, so a
brand seen in k of n samples of a 2 s segment counts 2k/n seconds (at 1 sample
per keyframe: the whole segment). A brand is "seen" in a frame when a logo
detection names it or CLIP ranks it on the whole frame. Objects are counted
per sampled frame (a person in 3 samples counts 3).

Totals move by the difference between the new and the replaced contribution,
with server-side increments, so redelivery never counts twice; first/last
seen use server-side minimum/maximum.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mediacore.schema import SegmentResult


@dataclass
class Contribution:
    brand_seconds: Counter = field(default_factory=Counter)
    brand_first: dict[str, float] = field(default_factory=dict)
    brand_last: dict[str, float] = field(default_factory=dict)
    objects: Counter = field(default_factory=Counter)
    analysed_seconds: float = 0.0


def contribution(segment: SegmentResult | None) -> Contribution:
    result = Contribution()
    if segment is None or segment.status != "done" or not segment.frames:
        return result
    frames = segment.frames
    result.analysed_seconds = float(segment.duration or 0.0)
    share = result.analysed_seconds / len(frames)
    for frame in frames:
        seen = {d.label for d in frame.detections if d.kind == "logo"}
        seen |= {b.label for b in frame.brands}
        for brand in seen:
            result.brand_seconds[brand] += share
            result.brand_first[brand] = min(result.brand_first.get(brand, frame.t), frame.t)
            result.brand_last[brand] = max(result.brand_last.get(brand, frame.t), frame.t)
        for detection in frame.detections:
            if detection.kind == "object":
                result.objects[detection.label] += 1
    return result


def stream_update(new: Contribution, old: Contribution, increment, minimum, maximum) -> dict:
    """Nested fields for a merge-set of the stream document (transforms passed in)."""
    brands: dict = {}
    for brand in set(new.brand_seconds) | set(old.brand_seconds):
        delta = round(new.brand_seconds[brand] - old.brand_seconds[brand], 3)
        entry = {"seconds": increment(delta)} if delta else {}
        if brand in new.brand_first:
            entry["first_seen"] = minimum(new.brand_first[brand])
            entry["last_seen"] = maximum(new.brand_last[brand])
        if entry:
            brands[brand] = entry
    objects = {}
    for label in set(new.objects) | set(old.objects):
        delta = new.objects[label] - old.objects[label]
        if delta:
            objects[label] = increment(delta)
    update = {}
    seconds = round(new.analysed_seconds - old.analysed_seconds, 3)
    if seconds:
        update["analysed_seconds"] = increment(seconds)
    if brands:
        update["brands"] = brands
    if objects:
        update["objects"] = objects
    return update
