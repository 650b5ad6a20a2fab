"""What applying review decisions costs when the store is read (core.review.apply, run by corpus_from_store).

Synthetic tables of the store's shape: N passages each tagged with one theme, one ask in every tenth passage,
and D decisions (half tag rejections, half asks moved to another group). Prints each figure, then one JSON object.

    python benchmarks/bench_review.py [--passages 1000000] [--decisions 2000]
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd

from core.review import apply


def tables(n: int, d: int):
    pids = [f"doc#{i:07d}" for i in range(n)]
    passages = pd.DataFrame(
        {
            "passage_id": pids,
            "themes": "county_lines",
            "line": 1,
            "document": "doc",
            "date": "",
            "date_precision": "unknown",
            "venue": "",
            "speaker": "",
            "duplicate_of": "",
            "text": "Will the Minister act now? The House agreed.",
        }
    )
    tags = pd.DataFrame(
        {
            "passage_id": pids,
            "theme": "county_lines",
            "matched_text": "county lines",
            "start": 0,
            "end": 12,
            "method": "exact",
            "score": 100.0,
            "reason": "phrase",
        }
    )
    na = n // 10
    asks = pd.DataFrame(
        {
            "ask_id": [f"{p}/s0" for p in pids[:na]],
            "passage_id": pids[:na],
            "text": "Will the Minister act now?",
            "ask_group": "g",
            "ask_group_label": "G",
            "group_source": "suggested",
            "themes": "county_lines",
            "duplicate_of": "",
        }
    )
    base = {"sentence_index": 0, "group": "", "group_label": "", "text": "", "reviewer": "", "note": ""}
    dec = [
        dict(
            base,
            target="tag",
            item_id=f"{pids[i]}|county_lines",
            passage_id=pids[i],
            theme="county_lines",
            decision="rejected",
        )
        for i in range(0, d, 2)
    ]
    dec += [
        dict(
            base,
            target="ask",
            item_id=f"{pids[i]}/s0",
            passage_id=pids[i],
            theme="",
            decision="moved",
            group="h",
            group_label="H",
            text="Will the Minister act now?",
        )
        for i in range(1, d, 2)
    ]
    return passages, tags, asks, pd.DataFrame(dec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=1_000_000)
    ap.add_argument("--decisions", type=int, default=2000)
    args = ap.parse_args()
    passages, tags, asks, dec = tables(args.passages, args.decisions)
    out = {"passages": args.passages, "asks": len(asks), "decisions": len(dec)}
    t = time.perf_counter()
    apply(passages, tags, asks, dec.iloc[0:0], ["county_lines"])
    out["apply_no_decisions_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    asks_only = apply(passages, tags, asks, dec[dec["target"] == "ask"], ["county_lines"])
    out["apply_ask_decisions_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    done = apply(passages, tags, asks, dec, ["county_lines"])
    out["apply_all_decisions_s"] = round(time.perf_counter() - t, 3)
    assert (done.asks["ask_group"] == "h").sum() == (asks_only.asks["ask_group"] == "h").sum() == len(dec) // 2
    assert len(done.tags) == len(tags) - len(dec) // 2
    for k, v in out.items():
        print(f"{k}: {v}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
