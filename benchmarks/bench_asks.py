"""Ask extraction speed on real Hansard paragraphs, on one core.

    python benchmarks/bench_asks.py             # the 4,244 bundled 2009 paragraphs, 5 rounds
    python benchmarks/bench_asks.py --rounds 1

Times ``core.asks.extract`` (sentence splitting, the hyperscan pre-scan of every cue, the cues' regexes where
the scan says they may match, commitments, targets and actions; and without the scan, every cue tried on every
sentence the prefilter lets through) over the paragraphs of
benchmarks/fixtures/hansard_2009_paragraphs.txt.gz (ParlParse, Open Parliament Licence v3.0), and, apart, the
sentence-level decision ``core.asks.detect`` alone. Prints passages/s, sentences/s and the share of sentences the
prefilter lets through; the JSON summary is the last line.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.asks import _ANY_ASK, detect, extract  # noqa: E402
from core.sentences import split  # noqa: E402

FIXTURE = ROOT / "benchmarks" / "fixtures" / "hansard_2009_paragraphs.txt.gz"


def passages(texts: list[str]) -> pd.DataFrame:
    n = len(texts)
    return pd.DataFrame(
        {
            "passage_id": [f"p{i}" for i in range(n)],
            "text": texts,
            "speaker_detail": [""] * n,
            "document": ["bench"] * n,
            "date": [""] * n,
            "date_precision": [""] * n,
            "venue": [""] * n,
            "speaker": [""] * n,
            "duplicate_of": [""] * n,
            "themes": [""] * n,
            "section_index": [0] * n,
            "line": list(range(n)),
        }
    )


def best(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    texts = [t for t in gzip.decompress(FIXTURE.read_bytes()).decode("utf-8").splitlines() if t.strip()]
    frame = passages(texts)
    sentences = [s for t in texts for s in split(t)]
    candidates = sum(1 for s in sentences if _ANY_ASK.search(s))
    asks, _commitments = extract(frame)
    t_extract, m_extract = best(lambda: extract(frame), args.rounds)
    t_plain, _m = best(lambda: extract(frame, scan_min=len(sentences) + 1), max(1, args.rounds // 2))
    t_detect, _m = best(lambda: [detect(s) for s in sentences], args.rounds)
    t_split, _m = best(lambda: [split(t) for t in texts], args.rounds)
    out = {
        "passages": len(texts),
        "sentences": len(sentences),
        "asks": len(asks),
        "prefilter_pass_share": round(candidates / len(sentences), 3),
        "extract_passages_per_s": round(len(texts) / t_extract),
        "extract_median_s": round(m_extract, 3),
        "extract_without_scan_passages_per_s": round(len(texts) / t_plain),
        "detect_sentences_per_s": round(len(sentences) / t_detect),
        "split_passages_per_s": round(len(texts) / t_split),
    }
    print(
        f"{out['passages']} passages, {out['sentences']} sentences, {out['asks']} asks; "
        f"prefilter lets through {out['prefilter_pass_share']:.1%} of sentences"
    )
    print(
        f"extract: {out['extract_passages_per_s']:,} passages/s (every cue tried on every sentence: "
        f"{out['extract_without_scan_passages_per_s']:,}); detect alone: {out['detect_sentences_per_s']:,} "
        f"sentences/s; sentence splitting alone: {out['split_passages_per_s']:,} passages/s"
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
