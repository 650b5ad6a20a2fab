"""A store of the user's own in a real browser: a server started with CAMPAIGN_TRACKER_STORE shows that store,
says so, and offers nothing that would write to it."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect

from tests.conftest import FIXTURES, SEEDS
from tests.e2e.conftest import BROWSER, streamlit_server
from tests.e2e.wait import T, goto, settled

pytestmark = BROWSER


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """(the address of a server showing a store built by the CLI's ingest from the seeds and a ParlParse file,
    the store's path)."""
    from core.pipeline import ingest
    from core.store import Store

    path = tmp_path_factory.mktemp("own-store") / "big.duckdb"
    with Store(path, write=True) as store:
        ingest(store, [SEEDS, FIXTURES / "corpora" / "parlparse-twfy" / "wms" / "ministerial2009-10-29a.xml"])
    with streamlit_server(
        {"CAMPAIGN_TRACKER_STORE": str(path), "CAMPAIGN_TRACKER_DATA": str(tmp_path_factory.mktemp("own-workspace"))},
        name="own-store-server",
    ) as url:
        yield url, path


def test_own_store_is_shown_read_only(page, own_server):
    url, path = own_server
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    page.goto(url)
    settled(page, timeout=300_000)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("6", timeout=T)  # 5 seeds + the ParlParse file
    goto(page, f"{url}/sources")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("opened read-only", exact=False).first).to_be_visible(timeout=T)
    expect(main.get_by_text("Adding documents is turned off", exact=False)).to_be_visible(timeout=T)
    assert page.get_by_test_id("stFileUploader").count() == 0
    goto(page, f"{url}/review")
    expect(main.get_by_text("Recording decisions is turned off", exact=False)).to_be_visible(timeout=T)
    assert page.get_by_test_id("stException").count() == 0
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
