"""The dashboard on a store of the user's own ($CAMPAIGN_TRACKER_STORE): opened read-only, never synced or pruned."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.pipeline import STORE_ENV, ingest
from core.store import Store
from tests.conftest import FIXTURES, SEEDS
from tests.test_dashboard import APP, run_view, shown

PARLPARSE = FIXTURES / "corpora" / "parlparse-twfy" / "wms" / "ministerial2009-10-29a.xml"


@pytest.fixture(scope="module")
def own_store(tmp_path_factory) -> Path:
    """A store built by the CLI's ingest from the seeds and one ParlParse file (not the workspace's)."""
    path = tmp_path_factory.mktemp("own") / "big.duckdb"
    with Store(path, write=True) as store:
        ingest(store, [SEEDS, PARLPARSE])
    return path


def _state(path: Path) -> tuple:
    """What a reader must leave as it was: the file's bytes, the store's version and documents."""
    with Store(path) as store:
        return hashlib.sha256(path.read_bytes()).hexdigest(), store.version, sorted(store.hashes())


def _counts(path: Path) -> tuple[int, int]:
    with Store(path) as store:
        return store.con.execute(
            "SELECT count(DISTINCT document), count(*) FILTER (WHERE duplicate_of = '') FROM passages"
        ).fetchone()


def _run(page: str | None = None) -> AppTest:
    """The app (Overview), or one view of it."""
    if page:
        return run_view(page)
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at


def test_own_store_is_shown_read_only_and_left_as_it_was(own_store, monkeypatch):
    monkeypatch.setenv(STORE_ENV, str(own_store))
    before = _state(own_store)
    docs, passages = _counts(own_store)
    assert docs == 6  # the five seeds and the ParlParse file
    at = _run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Documents"] == str(docs) and metrics["Passages"] == f"{passages:,}"
    assert int(metrics["Passages"].replace(",", "")) > 296  # more than the seeds alone

    at = _run("sources")
    assert f"Store: {own_store}" in shown(at.caption[0]) and "opened read-only" in shown(at.caption[0])
    assert not at.get("file_uploader")  # no upload, no taxonomy to load: both would write
    offs = [shown(i) for i in at.info]
    assert any(x.startswith("Adding documents is turned off") for x in offs)
    assert any(x.startswith("Loading a taxonomy (it re-tags the store) is turned off") for x in offs)
    assert len(at.dataframe[0].value) == docs

    at = _run("review")
    assert any(shown(i).startswith("Recording decisions is turned off") for i in at.info) and not at.button
    at = _run("taxonomy")
    assert any(shown(i).startswith("Editing the taxonomy") for i in at.info)
    assert not [b for b in at.button if b.key == "tx_apply"]
    assert _state(own_store) == before  # nothing synced into it, nothing removed, not a byte changed


def test_a_store_changed_by_the_cli_is_read_again(own_store, tmp_path, monkeypatch):
    """A CLI ingest into the user's store (its version goes up): the next run shows the new counts."""
    import time

    from dashboard import data as data_mod

    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(own_store.read_bytes())
    monkeypatch.setenv(STORE_ENV, str(copy))
    monkeypatch.setattr(data_mod._Readers, "IDLE_S", 0.2)
    at = _run()
    before = {m.label: m.value for m in at.metric}["Documents"]
    deadline = time.monotonic() + 30  # the dashboard's reader lets go of an idle store, so a writer can come in
    while str(copy) in data_mod._readers.open and time.monotonic() < deadline:
        time.sleep(0.05)
    assert str(copy) not in data_mod._readers.open
    with Store(copy, write=True) as store:
        ingest(store, [], remove=["004_815e4f78c80070a6"])  # what `campaign-tracker remove` does
    at.run()
    assert {m.label: m.value for m in at.metric}["Documents"] == str(int(before) - 1)


def test_a_variable_naming_no_store_shows_the_workspace_store_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "nothing.duckdb"))
    at = _run("sources")
    assert any("names no store yet" in shown(w) and "showing the workspace's store" in shown(w) for w in at.warning)
    assert "Store: the workspace's" in shown(at.caption[0])
    assert at.get("file_uploader")  # the workspace's store takes uploads
    assert not (tmp_path / "nothing.duckdb").exists()


def test_a_file_that_is_not_a_store_is_an_error_not_a_crash(tmp_path, monkeypatch):
    bad = tmp_path / "notes.duckdb"
    bad.write_text("not a database")
    monkeypatch.setenv(STORE_ENV, str(bad))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception
    assert "is not a DuckDB file" in shown(at.error[0]) and bad.read_text() == "not a database"


def test_passages_table_pages_through_every_row_read_from_the_store():
    """The table shows a page of rows read whole from the store (text included); paging reaches every passage,
    newest first, each once."""
    from dashboard.data import load
    from dashboard.views.passages import TABLE_ROWS, newest_first

    data = load()
    order = newest_first(data.passages[data.passages["_canonical"]])["passage_id"].tolist()
    assert len(order) > 2 * TABLE_ROWS
    at = run_view("passages")
    seen = []
    for page in range(1, -(-len(order) // TABLE_ROWS) + 1):
        at.number_input(key="pa_rows").set_value(page).run()
        assert not at.exception, at.exception
        df = at.dataframe[0].value
        assert df["text"].str.len().gt(0).all() and len(df) == min(TABLE_ROWS, len(order) - len(seen))
        seen += df["passage_id"].tolist()
    assert seen == order
    assert at.query_params["rows"] in (str(page), [str(page)])  # the page is in the address bar


def test_the_frame_the_views_count_holds_no_text():
    from dashboard.data import load

    data = load()
    assert "text" not in data.passages and "text" not in data.agg and data.corpus.tags is None
    assert {"date_start", "th:county_lines", "_canonical"} <= set(data.passages.columns)


def test_dates_in_tables_are_iso_text():
    import pandas as pd

    from dashboard.views.common import iso_dates

    df = pd.DataFrame(
        {"day": pd.to_datetime(["2018-01-17", None]), "at": pd.to_datetime(["2026-12-07 14:05:09", None]), "n": [1, 2]}
    )
    out = iso_dates(df)
    assert out["day"].tolist() == ["2018-01-17", ""] and out["at"].tolist() == ["2026-12-07 14:05", ""]
    assert out["n"].tolist() == [1, 2]
    at = run_view("themes", themes=("county_lines",))  # the asks table carries the asks' date bounds (hidden)
    for frame in at.dataframe:
        assert not any(pd.api.types.is_datetime64_any_dtype(frame.value[c]) for c in frame.value.columns)


def test_a_new_workspace_store_is_built_from_the_seeds_with_a_progress_bar(tmp_path, monkeypatch):
    """No store yet: the first run ingests the seeds into the workspace's store, saying how far it has got."""
    from streamlit.delta_generator import DeltaGenerator

    monkeypatch.setenv("CAMPAIGN_TRACKER_DATA", str(tmp_path))
    monkeypatch.delenv(STORE_ENV, raising=False)
    steps = []
    real = DeltaGenerator.progress

    def progress(self, value, text=None, **kw):
        steps.append((value, text))
        return real(self, value, text=text, **kw)

    monkeypatch.setattr(DeltaGenerator, "progress", progress)
    at = _run()
    assert {m.label: m.value for m in at.metric}["Documents"] == "5"
    assert (
        steps
        and steps[-1][0] == 1.0
        and all("Reading documents into the store" in shown_text for _, shown_text in steps)
    )
    assert any(" of 5 " in t for _, t in steps)
    assert not at.get("progress")  # gone once the store is ready
    with Store(tmp_path / "campaign.duckdb") as store:
        assert len(store.hashes()) == 5


def test_ids_in_is_isin_for_arrow_and_object_strings(passages):
    from core.summary import ids_in

    ids = passages["passage_id"]
    some = set(ids.iloc[::3]) | {"not-a-passage"}
    expected = ids.isin(some).to_numpy()
    for col in (ids.astype("string[pyarrow]"), ids.astype(object), ids.iloc[:0].astype(object)):
        got = ids_in(col, some)
        assert got.dtype == bool and (got == col.isin(some).to_numpy()).all()
    assert ids_in(ids.astype(object), some).sum() == expected.sum() > 50 and not ids_in(ids, set()).any()
    few = ids.iloc[:10]  # a few rows against many ids: looked up one by one, the same answer
    assert len(few) < len(some) // 4 and (ids_in(few, frozenset(some)) == few.isin(some).to_numpy()).all()
