"""Filter-and-aggregate latency of the dashboard path on a synthetic corpus of 1 million passages.

    python benchmarks/bench_dashboard.py [--passages 1000000]

The corpus repeats the seed passages with random dates (2010-2025, some month-precision, some undated),
venues, speakers and the seeds' own theme tags. One "interaction" is what the Overview does after a
filter change: apply the filters, headline numbers, the theme timeline, the themes x venues matrix and
the theme summary table. Prints the median and 90th percentile over a set of typical filter states; then the
real app on the seeds through AppTest (first run, warm start, sidebar filters, a fragment's widget, search). The
last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.pipeline import build_corpus  # noqa: E402
from core.summary import (FilterState, filter_mask, headline, prepare, slim, theme_summary,  # noqa: E402
                          theme_timeline, theme_venue_matrix)


def synthetic(n: int, seed: int = 1):
    corpus = build_corpus()
    base = corpus.passages
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(base), n)
    df = base.iloc[idx].reset_index(drop=True)
    days = pd.to_datetime("2010-01-01") + pd.to_timedelta(rng.integers(0, 16 * 365, n), unit="D")
    kind = rng.random(n)
    dates = np.where(kind < 0.85, days.strftime("%Y-%m-%d"), np.where(kind < 0.95, days.strftime("%Y-%m"), ""))
    df["date"] = dates
    df["date_precision"] = np.where(kind < 0.85, "day", np.where(kind < 0.95, "month", "unknown"))
    venues = ["Commons Chamber", "Westminster Hall", "Lords Chamber", "Press release", "Newspaper column", "Blog post", ""]
    df["venue"] = np.array(venues)[rng.integers(0, len(venues), n)]
    df["speaker"] = np.array([f"Member {i}" for i in range(650)] + [""])[rng.integers(0, 651, n)]
    df["passage_id"] = [f"synthetic#L{i}" for i in range(n)]
    df["duplicate_of"] = ""
    return corpus, df


def interaction(corpus, df, agg, ids, state):
    mask = filter_mask(df, state)
    sub = agg if mask.all() else agg[mask]
    themes = list(state.themes) or ids
    headline(corpus, sub)
    theme_timeline(sub, themes, "month")
    theme_venue_matrix(sub, themes)
    theme_summary(corpus, state, passages=agg, mask=mask)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-app", action="store_true", help="only the core path (no AppTest run of the app)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    corpus, df = synthetic(args.passages)
    ids = corpus.taxonomy.ids
    t1 = time.perf_counter()
    df = prepare(df, ids)
    agg = slim(df)
    t2 = time.perf_counter()
    print(f"{len(df):,} passages: built in {t1 - t0:.1f} s, prepared (date bounds + theme columns, once at load) in {t2 - t1:.1f} s")
    states = [
        FilterState(),
        FilterState(themes=("county_lines",)),
        FilterState(themes=("out_of_area_placements",), date_from=date(2018, 1, 1), date_to=date(2018, 12, 31)),
        FilterState(themes=("county_lines",), venues=("Westminster Hall",), include_undated=False),
        FilterState(venues=("Press release", "Newspaper column"), date_from=date(2015, 1, 1)),
        FilterState(themes=("looked_after_children", "missing_children"), speakers=("Member 7",)),
    ]
    times = []
    for _ in range(args.repeat):
        for st in states:
            t = time.perf_counter()
            interaction(corpus, df, agg, ids, st)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"interaction (filter + headline + timeline + themes x venues + theme summary) over {len(times)} runs: "
          f"median {statistics.median(times):.0f} ms, p90 {times[int(len(times) * 0.9)]:.0f} ms, max {times[-1]:.0f} ms")
    result = {"passages": len(df), "core_interaction_median_ms": round(statistics.median(times), 1),
              "core_interaction_p90_ms": round(times[int(len(times) * 0.9)], 1)}
    if not args.no_app:
        result.update(app_interactions(args.repeat))
    print(json.dumps(result))


def app_interactions(repeat: int) -> dict:
    """The real app on the seeds through Streamlit's AppTest: the first run (store built, caches cold) and the
    time of each interaction (a whole-page rerun for a sidebar filter; a fragment rerun for the views' own widgets)."""
    import os
    import tempfile

    from streamlit.testing.v1 import AppTest
    app = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
    out: dict = {}
    with tempfile.TemporaryDirectory() as ws:
        os.environ["CAMPAIGN_TRACKER_DATA"] = ws
        t = time.perf_counter()
        at = AppTest.from_file(app, default_timeout=600)
        at.run()
        out["app_first_run_s"] = round(time.perf_counter() - t, 2)
        at = AppTest.from_file(app, default_timeout=600)
        t = time.perf_counter()
        at.run()
        out["app_warm_start_s"] = round(time.perf_counter() - t, 2)  # a new session on a built store
        steps = {
            "theme_filter": lambda i: at.multiselect(key="f_themes").set_value(["county_lines"] if i % 2 else []),
            "venue_filter": lambda i: at.multiselect(key="f_venues").set_value(["Westminster Hall"] if i % 2 else []),
            "overview_bins": lambda i: at.radio(key="ov_freq").set_value(["month", "quarter", "year"][i % 3]),
            "search": lambda i: at.text_input(key="f_query").set_value(["cuckoo*", "\"county lines\" NOT London", ""][i % 3]),
        }
        for name, step in steps.items():
            times = []
            for i in range(1, 2 * repeat + 1):
                step(i)
                t = time.perf_counter()
                at.run()
                times.append((time.perf_counter() - t) * 1000)
                assert not at.exception, at.exception
            out[f"app_{name}_median_ms"] = round(statistics.median(times), 1)
        print("app (seeds, AppTest): " + ", ".join(f"{k} {v}" for k, v in out.items()))
    return out


if __name__ == "__main__":
    main()
