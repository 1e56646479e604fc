"""The dashboard's first run and its roles, end to end in headless Debian Chromium against
the real embedded stack (sign-in on the Auth emulator with the seeded accounts, the API,
Firestore listeners).

- first run: an installation without streams shows the walkthrough; creating a stream
  opens it at once with the OBS settings (server and key with copy buttons, keyframe
  interval 2 s) and a way on to the brands page;
- the stream list is newest first; rotating a key and deleting are behind each row's
  menu, with a confirmation naming the stream (delete: its name typed);
- a viewer sees no admin action; an account without a role is told to ask an admin;
- at 390 px wide the navigation collapses, the player is full width and the panels are
  stacked under it, and nothing scrolls sideways.

Screenshots of each step go to test-artifacts/e2e/ (1x-*.png).
"""

from __future__ import annotations

import os
import re

import requests

from tests.conftest import TEST_API_KEY
from tests.e2e.test_dashboard import ARTIFACTS, WAIT_MS, sign_in
from tests.integration.helpers import WAIT_S

API_KEY = {"X-API-Key": TEST_API_KEY}


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if full_page:  # from the top: a sticky header would be drawn where the page was scrolled to
        page.evaluate("window.scrollTo(0, 0)")
    # Animations off: a dialog or menu is shown as it settles, not half faded in.
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page, animations="disabled")


def delete_every_stream(api: str) -> None:
    """The walkthrough is for an installation without streams: start from one."""
    while True:  # each listing is one page: list again until none is left
        listing = requests.get(f"{api}/v1/streams", headers=API_KEY, timeout=WAIT_S)
        listing.raise_for_status()
        streams = listing.json()["streams"]
        if not streams:
            return
        for stream in streams:
            delete_stream(api, stream["stream_id"])


def delete_stream(api: str, stream_id: str) -> None:
    for _ in range(100):  # media is deleted in batches: 202 until finished, then 204
        gone = requests.delete(f"{api}/v1/streams/{stream_id}", headers=API_KEY, timeout=WAIT_S)
        gone.raise_for_status()
        if gone.status_code == 204:
            return


def rows(page) -> list[str]:
    return page.locator('[data-testid="stream-list"] li .name').all_inner_texts()


def test_first_run_walkthrough_menus_and_confirmations(stack_env, db, browser, dashboard):
    api = stack_env.info["api"]
    delete_every_stream(api)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.set_default_timeout(WAIT_MS)
    try:
        page.goto(dashboard)
        page.get_by_test_id("sign-in").wait_for()
        shot(page, "10-sign-in.png")
        sign_in(page, dashboard, stack_env.info["accounts"], "admin")

        # 1. The empty state walks through create -> OBS -> brands.
        page.get_by_test_id("first-run").wait_for()
        state = page.get_by_test_id("header-state")
        state.filter(has_text="Connected").wait_for()
        assert "updates" in state.get_attribute("aria-label")  # says what "Connected" means
        shot(page, "11-first-run.png")
        page.get_by_test_id("new-stream-name").fill("Saturday match")
        page.get_by_role("button", name="Create", exact=True).click()

        # 2. The new stream opens at once with what to paste into OBS.
        page.wait_for_url(re.compile(r"#/streams/[^/]+$"))
        stream_id = page.url.rsplit("/", 1)[1]
        setup = page.get_by_test_id("created-stream")
        assert page.get_by_test_id("stream-key").inner_text().startswith(stream_id)
        assert page.get_by_test_id("obs-server").inner_text().startswith("rtmp://")
        assert "Keyframe Interval 2 s" in setup.inner_text()
        assert setup.get_by_role("button", name="Copy stream key").is_visible()
        assert page.get_by_test_id("stream-title").inner_text() == "Saturday match"
        shot(page, "12-obs-setup.png")

        # 3. ... and on to the brands.
        page.get_by_test_id("next-brands").click()
        page.wait_for_url(re.compile(r"#/brands$"))

        # The list: newest first, with status; destructive actions only behind a menu.
        page.goto(f"{dashboard}#/")
        page.get_by_test_id("new-stream-name").fill("Sunday show")
        page.get_by_role("button", name="Create", exact=True).click()
        page.wait_for_url(re.compile(r"#/streams/[^/]+$"))
        sunday = page.url.rsplit("/", 1)[1]
        page.get_by_test_id("nav-streams").click()
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=stream-list] li').length === 2"
        )
        assert rows(page) == ["Sunday show", "Saturday match"]
        row = page.locator(f'li[data-stream="{stream_id}"]')
        assert row.get_by_role("button", name=re.compile("delete|rotate", re.I)).count() == 0
        assert "Idle" in row.get_by_test_id("stream-status").inner_text()
        shot(page, "13-streams.png")

        # Delete: the confirmation names the stream and wants its name typed.
        row.get_by_test_id("stream-menu").click()
        shot(page, "14-stream-menu.png")
        page.get_by_test_id("delete-stream").click()
        dialog = page.get_by_role("dialog")
        assert "Saturday match" in dialog.get_by_role("heading").inner_text()
        assert "Saturday match" in dialog.get_by_test_id("confirm-message").inner_text()
        confirm = dialog.get_by_test_id("confirm-button")
        assert confirm.is_disabled()
        dialog.get_by_test_id("confirm-input").fill("Saturday")
        assert confirm.is_disabled()
        dialog.get_by_test_id("confirm-input").fill("Saturday match")
        assert confirm.is_enabled()
        shot(page, "15-confirm-delete.png")
        confirm.click()
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=stream-list] li').length === 1"
        )
        assert not db.collection("streams").document(stream_id).get().exists

        # Rotate: confirmed naming the stream; the new key is shown on its page.
        page.locator(f'li[data-stream="{sunday}"]').get_by_test_id("stream-menu").click()
        page.get_by_test_id("rotate-key").click()
        dialog = page.get_by_role("dialog")
        assert "Sunday show" in dialog.get_by_role("heading").inner_text()
        dialog.get_by_test_id("confirm-button").click()
        page.wait_for_url(re.compile(rf"#/streams/{sunday}$"))
        assert page.get_by_test_id("stream-key").inner_text().startswith(sunday)
    except Exception:
        shot(page, "failure-first-run.png")
        raise
    finally:
        page.close()


def test_viewer_sees_no_admin_actions(stack_env, browser, dashboard):
    api = stack_env.info["api"]
    created = requests.post(
        f"{api}/v1/streams", json={"name": "Viewer check"}, headers=API_KEY, timeout=WAIT_S
    )
    created.raise_for_status()
    stream_id = created.json()["stream"]["stream_id"]
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "viewer")
        page.locator(f'li[data-stream="{stream_id}"]').wait_for()
        assert page.get_by_test_id("user-role").inner_text().strip().lower() == "viewer"
        assert page.get_by_test_id("new-stream-name").count() == 0
        assert page.get_by_test_id("stream-menu").count() == 0
        shot(page, "16-viewer-streams.png")
        page.locator(f'li[data-stream="{stream_id}"] a').click()
        page.wait_for_url(re.compile(rf"#/streams/{stream_id}$"))
        page.get_by_text("Processing and performance").click()
        page.get_by_test_id("mode-control").wait_for()
        for admin_only in ("stream-menu", "mode-batch", "mode-realtime", "rotate-key"):
            assert page.get_by_test_id(admin_only).count() == 0, admin_only
        assert page.get_by_role("button", name="Backfill").count() == 0
        shot(page, "17-viewer-stream.png")
    except Exception:
        shot(page, "failure-viewer.png")
        raise
    finally:
        context.close()


def test_an_account_without_a_role_is_told_to_ask_an_admin(stack_env, browser, dashboard):
    emulator = os.environ["FIREBASE_AUTH_EMULATOR_HOST"]
    email, password = "nobody@media-analyzer.test", "no-role-password"
    signup = requests.post(
        f"http://{emulator}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake",
        json={"email": email, "password": password, "returnSecureToken": True},
        timeout=30,
    )
    assert signup.ok or "EMAIL_EXISTS" in signup.text, signup.text
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        page.goto(f"{dashboard}#/brands")
        page.wait_for_url(re.compile(r"#/sign-in"))
        page.get_by_test_id("email").fill(email)
        page.get_by_test_id("password").fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        notice = page.get_by_test_id("no-access")
        assert email in notice.inner_text()
        assert page.get_by_test_id("nav-streams").count() == 0
        shot(page, "18-no-access.png")
    finally:
        context.close()


def test_layout_at_390_px(stack_env, browser, dashboard):
    api = stack_env.info["api"]
    created = requests.post(
        f"{api}/v1/streams", json={"name": "Phone check"}, headers=API_KEY, timeout=WAIT_S
    )
    created.raise_for_status()
    stream_id = created.json()["stream"]["stream_id"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        sign_in(page, dashboard, stack_env.info["accounts"], "admin")
        page.locator(f'li[data-stream="{stream_id}"]').wait_for()
        assert not page.get_by_test_id("nav-streams").is_visible()  # the links fold into a menu
        assert page.get_by_test_id("nav-menu").is_visible()
        no_sideways_scroll(page)
        shot(page, "19-390-streams.png")
        page.get_by_test_id("nav-menu").click()
        page.get_by_role("menuitem", name="Brands").wait_for()
        shot(page, "20-390-nav.png", full_page=False)
        page.keyboard.press("Escape")

        page.locator(f'li[data-stream="{stream_id}"] a').click()
        page.wait_for_url(re.compile(rf"#/streams/{stream_id}$"))
        player = page.locator("ma-player .stage").bounding_box()
        assert player["width"] >= 390 - 2 * 12, player  # full width, less the page margin
        # Stacked: the exposure first under the player, then the live brands.
        analyst = page.locator("ma-analyst").bounding_box()
        brands = page.get_by_test_id("brand-panel").bounding_box()
        assert analyst["y"] > player["y"] + player["height"], (player, analyst)
        assert brands["y"] > analyst["y"], (analyst, brands)
        for box in (analyst, brands):
            assert box["width"] >= 390 - 2 * 12, box
        no_sideways_scroll(page)
        shot(page, "21-390-stream.png")
    except Exception:
        shot(page, "failure-390.png")
        raise
    finally:
        context.close()


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390 px"
