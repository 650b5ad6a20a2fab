"""core.store.framecache: the dashboard's text-less frame kept beside the store, never served stale."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from core.pipeline import ingest
from core.store import Store, framecache, queries
from core.taxonomy import default_taxonomy
from tests.conftest import FIXTURES, SEEDS, run_cli

TAX = default_taxonomy()
WMS = FIXTURES / "corpora" / "parlparse-twfy" / "wms"


@pytest.fixture()
def store_path(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path, write=True) as store:
        ingest(store, [SEEDS])
    return path


def _no_build(monkeypatch):
    def fail(*_a, **_k):
        raise AssertionError("the frame was built, not read from the cache")

    monkeypatch.setattr(queries, "passage_frame", fail)


def test_the_kept_frame_is_the_built_one_and_is_read_back(store_path, monkeypatch):
    with Store(store_path) as store:
        built = queries.passage_frame(store, TAX.ids)
        first = framecache.frame(store, TAX.ids)
    assert (store_path.parent / "s.duckdb.frame").is_file()
    pd.testing.assert_frame_equal(first, built)
    _no_build(monkeypatch)
    with Store(store_path) as store:
        again = framecache.frame(store, TAX.ids)
    pd.testing.assert_frame_equal(again, built)
    assert isinstance(again["venue"].dtype, pd.CategoricalDtype)
    assert list(again["venue"].cat.categories) == sorted(again["venue"].cat.categories)


def test_a_changed_store_or_other_themes_are_built_again(store_path):
    with Store(store_path) as store:
        before = framecache.frame(store, TAX.ids)
        fewer = framecache.frame(store, TAX.ids[:2])  # other theme ids: another key
    assert [c for c in fewer if c.startswith("th:")] == ["th:" + t for t in TAX.ids[:2]]
    with Store(store_path, write=True) as store:
        ingest(store, [SEEDS, WMS])
    with Store(store_path) as store:
        after = framecache.frame(store, TAX.ids)
        pd.testing.assert_frame_equal(after, queries.passage_frame(store, TAX.ids))
    assert len(after) > len(before)


def test_a_frame_of_another_store_with_the_same_version_is_not_used(tmp_path, store_path):
    other = tmp_path / "other" / "s.duckdb"
    other.parent.mkdir()
    with Store(other, write=True) as store:
        ingest(store, [WMS])
    with Store(other) as store:
        framecache.frame(store, TAX.ids)
    shutil.copy(other.parent / "s.duckdb.frame", store_path.parent / "s.duckdb.frame")  # a file that lies
    with Store(store_path) as store:
        got = framecache.frame(store, TAX.ids)
        pd.testing.assert_frame_equal(got, queries.passage_frame(store, TAX.ids))


def test_a_damaged_frame_file_is_ignored_and_replaced(store_path, monkeypatch):
    with Store(store_path) as store:
        good = framecache.frame(store, TAX.ids)
    kept = store_path.parent / "s.duckdb.frame"
    kept.write_bytes(kept.read_bytes()[:1000])  # cut short
    with Store(store_path) as store:
        pd.testing.assert_frame_equal(framecache.frame(store, TAX.ids), good)
    _no_build(monkeypatch)
    with Store(store_path) as store:
        pd.testing.assert_frame_equal(framecache.frame(store, TAX.ids), good)


def test_where_the_store_folder_cannot_be_written_the_cache_folder_is_used(store_path, tmp_path, monkeypatch):
    blocked = store_path.parent / "s.duckdb.frame"
    blocked.mkdir()  # a folder where the file would go: writing it fails
    monkeypatch.setenv("CAMPAIGN_TRACKER_CACHE", str(tmp_path / "cache"))
    with Store(store_path) as store:
        good = framecache.frame(store, TAX.ids)
    assert list((tmp_path / "cache" / "frames").glob("*.frame"))
    _no_build(monkeypatch)
    with Store(store_path) as store:
        pd.testing.assert_frame_equal(framecache.frame(store, TAX.ids), good)


def test_the_cli_ingest_leaves_the_frame_ready(tmp_path, monkeypatch):
    path = tmp_path / "cli.duckdb"
    assert run_cli("ingest", str(WMS), "--store", str(path)).returncode == 0
    _no_build(monkeypatch)
    with Store(path) as store:
        assert len(framecache.frame(store, TAX.ids)) == store.count("passages")


def test_a_store_made_anew_at_the_same_path_has_another_key(tmp_path):
    path = tmp_path / "again.duckdb"
    keys = []
    for _ in range(2):  # the same files, the same version: only the store's own id tells them apart
        with Store(path, write=True) as store:
            ingest(store, [WMS])
        with Store(path) as store:
            keys.append((store.version, framecache.frame_key(store, TAX.ids)))
        path.unlink()
    assert keys[0][0] == keys[1][0] and keys[0][1] != keys[1][1]


def test_writers_at_once_never_leave_a_frame_under_another_key(store_path):
    import threading

    with Store(store_path) as store:
        whole = framecache.frame(store, TAX.ids)
    part = whole.iloc[:40].reset_index(drop=True)
    kept = store_path.parent / "s.duckdb.frame"
    for _ in range(5):
        threads = [
            threading.Thread(target=framecache.keep, args=(store_path, key, df))
            for key, df in (("key-a", whole), ("key-b", part))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for key, df in (("key-a", whole), ("key-b", part)):
            got = framecache._read(kept, key)
            assert got is None or got.equals(df)
        assert not list(store_path.parent.glob("*.tmp"))
