"""Time to make a briefing (content, PDF, Word) on a synthetic corpus.

    python benchmarks/bench_brief.py [--passages 200000]

The corpus is bench_dashboard's (the seed passages repeated with random dates, venues and speakers) with each
copy carrying its seed passage's theme tags, so quotations are chosen as on a real store. Times the briefing's
content for a theme, the PDF and the Word file (best of 3 each), as the dashboard's Briefing page would make them
from its prepared frames. Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_dashboard import synthetic  # noqa: E402

from core.brief import build_briefing, render  # noqa: E402
from core.summary import FilterState, prepare  # noqa: E402


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", type=int, default=200_000)
    ap.add_argument("--theme", default="county_lines")
    n = ap.parse_args().passages
    theme = ap.parse_args().theme
    corpus, df = synthetic(n)
    seed_ids = corpus.passages["passage_id"]
    import numpy as np

    rng = np.random.default_rng(1)
    origin = seed_ids.iloc[rng.integers(0, len(seed_ids), n)].to_numpy()  # synthetic() draws with seed 1 too
    df["_origin"] = origin
    tags = corpus.tags.merge(
        df[["_origin", "passage_id"]].rename(columns={"passage_id": "pid"}), left_on="passage_id", right_on="_origin"
    ).drop(columns=["passage_id", "_origin"])
    tags = tags.rename(columns={"pid": "passage_id"})
    df = df.drop(columns="_origin")
    big = dataclasses.replace(corpus, passages=df, tags=tags)
    p = prepare(df, corpus.taxonomy.ids)
    a = prepare(corpus.asks, corpus.taxonomy.ids)
    content_s, b = best(lambda: build_briefing(big, FilterState(), theme=theme, passages=p, asks=a))
    pdf_s, pdf = best(lambda: render(b, "pdf"))
    docx_s, docx = best(lambda: render(b, "docx"))
    print(
        f"{n:,} passages, theme {theme}: content {content_s:.2f} s, PDF {pdf_s:.2f} s ({len(pdf):,} bytes), "
        f"Word {docx_s:.2f} s ({len(docx):,} bytes); {len(b.quotes)} quotations"
    )
    print(
        json.dumps(
            {
                "benchmark": "brief",
                "passages": n,
                "theme": theme,
                "content_s": round(content_s, 3),
                "pdf_s": round(pdf_s, 3),
                "docx_s": round(docx_s, 3),
                "quotes": len(b.quotes),
                "figures": dict(b.figures),
            }
        )
    )


if __name__ == "__main__":
    main()
