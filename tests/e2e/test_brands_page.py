"""The brands page end to end in headless Debian Chromium against the real embedded stack
(sign-in on the Auth emulator with the seeded accounts, the control API, the model
service's logo check, the bundled catalogue, Firestore).

Stands in for a brand analyst setting up the brand library:
- an installation without brands shows an empty state that says what to do and why;
- adding a brand by name, dropping a logo file on it (drag and drop) and choosing two
  more in the file picker: the usable one is kept with the check's verdict, a blank and a
  tiny image are refused with their reasons and not kept (checked against the API);
- adding its logo from the catalogue (debounced search, previews), with the verdict;
- totals across streams (seconds, appearances, share of voice, streams where seen) as the
  API gives them; renaming; deleting with a confirmation naming the brand;
- a viewer sees the same page without any admin action;
- at 390 px wide nothing scrolls sideways; without the catalogue (the API's 503) the page
  says so.

Screenshots of each step go to test-artifacts/e2e/ (4x-*.png).
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
import requests

from tests.conftest import TEST_API_KEY
from tests.e2e.shots import shot
from tests.e2e.test_dashboard import WAIT_MS, sign_in
from tests.e2e.test_history import write_appearance
from tests.integration.helpers import WAIT_S
from tests.logo_scenes import ICONS

API_KEY = {"X-API-Key": TEST_API_KEY}
BRAND, NAME = "starbucks", "Starbucks"


def png(width: int, height: int, value: int = 255) -> bytes:
    ok, data = cv2.imencode(".png", np.full((height, width, 3), value, np.uint8))
    assert ok
    return data.tobytes()


def delete_every_brand(api: str) -> None:
    """The empty state is for an installation without brands: start from one."""
    listing = requests.get(f"{api}/v1/brands", headers=API_KEY, timeout=WAIT_S)
    listing.raise_for_status()
    for brand in listing.json()["brands"]:
        requests.delete(
            f"{api}/v1/brands/{brand['brand_id']}", headers=API_KEY, timeout=30
        ).raise_for_status()


def seen_in_streams(api: str, db, brand: str) -> list[str]:
    """Two ended streams where the brand was seen, written as the pipeline writes them
    (the stream's brands.{id} totals, one document per appearance)."""
    ids = []
    for n, (seconds, starts) in enumerate(((6.0, [0.0, 10.0, 20.0]), (4.5, [2.0]))):
        created = requests.post(
            f"{api}/v1/streams",
            json={"name": f"Brands e2e {n + 1} {uuid.uuid4().hex[:4]}"},
            headers=API_KEY,
            timeout=WAIT_S,
        )
        created.raise_for_status()
        stream_id = created.json()["stream"]["stream_id"]
        ref = db.collection("streams").document(stream_id)
        ref.update(
            {
                "status": "ended",
                "live_since": datetime.now(UTC) - timedelta(hours=2),
                "ended_at": datetime.now(UTC) - timedelta(hours=1),
                "analysed_seconds": 60.0,
                f"brands.`{brand}`": {
                    "seconds": seconds,
                    "first_seen": starts[0],
                    "last_seen": starts[-1] + 1,
                },
            }
        )
        for start in starts:
            write_appearance(ref, brand, start, start + 1)
        ids.append(stream_id)
    return ids


def drop_files(page, selector: str, files: list[tuple[str, str, bytes]], screenshot=None) -> None:
    """Drag files over an element and drop them, as a user dragging from their desktop."""
    payload = [(name, kind, base64.b64encode(data).decode()) for name, kind, data in files]
    page.evaluate(
        """([selector, files]) => {
          const dt = new DataTransfer();
          for (const [name, type, b64] of files) {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            dt.items.add(new File([bytes], name, { type }));
          }
          window.__maDrop = dt;
          const target = document.querySelector(selector);
          for (const type of ['dragenter', 'dragover']) {
            const init = { bubbles: true, cancelable: true, dataTransfer: dt };
            target.dispatchEvent(new DragEvent(type, init));
          }
        }""",
        [selector, payload],
    )
    if screenshot:
        shot(page, screenshot, full_page=False)
    page.evaluate(
        """(selector) => document.querySelector(selector).dispatchEvent(new DragEvent('drop',
             { bubbles: true, cancelable: true, dataTransfer: window.__maDrop }))""",
        selector,
    )


def outcome(page, card, filename: str):
    """The verdict shown for one file, once the check has answered."""
    row = card.get_by_test_id("upload-outcome").filter(has_text=filename)
    row.get_by_test_id("verdict-title").wait_for()
    return row.get_by_test_id("verdict-title").inner_text(), row.get_by_test_id(
        "verdict-detail"
    ).inner_text()


def percent(share: float) -> str:
    """As the page writes a share (brand-logic.ts percent)."""
    p = 100 * share
    if p == 0:
        return "0%"
    if p < 0.1:
        return "<0.1%"
    return f"{p:.1f}%" if p < 10 else f"{round(p)}%"


def test_admin_builds_the_brand_library(stack_env, db, browser, dashboard):
    api = stack_env.info["api"]
    delete_every_brand(api)
    streams = seen_in_streams(api, db, BRAND)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "admin")
        page.get_by_test_id("nav-brands").click()
        page.wait_for_url(re.compile(r"#/brands$"))

        # 1. No brands: the empty state says what to do and why it matters.
        empty = page.get_by_test_id("brands-empty")
        text = empty.inner_text()
        assert "finds only the brands in this library" in text
        assert "catalogue" in text and "logo" in text
        shot(page, "40-brands-empty.png")

        # 2. Add a brand by name: its id is shown, then its card with the catalogue open.
        page.get_by_test_id("new-brand-name").fill(NAME)
        page.get_by_test_id("add-brand").click()
        card = page.locator(f'ma-brand-card[data-brand="{BRAND}"]')
        card.wait_for()
        assert card.get_by_test_id("brand-name").inner_text() == NAME
        assert "No reference logo yet" in card.get_by_test_id("no-logos").inner_text()
        results = card.get_by_test_id("catalogue-results")
        results.locator('button[data-slug="starbucks"]').wait_for()  # searched by its name
        shot(page, "41-brand-added.png")

        # 3. Drop a logo file on the card: checked, kept, with the verdict.
        svg = (ICONS / "starbucks.svg").read_bytes()
        drop_files(
            page,
            f'ma-brand-card[data-brand="{BRAND}"]',
            [("starbucks.svg", "image/svg+xml", svg)],
            screenshot="42-dragging.png",
        )
        title, detail = outcome(page, card, "starbucks.svg")
        assert title.startswith("Usable"), (title, detail)
        assert re.search(r"Found in \d of 8 test scenes", detail), detail
        card.locator(".thumbs li.thumb").first.wait_for()

        # 4. Two more files at once in the picker: a blank image and a tiny one, refused
        #    with their reasons and not kept.
        card.get_by_test_id("logo-input").set_input_files(
            [
                {"name": "blank.png", "mimeType": "image/png", "buffer": png(200, 120)},
                {"name": "tiny.png", "mimeType": "image/png", "buffer": png(8, 8, 0)},
            ]
        )
        title, detail = outcome(page, card, "blank.png")
        assert title == "Refused: the detector cannot use this logo", title
        assert "No logo found in the image" in detail and "Not kept" in detail, detail
        title, detail = outcome(page, card, "tiny.png")
        assert title == "Refused: not a usable image", title
        assert "16-4096 px" in detail and "8x8" in detail, detail
        logos = requests.get(f"{api}/v1/brands/{BRAND}/logos", headers=API_KEY, timeout=30)
        assert len(logos.json()["logos"]) == 1, logos.text  # the refused ones were not kept
        assert card.locator(".thumbs li.thumb").count() == 1
        shot(page, "43-verdicts.png")

        # 5. From the catalogue: the glyph is checked as an upload is, and kept.
        card.locator('button[data-slug="starbucks"]').click()
        title, detail = outcome(page, card, "Starbucks (catalogue)")
        assert title.startswith("Usable"), (title, detail)
        page.wait_for_function(
            f"""() => document.querySelectorAll(
                 'ma-brand-card[data-brand="{BRAND}"] .thumbs li.thumb').length === 2"""
        )
        listed = requests.get(f"{api}/v1/brands/{BRAND}/logos", headers=API_KEY, timeout=30)
        assert len(listed.json()["logos"]) == 2
        assert all(x["check"]["usable"] for x in listed.json()["logos"])
        shot(page, "44-catalogue.png")

        # 6. Totals across streams, as the API adds them up (its own test checks those
        #    against Firestore): seconds, appearances, share of voice, streams.
        page.reload()
        card.get_by_test_id("brand-seconds").wait_for()
        totals = requests.get(f"{api}/v1/brands/{BRAND}", headers=API_KEY, timeout=60).json()
        assert totals["seconds"] >= 10.5 and totals["appearances"] >= 4
        seconds = float(card.get_by_test_id("brand-seconds").get_attribute("data-value"))
        assert seconds == pytest.approx(totals["seconds"])
        assert int(card.get_by_test_id("brand-appearances").inner_text()) == totals["appearances"]
        assert card.get_by_test_id("brand-share").inner_text().strip() == percent(
            totals["share_of_voice"]
        )
        assert int(card.get_by_test_id("brand-streams").inner_text()) == len(totals["streams"])
        links = card.get_by_test_id("seen-stream")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        for stream_id in streams:
            assert f"#/streams/{stream_id}" in hrefs, hrefs
        shot(page, "45-totals.png")

        # 7. Rename: the name changes, the id (and so logos and history) stays.
        card.get_by_test_id("brand-menu").click()
        page.get_by_test_id("rename-brand").click()
        card.get_by_test_id("rename-input").fill("Starbucks Coffee")
        card.get_by_test_id("rename-save").click()
        card.get_by_test_id("brand-name").filter(has_text="Starbucks Coffee").wait_for()
        after = requests.get(f"{api}/v1/brands/{BRAND}", headers=API_KEY, timeout=60).json()
        assert (after["name"], after["seconds"]) == ("Starbucks Coffee", totals["seconds"])

        # 8. Delete, behind a confirmation that names the brand.
        doomed = f"doomed-{uuid.uuid4().hex[:6]}"
        requests.put(
            f"{api}/v1/brands/{doomed}", json={"name": "Doomed Cola"}, headers=API_KEY, timeout=30
        ).raise_for_status()
        page.reload()
        gone = page.locator(f'ma-brand-card[data-brand="{doomed}"]')
        gone.wait_for()

        # A long library: "find a brand" keeps the cards whose name, id or alias matches.
        find = page.get_by_test_id("brand-find")
        find.fill("DOOMED")
        page.locator(f'ma-brand-card[data-brand="{BRAND}"]').wait_for(state="detached")
        assert page.locator("ma-brand-card").count() == 1 and gone.count() == 1
        assert page.get_by_test_id("brand-count").inner_text().startswith("1 of 2 brands")
        find.fill("no such brand")
        page.get_by_test_id("brand-none-found").wait_for()
        find.fill("")
        page.locator(f'ma-brand-card[data-brand="{BRAND}"]').wait_for()
        gone.get_by_test_id("brand-menu").click()
        page.get_by_test_id("delete-brand").click()
        dialog = page.get_by_role("dialog")
        assert "Doomed Cola" in dialog.get_by_role("heading").inner_text()
        assert "Doomed Cola" in dialog.get_by_test_id("confirm-message").inner_text()
        shot(page, "46-confirm-delete.png", full_page=False)
        dialog.get_by_test_id("confirm-button").click()
        gone.wait_for(state="detached")
        assert (
            requests.get(f"{api}/v1/brands/{doomed}", headers=API_KEY, timeout=30).status_code
            == 404
        )
        assert page.locator(f'ma-brand-card[data-brand="{BRAND}"]').count() == 1
    except Exception:
        shot(page, "failure-brands.png")
        raise
    finally:
        page.close()


def ensure_brand_with_logo(api: str) -> None:
    requests.put(
        f"{api}/v1/brands/{BRAND}", json={"name": NAME}, headers=API_KEY, timeout=30
    ).raise_for_status()
    logos = requests.get(f"{api}/v1/brands/{BRAND}/logos", headers=API_KEY, timeout=30).json()
    if not logos["logos"]:
        requests.post(
            f"{api}/v1/brands/{BRAND}/logos",
            files={"file": ("logo.svg", (ICONS / "starbucks.svg").read_bytes())},
            headers=API_KEY,
            timeout=WAIT_S,
        ).raise_for_status()


def test_viewer_sees_the_brands_read_only(stack_env, browser, dashboard):
    ensure_brand_with_logo(stack_env.info["api"])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "viewer")
        page.goto(f"{dashboard}#/brands")
        card = page.locator(f'ma-brand-card[data-brand="{BRAND}"]')
        card.locator(".thumbs li.thumb").first.wait_for()
        card.get_by_test_id("brand-seconds").wait_for()
        for admin_only in (
            "new-brand-name",
            "add-brand",
            "brand-menu",
            "delete-logo",
            "logo-input",
            "open-catalogue",
        ):
            assert page.get_by_test_id(admin_only).count() == 0, admin_only
        shot(page, "47-viewer-brands.png")
    except Exception:
        shot(page, "failure-viewer-brands.png")
        raise
    finally:
        context.close()


def test_brands_page_at_390_px_and_without_the_catalogue(stack_env, browser, dashboard):
    api = stack_env.info["api"]
    ensure_brand_with_logo(api)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "admin")
        page.goto(f"{dashboard}#/brands")
        card = page.locator(f'ma-brand-card[data-brand="{BRAND}"]')
        card.locator(".thumbs li.thumb").first.wait_for()
        card.get_by_test_id("open-catalogue").click()
        card.get_by_test_id("catalogue-query").fill("coca")
        card.locator('button[data-slug="cocacola"]').wait_for()
        no_sideways_scroll(page)
        stats = card.locator("dl.stats").bounding_box()
        assert stats["width"] <= 390, stats
        shot(page, "48-390-brands.png")

        # Without the catalogue the API answers 503 (tests/integration/test_catalogue.py):
        # a search says so; with the status saying so too, the page offers uploads only.
        message = {"error": {"code": 503, "message": "the logo catalogue is not installed"}}
        page.route(
            re.compile(r".*/v1/catalogue(\?.*)?$"), lambda r: r.fulfill(status=503, json=message)
        )
        card.get_by_test_id("catalogue-query").fill("pepsi")
        search = card.locator("ma-catalogue-search")
        search.filter(has_text="not installed on this server").wait_for()
        assert card.locator("button[data-slug]").count() == 0
        page.route(
            re.compile(r".*/v1/catalogue/status$"),
            lambda r: r.fulfill(
                json={"available": False, "icons": 0, "version": None, "reason": "not installed"}
            ),
        )
        page.reload()
        assert "not installed" in page.get_by_test_id("catalogue-unavailable").inner_text()
        assert card.get_by_test_id("open-catalogue").is_disabled()
        assert "Not installed" in card.get_by_test_id("catalogue-blocked").inner_text()
        assert card.get_by_test_id("logo-input").count() == 1  # uploads still work
        no_sideways_scroll(page)
        shot(page, "49-390-no-catalogue.png")
    except Exception:
        shot(page, "failure-390-brands.png")
        raise
    finally:
        context.close()


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390 px"
