"""Markdown and HTML in documents, speaker names, section titles and the address bar are shown as text in the real
browser: a local 'canary' server logs every request a page makes, and none may reach it (an image written in
Markdown or HTML would be fetched as soon as it was rendered; a link would be an anchor pointing at it)."""

from __future__ import annotations

import http.server
import threading
import urllib.parse

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BROWSER

from tests.e2e.wait import rerun, upload

pytestmark = BROWSER

T = 60_000


@pytest.fixture
def canary():
    """A local server that records the path of every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def _hostile_parlparse(base: str) -> bytes:
    """A ParlParse day whose heading, speaker name and paragraphs carry Markdown and HTML pointing at the canary
    (escaped as XML requires, so the reader hands the markup to the dashboard as text)."""

    def x(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")

    heading = x(f"County lines ![title]({base}/title.png)")
    speaker = x(f'<a href="{base}/speaker-link">Evil Speaker</a> ![s]({base}/speaker.png)')
    paras = [
        x(f"County lines gangs exploit children ![pixel]({base}/md-image.png) and [a link]({base}/md-link)."),
        x(f'Looked-after children <img src="{base}/html-img.png"> are placed out of area.'),
        x(f'Will the Minister act on county lines? <iframe src="{base}/frame"></iframe>'),
    ]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<publicwhip>\n'
        f'<major-heading id="uk.org.publicwhip/debate/2019-03-05a.1.0" nospeaker="true">{heading}</major-heading>\n'
        f'<speech id="uk.org.publicwhip/debate/2019-03-05a.1.1" speakername="{speaker}" person_id="uk.org.publicwhip/person/99999">'
        f"{body}</speech>\n</publicwhip>\n"
    ).encode("iso-8859-1")


def _ready(page):
    """After a page load: Streamlit's own signal that the script has run to the end (the app root's
    ``data-test-script-state`` goes from ``initial`` through ``running`` to ``notRunning``)."""
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=T)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=T)


def test_markup_in_documents_and_the_address_bar_reaches_no_server(page, app_url, canary, tmp_path):
    base, hits = canary
    port = base.rsplit(":", 1)[1]
    doc = tmp_path / "debates2019-03-05a.xml"
    doc.write_bytes(_hostile_parlparse(base))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if f":{port}" in r.url else None)
    page.goto(f"{app_url}/sources")
    _ready(page)
    upload(page, doc, "Ingest uploaded files")
    rerun(page, page.get_by_role("button", name="Ingest uploaded files").click, timeout=3 * T)
    expect(page.get_by_text("debates2019-03-05a.xml", exact=False).first).to_be_visible(timeout=T)
    query = urllib.parse.quote(f"![q]({base}/query.png)")
    try:
        for path in (
            "",
            "themes?themes=county_lines",
            "asks",
            "passages?q=county",
            f"passages?q={query}",
            f"?q={query}",
            "sources",
        ):
            page.goto(f"{app_url}/{path}")
            _ready(page)
            assert page.get_by_test_id("stException").count() == 0, path
            main = page.get_by_test_id("stApp")
            bad = main.locator(f"img[src*=':{port}'], iframe[src*=':{port}'], a[href*=':{port}']")
            assert bad.count() == 0, (
                path,
                bad.evaluate_all("els => els.map(e => e.parentElement.outerHTML.slice(0, 400))"),
            )
        # the words are there, as text
        page.goto(f"{app_url}/passages?q=exploit")
        _ready(page)
        expect(page.get_by_text("![pixel]", exact=False).locator("visible=true").first).to_be_visible(timeout=T)
        assert hits == [] and requests == [], (hits, requests)
    finally:  # the shared test workspace goes back to the seeds
        page.goto(f"{app_url}/sources")
        _ready(page)
        page.get_by_text("Documents you added (1)").click()
        page.get_by_role("button", name="Remove").click()
        _ready(page)
        expect(page.get_by_text("Documents you added")).to_have_count(0, timeout=T)
