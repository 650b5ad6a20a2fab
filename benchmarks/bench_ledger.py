"""The ask ledger (``core.asks.build_asks``: extraction, grouping, response linking) at 1x, 10x and 100x the asks
of a real week of Hansard, against the old N×N grouping measured in the same run where it is affordable.

    python benchmarks/bench_ledger.py                   # 1x, 10x, 100x; the N×N grouping at 1x and 10x
    python benchmarks/bench_ledger.py --scales 1,10 --quadratic-up-to 1

1x is the seeds and the 13 ParlParse files of late October 2009 in tests/fixtures/corpora/parlparse-twfy (Open
Parliament Licence v3.0): about 7,700 passages, 1,900 asks, 840 commitments. Each further copy has its documents
renamed, its dates moved on 16 days a copy and one word of four letters or more in five replaced by a word drawn
from the same text (so by its frequency), so that copies are variants of the asks, not duplicates; some copies
of a sentence then stop being asks. Times are wall seconds of the stages of one ``build_asks`` call, and apart
the clustering (``similar_clusters``) and the N×N reference (``similar_clusters_quadratic``) over every ask's
action, with whether the two agree. Peak memory is the process's maximum RSS after each scale (scales run in
ascending order, the N×N references last). ``ask_summary``, the ledger's table of one row a group (what the Asks
view and the CSV show), is timed apart. The JSON summary is the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import core.asks as asks_mod  # noqa: E402
from core.pipeline import build_corpus  # noqa: E402

SOURCES = [ROOT / "seeds", *sorted((ROOT / "tests" / "fixtures" / "corpora" / "parlparse-twfy").glob("*/*.xml"))]
_WORD = re.compile(r"([A-Za-z]{4,})")


def scaled(passages: pd.DataFrame, factor: int, swap: float = 0.2, seed: int = 7) -> pd.DataFrame:
    """``factor`` copies of ``passages``: the first as it is, the others varied (see the module's doc)."""
    rng = np.random.default_rng(seed)
    parts = [_WORD.split(t) for t in passages["text"]]  # words at the odd places
    vocab = np.array([w.lower() for p in parts for w in p[1::2]] or ["word"], dtype=object)
    frames = [passages]
    for c in range(1, factor):
        texts = []
        for p in parts:
            words = p[1::2]
            swap_at = np.flatnonzero(rng.random(len(words)) < swap)
            q = list(p)
            for k, w in zip(swap_at.tolist(), vocab[rng.integers(0, len(vocab), len(swap_at))]):
                q[2 * k + 1] = w
            texts.append("".join(q))
        suf = f"~{c}"

        def suffixed(col: str, suf: str = suf) -> list[str]:
            return [";".join(x + suf for x in v.split(";")) if v else v for v in passages[col]]

        shift = timedelta(days=16 * c)
        frames.append(
            passages.assign(
                text=texts,
                passage_id=passages["passage_id"] + suf,
                document=passages["document"] + suf,
                duplicate_of=suffixed("duplicate_of"),
                source_id=suffixed("source_id"),
                responds_to=suffixed("responds_to"),
                date=[(date.fromisoformat(d) + shift).isoformat() if len(d) == 10 else d for d in passages["date"]],
            )
        )
    return pd.concat(frames, ignore_index=True)


def timed_ledger(passages: pd.DataFrame, taxonomy) -> tuple[dict, pd.DataFrame]:
    """One build_asks call with its stages (extract, group, link_responses) timed; the rest is reported as other."""
    spent: dict[str, float] = {}
    originals = {name: getattr(asks_mod, name) for name in ("extract", "group", "link_responses")}

    def timer(name, fn):
        def run(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t

        return run

    for name, fn in originals.items():
        setattr(asks_mod, name, timer(name, fn))
    try:
        t = time.perf_counter()
        asks, _commitments = asks_mod.build_asks(passages, taxonomy)
        total = time.perf_counter() - t
    finally:
        for name, fn in originals.items():
            setattr(asks_mod, name, fn)
    out = {k: round(v, 2) for k, v in spent.items()}
    out["other"] = round(total - sum(spent.values()), 2)
    out["total"] = round(total, 2)
    out["ledger_without_extract"] = round(total - spent.get("extract", 0.0), 2)
    return out, asks


def peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scales", default="1,10,100", help="copies of the week's text, comma-separated")
    ap.add_argument("--quadratic-up-to", type=int, default=10, help="largest scale the N×N grouping is run at")
    args = ap.parse_args()
    scales = sorted(int(x) for x in args.scales.split(","))
    random.seed(0)
    base = build_corpus(SOURCES)
    rows, actions_at = [], {}
    for factor in scales:
        passages = scaled(base.passages, factor)
        stages, asks = timed_ledger(passages, base.taxonomy)
        actions = asks["action"].tolist()
        t = time.perf_counter()
        blocked = asks_mod.similar_clusters(actions)
        t_blocked = time.perf_counter() - t
        t = time.perf_counter()
        table = asks_mod.ask_summary(None, as_of=date(2026, 11, 23), asks=asks)  # the ledger's table, a row a group
        t_table = time.perf_counter() - t
        if factor <= args.quadratic_up_to:
            actions_at[factor] = (actions, blocked)
        row = {
            "scale": factor,
            "passages": len(passages),
            "asks": len(asks),
            "groups": int(asks["ask_group"].nunique()),
            "stages_s": stages,
            "clusters_s": round(t_blocked, 2),
            "clusters": len(set(blocked.tolist())),
            "ledger_table_s": round(t_table, 2),
            "ledger_rows": len(table),
            "peak_rss_mb": peak_mb(),
        }
        rows.append(row)
        print(
            f"{factor:>4}x: {len(passages):,} passages, {len(asks):,} asks, {row['groups']:,} groups; build_asks "
            f"{stages['total']} s (extract {stages.get('extract')}, group {stages.get('group')}, responses "
            f"{stages.get('link_responses')}, other {stages['other']}); clustering every ask's action {t_blocked:.2f} s; "
            f"the ledger's table (ask_summary) {t_table:.2f} s; peak RSS {row['peak_rss_mb']:,} MB",
            flush=True,
        )
    for row in rows:  # the N×N reference last, so that its memory does not count in the figures above
        if row["scale"] not in actions_at:
            continue
        actions, blocked = actions_at[row["scale"]]
        t = time.perf_counter()
        quadratic = asks_mod.similar_clusters_quadratic(actions)
        row["quadratic_clusters_s"] = round(time.perf_counter() - t, 2)
        row["same_clusters"] = bool(np.array_equal(quadratic, blocked))
        row["quadratic_peak_rss_mb"] = peak_mb()
        print(
            f"{row['scale']:>4}x: N×N clustering of {len(actions):,} actions {row['quadratic_clusters_s']} s "
            f"(blocked {row['clusters_s']} s), same clusters: {row['same_clusters']}; peak RSS "
            f"{row['quadratic_peak_rss_mb']:,} MB",
            flush=True,
        )
    print(json.dumps({"load_average": [round(x, 2) for x in os.getloadavg()], "scales": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
