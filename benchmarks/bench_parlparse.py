"""ParlParse reader throughput against lxml's iterparse alone on the same bytes in the same run.

    python benchmarks/bench_parlparse.py              # the 13 real files, each read 5 times a round, 7 rounds
    python benchmarks/bench_parlparse.py --repeat 20 --rounds 5
    python benchmarks/bench_parlparse.py --compare HEAD~1 [more files or folders]

The files are tests/fixtures/corpora/parlparse-twfy (real 2009 ParlParse XML, Open Parliament Licence), held in
memory. The baseline iterates every element with ``lxml.etree.iterparse`` and clears it (parsing, entities and
decoding, nothing else); the reader builds the passages. Each round times the baseline, then the reader, in CPU
seconds of this process (both run on one thread; on a shared machine wall time also counts the waits for a core).
Prints a summary, then as the last line one JSON object: bytes (a round's), passages, seconds and lxml_seconds
(best of the rounds), mb_per_s, lxml_mb_per_s, ratio_to_lxml (best against best) and ratio_median (the median of
the rounds' own ratios).

``--compare REV`` times nothing: it checks that the reader gives exactly what the reader at git revision REV gives
(every passage's fields, the document's title, url, flags, line kinds and asks, or the same error) on the fixture
files, on each of them without its DTD (the HTML-entity path) and cut in half (the error path), and on any ParlParse
files given after it (folders are searched for ``*.xml``). It exits 1 on the first difference.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import io
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.sources import parlparse  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpora" / "parlparse-twfy"


def lxml_only(files: list[tuple[str, bytes]], repeat: int) -> float:
    t = time.process_time()
    for _ in range(repeat):
        for _name, data in files:
            for _ev, el in etree.iterparse(io.BytesIO(data), events=("end",), resolve_entities=True):
                el.clear()
    return time.process_time() - t


def reader(files: list[tuple[str, bytes]], repeat: int) -> tuple[float, int]:
    n = 0
    t = time.process_time()
    for _ in range(repeat):
        for name, data in files:
            n += len(parlparse.parse(data, Path(name).stem, name).passages)
    return time.process_time() - t, n


def reader_at(rev: str):
    """The ParlParse reader module as it is at git revision ``rev``."""
    src = subprocess.run(
        ["git", "show", f"{rev}:core/sources/parlparse.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    spec = importlib.util.spec_from_loader("core.sources._parlparse_at_rev", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "core.sources"
    exec(compile(src, f"{rev}:core/sources/parlparse.py", "exec"), module.__dict__)
    return module


def outcome(module, data: bytes, name: str):
    try:
        doc = module.parse(data, Path(name).stem, name)
    except ValueError as exc:
        return ("error", str(exc))
    return (
        doc.document,
        doc.path,
        doc.layout,
        doc.title,
        doc.url,
        doc.flags,
        list(doc.line_kinds.items()),
        doc.structural_asks,
        [dataclasses.astuple(p) for p in doc.passages],
    )


def variants(files: list[tuple[str, bytes]]):
    for name, data in files:
        yield name, data
        if b"<!DOCTYPE" in data:
            yield f"{name} (no DTD)", re.sub(rb"<!DOCTYPE.*?\]>", b"", data, count=1, flags=re.S)
        yield f"{name} (cut)", data[: len(data) // 2]


def compare(rev: str, extra: list[Path], files: list[tuple[str, bytes]]) -> int:
    old = reader_at(rev)
    for path in extra:
        for p in sorted(path.rglob("*.xml")) if path.is_dir() else [path]:
            data = p.read_bytes()
            if parlparse.sniff(data[:4096], p.name):
                files.append((str(p), data))
    n = passages = 0
    for name, data in variants(files):
        file_name = name.split(" (")[0]
        a, b = outcome(old, data, file_name), outcome(parlparse, data, file_name)
        if a != b:
            print(f"DIFFERENT: {name}")
            for i, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    if isinstance(x, list):  # the first item that differs, else the lengths
                        x, y = next(((u, v) for u, v in zip(x, y) if u != v), (len(x), len(y)))
                    print(f"  item {i}: {rev}: {str(x)[:2000]}\n  now: {str(y)[:2000]}")
            return 1
        n += 1
        passages += len(b[-1]) if b[0] != "error" else 0
    print(f"same as {rev}: {n} inputs ({len(files)} files and their variants), {passages} passages")
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="times each file is read in a round")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--compare", metavar="REV", help="check the output against the reader at this git revision")
    ap.add_argument("paths", nargs="*", type=Path, help="with --compare: more ParlParse files or folders")
    args = ap.parse_args()
    files = [(str(p.relative_to(CORPUS)), p.read_bytes()) for p in sorted(CORPUS.glob("*/*.xml"))]
    if args.compare:
        sys.exit(compare(args.compare, args.paths, files))
    size = sum(len(d) for _, d in files) * args.repeat
    reader(files, 1)  # warm up
    lxml_only(files, 1)
    rounds = []
    for _ in range(args.rounds):
        base = lxml_only(files, args.repeat)
        rounds.append((base, *reader(files, args.repeat)))
    base = min(r[0] for r in rounds)
    secs = min(r[1] for r in rounds)
    passages = rounds[0][2]
    median = statistics.median(r[0] / r[1] for r in rounds)
    mb = size / 1e6
    out = {
        "bytes": size,
        "passages": passages,
        "seconds": round(secs, 4),
        "lxml_seconds": round(base, 4),
        "mb_per_s": round(mb / secs, 1),
        "lxml_mb_per_s": round(mb / base, 1),
        "ratio_to_lxml": round(base / secs, 2),
        "ratio_median": round(median, 2),
    }
    print(
        f"{len(files)} files x {args.repeat} = {mb:.1f} MB, {passages} passages (best of {args.rounds} rounds, "
        f"CPU time)"
    )
    print(f"  lxml iterparse alone: {base:.3f} s  {out['lxml_mb_per_s']} MB/s")
    print(f"  ParlParse reader:     {secs:.3f} s  {out['mb_per_s']} MB/s  ({passages / secs:,.0f} passages/s)")
    print(
        f"  reader / lxml speed:  {out['ratio_to_lxml']} best against best, {out['ratio_median']} round by round "
        f"(median; range {min(r[0] / r[1] for r in rounds):.2f}-{max(r[0] / r[1] for r in rounds):.2f})"
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
