"""The store at scale: cold start, filter-and-aggregate queries, search, re-ingest and re-tag.

    python benchmarks/bench_store.py [--passages 10000000] [--skip-retag]

Builds a store of N passages in a temporary folder: the seeds' passages (with their tags) repeated with
varied ids, dates (2000-2025, some month precision, some undated), venues and speakers, written by DuckDB
itself. Then measures, on this machine:
- cold_start_s: a new process opens the store and runs the Overview's first queries (to the first chart);
- query_median_ms: one filter-and-aggregate query (passages per theme under a filter), median of a set;
- interaction_median_ms: what one filter change asks for (theme counts, monthly timeline, themes x venues,
  the first page of 25 newest passages of a theme);
- search_median_ms: a phrase search with its first page, ranked (after the index is built: index_build_s);
  search_date_median_ms the same newest first; search_matches the phrases' numbers of matches;
- reingest_unchanged_ratio: re-ingesting an unchanged real corpus (the seeds and the shared ParlParse week)
  over its first ingest, measured in the same run;
- retag_s: re-tagging every stored passage after a taxonomy change, a process per core (retag_stages_s: its parts);
- store_bytes against text_bytes (the raw text).
The last line is one JSON object with these keys.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.pipeline import ingest  # noqa: E402
from core.store import Store  # noqa: E402
from core.store.search import SearchIndex  # noqa: E402

QUERIES = [  # (description, where)
    ("everything", "TRUE"),
    ("Westminster Hall", "venue = 'Westminster Hall'"),
    ("2018", "date >= '2018' AND date < '2019'"),
    ("county lines, Commons", "list_contains(themes, 'county_lines') AND venue = 'Commons Chamber'"),
    ("a speaker, 2010-2015", "speaker = 'Ann Coffey' AND date BETWEEN '2010' AND '2015-12-31'"),
]


def build(path: Path, n: int) -> None:
    with Store(path, write=True) as store:
        ingest(store, [ROOT / "seeds"])
        con = store.con
        base = con.execute("SELECT count(*) FROM passages").fetchone()[0]
        con.execute("BEGIN TRANSACTION")
        con.execute("CREATE TEMP TABLE base AS SELECT row_number() OVER () - 1 AS k, * FROM passages")
        con.execute("CREATE TEMP TABLE base_tags AS SELECT * FROM tags")
        con.execute("DELETE FROM passages")
        con.execute("DELETE FROM tags")
        con.execute(f"""
            INSERT INTO passages
            SELECT printf('syn%09d', i) AS passage_id, printf('syndoc%06d', i // 1000) AS document, b.layout,
                   b.section_title, b.section_path,
                   CASE WHEN i % 20 = 0 THEN '' WHEN i % 10 = 1 THEN strftime(DATE '2000-01-01' + CAST(i * 7919 % 9490 AS INTEGER), '%Y-%m')
                        ELSE strftime(DATE '2000-01-01' + CAST(i * 7919 % 9490 AS INTEGER), '%Y-%m-%d') END AS date,
                   CASE WHEN i % 20 = 0 THEN 'unknown' WHEN i % 10 = 1 THEN 'month' ELSE 'day' END,
                   (['Commons Chamber', 'Westminster Hall', 'Lords Chamber', 'Written answers', 'Press release',
                     'Newspaper column', ''])[1 + i % 7] AS venue,
                   b.house, b.kind,
                   CASE WHEN i % 5 = 0 THEN '' ELSE coalesce(nullif(b.speaker, ''), 'Member ' || (i % 650)) END,
                   b.speaker_id, b.speaker_detail, b.speaker_basis, b.party, b.constituency, b.text, b.line,
                   b.section_index, b.source_id, b.responds_to, b.url, '', b.themes, b.quality_flags, b._norm_hash
            FROM range({n}) r(i) JOIN base b ON b.k = i % {base}""")
        con.execute(f"""
            INSERT INTO tags SELECT printf('syn%09d', i), t.theme, t.matched_text, t.start, t."end", t.method,
                   t.score, t.reason
            FROM range({n}) r(i) JOIN base b ON b.k = i % {base} JOIN base_tags t ON t.passage_id = b.passage_id""")
        con.execute("DELETE FROM documents")
        con.execute(f"""
            INSERT INTO documents SELECT printf('syndoc%06d', d), '', printf('%064d', d), 'synthetic', '', '', '', '',
                   1000, 0, 0, 0, '', now() FROM range({(n + 999) // 1000}) r(d)""")
        con.execute("COMMIT")
        con.execute("CHECKPOINT")


def interaction(con) -> None:
    con.execute(
        "SELECT t, count(*) FROM (SELECT unnest(themes) t FROM passages WHERE duplicate_of = '' "
        "AND date >= '2015') GROUP BY t"
    ).fetchall()
    con.execute(
        "SELECT substr(date, 1, 7) m, count(*) FROM passages WHERE date_precision = 'day' "
        "AND list_contains(themes, 'county_lines') GROUP BY m"
    ).fetchall()
    con.execute("SELECT t, venue, count(*) FROM (SELECT unnest(themes) t, venue FROM passages) GROUP BY ALL").fetchall()
    con.execute(
        "SELECT passage_id, date, venue, speaker, text FROM passages WHERE list_contains(themes, "
        "'looked_after_children') ORDER BY date DESC LIMIT 25"
    ).fetchall()


COLD = """
import sys, time
t = time.perf_counter()
sys.path.insert(0, sys.argv[2])
from core.store import Store
with Store(sys.argv[1]) as s:
    s.con.execute("SELECT count(*), count(DISTINCT document) FROM passages").fetchall()
    s.con.execute("SELECT t, count(*) FROM (SELECT unnest(themes) t FROM passages WHERE duplicate_of = '') GROUP BY t").fetchall()
    s.con.execute("SELECT substr(date, 1, 7) m, count(*) FROM passages WHERE date_precision = 'day' GROUP BY m").fetchall()
print(time.perf_counter() - t)
"""


def store_arg(args, tmp: Path) -> Path:
    """``--store``, else a store of ``--passages`` passages built in ``tmp`` (the dashboard benchmarks' start)."""
    if args.store is not None:
        return args.store
    db = tmp / "big.duckdb"
    t = time.perf_counter()
    build(db, args.passages)
    print(f"built a store of {args.passages:,} passages in {time.perf_counter() - t:.1f} s")
    return db


def report(out: dict) -> None:
    """The figures a line each, then all of them as one JSON object on the last line."""
    for k, v in out.items():
        print(f"{k}: {v}")
    print(json.dumps(out))


def median_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=10_000_000)
    ap.add_argument("--skip-retag", action="store_true", help="leave out the re-tagging measurement")
    ap.add_argument("--skip-search", action="store_true", help="leave out building the search index")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    out: dict = {"passages": args.passages}
    try:
        db = tmp / "s.duckdb"
        t = time.perf_counter()
        build(db, args.passages)
        print(f"built a store of {args.passages:,} passages in {time.perf_counter() - t:.1f} s")
        with Store(db) as store:
            out["text_bytes"] = int(store.con.execute("SELECT sum(strlen(text)) FROM passages").fetchone()[0])
        out["store_bytes"] = db.stat().st_size
        cold = [
            float(
                subprocess.run(
                    [sys.executable, "-c", COLD, str(db), str(ROOT)], capture_output=True, text=True, check=True
                ).stdout
            )
            for _ in range(3)
        ]
        out["cold_start_s"] = round(statistics.median(cold), 3)
        with Store(db) as store:
            con = store.con
            per = {}
            for name, where in QUERIES:
                q = (
                    f"SELECT t, count(*) FROM (SELECT unnest(themes) t FROM passages WHERE duplicate_of = '' "
                    f"AND {where}) GROUP BY t"
                )
                per[name] = round(median_ms(lambda q=q: con.execute(q).fetchall()), 1)
            out["query_ms"] = per
            out["query_median_ms"] = round(statistics.median(per.values()), 1)
            out["interaction_median_ms"] = round(median_ms(lambda: interaction(con)), 1)
            if not args.skip_search:
                index = SearchIndex(db)
                t = time.perf_counter()
                index.sync(store)
                out["index_build_s"] = round(time.perf_counter() - t, 1)
                phrases = [
                    '"county lines"',
                    '"looked after children"',
                    '"out of area"',
                    "Ofsted inspect*",
                    '"child sexual exploitation" NOT grooming',
                ]
                out["search_median_ms"] = round(
                    statistics.median(
                        median_ms(lambda p=p: index.search(store, p, limit=25), repeat=3) for p in phrases
                    ),
                    1,
                )
                out["search_date_median_ms"] = round(
                    statistics.median(
                        median_ms(lambda p=p: index.search(store, p, limit=25, order="date"), repeat=3) for p in phrases
                    ),
                    1,
                )
                out["search_matches"] = [index.search(store, p, limit=0)[0] for p in phrases]
        if not args.skip_retag:
            from core.taxonomy import default_taxonomy, parse_taxonomy

            extra = (
                'mode = "extend"\n[[theme]]\nid = "gangs"\nlabel = "Gangs"\n'
                'description = "Gangs and gang violence."\nphrases = ["gang", "gangs"]\n'
            )
            tax = parse_taxonomy(extra, "bench.toml", base=default_taxonomy())
            from core.engine import LocalEngine

            stages: dict[str, float] = {}
            with Store(db, write=True) as store:  # as `campaign-tracker ingest` does it: a process per core
                t = time.perf_counter()
                ingest(store, [], taxonomy=tax, engine=LocalEngine(), stats=stages)
                out["retag_s"] = round(time.perf_counter() - t, 1)
            out["retag_stages_s"] = {k: round(v, 1) for k, v in stages.items()}
        # re-ingest of an unchanged real corpus, against its first ingest in the same run
        real = [ROOT / "seeds", ROOT / "tests" / "fixtures" / "corpora"]
        db2 = tmp / "real.duckdb"
        with Store(db2, write=True) as store:
            t = time.perf_counter()
            ingest(store, real)
            first = time.perf_counter() - t
            t = time.perf_counter()
            ingest(store, real)
            again = time.perf_counter() - t
        out["first_ingest_s"] = round(first, 2)
        out["reingest_unchanged_s"] = round(again, 3)
        out["reingest_unchanged_ratio"] = round(again / first, 4)
        out["store_to_text"] = round(out["store_bytes"] / out["text_bytes"], 2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(out)


if __name__ == "__main__":
    main()
