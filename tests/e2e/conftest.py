"""Fixtures the dashboard's browser tests share."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.test_dashboard import ARTIFACTS, CHROMIUM_ARGS

# What a failed run leaves behind: a later passing run must not show it as current.
STALE = ("*failure*.png", "*failure*.txt", "dbg.pdf")


@pytest.fixture(scope="session", autouse=True)
def fresh_artifacts():
    """Clears failure screenshots and debugging leftovers of earlier runs at session start
    (the screenshots of passing steps are overwritten by each run)."""
    for pattern in STALE:
        for path in ARTIFACTS.glob(pattern):
            path.unlink(missing_ok=True)


@pytest.fixture
def dashboard(stack_env):
    """The dashboard's URL on the session's stack, failing clearly when it is not built."""
    url = stack_env.info["dashboard"]
    if requests.get(url, timeout=30).status_code != 200:
        pytest.fail("the dashboard is not built: run `make frontend` (make test does)")
    return url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()
