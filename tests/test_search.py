"""Search through the store's index on real text (the seeds, 318 passages of which 22 are duplicates): the count and
page worked out inside SQLite are those of every match checked against the store, before and after a document
changes or goes; an index made before the row ranges is brought up to date."""

from __future__ import annotations

import shutil

import pytest

from core.store import Store
from core.store.search import QueryError, SearchIndex, fts_query
from tests.conftest import PP, PRESS, SEEDS
from tests.test_store import _ingest

QUERIES = ['"county lines"', "children", "exploit*", "Ofsted OR cuckooing", '"looked after" NOT care', "zzzz"]
PAGES = [(0, 25), (25, 25), (0, 1000), (300, 10), (0, 0)]


@pytest.fixture()
def seeds_store(tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("README*"))
    db = tmp_path / "s.duckdb"
    _ingest(db, [folder])
    return db, folder


def _same_as_every_match_checked(db) -> int:
    """Asserts that the in-SQLite page equals the checked one for every query, order, page and canonical choice;
    returns how many searches had hits."""
    index = SearchIndex(db)
    with_hits = 0
    with Store(db) as store:
        index.sync(store)
        con = index._connect()
        try:
            assert index._in_step(con, store)
            for q in QUERIES:
                expr = fts_query(q)
                for order in ("rank", "date"):
                    for offset, limit in PAGES:
                        for canonical in (True, False):
                            fast = index._page(con, expr, limit, offset, order, canonical)
                            checked = index._checked(con, store, expr, limit, offset, order, canonical)
                            assert fast == checked, (q, order, offset, limit, canonical)
                            with_hits += bool(fast[1])
                    ids = index.ids(store, q, canonical_only=canonical)
                    assert ids == [r[1] for r in index._checked(con, store, expr, -1, 0, "index", canonical)[1]]
                    assert len(ids) == index._page(con, expr, 0, 0, "rank", canonical)[0]
        finally:
            con.close()
    return with_hits


def test_page_in_sqlite_is_every_match_checked(seeds_store):
    db, folder = seeds_store
    assert _same_as_every_match_checked(db) > 50
    index = SearchIndex(db)
    with Store(db) as store:
        con = index._connect()
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        con.close()
        assert (meta["rows"], meta["hidden"]) == ("318", "22")
        n_all, _ = index.search(store, "children", canonical_only=False)
        n, hits = index.search(store, "children", limit=1000)
        dups = {r[0] for r in store.con.execute("SELECT passage_id FROM passages WHERE duplicate_of != ''").fetchall()}
        assert n == len(hits) < n_all and not dups & {h.passage_id for h in hits}
    # a changed document and a removed one: their rows replaced by range, duplicates read again
    press = folder / f"{PRESS}.txt"
    press.write_text(
        press.read_text(encoding="utf-8") + "\nCounty lines gangs exploit looked after children.\n", encoding="utf-8"
    )
    counts, _ = _ingest(db, [folder], remove=[PP])
    assert (counts.changed, counts.removed) == (1, 1)
    assert _same_as_every_match_checked(db) > 20
    with Store(db) as store:
        _, hits = index.search(store, '"county lines"', limit=1000)
        assert hits and not any(h.document == PP for h in hits)


def test_ids_are_every_match_in_the_store(seeds_store):
    """All the passages a search finds (what a filter over the store needs), canonical unless asked, as the index
    holds them; passages gone from the store without a new version (as after a kill) are left out."""
    db, _ = seeds_store
    index = SearchIndex(db)
    with Store(db) as store:
        ids = index.ids(store, "children")
        every = index.ids(store, "children", canonical_only=False)
        texts = dict(store.con.execute("SELECT passage_id, text FROM passages").fetchall())
        canonical = {
            r[0] for r in store.con.execute("SELECT passage_id FROM passages WHERE duplicate_of = ''").fetchall()
        }
        assert set(ids) == set(every) & canonical and len(ids) < len(every)
        assert all("child" in texts[i].lower() for i in every)
        assert len(ids) == len(set(ids)) == index.search(store, "children", limit=0)[0]
        with pytest.raises(QueryError):
            index.ids(store, "  ")
    gone = ids[0]
    with Store(db, write=True) as store, store.transaction():
        store.con.execute("DELETE FROM passages WHERE passage_id = ?", [gone])
    with Store(db) as store:
        assert index.ids(store, "children") == ids[1:]


def test_an_index_made_before_row_ranges_is_brought_up_to_date(seeds_store):
    db, _ = seeds_store
    index = SearchIndex(db)
    with Store(db) as store:
        before = [index.search(store, q, limit=50, order=o) for q in QUERIES for o in ("rank", "date")]
    con = index._connect()
    with con:  # as the index was made before: no row ranges, no hidden rows, no counts
        con.execute("ALTER TABLE indexed DROP COLUMN first_row")
        con.execute("ALTER TABLE indexed DROP COLUMN last_row")
        con.execute("DROP TABLE hidden")
        con.execute("DROP TABLE dates")
        con.execute("DROP TABLE ids")
        con.execute("DELETE FROM meta WHERE key IN ('rows', 'hidden')")
    con.close()
    with Store(db) as store:
        assert [index.search(store, q, limit=50, order=o) for q in QUERIES for o in ("rank", "date")] == before
    assert _same_as_every_match_checked(db) > 50
