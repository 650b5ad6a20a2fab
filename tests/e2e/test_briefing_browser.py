"""A briefing downloaded in the real browser: the Briefing page, its PDF and Word buttons, the files they give."""

from __future__ import annotations

import io

from playwright.sync_api import expect

from tests.e2e.conftest import BROWSER
from tests.e2e.wait import T, download, settled

pytestmark = BROWSER


def test_briefing_downloads_as_pdf_and_word(page, app_url, tmp_path):
    from docx import Document
    from pypdf import PdfReader

    page.goto(f"{app_url}/briefing?themes=county_lines")
    settled(page)
    expect(page.get_by_test_id("stMetricLabel").filter(has_text="First raised")).to_be_visible(timeout=T)
    expect(page.get_by_text("Theme: County lines").first).to_be_visible(timeout=T)
    label = page.get_by_test_id("stMetricLabel").get_by_text("Passages", exact=True)  # not "Undated passages"
    metric = page.get_by_test_id("stMetric").filter(has=label)
    expect(metric).to_have_count(1, timeout=T)
    n = metric.get_by_test_id("stMetricValue").inner_text().strip()
    files = {}
    for label, suffix in (("Download PDF", "pdf"), ("Download Word", "docx")):
        btn = page.get_by_test_id("stDownloadButton").filter(has_text=label).get_by_role("button")
        got = download(page, btn)
        assert got.suggested_filename == f"briefing_theme-county-lines.{suffix}"
        path = tmp_path / got.suggested_filename
        got.save_as(path)
        files[suffix] = path.read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"])).pages).split())
    assert files["pdf"].startswith(b"%PDF") and f"{n} passages · County lines" in text
    doc = Document(io.BytesIO(files["docx"]))
    assert doc.paragraphs[0].text == "Theme: County lines"
    assert page.get_by_test_id("stException").count() == 0


def test_milestones_page_shows_the_workspace_milestones(page, app_url, server_workspace):
    """A milestone saved in the workspace is in the page's table (the editor draws on a canvas; its hidden grid
    table carries the cells)."""
    path = server_workspace / "milestones.csv"
    path.write_text(
        "date,label,themes,url\n2018-04-09,Serious Violence Strategy published,county_lines,\n", encoding="utf-8"
    )
    try:
        page.goto(f"{app_url}/milestones")
        settled(page)
        expect(page.get_by_role("button", name="Save milestones")).to_be_visible(timeout=T)
        grid = page.get_by_test_id("stDataFrame").locator("table[role=grid]")
        expect(grid).to_have_attribute("aria-rowcount", "3", timeout=T)  # header, the milestone, the add-a-row line
        assert "Serious Violence Strategy published" in " ".join(grid.locator("td").all_text_contents())
        assert page.get_by_test_id("stException").count() == 0
    finally:
        path.unlink()
