"""What one segment adds to its stream's totals: brand seconds on screen by source, spoken
mentions, and object counts.

``brands.{brand}`` of the stream document (``mediacore.schema.BrandAggregate``):

- ``seconds``: on screen, by its logo or its name read in the frame. A sampled frame
  stands for an equal share of the segment's duration, so a brand seen in k of n samples
  of a 2 s segment counts 2k/n seconds (at 1 sample per keyframe: the whole segment). A
  frame where the brand is seen by both its logo and its text counts its share once.
- ``logo_seconds``: frames where a logo detection names it or CLIP ranks it on the whole
  frame; ``text_seconds``: frames where OCR read its name (a frame OCR did not read holds
  the nearest read one, as functions/appearances.py runs do).
- ``first_seen`` / ``last_seen``: media time of the first/last frame it was on screen.
- ``mentions``: times it was said aloud (the segment's ``mentions``: each segment owns the
  words that start in its part of the audio, so a mention is counted by one segment);
  ``first_mention`` / ``last_mention``: their start times.

Objects are counted per sampled frame (a person in 3 samples counts 3).

Totals move by the difference between the new and the replaced contribution, with
server-side increments, so redelivery never counts twice; first/last use server-side
minimum/maximum. Stream documents written before text and speech existed have only
``seconds`` (all of it logo): :func:`brand_aggregate` reads them so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from functions.appearances import logo_hits, text_hits
from mediacore.schema import BrandAggregate, SegmentResult


@dataclass
class Contribution:
    brand_seconds: Counter = field(default_factory=Counter)  # on screen: logo or text
    logo_seconds: Counter = field(default_factory=Counter)
    text_seconds: Counter = field(default_factory=Counter)
    brand_first: dict[str, float] = field(default_factory=dict)
    brand_last: dict[str, float] = field(default_factory=dict)
    mentions: Counter = field(default_factory=Counter)
    mention_first: dict[str, float] = field(default_factory=dict)
    mention_last: dict[str, float] = field(default_factory=dict)
    objects: Counter = field(default_factory=Counter)
    analysed_seconds: float = 0.0


def contribution(segment: SegmentResult | None) -> Contribution:
    result = Contribution()
    if segment is None or segment.status != "done":
        return result
    for mention in segment.mentions:
        brand = mention.brand
        result.mentions[brand] += 1
        result.mention_first[brand] = min(
            result.mention_first.get(brand, mention.start), mention.start
        )
        result.mention_last[brand] = max(
            result.mention_last.get(brand, mention.start), mention.start
        )
    frames = segment.frames
    if not frames:
        return result
    result.analysed_seconds = float(segment.duration or 0.0)
    share = result.analysed_seconds / len(frames)
    held_text = text_hits(frames)
    for frame, text in zip(frames, held_text, strict=True):
        by_logo = set(logo_hits(frame)) | {b.label for b in frame.brands}
        by_text = set(text)
        for brand in by_logo:
            result.logo_seconds[brand] += share
        for brand in by_text:
            result.text_seconds[brand] += share
        for brand in by_logo | by_text:
            result.brand_seconds[brand] += share
            result.brand_first[brand] = min(result.brand_first.get(brand, frame.t), frame.t)
            result.brand_last[brand] = max(result.brand_last.get(brand, frame.t), frame.t)
        for detection in frame.detections:
            if detection.kind == "object":
                result.objects[detection.label] += 1
    return result


SECONDS_FIELDS = (
    ("seconds", "brand_seconds"),
    ("logo_seconds", "logo_seconds"),
    ("text_seconds", "text_seconds"),
)


def stream_update(new: Contribution, old: Contribution, increment, minimum, maximum) -> dict:
    """Nested fields for a merge-set of the stream document (transforms passed in)."""
    brands: dict = {}
    named = set(new.brand_seconds) | set(old.brand_seconds) | set(new.mentions) | set(old.mentions)
    for brand in named:
        entry = {}
        for name, attribute in SECONDS_FIELDS:
            delta = round(getattr(new, attribute)[brand] - getattr(old, attribute)[brand], 3)
            if delta:
                entry[name] = increment(delta)
        mentions = new.mentions[brand] - old.mentions[brand]
        if mentions:
            entry["mentions"] = increment(mentions)
        if brand in new.brand_first:
            entry["first_seen"] = minimum(new.brand_first[brand])
            entry["last_seen"] = maximum(new.brand_last[brand])
        if brand in new.mention_first:
            entry["first_mention"] = minimum(new.mention_first[brand])
            entry["last_mention"] = maximum(new.mention_last[brand])
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


def brand_aggregate(entry: dict | None) -> BrandAggregate:
    """``brands.{brand}`` of a stream document as a BrandAggregate. A document written
    before text and speech existed has only ``seconds``: all of it logo seconds."""
    entry = dict(entry or {})
    if "logo_seconds" not in entry and "text_seconds" not in entry:
        entry["logo_seconds"] = entry.get("seconds") or 0.0
    for name in ("seconds", "logo_seconds", "text_seconds"):
        entry[name] = float(entry.get(name) or 0.0)
    entry["mentions"] = int(entry.get("mentions") or 0)
    return BrandAggregate.model_validate(entry)
