"""The store on real text: incremental ingest, re-tagging, removal, safety (kill -9, a second writer, foreign files)."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
import signal
import subprocess
import sys
import threading
import time

import pytest

from core.pipeline import build_corpus, corpus_from_store, ingest
from core.store import Store, StoreError
from core.taxonomy import default_taxonomy, parse_taxonomy
from tests.conftest import HANSARD, MONTHLY, PP, PRESS, ROOT, SEEDS


@pytest.fixture()
def seeds_copy(tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("README*"))
    return folder


@pytest.fixture(scope="module")
def reference():
    return build_corpus([SEEDS])


def _ingest(path, sources, **kw):
    with Store(path, write=True) as store:
        return ingest(store, sources, **kw)


def _key(df, cols):
    return sorted(map(tuple, df[cols].astype(str).to_numpy().tolist()))


def test_store_holds_what_the_pipeline_computes(tmp_path, reference):
    counts, errors = _ingest(tmp_path / "s.duckdb", [SEEDS])
    # the seeds' README is documentation: reported as not read, not a failure
    assert [(Path(e.path).name, e.notice) for e in errors] == [("README.md", True)]
    assert (counts.new, counts.changed, counts.unchanged, counts.failed) == (5, 0, 0, 0)
    assert counts.passages_added == len(reference.passages) == 318
    with Store(tmp_path / "s.duckdb") as store:
        c = corpus_from_store(store)
    cols = list(reference.passages.columns)
    assert _key(c.passages, cols) == _key(reference.passages, cols)
    assert _key(c.tags, ["passage_id", "theme", "start"]) == _key(reference.tags, ["passage_id", "theme", "start"])
    assert _key(c.asks, ["ask_id", "ask_group", "response_status"]) == _key(
        reference.asks, ["ask_id", "ask_group", "response_status"]
    )
    assert (c.passages["duplicate_of"] != "").sum() == 22


def test_incremental_ingest_new_changed_unchanged_removed(tmp_path, seeds_copy, reference):
    db = tmp_path / "s.duckdb"
    _ingest(db, [seeds_copy])
    counts, _ = _ingest(db, [seeds_copy])
    assert (counts.new, counts.changed, counts.unchanged, counts.passages_added) == (0, 0, 5, 0)
    with Store(db) as store:
        v0 = store.version
    # change one document: a paragraph added to the press releases
    press = seeds_copy / f"{PRESS}.txt"
    press.write_text(
        press.read_text(encoding="utf-8") + "\nA new paragraph on county lines and looked after "
        "children placed out of area, added for the test so the document changes.\n",
        encoding="utf-8",
    )
    counts, _ = _ingest(db, [seeds_copy])
    assert (counts.new, counts.changed, counts.unchanged) == (0, 1, 4)
    n_press = (reference.passages.document == PRESS).sum()
    assert counts.passages_added == n_press + 1
    with Store(db) as store:
        assert store.version > v0
        assert store.count("passages") == len(reference.passages) + 1
        # the Hansard copy of the Parallel Parliament speeches is still marked as a duplicate
        dups = store.frame("passages", "duplicate_of <> ''")
        assert len(dups) == 22
    counts, _ = _ingest(db, [], remove=[PP])
    assert counts.removed == 1
    with Store(db) as store:
        c = corpus_from_store(store)
    assert PP not in set(c.passages.document) and PP not in set(c.asks.document)
    assert not set(c.tags.passage_id) - set(c.passages.passage_id)
    # with the Parallel Parliament page gone, the Hansard page's copies are canonical again and lose the borrowed speaker
    hansard = c.passages[c.passages.document == HANSARD]
    assert (hansard.duplicate_of == "").all()
    assert not hansard.speaker_basis.str.startswith("duplicate of").any()


def test_an_unchanged_folder_with_a_file_that_fails_leaves_the_store_as_it_was(tmp_path, seeds_copy):
    """A file that cannot be read is read again at each ingest (nothing of it is stored); when it is all there is
    to read, nothing is written: the version readers key their caches on stays, and the ledger is not rebuilt."""
    (seeds_copy / "broken.txt").write_bytes(b"Children\x00s homes \x00\x01\x02")
    db = tmp_path / "s.duckdb"
    counts, errors = _ingest(db, [seeds_copy])
    assert counts.new == 5 and [e.path for e in errors] == [str(seeds_copy / "broken.txt")]
    with Store(db) as store:
        v0, asks = store.version, store.count("asks")
    stats: dict[str, float] = {}
    counts, errors = _ingest(db, [seeds_copy], stats=stats)
    assert (counts.unchanged, counts.failed, len(errors)) == (5, 1, 1)
    assert "binary" in errors[0].problem
    with Store(db) as store:
        assert (store.version, store.count("asks")) == (v0, asks)
    assert "ask ledger" not in stats


def test_taxonomy_change_retags_from_stored_text(tmp_path, seeds_copy):
    db = tmp_path / "s.duckdb"
    _ingest(db, [seeds_copy])
    text = 'mode = "extend"\n[[theme]]\nid = "gangs"\nlabel = "Gangs"\ndescription = "Gangs and gang violence."\nphrases = ["gang"]\n'
    taxonomy = parse_taxonomy(text, "test.toml", base=default_taxonomy())
    for f in seeds_copy.iterdir():
        f.unlink()  # the sources are gone: re-tagging must read only the store
    counts, errors = _ingest(db, [], taxonomy=taxonomy)
    assert not errors and counts.passages_added == 0
    with Store(db) as store:
        assert store.meta("taxonomy_digest") == taxonomy.digest
        tags = store.frame("tags")
        gang = store.frame("passages", "list_contains(themes, 'gangs')")
    assert len(gang) > 0 and set(gang.passage_id) == set(tags[tags.theme == "gangs"].passage_id)
    assert all("gang" in t.lower() for t in gang.text)


@pytest.mark.parametrize("rewrite", [True, False], ids=["table written anew", "rows updated"])
def test_retagging_in_chunks_gives_what_tagging_the_whole_store_gives(tmp_path, seeds_copy, monkeypatch, rewrite):
    """Re-tagging reads the store a few documents at a time (here about 40 passages, so the seeds' five documents
    come in several chunks); tags and themes are those of tagging every passage at once, and the passages table
    keeps its rows, its other columns and its key, whether changed themes are written by updating rows or by writing
    the table anew."""
    from core import retag as retag_module
    from core.store import db as db_module
    from core.tagging import tag_passages, themes_column

    db = tmp_path / "s.duckdb"
    _ingest(db, [seeds_copy])
    taxonomy = parse_taxonomy(
        'mode = "extend"\n[[theme]]\nid = "gangs"\nlabel = "Gangs"\ndescription = "Gangs."\nphrases = ["gang"]\n',
        "test.toml",
        base=default_taxonomy(),
    )
    with Store(db) as store:
        before = store.frame("passages")
        assert store.con.execute("SELECT count(DISTINCT document) FROM passages").fetchone()[0] == 5
    expected_tags = tag_passages(before, taxonomy)
    expected_themes = themes_column(before, expected_tags, taxonomy)
    assert {"gangs"} & {t for s in expected_themes for t in s.split(";")}, "the new theme tags something"
    monkeypatch.setattr(retag_module, "CHUNK", 40)
    monkeypatch.setattr(db_module, "REWRITE_SHARE", 0.0 if rewrite else 1.0)
    _ingest(db, [], taxonomy=taxonomy)
    with Store(db) as store:
        after = store.frame("passages")
        tags = store.frame("tags")
        pk = store.con.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 'passages' "
            "AND constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    cols = ["passage_id", "theme", "matched_text", "start", "end", "method", "reason"]
    assert _key(tags, cols) == _key(expected_tags, cols)
    assert sorted(after["passage_id"]) == sorted(before["passage_id"])  # (in another order: readers sort)
    after = after.set_index("passage_id").loc[before["passage_id"]].reset_index()
    assert after["themes"].tolist() == expected_themes
    other = [c for c in before.columns if c != "themes"]
    assert [c for c in other if after[c].tolist() != before[c].tolist()] == []
    assert pk == [(["passage_id"],)]


GANGS = 'mode = "extend"\n[[theme]]\nid = "gangs"\nlabel = "Gangs"\ndescription = "Gangs."\nphrases = ["gang"]\n'
WARNING_SIGNS = (
    '[[ask]]\nid = "warning_signs"\nlabel = "Agencies trained to see the warning signs"\nphrases = ["warning signs"]\n'
)


@pytest.mark.parametrize("named", [False, True], ids=["themes only", "named asks changed"])
def test_a_retagged_ledger_is_the_ledger_of_an_ingest_with_the_new_taxonomy(tmp_path, seeds_copy, monkeypatch, named):
    """A taxonomy change that leaves the named asks as they were keeps the stored asks, groups and responses and
    works out only the asks' themes again (ask extraction is not run: here it would fail); one that changes the
    named asks rebuilds the ledger. Either way the ledger is the one a first ingest with the new taxonomy makes."""
    import core.asks

    taxonomy = parse_taxonomy(GANGS + (WARNING_SIGNS if named else ""), "test.toml", base=default_taxonomy())
    fresh = tmp_path / "fresh.duckdb"
    _ingest(fresh, [seeds_copy], taxonomy=taxonomy)
    db = tmp_path / "s.duckdb"
    _ingest(db, [seeds_copy])
    if not named:

        def refused(*a, **k):
            raise AssertionError("the ledger was rebuilt")

        monkeypatch.setattr(core.asks, "build_asks", refused)
    _ingest(db, [], taxonomy=taxonomy)
    with Store(db) as store, Store(fresh) as ref:
        got, want = store.frame("asks"), ref.frame("asks")
        assert _key(store.frame("commitments"), ["passage_id", "sentence_index", "status"]) == _key(
            ref.frame("commitments"), ["passage_id", "sentence_index", "status"]
        )
    assert len(got) > 10 and any("gangs" in t for t in got["themes"])
    assert named == ("warning_signs" in set(got["ask_group"]))
    cols = [c for c in want.columns if c != "response_score"]
    assert _key(got, cols) == _key(want, cols)


def test_a_foreign_file_is_never_overwritten(tmp_path):
    bad = tmp_path / "notes.duckdb"
    bad.write_bytes(b"these are my notes, not a database\n" * 10)
    before = bad.read_bytes()
    with pytest.raises(StoreError, match="not a DuckDB file"):
        Store(bad, write=True)
    import duckdb

    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE sales (x INT)")
    con.close()
    with pytest.raises(StoreError, match="not a Campaign Tracker store"):
        Store(other, write=True)
    assert bad.read_bytes() == before


def test_a_store_from_a_newer_release_is_refused(tmp_path):
    db = tmp_path / "s.duckdb"
    with Store(db, write=True) as store:
        with store.transaction():
            store._set("schema_version", "99")
    with pytest.raises(StoreError, match="newer release"):
        Store(db)


def test_migrations_run_in_order(tmp_path, monkeypatch):
    from core.store import db as dbmod

    path = tmp_path / "s.duckdb"
    _ingest(path, [SEEDS / f"{MONTHLY}.txt"])
    nxt = dbmod.SCHEMA_VERSION + 1
    monkeypatch.setattr(dbmod, "SCHEMA_VERSION", nxt)
    monkeypatch.setattr(dbmod, "MIGRATIONS", {nxt: ["CREATE TABLE milestones (date VARCHAR, label VARCHAR)"]})
    with pytest.raises(StoreError, match="older release"):
        Store(path)
    with Store(path, write=True) as store:
        assert store.meta("schema_version") == str(nxt) and "milestones" in store._tables()
        assert store.count("passages") > 0


def test_a_second_writer_is_refused_with_a_message(tmp_path, monkeypatch):
    from core.store import db as dbmod

    monkeypatch.setattr(dbmod, "LOCK_TIMEOUT_S", 0.2)
    path = tmp_path / "s.duckdb"
    with Store(path, write=True):
        with pytest.raises(StoreError, match="another ingest"):
            Store(path, write=True)


_READER_SCRIPT = """
import sys
from core.store import Store
with Store(sys.argv[1]) as s:
    print(s.count("passages"), flush=True)
    sys.stdin.readline()
"""


def test_a_writer_waits_while_another_process_reads_then_writes(tmp_path, seeds_copy, monkeypatch):
    """DuckDB lets one process write or several read: an ingest started while a dashboard (another process) has
    the store open waits for it to close, then writes; if it never closes, the ingest is refused with a message."""
    from core.store import db as dbmod

    db = tmp_path / "s.duckdb"
    _ingest(db, [seeds_copy / f"{PP}.txt"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER_SCRIPT, str(db)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        stored = int(reader.stdout.readline())
        monkeypatch.setattr(dbmod, "LOCK_TIMEOUT_S", 0.5)
        with pytest.raises(StoreError, match="another program has the store open"):
            Store(db, write=True)
        monkeypatch.setattr(dbmod, "LOCK_TIMEOUT_S", 60.0)
        threading.Timer(1.0, lambda: (reader.stdin.write("\n"), reader.stdin.flush())).start()  # it closes in 1 s
        with Store(db, write=True) as store:
            ingest(store, [seeds_copy / f"{PRESS}.txt"])
            assert store.count("passages") > stored
    finally:
        reader.kill()
        reader.wait()


_KILL_SCRIPT = """
import sys
from core.pipeline import ingest
from core.store import Store
with Store(sys.argv[1], write=True) as s:
    ingest(s, sys.argv[2:])
print("done", flush=True)
"""


def test_kill_during_ingest_leaves_before_or_after(tmp_path, seeds_copy):
    """kill -9 a real ingest at random moments; the store reopens with either none or all of the change."""
    db = tmp_path / "s.duckdb"
    first = [seeds_copy / f"{PP}.txt"]
    _ingest(db, first)
    with Store(db) as store:
        before = (store.count("documents"), store.count("passages"), store.count("tags"))
    rng = random.Random(7)
    outcomes = set()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-c", _KILL_SCRIPT, str(db), str(seeds_copy)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with Store(db) as store:
            now = (store.count("documents"), store.count("passages"), store.count("tags"))
            orphans = store.con.execute(
                "SELECT count(*) FROM tags WHERE passage_id NOT IN (SELECT passage_id FROM passages)"
            ).fetchone()[0]
            ask_orphans = store.con.execute(
                "SELECT count(*) FROM asks WHERE passage_id NOT IN (SELECT passage_id FROM passages)"
            ).fetchone()[0]
        assert orphans == 0 and ask_orphans == 0
        assert now in (before, (5, 318, now[2])), now
        outcomes.add(now == before)
        if now != before:
            break
    counts, _ = _ingest(db, [seeds_copy])  # whatever happened, a new ingest completes the change
    with Store(db) as store:
        assert store.count("passages") == 318


def test_search_phrases_operators_prefixes_and_snippets(tmp_path, seeds_copy):
    from core.store.search import QueryError, SearchIndex

    db = tmp_path / "s.duckdb"
    _ingest(db, [seeds_copy])
    index = SearchIndex(db)
    with Store(db) as store:
        texts = dict(store.con.execute("SELECT passage_id, text FROM passages WHERE duplicate_of = ''").fetchall())
        n, hits = index.search(store, '"county lines"', limit=500)
        import re

        phrase = re.compile(r"\bcounty\W+lines?\b", re.I)  # words as the index sees them: 'line' is 'lines' stemmed
        assert n == len(hits) == sum(bool(phrase.search(t)) for t in texts.values())
        n_and, _ = index.search(store, "Ofsted inspect")  # words, stemmed: 'inspected by Ofsted'
        assert n_and >= 1
        n_not, hits_not = index.search(store, '"county lines" NOT London', limit=500)
        assert 0 < n_not < n and not any("london" in texts[h.passage_id].lower() for h in hits_not)
        n_or, _ = index.search(store, "cuckooing OR Ofsted", limit=500)
        n_c, _ = index.search(store, "cuckooing")
        n_o, _ = index.search(store, "Ofsted")
        assert max(n_c, n_o) <= n_or <= n_c + n_o
        n_pre, hits_pre = index.search(store, "cuck*", limit=500)
        assert n_pre > 0 and index.search(store, "cuck")[0] == 0
        assert all("cuckoo" in h.snippet_text().lower() for h in hits_pre)
        assert "<mark>" in hits[0].snippet_html() and "[" in hits[0].snippet_text()
        _, by_date = index.search(store, '"county lines"', order="date", limit=500)
        dates = [h.date for h in by_date if h.date]
        assert dates == sorted(dates, reverse=True)
        with pytest.raises(QueryError):
            index.search(store, "   ")
    # removing a document takes its passages out of the results
    _ingest(db, [], remove=[PP])
    with Store(db) as store:
        _, hits = index.search(store, '"county lines"', limit=500)
        assert hits and not any(h.document == PP for h in hits)


def test_search_never_shows_an_entry_without_its_passage(tmp_path, seeds_copy):
    from core.store.search import SearchIndex

    db = tmp_path / "s.duckdb"
    _ingest(db, [seeds_copy])
    index = SearchIndex(db)
    with Store(db) as store:
        index.sync(store)
    with Store(db, write=True) as store:  # passages gone, index not told (as after a kill)
        with store.transaction():
            store.con.execute("DELETE FROM passages WHERE document = ?", [MONTHLY])
    with Store(db) as store:
        n, hits = index.search(store, '"county lines"', limit=500)
        assert hits and all(h.document != MONTHLY for h in hits)
        assert (
            n
            == store.con.execute(
                "SELECT count(*) FROM passages WHERE duplicate_of = '' AND "
                "regexp_matches(text, '(?i)\\bcounty\\W+lines?\\b')"
            ).fetchone()[0]
        )


def test_search_escapes_markup_in_snippets(tmp_path):
    from core.store.search import SearchIndex

    doc = tmp_path / "evil.txt"
    doc.write_text(
        "County lines <script>alert(1)</script> and <img src=x onerror=alert(2)> gangs exploit children.\n",
        encoding="utf-8",
    )
    db = tmp_path / "s.duckdb"
    _ingest(db, [doc])
    with Store(db) as store:
        _, hits = SearchIndex(db).search(store, "county")
    out = hits[0].snippet_html()
    assert "<script>" not in out and "&lt;script&gt;" in out and "<img" not in out


def test_only_the_latest_version_of_a_day_is_kept(tmp_path):
    """ParlParse publishes a day again as a, b, c...: the latest is read, and replaces an earlier one in the store."""
    from tests.conftest import FIXTURES

    src = FIXTURES / "corpora" / "parlparse-twfy" / "westminhall" / "westminster2009-10-29a.xml"
    folder = tmp_path / "xml"
    folder.mkdir()
    shutil.copy(src, folder / src.name)
    db = folder / "store.duckdb"  # a store kept beside the documents is not read as one
    counts, errors = _ingest(db, [folder])
    assert not errors and counts.new == 1
    shutil.copy(src, folder / "westminster2009-10-29b.xml")
    counts, errors = _ingest(db, [folder])
    assert not errors and (counts.new, counts.removed) == (1, 1)
    with Store(db) as store:
        assert list(store.hashes()) == ["westminster2009-10-29b"]
        assert set(store.frame("passages")["document"]) == {"westminster2009-10-29b"}
