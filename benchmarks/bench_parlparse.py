"""ParlParse reader throughput against lxml's iterparse alone on the same bytes in the same run.

    python benchmarks/bench_parlparse.py              # the 13 real files, each read 20 times
    python benchmarks/bench_parlparse.py --repeat 5

The files are tests/fixtures/corpora/parlparse-twfy (real 2009 ParlParse XML, Open Parliament Licence), held in
memory. The baseline iterates every element with ``lxml.etree.iterparse`` and clears it (parsing, entities and
decoding, nothing else); the reader builds the passages. Prints a summary, then as the last line one JSON object:
bytes, passages, seconds, mb_per_s, lxml_mb_per_s, ratio_to_lxml.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.sources import parlparse  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpora" / "parlparse-twfy"


def lxml_only(files: list[tuple[str, bytes]], repeat: int) -> float:
    t = time.perf_counter()
    for _ in range(repeat):
        for _name, data in files:
            for _ev, el in etree.iterparse(io.BytesIO(data), events=("end",), resolve_entities=True):
                el.clear()
    return time.perf_counter() - t


def reader(files: list[tuple[str, bytes]], repeat: int) -> tuple[float, int]:
    n = 0
    t = time.perf_counter()
    for _ in range(repeat):
        for name, data in files:
            n += len(parlparse.parse(data, Path(name).stem, name).passages)
    return time.perf_counter() - t, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    files = [(str(p.relative_to(CORPUS)), p.read_bytes()) for p in sorted(CORPUS.glob("*/*.xml"))]
    size = sum(len(d) for _, d in files) * args.repeat
    reader(files, 1)  # warm up
    lxml_only(files, 1)
    base = min(lxml_only(files, args.repeat) for _ in range(3))
    secs, passages = min(reader(files, args.repeat) for _ in range(3))
    mb = size / 1e6
    out = {"bytes": size, "passages": passages, "seconds": round(secs, 4), "mb_per_s": round(mb / secs, 1),
           "lxml_mb_per_s": round(mb / base, 1), "ratio_to_lxml": round(base / secs, 2)}
    print(f"{len(files)} files x {args.repeat} = {mb:.1f} MB, {passages} passages (best of 3)")
    print(f"  lxml iterparse alone: {base:.3f} s  {out['lxml_mb_per_s']} MB/s")
    print(f"  ParlParse reader:     {secs:.3f} s  {out['mb_per_s']} MB/s  ({passages / secs:,.0f} passages/s)")
    print(f"  reader / lxml speed:  {out['ratio_to_lxml']}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
