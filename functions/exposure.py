"""Brand exposure from appearances, for the analyst's exports: filters, a share-of-voice
series over time buckets, per-brand totals, CSV rows safe to open in a spreadsheet, and
the geometry of the report's SVG charts. Pure functions: the API reads Firestore.

Times are media seconds from the stream's start. An appearance counts with the part of
it inside the asked range (``start``-``end``): its seconds, first and last seen are
clipped to the range; ``min_confidence`` keeps appearances whose best detection (or
mention) scored at least that much; ``brands`` keeps only those brands, ``sources`` only
those sources (``logo``, ``text``, ``speech``).

On screen means by logo or by text: a brand's screen seconds are the length of the union
of its logo and text appearances (a stretch where both saw it counts once), so they may be
less than its logo seconds plus its text seconds. Share of voice divides screen seconds.
A spoken mention (source ``speech``) has no screen time: it is counted (``mentions``),
in the range when it starts there.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mediacore.schema import Appearance

# --- filters -------------------------------------------------------------------------------


SOURCES = ("logo", "text", "speech")
SCREEN = ("logo", "text")


@dataclass(frozen=True)
class Filters:
    brands: frozenset[str] = frozenset()
    start: float | None = None
    end: float | None = None
    min_confidence: float | None = None
    sources: frozenset[str] = frozenset()  # empty: all

    def keeps(self, appearance: Appearance) -> bool:
        if self.brands and appearance.brand not in self.brands:
            return False
        if self.sources and appearance.source not in self.sources:
            return False
        if self.min_confidence is not None and (appearance.best_score or 0.0) < self.min_confidence:
            return False
        if appearance.source == "speech":
            return self.holds(appearance.start)
        return self.seconds_of(appearance) > 0

    def holds(self, t: float) -> bool:
        """Whether media time ``t`` is in the range (start included, end not)."""
        return (self.start is None or t >= self.start) and (self.end is None or t < self.end)

    def clip(self, appearance: Appearance) -> tuple[float, float]:
        """The appearance's start and end within the range (end <= start: outside it)."""
        start = appearance.start if self.start is None else max(appearance.start, self.start)
        end = appearance.end if self.end is None else min(appearance.end, self.end)
        return start, end

    def seconds_of(self, appearance: Appearance) -> float:
        start, end = self.clip(appearance)
        return max(0.0, end - start)


def select(appearances: Iterable[Appearance], filters: Filters) -> list[Appearance]:
    return sorted((a for a in appearances if filters.keeps(a)), key=lambda a: (a.start, a.brand))


def union(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping or touching intervals merged; empty ones dropped; sorted."""
    merged: list[tuple[float, float]] = []
    for lo, hi in sorted(i for i in intervals if i[1] > i[0]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def union_seconds(intervals: Iterable[tuple[float, float]]) -> float:
    return sum(hi - lo for lo, hi in union(intervals))


# --- share of voice over time --------------------------------------------------------------

MAX_BUCKETS = 5000  # 10 h in 10 s buckets is 3,600


@dataclass(frozen=True)
class Series:
    brand: str
    seconds: list[float]  # per bucket: on screen (a speech series: all 0)
    total: float
    source: str | None = None  # None: on screen by logo or text together (and mentions)
    mentions: list[int] | None = None  # per bucket: mentions starting in it
    mentions_total: int = 0


@dataclass(frozen=True)
class Timeline:
    start: float
    end: float
    bucket_s: float
    buckets: list[float]  # each bucket's start; the last one may be shorter
    series: list[Series]  # most seconds first, then most mentions


def bucket_count(start: float, end: float, bucket_s: float) -> int:
    return max(1, math.ceil((end - start) / bucket_s - 1e-9))


def timeline(
    appearances: Iterable[Appearance],
    start: float,
    end: float,
    bucket_s: float,
    by_source: bool = False,
) -> Timeline:
    """Seconds on screen per brand per bucket of ``bucket_s`` from ``start`` to ``end``:
    the union of each brand's logo and text appearances split over the buckets it spans,
    so a brand's buckets add up to its screen seconds in the range; and its spoken mentions
    per bucket (where each starts). ``by_source``: one series per brand and source instead
    (logo and text seconds; speech mentions)."""
    count = bucket_count(start, end, bucket_s)
    spans: dict[tuple[str, str | None], list[tuple[float, float]]] = {}
    said: dict[tuple[str, str | None], list[int]] = {}
    for appearance in appearances:
        source = appearance.source if by_source else None
        key = (appearance.brand, source)
        if appearance.source == "speech":
            if start <= appearance.start < end:
                row = said.setdefault(key, [0] * count)
                row[min(count - 1, int((appearance.start - start) // bucket_s))] += 1
            continue
        lo, hi = max(appearance.start, start), min(appearance.end, end)
        if hi > lo:
            spans.setdefault(key, []).append((lo, hi))
    series = []
    for key in set(spans) | set(said):
        row = [0.0] * count
        for lo, hi in union(spans.get(key, [])):
            first = min(count - 1, int((lo - start) // bucket_s))
            last = min(count - 1, int((hi - start) // bucket_s))
            for index in range(first, last + 1):
                left = start + index * bucket_s
                right = end if index == count - 1 else left + bucket_s
                row[index] += max(0.0, min(hi, right) - max(lo, left))
        mentions = said.get(key, [0] * count)
        seconds = [round(v, 3) for v in row]
        series.append(Series(key[0], seconds, round(sum(row), 3), key[1], mentions, sum(mentions)))
    order = {None: 0, **{s: i + 1 for i, s in enumerate(SOURCES)}}
    series.sort(key=lambda s: (-s.total, -s.mentions_total, s.brand, order[s.source]))
    buckets = [round(start + i * bucket_s, 3) for i in range(count)]
    return Timeline(start, end, bucket_s, buckets, series)


# --- per-brand totals ----------------------------------------------------------------------


@dataclass(frozen=True)
class BrandTotal:
    brand: str
    seconds: float  # on screen: logo or text (their union)
    appearances: int  # on screen (logo and text appearances)
    share_of_voice: float  # of all brands' screen seconds in the range
    first_seen: float | None  # on screen; None: only said
    last_seen: float | None
    mean_confidence: float | None  # seconds-weighted mean of each appearance's best score
    peak_confidence: float | None
    mean_size: float | None  # seconds-weighted mean of the appearances' peak share of frame
    mean_x: float | None  # seconds-weighted mean centre of the peak boxes (0-1, from left)
    mean_y: float | None  # (0-1, from top)
    logo_seconds: float = 0.0
    text_seconds: float = 0.0
    mentions: int = 0  # times said aloud
    first_mention: float | None = None
    last_mention: float | None = None


def _weighted(pairs: list[tuple[float, float]]) -> float | None:
    """Mean of values weighted by seconds (a zero-second stretch still counts, equally)."""
    if not pairs:
        return None
    weight = sum(w for _, w in pairs)
    if weight <= 0:
        return round(sum(v for v, _ in pairs) / len(pairs), 4)
    return round(sum(v * w for v, w in pairs) / weight, 4)


def brand_totals(appearances: Iterable[Appearance], filters: Filters) -> list[BrandTotal]:
    by_brand: dict[str, list[Appearance]] = {}
    for appearance in appearances:
        if filters.keeps(appearance):
            by_brand.setdefault(appearance.brand, []).append(appearance)
    screen = {b: [a for a in rows if a.source in SCREEN] for b, rows in by_brand.items()}
    seconds = {b: union_seconds(filters.clip(a) for a in rows) for b, rows in screen.items()}
    total = sum(seconds.values())
    out = []
    for brand, rows in screen.items():
        spoken = sorted(a.start for a in by_brand[brand] if a.source == "speech")
        clipped = [filters.clip(a) for a in rows]
        weights = [filters.seconds_of(a) for a in rows]
        scored = [(a.best_score, w) for a, w in zip(rows, weights, strict=True) if a.best_score]
        boxes = [(a.peak_box, w) for a, w in zip(rows, weights, strict=True) if a.peak_box]
        sizes = [(a.peak_size, w) for a, w in zip(rows, weights, strict=True) if a.peak_size]
        by_source = {
            source: round(union_seconds(c for a, c in zip(rows, clipped, strict=True)
                                        if a.source == source), 3)
            for source in SCREEN
        }  # fmt: skip
        out.append(
            BrandTotal(
                brand=brand,
                seconds=round(seconds[brand], 3),
                appearances=len(rows),
                share_of_voice=round(seconds[brand] / total, 4) if total else 0.0,
                first_seen=round(min(s for s, _ in clipped), 3) if clipped else None,
                last_seen=round(max(e for _, e in clipped), 3) if clipped else None,
                mean_confidence=_weighted(scored),
                peak_confidence=max((s for s, _ in scored), default=None),
                mean_size=_weighted(sizes),
                mean_x=_weighted([(b[0] + b[2] / 2, w) for b, w in boxes]),
                mean_y=_weighted([(b[1] + b[3] / 2, w) for b, w in boxes]),
                logo_seconds=by_source["logo"],
                text_seconds=by_source["text"],
                mentions=len(spoken),
                first_mention=spoken[0] if spoken else None,
                last_mention=spoken[-1] if spoken else None,
            )
        )
    out.sort(key=lambda t: (-t.seconds, -t.mentions, t.brand))
    return out


# --- CSV -----------------------------------------------------------------------------------

# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): prefixed with '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# brand: the id; brand_name: as the library names it (the id for a brand no longer in it).
APPEARANCE_COLUMNS = (
    "stream_id", "appearance_id", "brand", "brand_name", "source", "text", "start_s",
    "end_s", "seconds", "confidence", "best_frame_t", "peak_size", "peak_x", "peak_y",
    "peak_w", "peak_h", "evidence",
)  # fmt: skip
# seconds: on screen (logo or text, counted once); mentions: times said aloud.
BRAND_COLUMNS = (
    "stream_id", "brand", "brand_name", "seconds", "logo_seconds", "text_seconds", "mentions",
    "appearances", "share_of_voice", "first_seen_s", "last_seen_s", "first_mention_s",
    "last_mention_s", "mean_confidence", "peak_confidence", "mean_size", "mean_x", "mean_y",
)  # fmt: skip


def safe_cell(value) -> str | float | int:
    """A value as a CSV cell: None empty, text that starts like a formula made inert."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: quotes, doubled quotes, CRLF
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def name_of(names: Mapping[str, str], brand: str) -> str:
    """A brand's display name: the library's, else its id (deleted, or never named)."""
    return names.get(brand) or brand


def appearance_rows(
    stream_id: str, appearances: Iterable[tuple[str, Appearance]], names: Mapping[str, str]
):
    """CSV rows of (appearance id, appearance) pairs; times as stored, not clipped."""
    for doc_id, a in appearances:
        box = a.peak_box or [None] * 4
        yield (
            stream_id, doc_id, a.brand, name_of(names, a.brand), a.source, a.text, a.start,
            a.end, a.seconds, a.best_score, a.best_frame_t, a.peak_size, *box, a.evidence,
        )  # fmt: skip


def brand_rows(stream_id: str, totals: Iterable[BrandTotal], names: Mapping[str, str]):
    for t in totals:
        yield (
            stream_id, t.brand, name_of(names, t.brand), t.seconds, t.logo_seconds,
            t.text_seconds, t.mentions, t.appearances, t.share_of_voice, t.first_seen,
            t.last_seen, t.first_mention, t.last_mention, t.mean_confidence, t.peak_confidence,
            t.mean_size, t.mean_x, t.mean_y,
        )  # fmt: skip


# --- the report's charts (inline SVG geometry; the template draws it) ----------------------

# Tableau 10: distinguishable, and in print too.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
OTHER = "other brands"


def media_time(seconds: float) -> str:
    """m:ss, or h:mm:ss from an hour on."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def duration(seconds: float) -> str:
    """10 s, 5 min, 2 h: a bucket's length in words."""
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3600:
        return f"{seconds / 60:g} min"
    return f"{seconds / 3600:g} h"


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2, 5 x 10^n) giving about ``ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600)


def time_step(span: float, ticks: int = 6) -> float:
    """A step for a media-time axis: whole seconds, minutes or hours."""
    for step in TIME_STEPS:
        if span / step <= ticks:
            return float(step)
    return float(TIME_STEPS[-1] * math.ceil(span / ticks / TIME_STEPS[-1]))


def report_bucket(span: float, buckets: int = 60) -> float:
    """A bucket length that draws ``span`` in at most about ``buckets`` buckets."""
    for step in TIME_STEPS:
        if span / step <= buckets:
            return float(step)
    return float(TIME_STEPS[-1])


@dataclass(frozen=True)
class Plot:
    """A drawing area in SVG units: the plot inside its margins."""

    width: float = 680
    height: float = 200
    left: float = 52
    right: float = 12
    top: float = 10
    bottom: float = 34

    @property
    def inner_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_h(self) -> float:
        return self.height - self.top - self.bottom


OTHER_COLOUR = "#9d9d9d"


def colours(brands: Sequence[str]) -> dict[str, str]:
    """One colour per brand, in order (the report's table, bars and areas agree)."""
    palette = {brand: PALETTE[i % len(PALETTE)] for i, brand in enumerate(brands)}
    return palette | {OTHER: OTHER_COLOUR}


def grouped(series: Sequence[Series], keep: int) -> list[Series]:
    """The ``keep`` largest series, the rest added up as one 'other brands' series."""
    if len(series) <= keep + 1:
        return list(series)
    rest = series[keep:]
    summed = [round(sum(v), 3) for v in zip(*(s.seconds for s in rest), strict=True)]
    said = [list(s.mentions or [0] * len(s.seconds)) for s in rest]
    mentions = [sum(v) for v in zip(*said, strict=True)]
    other = Series(
        OTHER, summed, round(sum(s.total for s in rest), 3), None, mentions, sum(mentions)
    )
    return [*series[:keep], other]


def grouped_totals(totals: Sequence[BrandTotal], keep: int) -> list[BrandTotal]:
    """The ``keep`` largest brands, the rest added up as one 'other brands' row."""
    if len(totals) <= keep + 1:
        return list(totals)
    rest = totals[keep:]
    seen = [t for t in rest if t.first_seen is not None]
    said = [t for t in rest if t.first_mention is not None]
    other = BrandTotal(
        brand=OTHER,
        seconds=round(sum(t.seconds for t in rest), 3),
        appearances=sum(t.appearances for t in rest),
        share_of_voice=round(sum(t.share_of_voice for t in rest), 4),
        first_seen=min((t.first_seen for t in seen), default=None),
        last_seen=max((t.last_seen for t in seen), default=None),
        logo_seconds=round(sum(t.logo_seconds for t in rest), 3),
        text_seconds=round(sum(t.text_seconds for t in rest), 3),
        mentions=sum(t.mentions for t in rest),
        first_mention=min((t.first_mention for t in said), default=None),
        last_mention=max((t.last_mention for t in said), default=None),
        mean_confidence=None,
        peak_confidence=None,
        mean_size=None,
        mean_x=None,
        mean_y=None,
    )
    return [*totals[:keep], other]


def area_chart(
    line: Timeline, plot: Plot = Plot(), keep: int = 8, palette: dict[str, str] | None = None
) -> dict:
    """Stacked areas of seconds on screen per bucket over media time: one polygon per
    brand (largest at the bottom), points at each bucket's middle, with axis ticks. Brands
    only said, never on screen, draw nothing."""
    series = grouped([s for s in line.series if s.total > 0], keep)
    count = len(line.buckets)
    stacked = [0.0] * count
    tops = []
    for s in series:
        low = list(stacked)
        stacked = [a + b for a, b in zip(stacked, s.seconds, strict=True)]
        tops.append((s, low, list(stacked)))
    y_step = nice_step(max(stacked, default=0.0) or line.bucket_s, 4)
    y_max = y_step * max(1, math.ceil((max(stacked, default=0.0) or line.bucket_s) / y_step))
    span = max(line.end - line.start, 1e-9)

    def x(t: float) -> float:
        return round(plot.left + (t - line.start) / span * plot.inner_w, 1)

    def y(v: float) -> float:
        return round(plot.top + plot.inner_h * (1 - v / y_max), 1)

    mids = [min(line.end, b + line.bucket_s / 2) for b in line.buckets]
    xs = [line.start, *mids, line.end] if count else []
    palette = {**colours([s.brand for s in series]), **(palette or {})}
    layers = []
    for s, low, high in tops:
        upper = [high[0], *high, high[-1]]
        lower = [low[0], *low, low[-1]]
        points = [f"{x(t)},{y(v)}" for t, v in zip(xs, upper, strict=True)]
        points += [f"{x(t)},{y(v)}" for t, v in reversed(list(zip(xs, lower, strict=True)))]
        layers.append({"brand": s.brand, "colour": palette[s.brand], "points": " ".join(points)})
    step = time_step(line.end - line.start)
    first = math.ceil(line.start / step) * step
    x_ticks = []
    tick = first
    while tick <= line.end + 1e-9:
        x_ticks.append({"x": x(tick), "label": media_time(tick)})
        tick += step
    y_ticks = []
    value = 0.0
    while value <= y_max + 1e-9:
        label = f"{value:g}"
        y_ticks.append({"y": y(value), "label": label})
        value += y_step
    return {
        "plot": plot,
        "layers": layers,
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "x_label": "media time (m:ss from the stream's start)",
        "y_label": f"seconds on screen per {duration(line.bucket_s)} bucket",
    }


def share_bars(
    totals: Sequence[BrandTotal],
    palette: dict[str, str] | None = None,
    width: float = 680,
    row: float = 18,
) -> dict:
    """Horizontal bars of each brand's share of voice (percent), labelled."""
    label_w, value_w = 150.0, 60.0
    bar_w = width - label_w - value_w
    palette = {**colours([t.brand for t in totals]), **(palette or {})}
    bars = [
        {
            "brand": t.brand,
            "colour": palette[t.brand],
            "y": i * row,
            "width": round(bar_w * t.share_of_voice, 1),
            "label": f"{100 * t.share_of_voice:.1f} %",
        }
        for i, t in enumerate(totals)
    ]
    return {
        "bars": bars,
        "label_w": label_w,
        "bar_w": bar_w,
        "row": row,
        "height": row * len(bars) + 22,
        "width": width,
        "ticks": [
            {"x": round(label_w + bar_w * p / 100, 1), "label": f"{p} %"}
            for p in (0, 25, 50, 75, 100)
        ],
    }
