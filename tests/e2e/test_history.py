"""The history page end to end in headless Debian Chromium against the real embedded stack
(Firestore listeners for the stream list, the control API's /summary for the results).

Stands in for a brand analyst looking back: ended streams are listed with their date,
analysed duration and top brands, each opening its stream page; two streams compared show
each brand's seconds as /summary gives them (whole streams) and as the appearances clipped
to a media-time range give them; the comparison exports as CSV; a date filter narrows the
list; the page fits 390 px. The streams' results are written as the pipeline writes them
(the stream document's totals, one document per appearance).

Screenshots go to test-artifacts/e2e/ (5x-*.png).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from functions.appearances import RunPart, appearance_id, part_fields
from tests.conftest import TEST_API_KEY
from tests.e2e.shots import shot
from tests.e2e.test_dashboard import WAIT_MS, sign_in
from tests.integration.helpers import WAIT_S

API_KEY = {"X-API-Key": TEST_API_KEY}
# brand -> [(start, end)] of its appearances, per stream
SEEN = (
    {"acme": [(0.0, 6.0), (20.0, 24.5)], "globex": [(8.0, 12.5)]},
    {"acme": [(2.0, 6.5)], "initech": [(10.0, 11.5)], "globex": [(30.0, 40.0)]},
)


def create(api: str, name: str) -> str:
    created = requests.post(
        f"{api}/v1/streams", json={"name": name}, headers=API_KEY, timeout=WAIT_S
    )
    created.raise_for_status()
    return created.json()["stream"]["stream_id"]


def ended_stream(api: str, db, name: str, seen: dict, hours_ago: float) -> str:
    stream_id = create(api, name)
    ref = db.collection("streams").document(stream_id)
    start = datetime.now(UTC) - timedelta(hours=hours_ago)
    ref.update(
        {
            "status": "ended",
            "live_since": start,
            "ended_at": start + timedelta(minutes=1),
            "analysed_seconds": 60.0,
            "brands": {
                brand: {
                    "seconds": sum(e - s for s, e in spans),
                    "first_seen": spans[0][0],
                    "last_seen": spans[-1][1],
                }
                for brand, spans in seen.items()
            },
        }
    )
    for brand, spans in seen.items():
        for s, e in spans:
            write_appearance(ref, brand, s, e)
    return stream_id


def write_appearance(ref, brand: str, start: float, end: float) -> None:
    """One appearance document as the analysis writes it (functions/appearances.py)."""
    part = RunPart(brand, start, end, [0.6, 0.3, 0.1, 0.1], 0.01, start + 0.5, 0.9, frames=3)
    ref.collection("appearances").document(appearance_id(brand, start)).set(
        part_fields(int(start // 2), part)
    )


def clipped(appearances: list[dict], lo: float, hi: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for a in appearances:
        seconds = max(0.0, min(a["end"], hi) - max(a["start"], lo))
        if seconds > 0:
            out[a["brand"]] = out.get(a["brand"], 0.0) + seconds
    return out


def settle(page) -> None:
    """Until a smooth scroll has stopped (a screenshot mid-scroll shows half a page)."""
    page.wait_for_function(
        """() => new Promise((done) => { const y = scrollY;
             setTimeout(() => done(scrollY === y), 200); })"""
    )


def pick(page, stream_id: str) -> None:
    page.locator(f'li[data-stream="{stream_id}"] [data-testid="compare-pick"] input').check()


def table_seconds(page, stream_id: str) -> dict[str, float]:
    cells = page.locator(f'[data-testid="comparison-table"] tbody td[data-stream="{stream_id}"]')
    return {
        cells.nth(i).locator("xpath=..").get_attribute("data-brand"): float(
            cells.nth(i).get_attribute("data-seconds")
        )
        for i in range(cells.count())
        if float(cells.nth(i).get_attribute("data-seconds")) > 0
    }


def test_history_lists_ended_streams_and_compares_brands(stack_env, db, browser, dashboard):
    api = stack_env.info["api"]
    tag = uuid.uuid4().hex[:4]
    first = ended_stream(api, db, f"Friday show {tag}", SEEN[0], hours_ago=26)
    second = ended_stream(api, db, f"Saturday match {tag}", SEEN[1], hours_ago=3)
    idle = create(api, f"Not yet live {tag}")
    summaries = {}
    for stream_id in (first, second):
        answer = requests.get(f"{api}/v1/streams/{stream_id}/summary", headers=API_KEY, timeout=30)
        assert answer.status_code == 200, answer.text
        summaries[stream_id] = answer.json()
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "viewer")
        page.get_by_test_id("nav-history").click()
        page.wait_for_url(re.compile(r"#/history$"))

        # Ended streams, with when, how long was analysed, top brands; not the idle one.
        row = page.locator(f'[data-testid="history-list"] li[data-stream="{second}"]')
        row.wait_for()
        assert page.locator(f'li[data-stream="{first}"]').count() == 1
        assert page.locator(f'li[data-stream="{idle}"]').count() == 0
        assert row.get_by_test_id("history-duration").inner_text() == "1 min 00 s analysed"
        assert row.get_by_test_id("history-date").inner_text().strip()
        top = row.get_by_test_id("history-brands").inner_text()
        assert top.index("globex") < top.index("acme") < top.index("initech"), top  # most first
        page.get_by_test_id("filter-all").click()
        page.locator(f'li[data-stream="{idle}"]').wait_for()
        page.get_by_test_id("filter-ended").click()
        shot(page, "50-history.png")

        # Compare two streams: each brand's seconds as /summary has them.
        for stream_id in (first, second):
            page.locator(
                f'li[data-stream="{stream_id}"] [data-testid="compare-pick"] input'
            ).check()
        page.get_by_test_id("compare").click()
        table = page.get_by_test_id("comparison-table")
        table.wait_for()
        for stream_id, summary in summaries.items():
            want = {b["brand"]: b["seconds"] for b in summary["brands"] if b["seconds"] > 0}
            assert table_seconds(page, stream_id) == pytest.approx(want), stream_id
        acme = table.locator('tr[data-brand="acme"] td[data-stream="all"]')
        assert float(acme.get_attribute("data-seconds")) == pytest.approx(6.0 + 4.5 + 4.5)
        assert page.locator("ma-comparison-chart canvas").is_visible()
        settle(page)
        shot(page, "51-comparison.png", full_page=False)

        # A media-time range: each appearance counted with its part inside it.
        page.get_by_test_id("range-from").fill("0:05")
        page.get_by_test_id("range-to").fill("0:22")
        acme_first = clipped(summaries[first]["appearances"], 5.0, 22.0)["acme"]
        assert acme_first == pytest.approx(3.0)  # 1 s of 0-6 and 2 s of 20-24.5
        page.wait_for_function(
            """([id, want]) => Math.abs(Number(document.querySelector(
                 `[data-testid=comparison-table] tr[data-brand=acme] td[data-stream="${id}"]`
               )?.dataset.seconds) - want) < 1e-6""",
            arg=[first, acme_first],
        )
        for stream_id, summary in summaries.items():
            want = clipped(summary["appearances"], 5.0, 22.0)
            assert table_seconds(page, stream_id) == pytest.approx(want), stream_id
        settle(page)
        shot(page, "52-comparison-range.png", full_page=False)

        # CSV of what is shown.
        with page.expect_download() as download:
            page.get_by_test_id("export-comparison").click()
        rows = list(csv.DictReader(io.StringIO(open(download.value.path()).read())))
        exported = {(r["stream_id"], r["brand"]): float(r["seconds"]) for r in rows}
        want = {
            (s, b): v
            for s, summary in summaries.items()
            for b, v in clipped(summary["appearances"], 5.0, 22.0).items()
        }
        assert exported == pytest.approx(want)
        assert {r["range_start_s"] for r in rows} == {"5"} and {r["range_end_s"] for r in rows} == {
            "22"
        }

        # Dates: a range after today lists nothing.
        page.get_by_test_id("date-from").fill((date.today() + timedelta(days=1)).isoformat())
        page.get_by_test_id("history-empty").wait_for()
        page.get_by_test_id("date-from").fill("")
        row.wait_for()

        # A stream opens on its own page (player and results).
        row.get_by_test_id("history-name").click()
        page.wait_for_url(re.compile(rf"#/streams/{second}$"))
        page.get_by_test_id("stream-title").filter(has_text=f"Saturday match {tag}").wait_for()
        page.get_by_test_id("player-status").wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, "53-stream-page.png", full_page=False)
    except Exception:
        shot(page, "failure-history.png")
        raise
    finally:
        page.close()


def test_history_at_390_px(stack_env, db, browser, dashboard):
    api = stack_env.info["api"]
    tag = uuid.uuid4().hex[:4]
    ids = [
        ended_stream(api, db, f"Phone history {n} {tag}", SEEN[n], hours_ago=2 + n) for n in (0, 1)
    ]
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "viewer")
        page.goto(f"{dashboard}#/history")
        for stream_id in ids:
            page.locator(
                f'li[data-stream="{stream_id}"] [data-testid="compare-pick"] input'
            ).check()
        page.get_by_test_id("compare").click()
        page.get_by_test_id("comparison-table").wait_for()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide at 390 px"
        shot(page, "54-390-history.png")
    except Exception:
        shot(page, "failure-390-history.png")
        raise
    finally:
        context.close()
