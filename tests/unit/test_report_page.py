"""The stream report is one printed A4 page (issue 17, "a one-page PDF or print-ready
report"), even for a busy stream: rendered from its template with many brands and eight
evidence frames, printed to PDF by Debian's Chromium (as a user's "Print > Save as PDF"
does), and its pages counted. The route that reads the data for it runs against the real
stack in tests/integration/test_evidence_exports.py."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import cv2
import pytest

from functions.api import create_app, exports
from functions.api.services import Services
from functions.evidence import render
from functions.exposure import Filters
from mediacore.schema import Appearance
from mediacore.settings import get_settings
from tests.logo_scenes import photo

CHROMIUM = "/usr/bin/chromium"


def busy_stream(brands: int) -> list[Appearance]:
    """An hour with ``brands`` brands, each on screen several times."""
    rows = []
    for b in range(brands):
        for k in range(6):
            start = 90.0 * k + 37.0 * b
            rows.append(
                Appearance(
                    brand=f"Brand {b} <b>&amp;" if b == 3 else f"Brand number {b}",
                    start=start,
                    end=start + 20 + b,
                    seconds=20 + b,
                    best_score=0.6 + b / 50,
                    peak_box=[0.1, 0.1, 0.2, 0.1],
                    peak_size=0.02,
                    evidence_seq=int(start // 2),
                    evidence=f"/v1/streams/s/evidence/{int(start // 2)}/b{b}",
                )  # fmt: skip
            )
    return rows


def page(brands: int, names: dict[str, str] | None = None) -> str:
    app = create_app(Services(get_settings(), None, None, None, None, None))
    jpeg = render(cv2.resize(photo("coffee"), (1280, 720)), (0.3, 0.3, 0.2, 0.2))
    doc = {"name": "Saturday match =HYPERLINK()", "status": "ended",
           "live_since": datetime(2026, 5, 2, 18, 0, tzinfo=UTC)}  # fmt: skip
    with app.app_context():
        return exports.report_page(
            "s",
            doc,
            Filters(),
            busy_stream(brands),
            (0.0, 3600.0),
            3600.0,
            lambda b, s: jpeg,
            names or {},
        )


def test_the_report_holds_the_brands_charts_and_frames_escaped():
    html = page(12)
    assert html.count('src="data:image/jpeg;base64,') == exports.REPORT_BRANDS
    assert "Brand number 11" in html and "other brands" in html  # the chart groups the rest
    assert "2 more brands: brands.csv lists them all" in html  # the table has ten rows
    assert "Brand 3 &lt;b&gt;&amp;amp;" in html and "<b>&amp;" not in html  # escaped
    assert "seconds on screen per 1 min bucket" in html and "1:00:00" in html
    assert "live since 2026-05-02 18:00 UTC" in html
    assert len(re.findall(r"<polygon ", html)) == exports.REPORT_BRANDS + 1


def test_the_report_names_brands_as_the_library_does():
    html = page(3, {"Brand number 0": "Zeta <Co>", "Brand number 1": "Alpha"})
    assert "Zeta &lt;Co&gt;" in html and "Alpha" in html and "<Co>" not in html
    assert "Brand number 0" not in html  # table, bars, chart titles, evidence captions
    assert "Brand number 2" in html  # not in the library: its id


@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium")
@pytest.mark.parametrize("brands", [1, 12, 40])
def test_the_report_prints_on_one_a4_page(brands, tmp_path):
    from playwright.sync_api import sync_playwright

    html = page(brands)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            tab = browser.new_page()
            tab.set_content(html)
            pdf = tab.pdf(prefer_css_page_size=True)
            width, height = tab.evaluate("[innerWidth, document.body.scrollHeight]")
        finally:
            browser.close()
    (tmp_path / "report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"{pages} pages ({width}x{height} px of content)"


def test_the_page_count_can_fail(tmp_path):
    """The same count on a page twice as long finds two pages (the check can fail)."""
    if not shutil.which(CHROMIUM):
        pytest.skip("needs Debian's chromium")
    from playwright.sync_api import sync_playwright

    html = page(12).replace("</main>", '<div style="height: 200mm"></div></main>')
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            tab = browser.new_page()
            tab.set_content(html)
            pdf = tab.pdf(prefer_css_page_size=True)
        finally:
            browser.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2
