"""Views and the report, opened for real in headless Chromium."""

from __future__ import annotations

import re

import pytest

from netinv.views import network_view
from netinv.workflow import load_files, run_demo

from .conftest import PageRun, write_csv

pytestmark = pytest.mark.browser

EVIL_NAME = "<img src=x onerror=alert(1)>"
EVIL_CASE = "</script><script>alert(2)</script>"


def test_demo_report_opens_offline_without_errors(browser, tmp_path):
    result = run_demo(tmp_path / "demo", people=40)
    run = PageRun(browser, result.report)
    try:
        run.wait_stable()
        shot = run.screenshot("demo-report.png", full_page=True)
        assert shot.stat().st_size > 10_000
        assert run.errors == [] and run.foreign_requests == [] and run.dialogs == []
        drawn = run.page.evaluate(
            "() => Object.values(window.netinvViews).map(v => v.nodes.length)")
        assert drawn and drawn[0] > 20
        assert run.page.locator("canvas").count() >= 1
        assert run.page.locator("#key-players table tbody tr").count() >= 5
        assert run.page.locator("#timeline svg rect").count() > 5
        # printed for a case file (A4 landscape, 12 mm margins: 273 mm = 1032 CSS pixels wide):
        # nothing wider than the page (before the print styles the upstream table was 1154 pixels)
        run.page.set_viewport_size({"width": 1032, "height": 700})
        run.page.emulate_media(media="print")
        assert run.page.evaluate("() => document.documentElement.scrollWidth") <= 1032
        pdf = run.page.pdf(prefer_css_page_size=True, print_background=False)
        pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
        assert pdf.startswith(b"%PDF") and pages > 3, pages
    finally:
        run.close()


def test_data_is_escaped_in_the_browser(browser, tmp_path, embedded):
    calls = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\nA,B,2024-01-01T00:00:00Z,5\n")
    holders = write_csv(tmp_path / "h.csv", f"person_id,name,phone\nP1,\"{EVIL_NAME}\",A\n")
    arrests = write_csv(tmp_path / "a.csv", "case_id,person_id,name,date,phone\n"
                                            f"\"{EVIL_CASE}\",P1,\"{EVIL_NAME}\",2024-01-02,A\n")
    load_files(embedded, "calls", [calls], raw_ids=True)
    load_files(embedded, "holders", [holders], raw_ids=True)
    load_files(embedded, "arrests", [arrests], raw_ids=True)
    net = embedded.network(level="person")
    out = tmp_path / "evil.html"
    network_view(net, out, title=EVIL_NAME, subtitle=EVIL_CASE)
    html = out.read_text(encoding="utf-8")
    assert EVIL_NAME not in html and EVIL_CASE not in html
    run = PageRun(browser, out)
    try:
        run.wait_stable()
        assert run.dialogs == [] and run.errors == []
        assert run.page.locator("img").count() == 0
        assert run.page.locator("h1").inner_text() == EVIL_NAME
        label = run.page.evaluate("() => Object.values(window.netinvViews)[0].nodes.get('person:P1').label")
        assert label == EVIL_NAME
        # hover the node: the tooltip shows the name as text
        pos = run.page.evaluate("""() => { const v = Object.values(window.netinvViews)[0];
            const p = v.network.canvasToDOM(v.network.getPositions(['person:P1'])['person:P1']);
            const r = document.querySelector('.netinv-graph').getBoundingClientRect();
            return {x: p.x + r.left, y: p.y + r.top}; }""")
        run.page.mouse.move(pos["x"], pos["y"])
        run.page.wait_for_selector(".vis-tooltip .netinv-tip", state="visible", timeout=5000)
        tip = run.page.locator(".vis-tooltip .netinv-tip").inner_text()
        assert EVIL_NAME in tip and EVIL_CASE in tip
        assert run.page.locator("img").count() == 0 and run.dialogs == []
        run.screenshot("escaping.png")
    finally:
        run.close()
