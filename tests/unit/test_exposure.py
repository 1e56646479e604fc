"""The arithmetic behind the analyst's exports (functions/exposure.py): filters, the
share-of-voice series over time buckets, per-brand totals, CSV cells a spreadsheet
cannot run, and the report's chart geometry. The API routes that serve them run
against the real stack in tests/integration/test_evidence_exports.py."""

from __future__ import annotations

import csv
import io

import pytest

from functions import exposure
from functions.exposure import Filters
from mediacore.schema import Appearance


def appearance(brand, start, end, score=0.9, box=(0.1, 0.2, 0.2, 0.2)):
    return Appearance(
        brand=brand, start=start, end=end, seconds=round(end - start, 3), best_score=score,
        peak_box=list(box), peak_size=box[2] * box[3], best_frame_t=start,
    )  # fmt: skip


ROWS = [
    appearance("acme", 0.0, 12.0),
    appearance("acme", 25.0, 26.0, score=0.5),
    appearance("beta", 8.0, 31.0, score=0.7, box=(0.6, 0.6, 0.4, 0.2)),
]


# --- buckets ---------------------------------------------------------------------------------


def test_an_appearance_is_split_over_the_buckets_it_spans():
    line = exposure.timeline(ROWS, 0.0, 30.0, 10.0)
    assert line.buckets == [0.0, 10.0, 20.0]
    series = {s.brand: s.seconds for s in line.series}
    assert series == {"acme": [10.0, 2.0, 1.0], "beta": [2.0, 10.0, 10.0]}
    assert [s.brand for s in line.series] == ["beta", "acme"]  # most seconds first


def test_bucket_sums_equal_the_seconds_in_range():
    for start, end, size in ((0, 30, 10), (0, 31, 7), (5, 27.5, 1), (0, 100, 30), (9, 9.5, 10)):
        line = exposure.timeline(ROWS, start, end, size)
        kept = exposure.brand_totals(ROWS, Filters(start=start, end=end))
        totals = {t.brand: t.seconds for t in kept}
        assert {s.brand: s.total for s in line.series} == pytest.approx(totals)
        for s in line.series:
            assert sum(s.seconds) == pytest.approx(s.total, abs=0.01)
            assert all(0 <= v <= size + 1e-9 for v in s.seconds)


def test_the_last_bucket_is_short_and_nothing_falls_outside():
    line = exposure.timeline([appearance("acme", 0.0, 31.0)], 0.0, 25.0, 10.0)
    assert line.buckets == [0.0, 10.0, 20.0] and line.series[0].seconds == [10.0, 10.0, 5.0]
    assert exposure.timeline([appearance("acme", 40, 50)], 0, 30, 10).series == []


def test_the_check_sees_a_lost_boundary():
    """Bucketing that dropped what crosses a bucket edge would lose acme's 10-12 s."""
    line = exposure.timeline(ROWS, 0.0, 30.0, 10.0)
    assert {s.brand: s.total for s in line.series}["acme"] == 13.0


# --- filters and totals ----------------------------------------------------------------------


def test_filters_keep_brands_confidence_and_clip_to_the_range():
    kept = exposure.select(ROWS, Filters(brands=frozenset({"acme"}), min_confidence=0.6))
    assert [(a.brand, a.start) for a in kept] == [("acme", 0.0)]
    assert exposure.select(ROWS, Filters(start=12.0, end=25.0)) == [ROWS[2]]  # touching: out
    totals = exposure.brand_totals(ROWS, Filters(start=10.0, end=26.0))
    acme = next(t for t in totals if t.brand == "acme")
    assert (acme.seconds, acme.appearances, acme.first_seen, acme.last_seen) == (3.0, 2, 10.0, 26.0)


def test_brand_totals_weigh_by_seconds():
    totals = {t.brand: t for t in exposure.brand_totals(ROWS, Filters())}
    acme, beta = totals["acme"], totals["beta"]
    assert (acme.seconds, beta.seconds) == (13.0, 23.0)
    assert acme.share_of_voice + beta.share_of_voice == pytest.approx(1.0, abs=1e-3)
    assert acme.mean_confidence == pytest.approx((0.9 * 12 + 0.5 * 1) / 13, abs=1e-4)
    assert acme.peak_confidence == 0.9
    assert beta.mean_x == pytest.approx(0.8) and beta.mean_y == pytest.approx(0.7)
    assert beta.mean_size == pytest.approx(0.08)
    assert exposure.brand_totals([], Filters()) == []


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", '=HYPERLINK("http://x")']
)
def test_formula_cells_are_made_inert(cell):
    assert exposure.safe_cell(cell) == "'" + cell
    text = exposure.to_csv(["brand"], [[cell]])
    (row,) = list(csv.reader(io.StringIO(text)))[1:]
    assert row == ["'" + cell]


def test_plain_values_pass_unchanged():
    assert exposure.safe_cell("Coca-Cola") == "Coca-Cola"
    assert exposure.safe_cell(-2.5) == -2.5  # numbers are numbers, even negative ones
    assert exposure.safe_cell(None) == ""
    text = exposure.to_csv(["a", "b"], [['say "hi", then', "line\nbreak"]])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ['say "hi", then', "line\nbreak"]]


def test_csv_rows_carry_every_column():
    rows = list(exposure.appearance_rows("s", [("acme-0000000000", ROWS[0])], {}))
    assert len(rows[0]) == len(exposure.APPEARANCE_COLUMNS)
    row = dict(zip(exposure.APPEARANCE_COLUMNS, rows[0], strict=True))
    assert row["peak_x"] == 0.1 and row["peak_h"] == 0.2 and row["confidence"] == 0.9
    totals = exposure.brand_totals(ROWS, Filters())
    brand_rows = exposure.brand_rows("s", totals, {})
    assert all(len(r) == len(exposure.BRAND_COLUMNS) for r in brand_rows)


def test_csv_rows_name_brands_as_the_library_does():
    """An analyst reads "Red Bull", not "redbull"; a brand deleted from the library since
    keeps its id as its name."""
    names = {ROWS[0].brand: "Acme & Söhne"}
    (row,) = exposure.appearance_rows("s", [("x", ROWS[0])], names)
    row = dict(zip(exposure.APPEARANCE_COLUMNS, row, strict=True))
    assert (row["brand"], row["brand_name"]) == (ROWS[0].brand, "Acme & Söhne")
    (gone,) = exposure.appearance_rows("s", [("x", ROWS[0])], {})
    assert dict(zip(exposure.APPEARANCE_COLUMNS, gone, strict=True))["brand_name"] == ROWS[0].brand
    totals = exposure.brand_totals(ROWS, Filters())
    named = {r[1]: r[2] for r in exposure.brand_rows("s", totals, names)}
    assert named[ROWS[0].brand] == "Acme & Söhne"


# --- report charts ------------------------------------------------------------------------------


def test_the_area_chart_stacks_to_the_bucket_totals():
    line = exposure.timeline(ROWS, 0.0, 30.0, 10.0)
    chart = exposure.area_chart(line)
    plot = chart["plot"]
    top = max(float(t["label"]) for t in chart["y_ticks"])
    assert top >= 12.0  # bucket 2: beta 10 + acme 2
    beta, acme = chart["layers"]  # largest at the bottom
    upper = [tuple(map(float, p.split(","))) for p in acme["points"].split()][:5]
    # At the middle of bucket 2 (t=15) the stack reaches 12 s.
    x15 = plot.left + 15 / 30 * plot.inner_w
    (y,) = [y for x, y in upper if abs(x - x15) < 0.2]
    assert y == pytest.approx(plot.top + plot.inner_h * (1 - 12.0 / top), abs=0.2)
    assert [t["label"] for t in chart["x_ticks"]] == ["0:00", "0:05", "0:10", "0:15", "0:20",
                                                       "0:25", "0:30"]  # fmt: skip
    assert chart["y_label"] == "seconds on screen per 10 s bucket"


def test_many_brands_are_grouped_into_other():
    rows = [appearance(f"b{i}", 0.0, 10.0 - i * 0.5) for i in range(12)]
    totals = exposure.brand_totals(rows, Filters())
    grouped = exposure.grouped_totals(totals, 8)
    assert len(grouped) == 9 and grouped[-1].brand == exposure.OTHER
    assert sum(t.seconds for t in grouped) == pytest.approx(sum(t.seconds for t in totals))
    line = exposure.timeline(rows, 0.0, 10.0, 1.0)
    assert len(exposure.area_chart(line, keep=8)["layers"]) == 9


def test_media_time_and_steps():
    assert exposure.media_time(75) == "1:15" and exposure.media_time(3725) == "1:02:05"
    assert exposure.time_step(30) == 5 and exposure.time_step(3600) == 600
    assert exposure.report_bucket(120) == 2 and exposure.report_bucket(36000) == 600
    assert exposure.nice_step(12, 4) == 5


# --- sources: logo, text, speech (issue 18) ----------------------------------------------------


def seen(brand, source, start, end, score=0.9, text=None):
    shown = source != "speech"
    return Appearance(
        brand=brand, source=source, start=start, end=end, seconds=round(end - start, 3),
        best_score=score, text=text, peak_box=[0.1, 0.2, 0.2, 0.2] if shown else None,
        peak_size=0.04 if shown else None, best_frame_t=start,
    )  # fmt: skip


SOURCED = [
    seen("acme", "logo", 0.0, 10.0),
    seen("acme", "text", 6.0, 14.0, text="ACME"),  # overlaps the logo 6-10
    seen("acme", "speech", 3.0, 3.5, score=0.8, text="Acme"),
    seen("acme", "speech", 21.0, 21.4, score=0.7, text="acme"),
    seen("beta", "speech", 12.0, 12.6, score=0.9, text="Beta"),
    seen("gamma", "text", 20.0, 26.0, text="gamma"),
]


def test_screen_seconds_are_the_union_of_logo_and_text():
    totals = {t.brand: t for t in exposure.brand_totals(SOURCED, Filters())}
    acme = totals["acme"]
    assert (acme.seconds, acme.logo_seconds, acme.text_seconds) == (14.0, 10.0, 8.0)
    assert (acme.mentions, acme.first_mention, acme.last_mention) == (2, 3.0, 21.0)
    assert (acme.appearances, acme.first_seen, acme.last_seen) == (2, 0.0, 14.0)
    assert acme.share_of_voice == pytest.approx(14.0 / 20.0)  # of screen seconds only
    beta = totals["beta"]  # said, never on screen
    assert (beta.seconds, beta.mentions, beta.appearances, beta.share_of_voice) == (0, 1, 0, 0)
    assert beta.first_seen is None and beta.peak_confidence is None
    assert [t.brand for t in exposure.brand_totals(SOURCED, Filters())] == ["acme", "gamma",
                                                                            "beta"]  # fmt: skip
    assert exposure.union([(0, 2), (1, 3), (3, 4), (6, 5), (7, 8)]) == [(0, 4), (7, 8)]


def test_sources_filter_and_mentions_count_where_they_start():
    only_said = exposure.brand_totals(SOURCED, Filters(sources=frozenset({"speech"})))
    assert {t.brand: (t.seconds, t.mentions) for t in only_said} == {"acme": (0, 2),
                                                                     "beta": (0, 1)}  # fmt: skip
    logos = exposure.select(SOURCED, Filters(sources=frozenset({"logo"})))
    assert [(a.brand, a.source) for a in logos] == [("acme", "logo")]
    ranged = {t.brand: t for t in exposure.brand_totals(SOURCED, Filters(start=12.0, end=21.0))}
    assert ranged["acme"].mentions == 0  # 21.0 is the range's end: out
    assert ranged["beta"].mentions == 1 and ranged["acme"].seconds == 2.0
    # min_confidence applies to a mention's score too.
    sure = exposure.brand_totals(
        SOURCED, Filters(min_confidence=0.75, sources=frozenset({"speech"}))
    )
    assert {t.brand: t.mentions for t in sure} == {"acme": 1, "beta": 1}


def test_the_timeline_unites_sources_and_counts_mentions_per_bucket():
    line = exposure.timeline(SOURCED, 0.0, 30.0, 10.0)
    series = {s.brand: s for s in line.series}
    assert series["acme"].seconds == [10.0, 4.0, 0.0] and series["acme"].total == 14.0
    assert series["acme"].mentions == [1, 0, 1] and series["acme"].mentions_total == 2
    assert series["beta"].seconds == [0.0, 0.0, 0.0] and series["beta"].mentions == [0, 1, 0]
    assert [s.brand for s in line.series] == ["acme", "gamma", "beta"]
    totals = {t.brand: t.seconds for t in exposure.brand_totals(SOURCED, Filters())}
    assert {s.brand: s.total for s in line.series} == totals
    split = exposure.timeline(SOURCED, 0.0, 30.0, 10.0, by_source=True)
    keyed = {(s.brand, s.source): s for s in split.series}
    assert set(keyed) == {("acme", "logo"), ("acme", "text"), ("acme", "speech"),
                          ("beta", "speech"), ("gamma", "text")}  # fmt: skip
    assert keyed[("acme", "logo")].seconds == [10.0, 0.0, 0.0]
    assert keyed[("acme", "text")].seconds == [4.0, 4.0, 0.0]
    assert keyed[("acme", "speech")].mentions == [1, 0, 1]
    assert keyed[("acme", "logo")].mentions_total == 0
    # A brand only said draws no area.
    assert {layer["brand"] for layer in exposure.area_chart(line)["layers"]} == {"acme", "gamma"}


def test_csv_carries_source_text_and_the_new_totals():
    rows = list(exposure.appearance_rows("s", [("acme-text-0000006000", SOURCED[1])], {}))
    row = dict(zip(exposure.APPEARANCE_COLUMNS, rows[0], strict=True))
    assert (row["source"], row["text"], row["seconds"]) == ("text", "ACME", 8.0)
    (said_row,) = exposure.appearance_rows("s", [("x", SOURCED[2])], {})
    said = dict(zip(exposure.APPEARANCE_COLUMNS, said_row, strict=True))
    assert (said["source"], said["text"], said["peak_w"]) == ("speech", "Acme", None)
    totals = exposure.brand_totals(SOURCED, Filters())
    text = exposure.to_csv(exposure.BRAND_COLUMNS, exposure.brand_rows("s", totals, {}))
    parsed = {r["brand"]: r for r in csv.DictReader(io.StringIO(text))}
    acme = parsed["acme"]
    assert (acme["seconds"], acme["logo_seconds"], acme["text_seconds"]) == ("14.0", "10.0", "8.0")
    mentions = (acme["mentions"], acme["first_mention_s"], acme["last_mention_s"])
    assert mentions == ("2", "3.0", "21.0")
    assert (parsed["beta"]["mentions"], parsed["beta"]["first_seen_s"]) == ("1", "")
    grouped = exposure.grouped_totals(
        [*totals, *exposure.brand_totals([seen(f"b{i}", "speech", i, i + 1) for i in range(9)],
                                         Filters())], 2)  # fmt: skip
    assert grouped[-1].brand == exposure.OTHER and grouped[-1].mentions == 10
