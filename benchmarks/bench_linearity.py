"""Every stage linear in its input: each stage timed on inputs of 1x, 10x and 100x a base size, built from real
text (the seeds and 2009 Hansard paragraphs bundled in benchmarks/fixtures/), including the hostile shapes a
careless upload has (a whole document on one line), and compiling a taxonomy of 30, 300 and 3,000 phrases.

    python benchmarks/bench_linearity.py            # base sizes below (about two minutes)
    python benchmarks/bench_linearity.py --scale 0.2   # quicker: every size a fifth

For each stage it prints the seconds at each size and ``ratio_10x`` = t(10x) / (10 t(1x)) and ``ratio_100x`` =
t(100x) / (100 t(1x)): about 1 for a linear stage (below 1 where fixed costs are spread), 10 or more for a
quadratic one; ``ratio_10x_to_100x`` = t(100x) / (10 t(10x)) is the same between the two larger sizes, where
timer noise and caches matter least. ``s_per_mb`` is the cost per MB of input at the largest size (the upload limit is 10 MB). The last
line is one JSON object: {"stages": {name: {...}}, "max_ratio_100x": ..., "max_s_per_mb": ...}.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from core.asks import extract  # noqa: E402
from core.dedup import mark_duplicates  # noqa: E402
from core.model import Passage, to_frame  # noqa: E402
from core.sentences import split_spans  # noqa: E402
from core.sources import parse_bytes  # noqa: E402
from core.tagging import Tagger, tagger_for  # noqa: E402
from core.taxonomy import FUNCTION_WORDS, Taxonomy, default_taxonomy, parse_taxonomy  # noqa: E402

FIXTURE = ROOT / "benchmarks" / "fixtures" / "hansard_2009_paragraphs.txt.gz"
SEEDS = ROOT / "seeds"


def paragraphs() -> list[str]:
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        hansard = [line.strip() for line in fh if len(line.strip()) > 40]
    seeds = [
        p for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 40
    ]
    return hansard + seeds


def take_bytes(paras: list[str], n_bytes: int, rng: random.Random) -> list[str]:
    out, size = [], 0
    while size < n_bytes:
        p = rng.choice(paras)
        out.append(p)
        size += len(p.encode()) + 2
    return out


def passages(paras: list[str], n: int, rng: random.Random, per_day: int = 400) -> list[Passage]:
    """``n`` passages in two documents over sitting days of ``per_day`` passages; 5% are copies of a passage of
    the same day in the other document (what de-duplication has to find)."""
    out: list[Passage] = []
    for i in range(n):
        day = f"2019-{1 + (i // per_day) // 28 % 12:02d}-{1 + (i // per_day) % 28:02d}"
        doc = f"doc{i % 2}"
        text = rng.choice(paras)
        if i > 2 and rng.random() < 0.05 and out[-1].date == day:
            text = out[-1].text
        out.append(
            Passage(
                passage_id=f"{doc}#{i}",
                document=doc,
                layout="plain_text",
                section_title=f"Debate {i // 40}",
                date=day,
                date_precision="day",
                venue="Commons Chamber",
                speaker="",
                text=text,
                line=i,
                section_index=i // 40,
            )
        )
    return out


def big_taxonomy(paras: list[str], n: int, rng: random.Random) -> Taxonomy:
    """A taxonomy of ``n`` two-word phrases made of words from the text (each compiled with its typing slips)."""
    words = sorted({w for p in paras[:2000] for w in p.lower().split() if w.isalpha() and len(w) > 4} - FUNCTION_WORDS)
    phrases = sorted({f"{rng.choice(words)} {rng.choice(words)}" for _ in range(n)})
    return parse_taxonomy(
        'mode = "replace"\n[[theme]]\nid = "big"\nlabel = "Big"\nphrases = ['
        + ", ".join(f'"{p}"' for p in phrases)
        + "]\n",
        "big.toml",
    )


def megabytes(data) -> float:
    """The text an input holds, in MB (a taxonomy: none)."""
    if isinstance(data, Taxonomy):
        return 0.0
    if isinstance(data, (bytes, str)):
        return len(data) / 1e6
    if isinstance(data, pd.DataFrame):
        return int(data["text"].str.len().sum()) / 1e6
    return sum(len(p.text) if isinstance(p, Passage) else len(p) for p in data) / 1e6


def timed(fn, arg) -> float:
    start = time.perf_counter()
    fn(arg)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every base size (default 1)")
    args = ap.parse_args()
    rng = random.Random(11)
    paras = paragraphs()
    tagger = tagger_for(default_taxonomy())

    def one_line(n_bytes):  # a whole document on one line: the shape that made sentence splitting quadratic
        return " ".join(take_bytes(paras, n_bytes, rng))

    def text_file(n_bytes):
        return "\n\n".join(take_bytes(paras, n_bytes, rng)).encode()

    def frame(n):
        f = to_frame(passages(paras, n, rng))
        f["themes"] = ""
        return f

    s = args.scale
    # name: (build an input of a size, run the stage on it, base size, the unit of the size)
    stages = {
        "sentences_one_line": (one_line, split_spans, int(100_000 * s), "bytes"),
        "read_text_file": (text_file, lambda b: parse_bytes(b, "upload.txt"), int(100_000 * s), "bytes"),
        "read_one_line_file": (
            lambda n: one_line(n).encode(),
            lambda b: parse_bytes(b, "upload.txt"),
            int(100_000 * s),
            "bytes",
        ),
        "dedup": (lambda n: passages(paras, n, rng), mark_duplicates, int(400 * s), "passages"),
        "tagging": (
            lambda n: [p.text for p in passages(paras, n, rng)],
            tagger.tag_columns,
            int(1_000 * s),
            "passages",
        ),
        "asks": (frame, extract, int(200 * s), "passages"),
        "taxonomy_compile": (lambda n: big_taxonomy(paras, n, rng), Tagger, int(30 * s), "phrases"),
    }
    results = {}
    for name, (build, run, base, unit) in stages.items():
        sizes, seconds, mbs = [], [], []
        for k in (1, 10, 100):
            data = build(base * k)
            mb = megabytes(data)
            run(build(base))  # warm (compiled patterns, caches)
            t = min(timed(run, data) for _ in range(2 if k < 100 else 1))
            sizes.append(base * k)
            seconds.append(round(t, 4))
            mbs.append(mb)
            print(f"{name:22s} {base * k:>10,} {unit:8s} {mb:8.2f} MB {t:9.3f} s", flush=True)
        results[name] = {
            "unit": unit,
            "sizes": sizes,
            "seconds": seconds,
            "ratio_10x": round(seconds[1] / (10 * seconds[0]), 2),
            "ratio_100x": round(seconds[2] / (100 * seconds[0]), 2),
            "ratio_10x_to_100x": round(seconds[2] / (10 * seconds[1]), 2),
            "s_per_mb": round(seconds[2] / mbs[2], 3) if mbs[2] else None,
            "s_per_unit": round(seconds[2] / sizes[2], 6),
        }
    print(pd.DataFrame(results).T[["unit", "ratio_10x", "ratio_100x", "ratio_10x_to_100x", "s_per_mb"]].to_string())
    print(
        json.dumps(
            {
                "stages": results,
                "max_ratio_100x": max(r["ratio_100x"] for r in results.values()),
                "max_s_per_mb": max(r["s_per_mb"] or 0 for r in results.values()),
            }
        )
    )


if __name__ == "__main__":
    main()
