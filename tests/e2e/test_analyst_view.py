"""The analyst's stream view end to end in headless Debian Chromium, against the real
embedded stack, while ffmpeg publishes a clip over RTMP as OBS would: two brands
(Starbucks, Red Bull) come and go at different places on screen.

Signed in as a viewer (an analyst reads and exports; nothing more), it checks:

- live: the brands are found and listed with their appearances, each with its evidence
  thumbnail (a loaded image), the share-of-voice chart and the heat map drawn;
- clicking an appearance seeks the player there (the overlay's media time for the frame
  on screen moves to the appearance's start, +-1 s) and offers "Back to live";
- once the stream has ended: the CSV exports, downloaded with filters set in the page
  (brand, minimum confidence), hold exactly the Firestore appearance documents those
  filters keep, and the brand totals add their seconds up;
- the report (with the same filters) prints on one A4 page (page.pdf);
- at 390 px wide the view is stacked with a readable chart and nothing scrolls sideways.

Screenshots of each step go to test-artifacts/e2e/ (3x-*.png).
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
from pathlib import Path

import cv2
import pytest
import requests

from local.publisher import publish
from tests.e2e.shots import shot
from tests.e2e.test_dashboard import ARTIFACTS, WAIT_MS, sign_in
from tests.integration.helpers import WAIT_S
from tests.logo_scenes import ICONS, logo, paste, photo

WIDTH, HEIGHT, FPS = 1280, 720, 30
SECONDS = 36
# (brand, first second, last second, centre, width): when and where each logo is shown.
SHOWN = [
    ("starbucks", 0, 14, (1040, 470), 240),
    ("redbull", 10, 26, (330, 250), 260),
    ("starbucks", 22, SECONDS, (980, 220), 220),
]
BRANDS = {"starbucks": "Starbucks", "redbull": "Red Bull"}
MIN_CONFIDENCE = 0.3  # set with the page's slider (6 steps of 5 %)


def make_clip(out: Path) -> Path:
    """H.264 1280x720 30 fps, a keyframe every 2 s, the logos of SHOWN on a street photo."""
    base = cv2.resize(photo("bus"), (WIDTH, HEIGHT))
    scenes: dict[tuple, object] = {}
    encoder = subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS), "-i", "-", "-c:v", "libx264",
         "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-g", str(2 * FPS),
         "-keyint_min", str(2 * FPS), "-sc_threshold", "0", str(out)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    for number in range(SECONDS * FPS):
        t = number / FPS
        shown = tuple(i for i, (_, a, b, _, _) in enumerate(SHOWN) if a <= t < b)
        if shown not in scenes:
            scene = base.copy()
            for i in shown:
                brand, _, _, centre, width = SHOWN[i]
                scene, _ = paste(scene, logo(brand), centre, width)
            scenes[shown] = scene
        encoder.stdin.write(scenes[shown].tobytes())
    encoder.stdin.close()
    assert encoder.wait() == 0
    return out


def ensure_brands(api: str, auth: dict) -> None:
    for brand, name in BRANDS.items():
        requests.put(f"{api}/v1/brands/{brand}", json={"name": name}, headers=auth, timeout=30)
        logos = requests.get(f"{api}/v1/brands/{brand}/logos", headers=auth, timeout=30)
        logos.raise_for_status()
        if not logos.json()["logos"]:
            svg = (ICONS / f"{brand}.svg").read_bytes()
            requests.post(
                f"{api}/v1/brands/{brand}/logos",
                files={"file": (f"{brand}.svg", svg)},
                headers=auth,
                timeout=WAIT_S,
            ).raise_for_status()


def firestore_appearances(db, stream_id: str) -> dict[str, dict]:
    """Each appearance document as the exports describe it: brand, start, end, confidence."""
    out = {}
    for snap in db.collection("streams").document(stream_id).collection("appearances").stream():
        doc = snap.to_dict()
        parts = list((doc.get("parts") or {}).values())
        out[snap.id] = {
            "brand": doc["brand"],
            "start": float(doc["start"]),
            "end": max((p["end"] for p in parts), default=float(doc["start"])),
            "confidence": max((p["best_score"] for p in parts), default=0.0),
        }
    return out


def wait_until(check, what: str, timeout: float = WAIT_S, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


def overlay_now(page) -> dict | None:
    return page.evaluate(
        "() => JSON.parse(document.querySelector('ma-player canvas')?.dataset.overlay || 'null')"
    )


def read_csv(download) -> list[dict]:
    return list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))


def test_analyst_view_live_seek_exports_report_and_phone(
    stack_env,
    db,
    browser,
    dashboard,
    tmp_path,
):
    api = stack_env.info["api"]
    auth = {"Authorization": f"Bearer {stack_env.info['api_dev_token']}"}
    ensure_brands(api, auth)
    created = requests.post(
        f"{api}/v1/streams", json={"name": "Analyst match"}, headers=auth, timeout=30
    )
    created.raise_for_status()
    stream_id = created.json()["stream"]["stream_id"]
    key = created.json()["stream_key"]
    clip = make_clip(tmp_path / "analyst.mp4")

    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    sign_in(page, dashboard, stack_env.info["accounts"], "viewer")
    page.goto(f"{dashboard}#/streams/{stream_id}")
    page.get_by_test_id("stream-title").filter(has_text="Analyst match").wait_for()
    # Nothing to export before the first appearance: the exports wait and say why.
    page.locator('[data-testid="exports"][data-ready="false"]').wait_for()
    assert page.get_by_test_id("export-appearances").is_disabled()
    assert page.get_by_test_id("export-brands").is_disabled()
    assert page.get_by_test_id("export-report").get_attribute("aria-disabled") == "true"
    empty = page.get_by_test_id("totals-empty")
    assert empty.evaluate("td => getComputedStyle(td).textOverflow") != "ellipsis"
    assert empty.evaluate("td => td.scrollWidth <= td.clientWidth"), empty.inner_text()

    # Played twice (72 s): time to look at the live view before the stream ends.
    publisher = publish(f"{stack_env.info['rtmp']}/{key}", clip, loops=1)
    try:
        live_checks(page)
        publisher.wait(timeout=2 * SECONDS + WAIT_S)
        ended_checks(page, db, stream_id, context)
        phone_checks(browser, dashboard, stack_env, stream_id)
    except Exception:
        shot(page, "3x-failure.png")
        (ARTIFACTS / "3x-failure-console.txt").write_text("\n".join(console))
        raise
    finally:
        publisher.kill()
        publisher.wait()
        context.close()


def live_checks(page) -> None:
    # The brands are found while the stream is live: appearances listed, each with its
    # evidence frame, the chart and the heat map drawn.
    page.locator('[data-testid="appearance-group"][data-brand="starbucks"]').wait_for()
    page.get_by_test_id("sov-chart").wait_for()
    # Thumbnails load as the list scrolls into view, as an analyst reading it would.
    page.get_by_test_id("appearances").scroll_into_view_if_needed()
    thumb = page.locator('[data-testid="appearance"] img[data-testid="evidence"]').first
    thumb.wait_for()
    page.wait_for_function(
        """() => [...document.querySelectorAll('img[data-testid="evidence"]')]
                 .some((img) => img.complete && img.naturalWidth > 0)"""
    )
    assert page.get_by_test_id("sov-empty").count() == 0
    page.locator('[data-testid="exports"][data-ready="true"]').wait_for()
    assert page.get_by_test_id("export-appearances").is_enabled()
    # Brand names, not ids: in the list, the totals and the chart's description.
    group = page.locator('[data-testid="appearance-group"][data-brand="starbucks"] h3')
    assert group.inner_text() == "Starbucks", group.inner_text()
    page.locator('[data-testid="brand-totals"] [data-brand="starbucks"]').filter(
        has_text="Starbucks"
    ).wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=sov-chart]').ariaLabel.includes('Starbucks')"
    )
    assert "updating live" in page.get_by_test_id("analyst-scope").inner_text()
    first = page.locator('[data-testid="appearance"]').first
    assert re.search(r"\d+:\d\d – \d+:\d\d", first.inner_text()), first.inner_text()
    assert re.search(r"% of frame, [a-z-]+", first.inner_text()), first.inner_text()
    assert "confidence" in first.inner_text()
    shot(page, "30-analyst-live.png")

    # Seeking from an appearance: wait until the player is well past its start, then click.
    row = page.locator(
        '[data-testid="appearance-group"][data-brand="starbucks"] [data-testid="appearance"]'
    ).first
    start = float(row.get_attribute("data-start"))
    page.get_by_test_id("player-status").filter(has_text="playing").wait_for()
    wait_until(
        lambda: (now := overlay_now(page)) and now["mediaTime"] > start + 6,
        "the player to play past the appearance's start",
    )
    # Record every frame's media time the overlay draws from now on.
    page.evaluate(
        """() => {
          const canvas = document.querySelector('ma-player canvas');
          window.__seen = [];
          const record = () => window.__seen.push(JSON.parse(canvas.dataset.overlay).mediaTime);
          new MutationObserver(record)
            .observe(canvas, { attributes: true, attributeFilter: ['data-overlay'] });
        }"""
    )
    row.click()
    page.wait_for_function(
        "(start) => (window.__seen || []).some((t) => Math.abs(t - start) <= 1)", arg=start
    )
    page.get_by_test_id("go-live").wait_for()  # live stream: the way back to the edge
    page.wait_for_timeout(500)
    shot(page, "31-seek.png", full_page=False)
    page.get_by_test_id("go-live").click()
    page.get_by_test_id("go-live").wait_for(state="detached")


def ended_checks(page, db, stream_id: str, context) -> None:
    # The publisher has finished: wait for the stream to end and its last segment to be
    # analysed, so Firestore and the page hold the same, final appearances.
    stream = db.collection("streams").document(stream_id)
    wait_until(lambda: stream.get().get("status") == "ended", "the stream to end")
    segments = stream.collection("segments")

    def all_analysed() -> bool:
        uploaded = (stream.get().to_dict().get("ingest") or {}).get("uploaded") or 0
        analysed = sum(1 for s in segments.stream() if s.to_dict().get("status"))
        return uploaded > 0 and analysed >= uploaded

    wait_until(all_analysed, "every uploaded segment to be analysed")
    # Appearances are written just after their segment's result: wait until they hold
    # still (both brands there, the same on two reads 3 s apart).
    last: dict = {}

    def settled() -> dict | None:
        nonlocal last
        now = firestore_appearances(db, stream_id)
        done = now == last and {a["brand"] for a in now.values()} == set(BRANDS)
        last = now
        return now if done else None

    expected = wait_until(settled, "the appearances to settle", every=3)
    page.wait_for_function(
        "(n) => document.querySelectorAll('[data-testid=appearance]').length === n",
        arg=len(expected),
    )
    shot(page, "32-analyst-ended.png")
    # Ended: the player holds the whole recording (the API's VOD playlist, not the live
    # window), and an appearance plays from its start in it.
    last_end = max(a["end"] for a in expected.values())
    page.wait_for_function(
        """(end) => {
          const v = document.querySelector('ma-player video');
          return v && Number.isFinite(v.duration) && v.duration >= end - 2;
        }""",
        arg=last_end,
    )
    row = page.locator(
        '[data-testid="appearance-group"][data-brand="redbull"] [data-testid="appearance"]'
    ).last
    start = float(row.get_attribute("data-start"))
    row.click()
    page.wait_for_function(
        """(s) => Math.abs(document.querySelector('ma-player video').currentTime - s) <= 1.5""",
        arg=start,
    )
    assert "Red Bull" in page.get_by_test_id("brand-totals").inner_text()
    assert "redbull" not in page.get_by_test_id("brand-totals").inner_text()
    heat_and_time_range(page, expected)

    # Exports with the page's filters: one brand chosen, a minimum confidence.
    page.locator('[data-testid="filter-brands"] mat-chip-option[data-brand="starbucks"]').click()
    confidence = page.get_by_test_id("filter-confidence")
    confidence.focus()
    for _ in range(round(MIN_CONFIDENCE / 0.05)):
        confidence.press("ArrowRight")
    page.get_by_test_id("analyst-scope").filter(
        has_text=f"≥ {round(MIN_CONFIDENCE * 100)}%"
    ).wait_for()
    kept = {
        i: a
        for i, a in expected.items()
        if a["brand"] == "starbucks" and a["confidence"] >= MIN_CONFIDENCE
    }
    assert kept, expected

    with page.expect_request(lambda r: "/appearances.csv" in r.url) as request:
        with page.expect_download() as download:
            page.get_by_test_id("export-appearances").click()
    assert "brand=starbucks" in request.value.url, request.value.url
    assert f"min_confidence={MIN_CONFIDENCE}" in request.value.url, request.value.url
    assert download.value.suggested_filename == f"{stream_id}-appearances.csv"
    rows = read_csv(download.value)
    assert {r["appearance_id"] for r in rows} == set(kept), (rows, kept)
    for r in rows:
        a = kept[r["appearance_id"]]
        assert r["brand"] == a["brand"] and r["brand_name"] == BRANDS[a["brand"]]
        assert float(r["start_s"]) == pytest.approx(a["start"], abs=1e-3)
        assert float(r["end_s"]) == pytest.approx(a["end"], abs=1e-3)
        assert float(r["confidence"]) == pytest.approx(a["confidence"], abs=1e-4)
        assert r["evidence"].startswith(f"/v1/streams/{stream_id}/evidence/")

    with page.expect_download() as download:
        page.get_by_test_id("export-brands").click()
    totals = read_csv(download.value)
    assert [(t["brand"], t["brand_name"]) for t in totals] == [("starbucks", "Starbucks")], totals
    seconds = sum(a["end"] - a["start"] for a in kept.values())
    assert float(totals[0]["seconds"]) == pytest.approx(seconds, abs=0.01)
    assert int(totals[0]["appearances"]) == len(kept)
    # The page shows the same figure (once it has read the last segment's appearances).
    page.wait_for_function(
        """(seconds) => {
          const cell = document.querySelector(
            '[data-testid=brand-totals] [data-brand=starbucks] [data-testid=total-seconds]');
          return cell && Math.abs(parseFloat(cell.textContent) - seconds) < 0.05;
        }""",
        arg=seconds,
        timeout=30_000,
    )

    # The report, with the same filters, on one A4 page.
    page.get_by_test_id("export-report").click()
    page.wait_for_url(re.compile(rf"#/streams/{stream_id}/report\?.*brand=starbucks"))
    page.locator('[data-testid="report"][data-ready="true"]').wait_for()
    report = page.get_by_test_id("report-brands")
    assert "Starbucks" in report.inner_text() and "Red Bull" not in report.inner_text()
    figure = report.locator('[data-brand="starbucks"] [data-testid="report-seconds"]').inner_text()
    assert float(figure.split()[0]) == pytest.approx(seconds, abs=0.05)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=report] img[data-testid=evidence]')]
                 .every((img) => img.complete && img.naturalWidth > 0)"""
    )
    assert page.locator('[data-testid="report"] img[data-testid="evidence"]').count() >= 1
    shot(page, "33-report.png")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / "33-report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    # What the printer gets, as a picture: print media on an A4-wide (at 96 dpi) window.
    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    shot(page, "33-report-print.png")
    assert pages == 1, f"the report printed on {pages} pages"


def hottest(page, brand: str) -> tuple[float, float]:
    """Shows `brand` in the heat map; its hottest cell's centre (fractions of the frame)."""
    page.locator(f'ma-heatmap .pick button[data-brand="{brand}"]').click()
    heat = page.locator(f'[data-testid="heatmap"][data-shown="{brand}"][data-hottest]')
    heat.wait_for()
    x, y = heat.get_attribute("data-hottest").split(",")
    return float(x), float(y)


def inside(point: tuple[float, float], shown: tuple) -> bool:
    """Whether a point (fractions of the frame) lies on the logo SHOWN placed there (its
    width both ways: the logos are at most as tall as they are wide)."""
    _, _, _, (cx, cy), width = shown
    x, y = point[0] * WIDTH, point[1] * HEIGHT
    return abs(x - cx) <= width / 2 and abs(y - cy) <= width / 2


def heat_and_time_range(page, expected: dict) -> None:
    """The heat map's hottest cell is where the clip put each brand; the time-range filter
    narrows the list, the totals and the heat map (Starbucks' second place is after 0:20)."""
    page.get_by_test_id("heatmap").scroll_into_view_if_needed()
    assert inside(hottest(page, "redbull"), SHOWN[1]), hottest(page, "redbull")
    whole = hottest(page, "starbucks")
    assert inside(whole, SHOWN[0]) or inside(whole, SHOWN[2]), whole

    end = 20
    to = page.locator('[data-testid="filter-time"] input[aria-label="To"]')
    to.focus()
    to.press("Home")  # down to the start thumb (0:00), then up to 0:20
    for _ in range(end):
        to.press("ArrowRight")
    page.get_by_test_id("analyst-scope").filter(has_text=f"0:00 – 0:{end}").wait_for()
    kept = [a for a in expected.values() if a["start"] < end]
    page.wait_for_function(
        "(n) => document.querySelectorAll('[data-testid=appearance]').length === n",
        arg=len(kept),
    )
    early = hottest(page, "starbucks")
    assert inside(early, SHOWN[0]) and not inside(early, SHOWN[2]), early
    assert inside(hottest(page, "redbull"), SHOWN[1])
    shot(page, "32-analyst-time-range.png")
    page.get_by_test_id("filter-reset").click()
    page.get_by_test_id("analyst-scope").filter(has_text="(whole stream)").wait_for()


def phone_checks(browser, dashboard: str, stack_env, stream_id: str) -> None:
    """At 390 px: one column, the chart as wide as the screen allows, no sideways scroll."""
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.set_default_timeout(WAIT_MS)
    try:
        sign_in(phone, dashboard, stack_env.info["accounts"], "viewer")
        phone.goto(f"{dashboard}#/streams/{stream_id}")
        phone.get_by_test_id("sov-chart").wait_for()
        phone.get_by_test_id("appearances").scroll_into_view_if_needed()
        phone.locator('[data-testid="appearance"] img[data-testid="evidence"]').first.wait_for()
        phone.evaluate("window.scrollTo(0, 0)")
        phone.wait_for_timeout(500)
        layout = phone.evaluate(
            """() => {
              const box = (s) => document.querySelector(s).getBoundingClientRect();
              return {
                scroll: document.scrollingElement.scrollWidth,
                chart: box('[data-testid=sov-chart]').width,
                player: box('ma-player').width,
                list: box('ma-appearance-list').width,
                heat: box('[data-testid=heatmap]').width,
              };
            }"""
        )
        wide = phone.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter((e) => e.getBoundingClientRect().right > 392)
                 .slice(0, 8).map((e) => e.tagName + '.' + e.className + ' ' +
                   Math.round(e.getBoundingClientRect().right))"""
        )
        assert layout["scroll"] <= 390, (layout, wide)
        for part in ("chart", "player", "list"):
            assert 300 <= layout[part] <= 390, layout
        assert 250 <= layout["heat"] <= 390, layout  # beside its Top/Middle/Bottom labels
        # Every column of the brand totals on screen, none behind a sideways scroll.
        totals = phone.get_by_test_id("brand-totals")
        assert totals.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
        # The exposure comes right after the player (and its transcript), its figures before
        # its filters, then the live brand panel and the operator's details.
        order = phone.evaluate(
            """() => ['ma-player', 'ma-analyst', '[data-testid=kpi-brands]', 'ma-analyst-filters',
                       '[data-testid=brand-panel]', '[data-testid=detection-details]']
                 .map((s) => document.querySelector(s).getBoundingClientRect().top)"""
        )
        assert order == sorted(order), order
        player_bottom = phone.evaluate(
            "document.querySelector('ma-player').getBoundingClientRect().bottom"
        )
        assert order[1] - player_bottom < 250, (order, player_bottom)
        shot(phone, "34-analyst-390.png")
        phone.goto(f"{dashboard}#/streams/{stream_id}/report")
        phone.locator('[data-testid="report"][data-ready="true"]').wait_for()
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
        shot(phone, "35-report-390.png")
    finally:
        phone.close()


# The report's worst case: more brands than its table shows, ten thumbnails, long names.
MANY = [f"sponsor-{name}-international" for name in "abcdefghijkl"]


def honest_state(page, db, stream_id: str) -> None:
    """Each warning the pipeline writes on a stream is shown beside the panel it affects,
    with what to do: keyframes too far apart, results behind live, segments that never
    reached storage and failed segments (with the newest one's reason: seconds missing from
    the exposure below) under the player; an unusable logo reference by the brands."""
    stream = db.collection("streams").document(stream_id)
    logo_message = "logo reference sponsor-a-international/1.png is not used: hairline shapes"
    stream.collection("segments").document("00000040").set(
        {"seq": 40, "status": "failed", "error": "moov atom not found", "warnings": [logo_message]}
    )
    stream.update(
        {
            "status": "live",
            "stats.lag_s": 25.0,
            "stats.failed": 1,
            "ingest.dropped": 2,
            "warnings": {"keyframe_interval": "keyframes every 8.0 s (at most 4 s)"},
            "analysis_warnings": {"messages": [logo_message]},
        }
    )
    shown = {
        "keyframes": ("player", "Keyframe Interval 2 s"),
        "lag": ("player", "25 s behind live"),
        "dropped": ("player", "2 segments never reached storage"),
        "failed": ("player", "moov atom not found"),
        "logo:sponsor-a-international/1.png": ("brands", "clearer image of the logo"),
    }
    for warning, (panel, words) in shown.items():
        item = page.locator(f'[data-testid="warnings-{panel}"] [data-warning="{warning}"]')
        item.wait_for(state="attached")
        assert words in item.text_content(), (warning, item.text_content())
    page.get_by_test_id("warnings-player").scroll_into_view_if_needed()
    shot(page, "38-warnings.png", full_page=False)


def test_report_of_many_brands_prints_on_one_a4_page(
    stack_env,
    db,
    store,
    browser,
    dashboard,
):
    """Twelve brands with evidence frames, written as the pipeline writes them (appearance
    documents, JPEGs in the bucket): the report shows ten rows, says two more are in the
    CSV, draws ten thumbnails, and still prints on one A4 page."""
    from mediacore.names import evidence_object

    api = stack_env.info["api"]
    auth = {"Authorization": f"Bearer {stack_env.info['api_dev_token']}"}
    created = requests.post(
        f"{api}/v1/streams", json={"name": "Twelve sponsors"}, headers=auth, timeout=30
    )
    created.raise_for_status()
    stream_id = created.json()["stream"]["stream_id"]
    bgr = cv2.cvtColor(cv2.resize(photo("bus"), (480, 270)), cv2.COLOR_RGB2BGR)
    frame = cv2.imencode(".jpg", bgr)[1].tobytes()
    appearances = db.collection("streams").document(stream_id).collection("appearances")
    for i, brand in enumerate(MANY):
        for k in range(2):
            seq = 3 * i + 10 * k
            start = 2.0 * seq
            name = evidence_object(stream_id, seq, brand)
            store.put(name, frame, content_type="image/jpeg")
            box = [0.05 * (i % 8), 0.06 * (i % 6), 0.2, 0.15]
            appearances.document(f"{brand}-{round(start * 1000):010d}").set(
                {
                    "brand": brand,
                    "source": "logo",
                    "start": start,
                    "end": start + 4 + i,
                    "parts": {
                        f"{seq:08d}": {
                            "end": start + 4 + i,
                            "frames": 8,
                            "peak_box": box,
                            "peak_area": round(box[2] * box[3], 6),
                            "best_t": start + 1,
                            "best_score": 0.6 + 0.02 * i,
                            "evidence": name,
                        }
                    },
                }
            )

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "viewer")
        page.goto(f"{dashboard}#/streams/{stream_id}/report")
        page.locator('[data-testid="report"][data-ready="true"]').wait_for()
        assert page.locator('[data-testid="report-brands"] tbody tr').count() == 10
        assert "2 more brands" in page.get_by_test_id("report").inner_text()
        thumbs = page.locator('[data-testid="report"] img[data-testid="evidence"]')
        assert thumbs.count() == 10
        assert all(img.evaluate("i => i.naturalWidth > 0") for img in thumbs.all())
        shot(page, "36-report-many.png")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        (ARTIFACTS / "36-report-many.pdf").write_bytes(pdf)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        if pages != 1:  # how tall it is, laid out for print on A4 less its 10 mm margins
            page.emulate_media(media="print")
            page.set_viewport_size({"width": 718, "height": 1047})
            tall = page.evaluate(
                "document.querySelector('[data-testid=report]').getBoundingClientRect().height"
            )
            pytest.fail(f"the report printed on {pages} pages ({tall * 25.4 / 96:.0f} mm, 277 fit)")
        # The check can fail: the same page with room taken up prints on two.
        page.evaluate(
            """() => document.querySelector('[data-testid=report] footer')
                 .insertAdjacentHTML('beforebegin', '<div style="height: 120mm"></div>')"""
        )
        longer = page.pdf(prefer_css_page_size=True, print_background=True)
        assert len(re.findall(rb"/Type\s*/Page[^s]", longer)) == 2

        # Ended, never published: the player says there is no recording (not "not
        # published yet"), the exposure is there all the same.
        db.collection("streams").document(stream_id).update({"status": "ended"})
        page.goto(f"{dashboard}#/streams/{stream_id}")
        hint = page.get_by_test_id("player-hint")
        hint.filter(has_text="Stream ended — no recording kept").wait_for()
        assert page.get_by_test_id("player-status").inner_text().lower() == "ended"
        page.locator('[data-testid="exports"][data-ready="true"]').wait_for()
        shot(page, "37-ended-no-recording.png")
        # Twelve long brand names: the totals table shortens them, the page keeps its width.
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
        honest_state(page, db, stream_id)
    finally:
        page.close()
