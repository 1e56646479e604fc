"""Screenshots of the dashboard's browser tests, in test-artifacts/e2e/."""

from __future__ import annotations

from tests.e2e.test_dashboard import ARTIFACTS


def shot(page, name: str, full_page: bool = True) -> None:
    """A screenshot named `name`; a full page is taken from the top (a sticky header is
    drawn where it belongs, not where the page was scrolled to), with animations settled."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if full_page:
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page, animations="disabled")
