"""The dashboard on a large store: cold start, one filter-and-aggregate query, whole interactions in AppTest.

    python benchmarks/bench_dashboard.py [--passages 1000000] [--repeat 5] [--store PATH] [--skip-search]
                                         [--skip-app]

Builds a store of N passages as benchmarks/bench_store.py does (the seeds' passages and tags repeated with varied
ids, dates, venues and speakers), or uses ``--store``, and opens it as a user would
(``CAMPAIGN_TRACKER_STORE``, read-only). Measures, on this machine:
- frame_keep_s: building the text-less frame and keeping it beside the store (as ``campaign-tracker ingest`` does
  after an ingest; core.store.framecache), so that a dashboard opening the store reads it instead;
- cold_start_s: a new process's first run of the app (AppTest) on the store: the store opened, the kept text-less
  frame read, the Overview drawn with its charts (Python's imports, import_s, are apart);
- query_median_ms: one filter-and-aggregate query (the filters' mask, then passages per theme, counted as the
  Overview counts: core.counts), median over a set of typical filters; query_rows_median_ms: the same counts by one
  pass over the rows per theme (the reference); sql_query_median_ms: the same counts by DuckDB in the store
  (core.store.queries.theme_counts); counts_codes_s: core.counts' codes, worked out once per store version;
- core_interaction_median_ms: what the Overview computes after a filter change (mask, headline, timeline,
  themes x venues), without Streamlit; core_interaction_rows_median_ms: the same on a copy of the matching rows
  (the reference); theme_summary_median_ms: a filter state's theme summary the first time (then kept), and
  theme_summary_rows_median_ms: the same counted on the rows, theme by theme (the reference);
- app_<step>_median_ms: whole reruns of the real app in AppTest (a theme filter, a venue filter, the Overview's
  bins, a search through the index, a page of the Passages view, the Themes view's bins); app_themes_first_s: the
  Themes view's first run (every tag of its theme read, what matched worked out);
- frame_mb: the memory of the one frame kept per store (no text).
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_store import median_ms, report, store_arg  # noqa: E402
from core.summary import (
    THEME_PREFIX,
    FilterState,
    filter_mask,
    headline,
    theme_summary,  # noqa: E402
    theme_timeline,
    theme_venue_matrix,
)

APP = str(ROOT / "dashboard" / "app.py")
STATES = [
    FilterState(),
    FilterState(themes=("county_lines",)),
    FilterState(themes=("out_of_area_placements",), date_from=date(2018, 1, 1), date_to=date(2018, 12, 31)),
    FilterState(themes=("county_lines",), venues=("Westminster Hall",), include_undated=False),
    FilterState(venues=("Press release", "Newspaper column"), date_from=date(2015, 1, 1)),
    FilterState(themes=("looked_after_children", "missing_children"), speakers=("Member 7",)),
]

COLD = """
import os, sys, time
t0 = time.perf_counter()
from streamlit.testing.v1 import AppTest
import dashboard.data, dashboard.views.overview  # noqa: F401  (the app's own imports)
t1, c1 = time.perf_counter(), time.process_time()
at = AppTest.from_file(sys.argv[1], default_timeout=600)
at.run()
assert not at.exception, at.exception
print(t1 - t0, time.perf_counter() - t1, time.process_time() - c1)
"""


def core_path(data, repeat: int) -> dict:
    from core.counts import FrameCounts

    frame, ids = data.passages, data.theme_ids
    cols = [THEME_PREFIX + t for t in ids]
    t = time.perf_counter()
    fc = FrameCounts(frame, ids)  # what the Overview works out once per store version
    codes_s = time.perf_counter() - t

    def query(state):  # passages per theme, as the Overview counts them
        return fc.tally(filter_mask(frame, state).to_numpy()).per_venue.sum(axis=0)

    def query_rows(state):  # the reference: one pass over the rows per theme
        m = filter_mask(frame, state).to_numpy()
        return {c: int((m & frame[c].to_numpy()).sum()) for c in cols}

    def interaction(state):  # the Overview's counts after a filter change (its theme summary apart)
        tally = fc.tally(filter_mask(frame, state).to_numpy())
        themes = list(state.themes) or ids
        tally.headline(data.corpus)
        tally.timeline(themes, "month")
        tally.venue_matrix(themes)

    def interaction_rows(state):  # the reference: the same counts on a copy of the matching rows
        m = filter_mask(frame, state)
        sub = frame if m.all() else frame[m]
        themes = list(state.themes) or ids
        headline(data.corpus, sub)
        theme_timeline(sub, themes, "month")
        theme_venue_matrix(sub, themes)

    def summary(state):  # a filter state's theme summary, the first time it is asked for (then kept)
        fc.tally(filter_mask(frame, state).to_numpy()).theme_summary(data.taxonomy, state)

    def summary_rows(state):  # the reference: counted on the rows, theme by theme
        theme_summary(data.corpus, state, passages=frame, mask=filter_mask(frame, state))

    q = [median_ms(lambda s=s: query(s), repeat) for s in STATES]
    qr = [median_ms(lambda s=s: query_rows(s), repeat) for s in STATES]
    i = [median_ms(lambda s=s: interaction(s), repeat) for s in STATES]
    ir = [median_ms(lambda s=s: interaction_rows(s), repeat) for s in STATES]
    ts = [median_ms(lambda s=s: summary(s), repeat) for s in STATES]
    tsr = [median_ms(lambda s=s: summary_rows(s), repeat) for s in STATES]
    from core.store import Store, queries

    with Store(data.store) as store:  # the same counts by DuckDB in the store, reviews applied: no frame needed
        sql = [median_ms(lambda s=s: queries.theme_counts(store, ids, s, data.review), repeat) for s in STATES]
    return {
        "query_median_ms": round(statistics.median(q), 1),
        "query_max_ms": round(max(q), 1),
        "sql_query_median_ms": round(statistics.median(sql), 1),
        "sql_query_max_ms": round(max(sql), 1),
        "query_rows_median_ms": round(statistics.median(qr), 1),
        "core_interaction_median_ms": round(statistics.median(i), 1),
        "core_interaction_max_ms": round(max(i), 1),
        "core_interaction_rows_median_ms": round(statistics.median(ir), 1),
        "theme_summary_median_ms": round(statistics.median(ts), 1),
        "theme_summary_rows_median_ms": round(statistics.median(tsr), 1),
        "counts_codes_s": round(codes_s, 2),
    }


def app_interactions(repeat: int, search: bool) -> dict:
    from streamlit.testing.v1 import AppTest

    out: dict = {}
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    assert not at.exception, at.exception
    steps = {
        "theme_filter": lambda i: at.multiselect(key="f_themes").set_value(["county_lines"] if i % 2 else []),
        "venue_filter": lambda i: at.multiselect(key="f_venues").set_value(["Westminster Hall"] if i % 2 else []),
        "overview_bins": lambda i: at.radio(key="ov_freq").set_value(["month", "quarter", "year"][i % 3]),
    }
    if search:
        steps["search"] = lambda i: at.text_input(key="f_query").set_value(
            ['"county lines"', "Ofsted inspect*", ""][i % 3]
        )
    for name, step in steps.items():
        out.update(_reruns(at, step, name, repeat))
    pa = AppTest.from_function(_passages_view, default_timeout=600)
    pa.run()
    assert not pa.exception, pa.exception
    out.update(
        _reruns(pa, lambda i: pa.number_input(key="pa_page").set_value(1 + (i * 7919) % 400), "passages_page", repeat)
    )
    th = AppTest.from_function(_themes_view, default_timeout=600)
    t = time.perf_counter()
    th.run()
    out["app_themes_first_s"] = round(time.perf_counter() - t, 2)
    assert not th.exception, th.exception
    out.update(
        _reruns(
            th, lambda i: th.radio(key="th_freq").set_value(["month", "quarter", "year"][i % 3]), "themes_bins", repeat
        )
    )
    return out


def _reruns(at, step, name: str, repeat: int) -> dict:
    """Median wall time of ``2 * repeat`` reruns after ``step(i)``, and the CPU time they used (all threads of this
    process: the script's and DuckDB's), which other work on the machine inflates less."""
    wall, cpu = [], []
    for i in range(1, 2 * repeat + 1):
        step(i)
        t, c = time.perf_counter(), time.process_time()
        at.run()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        assert not at.exception, at.exception
    return {
        f"app_{name}_median_ms": round(statistics.median(wall), 1),
        f"app_{name}_cpu_median_ms": round(statistics.median(cpu), 1),
    }


def _passages_view():
    from core.summary import FilterState
    from dashboard.data import load
    from dashboard.views import passages

    passages.render(load(), FilterState(themes=("county_lines",)))


def _themes_view():
    from core.summary import FilterState
    from dashboard.data import load
    from dashboard.views import themes

    themes.render(load(), FilterState())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--store", type=Path, help="an existing store (default: build one of --passages passages)")
    ap.add_argument("--skip-search", action="store_true", help="leave out the search (its index takes a while)")
    ap.add_argument("--skip-app", action="store_true", help="leave out the AppTest reruns (cold start is kept)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    out: dict = {}
    try:
        db = store_arg(args, tmp)
        os.environ["CAMPAIGN_TRACKER_STORE"] = str(db)
        os.environ["CAMPAIGN_TRACKER_DATA"] = str(tmp / "workspace")
        if not args.skip_search:
            from core.store import Store
            from core.store.search import SearchIndex

            t = time.perf_counter()
            with Store(db) as store:
                SearchIndex(db).sync(store)
            print(f"search index ready in {time.perf_counter() - t:.1f} s")
        from core.store import Store, framecache
        from core.taxonomy import default_taxonomy

        t = time.perf_counter()
        with Store(db) as store:  # what `campaign-tracker ingest` leaves beside a store it made
            framecache.warm(store, default_taxonomy().ids)
        out["frame_keep_s"] = round(time.perf_counter() - t, 2)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        runs = [
            subprocess.run(
                [sys.executable, "-c", COLD, APP], capture_output=True, text=True, check=True, env=env, cwd=ROOT
            ).stdout.split()
            for _ in range(3)
        ]
        out["import_s"] = round(statistics.median(float(r[0]) for r in runs), 2)
        out["cold_start_s"] = round(statistics.median(float(r[1]) for r in runs), 2)
        out["cold_start_cpu_s"] = round(statistics.median(float(r[2]) for r in runs), 2)
        from dashboard.data import load

        t = time.perf_counter()
        data = load()
        out["frame_read_s"] = round(time.perf_counter() - t, 2)
        out["passages"] = len(data.passages)
        out["frame_mb"] = round(data.passages.memory_usage(deep=True).sum() / 1e6, 1)
        out.update(core_path(data, args.repeat))
        if not args.skip_app:
            out.update(app_interactions(args.repeat, not args.skip_search))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(out)


if __name__ == "__main__":
    main()
