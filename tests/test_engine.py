"""Engines and batches write the same store: one batch in this process, many batches, a process pool, a Dask
LocalCluster of two worker processes. Compared: every stored table, the theme summary and the ask ledger."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from core.engine import BatchResult, LocalEngine, make_engine, process_batch, EngineError
from core.pipeline import corpus_from_store, ingest
from core.store import Store
from core.summary import theme_summary
from core.taxonomy import default_taxonomy
from tests.conftest import FIXTURES, HANSARD, PP, SEEDS

CORPORA = FIXTURES / "corpora"
#: ParlParse files of three sitting days in five series (Commons, Westminster Hall, statements, committee), plus
#: every ParlaMint and Hansard API fixture and the seeds: small enough for a test, varied enough to mean something
PARLPARSE = [
    "westminhall/westminster2009-10-29a.xml",
    "wms/ministerial2009-10-29a.xml",
    "standing/standing2009-10-20_CHILDPOV_07-0_2009-10-29a.xml",
    "westminhall/westminster2009-10-27a.xml",
    "lordspages/daylord2009-10-27a.xml",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(SEEDS, root / "seeds", ignore=shutil.ignore_patterns("README*"))
    for sub in ("parlamint-gb", "hansard-api-json"):
        shutil.copytree(CORPORA / sub, root / sub, ignore=shutil.ignore_patterns("*.md", "*.tsv"))
    for rel in PARLPARSE:
        (root / "parlparse" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPORA / "parlparse-twfy" / rel, root / "parlparse" / rel)
    return root


@pytest.fixture(autouse=True)
def plain_main(monkeypatch):
    """Worker processes are started by spawn, which runs the parent's ``__main__`` again in each; Streamlit's
    AppTest (run earlier in the same pytest session) leaves its generated script there, which cannot run outside
    AppTest. The engine's workers need nothing from ``__main__``, so these tests give them a plain one."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))


def _ingest(path, sources, **kw):
    with Store(path, write=True) as store:
        counts, errors = ingest(store, sources, **kw)
        tables = {t: store.frame(t) for t in ("documents", "passages", "tags", "asks", "commitments")}
        corpus = corpus_from_store(store)
    tables["documents"] = tables["documents"].drop(columns="ingested_at")
    tables["theme summary"] = theme_summary(corpus)
    return counts, errors, tables


def _same(a: dict, b: dict) -> None:
    for name in a:
        x, y = (t.astype(str).sort_values(list(t.columns)).reset_index(drop=True) for t in (a[name], b[name]))
        pd.testing.assert_frame_equal(x, y, obj=name)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """Everything in one batch, in this process."""
    counts, errors, tables = _ingest(tmp_path_factory.mktemp("ref") / "s.duckdb", [corpus])
    # a Hansard API search result is a list of debates, not a debate: the one file refused
    assert counts.new == 19 and [Path(e.path).name for e in errors if not e.notice] == ["search_debates_day.json"]
    assert len(tables["passages"]) > 1_500 and len(tables["asks"]) > 100 and len(tables["tags"]) > 100
    assert (tables["passages"]["duplicate_of"] != "").sum() >= 22
    return tables


def test_a_debate_split_across_batches_gives_the_same_result(tmp_path):
    """The seeds' Hansard page and Parallel Parliament page report the same debate; one file per batch puts them
    in different batches (and transactions): the same 22 duplicates, borrowed speakers, tags, asks and answers."""
    _c, _e, one = _ingest(tmp_path / "one.duckdb", [SEEDS])
    counts, _e, split = _ingest(tmp_path / "split.duckdb", [SEEDS], batch_files=1)
    assert counts.new == 5
    _same(one, split)
    p = split["passages"]
    assert (p.duplicate_of != "").sum() == 22
    copies = p[p.duplicate_of != ""]
    assert set(copies.document) == {HANSARD} and set(
        p.set_index("passage_id").loc[copies.duplicate_of, "document"]
    ) == {PP}
    assert copies.speaker_basis.str.startswith("duplicate of").all()


def test_small_batches_in_this_process(corpus, reference, tmp_path):
    _c, _e, tables = _ingest(tmp_path / "s.duckdb", [corpus], batch_files=3)
    _same(reference, tables)


def test_process_pool_of_two(corpus, reference, tmp_path):
    _c, _e, tables = _ingest(tmp_path / "s.duckdb", [corpus], batch_files=4, engine=LocalEngine(2))
    _same(reference, tables)


def test_dask_local_cluster_of_two_workers(corpus, reference, tmp_path):
    pytest.importorskip("distributed")
    engine = make_engine("dask", workers=2)
    try:
        assert len(engine.client.scheduler_info()["workers"]) == 2
        _c, _e, tables = _ingest(tmp_path / "s.duckdb", [corpus], batch_files=4, engine=engine)
    finally:
        engine.close()
    _same(reference, tables)


def test_the_batch_function_is_pure_and_returns_arrow(corpus):
    files = sorted((corpus / "seeds").iterdir())[:2] + [corpus / "parlparse" / PARLPARSE[1]]
    items = [(str(f), f.stem, f.read_bytes(), "h") for f in files] + [("bad.xml", "bad", b"<publicwhip><speech", "h")]
    a, b = process_batch(items, default_taxonomy()), process_batch(items, default_taxonomy())
    assert isinstance(a, BatchResult)
    for name in ("documents", "passages", "tags", "bands"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert a.documents.num_rows == 3 and a.passages.num_rows > 50
    assert [path for path, _msg in a.failed] == ["bad.xml"] and a.ask_passages == b.ask_passages
    assert set(a.ask_passages) <= set(a.passages.column("passage_id").to_pylist())


def test_engine_options_are_checked():
    with pytest.raises(EngineError, match="unknown engine"):
        make_engine("spark")
    with pytest.raises(EngineError, match="--scheduler is for --engine dask"):
        make_engine("local", scheduler="tcp://127.0.0.1:8786")


def test_cli_engine_options(tmp_path, capsys):
    from core.cli import main

    db = tmp_path / "s.duckdb"
    assert main(["ingest", str(SEEDS / f"{PP}.txt"), "--store", str(db), "--engine", "local", "--workers", "1"]) == 0
    assert "1 new" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["export", str(SEEDS), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:8786"])
    assert exc.value.code == 2 and "--scheduler is for --engine dask" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_batch_with_one_themed_passage_in_thousands_is_stored(tmp_path):
    """DuckDB guesses a list column's element type from a sample of rows: with one passage in 3,000 carrying a
    theme, every sampled list is empty; the batch must still be written."""
    lines = [
        f"Paragraph {i} of the minutes records the routine business of the parish meeting held that day."
        for i in range(3_000)
    ]
    lines[1_501] = "The council asked the police to act on county lines exploitation of children in the town."
    (tmp_path / "minutes.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    _c, errors, tables = _ingest(tmp_path / "s.duckdb", [tmp_path / "minutes.txt"])
    p = tables["passages"]
    assert len(p) == 3_000 and (p.themes != "").sum() == 1
    assert "county_lines" in p.loc[p.text.str.startswith("The council asked"), "themes"].iloc[0]
