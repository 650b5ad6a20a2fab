"""Filter-and-aggregate latency of the dashboard path on a synthetic corpus of 1 million passages.

    python benchmarks/bench_dashboard.py [--passages 1000000]

The corpus repeats the seed passages with random dates (2010-2025, some month-precision, some undated),
venues, speakers and the seeds' own theme tags. One "interaction" is what the Overview does after a
filter change: apply the filters, headline numbers, the theme timeline, the themes x venues matrix and
the theme summary table. Prints the median and 90th percentile over a set of typical filter states.
"""
from __future__ import annotations

import argparse
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


if __name__ == "__main__":
    main()
