"""The dashboard in a real browser: charts render, filters change tables, CSV downloads, uploads are safe."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, BROWSER
from tests.e2e.wait import T, download, goto, new_context, rerun, settled, upload

pytestmark = BROWSER


def grid_rows(page, nth=0) -> int:
    grid = page.get_by_test_id("stDataFrame").nth(nth).locator("table[role=grid]")
    expect(grid).to_be_attached(timeout=T)
    return int(grid.get_attribute("aria-rowcount")) - 1


def rows_between(page, lo: int, hi: int, nth: int = 0) -> int:
    """Wait until the table's row count is strictly between lo and hi (the grid is drawn after the run ends), and
    return it."""
    js = """([nth, lo, hi]) => {
      const g = document.querySelectorAll('[data-testid=stDataFrame]')[nth]?.querySelector('table[role=grid]');
      const n = g ? Number(g.getAttribute('aria-rowcount')) - 1 : -1;
      return n > lo && n < hi;
    }"""
    page.wait_for_function(js, arg=[nth, lo, hi], timeout=T)
    return grid_rows(page, nth)


def wait_ready(page):
    settled(page)


def test_overview_renders_chart_and_headline(page, app_url):
    page.goto(app_url)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("5", timeout=T)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=T)
    bars = page.locator(".js-plotly-plot").first.locator(".barlayer .trace")
    expect(bars.first).to_be_attached(timeout=T)
    assert bars.count() == 7  # one stacked trace per theme with dated passages (rape prosecutions: undated only)
    assert page.get_by_test_id("stException").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.get_by_test_id("stMain").evaluate("e => e.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "overview.png"))


def test_a_document_is_picked_by_its_title(page, app_url):
    """The Documents filter lists titles, not ids; the choice counts one document and the address bar keeps its id."""
    goto(page, app_url)
    sb = page.get_by_test_id("stSidebar")
    sb.get_by_test_id("stMultiSelect").filter(has_text="Documents").get_by_role("combobox").click()
    page.keyboard.type("County Lines Exploitation")
    page.get_by_role("option", name="County Lines Exploitation: London").click()
    page.keyboard.press("Escape")  # the choice is sent when the list closes
    page.wait_for_function("() => location.search.includes('docs=001_27ac06d3129042f8')", timeout=T)
    settled(page)
    documents = page.get_by_test_id("stMetric").filter(has=page.get_by_text("Documents", exact=True))
    expect(documents.get_by_test_id("stMetricValue")).to_have_text("1", timeout=T)
    assert page.get_by_test_id("stException").count() == 0


def test_filter_by_date_and_theme_changes_table(page, app_url):
    goto(page, f"{app_url}/passages")
    all_rows = grid_rows(page)
    sb = page.get_by_test_id("stSidebar")
    expect(sb.get_by_role("checkbox", name="Include undated passages")).to_be_disabled()  # no range: all counted

    def type_range():  # October 2019 only
        for which, (y, m, d) in (("start", ("2019", "10", "01")), ("end", ("2019", "10", "31"))):
            for part, value in (("year", y), ("month", m), ("day", d)):
                sb.get_by_role("spinbutton", name=f"{part}, Date range {which} date").click()
                page.keyboard.type(value)
        page.keyboard.press("Tab")
        page.keyboard.press("Escape")  # close the calendar pop-over: the range is sent

    rerun(page, type_range)
    # the undated passages are left out of the range, and the sidebar says how many
    expect(page.get_by_text("2019-10-01 to 2019-10-31 (dated only)", exact=False).first).to_be_visible(timeout=T)
    expect(sb.get_by_text("+22 undated, not placed in this range")).to_be_visible(timeout=T)
    dated = rows_between(page, 0, all_rows)
    assert "from=2019-10-01" in page.url and "undated" not in page.url
    sb.get_by_text("Include undated passages").click()  # the address bar carries it once the run is done
    page.wait_for_function("() => location.search.includes('undated=1')", timeout=T)
    settled(page)
    expect(page.get_by_text("2019-10-01 to 2019-10-31 (undated included)", exact=False).first).to_be_visible(timeout=T)
    assert rows_between(page, dated + 21, dated + 23) == dated + 22 and "undated=1" in page.url
    sb.get_by_text("Include undated passages").click()  # off again: the address bar drops it once the run is done
    page.wait_for_function("() => !location.search.includes('undated=1')", timeout=T)
    settled(page)

    sb.get_by_test_id("stMultiSelect").first.get_by_role("combobox").click()
    page.keyboard.type("Missing children")
    page.get_by_role("option", name="Missing children").click()  # the list has filtered to it (slow under load)
    page.keyboard.press("Escape")  # the choice is sent when the list closes; the address bar carries it
    page.wait_for_function("() => location.search.includes('themes=missing_children')", timeout=T)
    settled(page)
    expect(page.get_by_text("Missing children · 2019-10-01 to 2019-10-31", exact=False).first).to_be_visible(timeout=T)
    rows_between(page, 0, dated)
    assert "themes=missing_children" in page.url
    page.screenshot(path=str(ARTIFACTS / "passages_filtered.png"))


def test_theme_summary_csv_download(page, app_url, tmp_path):
    page.goto(f"{app_url}/?themes=county_lines&venues=Westminster%20Hall")
    wait_ready(page)
    btn = page.get_by_test_id("stDownloadButton").filter(has_text="Download theme summary").get_by_role("button")
    got = download(page, btn)
    name = got.suggested_filename
    assert name == "theme_summary_county_lines_Westminster-Hall.csv"
    path = tmp_path / name
    got.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["county_lines"]
    assert rows[0]["venues"].startswith("Westminster Hall:") and int(rows[0]["passages"]) > 100


def test_upload_with_script_tag_renders_as_text(page, app_url, tmp_path):
    doc = tmp_path / "hostile_notes.txt"
    doc.write_text(
        "County lines gangs exploit children <script>window.__xss = 1</script> here.\n\n"
        'Looked-after children <img src=x onerror="window.__xss = 2"> are placed out of area.\n',
        encoding="utf-8",
    )
    dialogs = []
    page.on("dialog", lambda dlg: (dialogs.append(dlg.message), dlg.dismiss()))
    page.goto(f"{app_url}/sources")
    wait_ready(page)
    upload(page, doc, "Ingest uploaded files")
    rerun(page, lambda: page.get_by_role("button", name="Ingest uploaded files").click(), timeout=3 * T)
    expect(page.get_by_text("Added hostile_notes.txt: no date · no venue · ", exact=False)).to_be_visible(timeout=T)
    expect(page.get_by_text("hostile_notes.txt: no date found", exact=False)).to_be_visible(timeout=T)
    expect(page.get_by_test_id("stFileUploaderFile")).to_have_count(0, timeout=T)  # the uploader is cleared
    # a new browser session still has it: added documents are kept in the workspace
    page.goto(f"{app_url}/passages")
    wait_ready(page)
    page.get_by_test_id("stSidebar").get_by_label("Search text").fill('"gangs exploit children"')  # a phrase
    page.keyboard.press("Enter")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text('1 passage · ""gangs exploit children""').first).to_be_visible(timeout=T)
    wait_ready(page)
    # the card, not the table's hidden grid cell of the same text
    expect(
        main.get_by_text("<script>window.__xss = 1</script>", exact=False).locator("visible=true").first
    ).to_be_visible(timeout=T)
    assert page.evaluate("() => window.__xss") is None
    assert dialogs == []
    assert main.locator("script:has-text('__xss')").count() == 0
    assert main.locator("img[src=x]").count() == 0
    page.screenshot(path=str(ARTIFACTS / "upload_escaped.png"))
    # and it can be removed again
    page.get_by_test_id("stSidebarNav").get_by_text("Sources").click()
    wait_ready(page)
    page.get_by_text("Documents you added (1)").click()
    page.get_by_role("button", name="Remove").click()
    wait_ready(page)
    expect(page.get_by_text("Documents you added")).to_have_count(0, timeout=T)


def test_bad_upload_gets_clear_message_and_keeps_corpus(page, app_url, tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"Children\x00s homes \x00\x01\x02")  # binary: never stored (a Windows-1252 file is read, flagged)
    goto(page, f"{app_url}/sources")
    upload(page, bad, "Ingest uploaded files")
    rerun(page, lambda: page.get_by_role("button", name="Ingest uploaded files").click(), timeout=3 * T)
    expect(page.get_by_text("broken.txt: binary file", exact=False)).to_be_visible(timeout=T)
    expect(page.get_by_text("Documents you added")).to_have_count(0)
    page.goto(app_url)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("5", timeout=T)


def test_every_view_renders(page, app_url):
    checks = {
        "themes?themes=county_lines": lambda: expect(page.locator("mark").first).to_be_visible(timeout=T),
        "asks": lambda: expect(page.get_by_text("When each ask was raised")).to_be_visible(timeout=T),
        "passages?q=cuckooing": lambda: expect(page.get_by_text('6 passages · "cuckooing"').first).to_be_visible(
            timeout=T
        ),
        "sources": lambda: expect(page.get_by_text("Add documents")).to_be_visible(timeout=T),
    }
    for path, check in checks.items():
        page.goto(f"{app_url}/{path}")
        wait_ready(page)
        check()
        assert page.get_by_test_id("stException").count() == 0, path
    page.goto(f"{app_url}/asks")
    wait_ready(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=T)
    page.get_by_test_id("stMain").evaluate("e => e.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "asks.png"))


def test_taxonomy_upload_is_checked_then_used(page, app_url, tmp_path):
    """An edited taxonomy: a phrase that is a whole sentence is refused with a message naming the theme, the
    previous taxonomy stays; a good one is compiled and used (its theme appears); then back to the default."""
    bad = tmp_path / "too_long.toml"
    bad.write_text(
        '[[theme]]\nid = "youth_services"\nlabel = "Youth services"\n'
        'phrases = ["youth clubs", "the youth clubs and the youth services and the youth workers of '
        'this country"]\n',
        encoding="utf-8",
    )
    good = tmp_path / "youth.toml"
    good.write_text(
        '[[theme]]\nid = "youth_services"\nlabel = "Youth services"\nphrases = ["youth clubs"]\n', encoding="utf-8"
    )
    page.goto(f"{app_url}/sources")
    wait_ready(page)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Load an edited taxonomy")
    use = page.get_by_role("button", name="Use this taxonomy")  # shown once the server has the file
    upload(page, bad, "Use this taxonomy", uploader)
    rerun(page, use.click)
    expect(page.get_by_text("too_long.toml: theme 'youth_services': phrases entry", exact=False)).to_be_visible(
        timeout=T
    )
    expect(page.get_by_text("has 14 words; a phrase has at most 12", exact=False)).to_be_visible(timeout=T)
    expect(page.get_by_text("the previous taxonomy is still in use", exact=False)).to_be_visible(timeout=T)
    try:
        # the refused file taken away first (its button goes), so that the button's coming back says the new file
        # has reached the server (its name shows in the browser before that; a click then was once lost under load)
        uploader.get_by_role("button", name="Remove too_long.toml").click()
        expect(use).to_be_hidden(timeout=T)
        settled(page)
        upload(page, good, "Use this taxonomy", uploader)
        expect(uploader.get_by_text("youth.toml")).to_be_visible(timeout=T)
        # the store is re-tagged with the new taxonomy before the page comes back: longer than a click on a busy machine
        rerun(page, use.click, timeout=3 * T)
        expect(page.get_by_role("button", name="Download the taxonomy in use (TOML)")).to_be_visible(timeout=T)
        page.goto(f"{app_url}/themes?themes=youth_services")
        wait_ready(page)
        expect(page.get_by_test_id("stMain").get_by_text("Youth services").first).to_be_visible(timeout=T)
        assert page.get_by_test_id("stException").count() == 0
    finally:
        page.goto(f"{app_url}/sources")
        wait_ready(page)
        reset = page.get_by_role("button", name="Back to the default taxonomy")
        if reset.count():
            reset.click()
            wait_ready(page)


def test_a_copied_link_opens_the_same_view(page, app_url, browser):
    """The page, the theme picked, the bins and the ask drilled into travel in the URL."""
    goto(page, f"{app_url}/themes?themes=county_lines,missing_children&theme=missing_children")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("combobox", name="Theme")).to_have_value("Missing children", timeout=T)
    main.get_by_test_id("stRadio").first.get_by_text("month", exact=True).click()
    # the address bar is updated by the run the click starts (polled: a fragment's run can be over before a watch
    # on the app's run state sees it)
    expect(page).to_have_url(re.compile(r"bins=month"), timeout=T)
    settled(page)
    assert "theme=missing_children" in page.url
    link = page.url
    other = new_context(browser, viewport={"width": 1400, "height": 1100}).new_page()
    try:
        goto(other, link)
        main2 = other.get_by_test_id("stMain")
        expect(main2.get_by_role("combobox", name="Theme")).to_have_value("Missing children", timeout=T)
        expect(main2.get_by_test_id("stRadio").first.get_by_role("radio", name="month")).to_be_checked()
        expect(main2.get_by_text("Theme mentions per month")).to_be_visible(timeout=T)
        goto(other, f"{app_url}/asks?ask=missing_persons_strategy&kind=named")
        drill = other.get_by_test_id("stMain").get_by_role("combobox", name="Ask", exact=True)
        expect(drill).to_have_value(re.compile("missing", re.I), timeout=T)
        expect(other.get_by_text("forthcoming missing people strategy", exact=False).first).to_be_visible(timeout=T)
        expect(other.get_by_role("radio", name="Named", exact=False)).to_be_checked()
        assert other.get_by_test_id("stException").count() == 0
    finally:
        other.context.close()


def test_search_uses_the_index_with_operators_and_escaped_highlights(page, app_url):
    goto(page, f"{app_url}/passages?q=%22Ofsted%22%20OR%20cuckoo*")
    main = page.get_by_test_id("stMain")
    caption = main.get_by_text('passages · ""Ofsted" OR cuckoo*"', exact=False)
    expect(caption.first).to_be_visible(timeout=T)
    n = int(caption.first.inner_text().split()[0])
    assert n > 6 and rows_between(page, n - 1, n + 1) == n  # more than the 6 passages that say "cuckooing"
    marks = main.locator("mark[title^='search']")
    expect(marks.first).to_be_visible(timeout=T)
    words = {m.lower() for m in marks.all_inner_texts()}
    assert words <= {"ofsted"} | {w for w in words if w.startswith("cuckoo")} and "ofsted" in words
    goto(page, f"{app_url}/passages?q=%22a%20phrase%20no%20seed%20has%22")
    expect(main.get_by_text('0 passages · ""a phrase no seed has""', exact=False).first).to_be_visible(timeout=T)


def test_a_theme_added_in_the_form_is_counted_then_applied(page, app_url):
    """The Taxonomy page: a new theme typed into the form says how many passages it would tag before anything is
    saved; 'Apply' saves it, says so, and the Themes view offers it."""
    goto(page, f"{app_url}/taxonomy")

    def enter(label, value):
        box = page.get_by_label(label)
        box.fill(value)
        box.press("Enter")  # a text input sends its value on Enter

    rerun(page, lambda: enter("Id (letters, digits and underscores; used in exports)", "cuckoo"))
    rerun(page, lambda: enter("Label", "Cuckooing"))
    page.get_by_label("Phrases, one a line: any one tags a passage").fill("cuckooing\ncuckooed")
    rerun(page, lambda: page.get_by_label("Label").click())  # a text area sends its value when left
    expect(page.get_by_text(re.compile(r"Cuckooing would tag \d+ passages of \d+"))).to_be_visible(timeout=T)
    rerun(page, lambda: page.get_by_role("button", name="Apply to the taxonomy").click(), timeout=3 * T)
    expect(page.get_by_text("Applied: Cuckooing (cuckoo)", exact=False)).to_be_visible(timeout=3 * T)
    goto(page, f"{app_url}/themes?theme=cuckoo")
    expect(page.get_by_test_id("stMain").get_by_text("Cuckooing").first).to_be_visible(timeout=T)
    assert page.get_by_test_id("stException").count() == 0
