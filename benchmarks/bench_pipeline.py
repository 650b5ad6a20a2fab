"""The whole ingest (read, de-duplicate, tag, asks, store) on a ParlParse corpus of the size asked for, against lxml's
iterparse alone over the same files in the same run.

    python benchmarks/bench_pipeline.py --size 200MB               # local engine, one process per core
    python benchmarks/bench_pipeline.py --size 1GB --workers 2
    python benchmarks/bench_pipeline.py --size 200MB --engine dask # also a two-worker LocalCluster, for the overhead

The corpus is built (once, cached in the temporary folder) from the real 2009 ParlParse files in
tests/fixtures/corpora/parlparse-twfy (Open Parliament Licence): each copy of the 13 files has its dates shifted
(file names and gids), its speakers renamed from a pool, and every paragraph rewritten with new sentences of about the
same length: each made word by word from a word-pair model of the 13 files' sentences (every pair of adjacent words
occurs in them, but sentences are not repeated as the corpus grows, as Hansard does not repeat itself), so that
copies are not duplicates of each other; in 5% of the speeches half the sentences come from the same model of the
seeds (county lines, exploitation, missing children), which gives about the share of on-theme debates a campaign's
search of Hansard finds.

Prints the stage times (the workers' stages summed over batches, so they can exceed the wall time), peak memory,
passages/s, and as the last line one JSON object: bytes, passages, seconds, mb_per_s, lxml_mb_per_s, ratio_to_lxml
(pipeline MB/s over lxml's on one core), peak_rss_mb (the writer plus each worker's peak), asks_passages_per_s_per_core
(ask extraction in the workers), stages, and with --engine dask: dask_seconds, dask_overhead.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.engine import DaskEngine, LocalEngine  # noqa: E402
from core.pipeline import ingest  # noqa: E402
from core.sentences import split_spans  # noqa: E402
from core.sources import parse_bytes  # noqa: E402
from core.store import Store  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpora" / "parlparse-twfy"
SEEDS = ROOT / "seeds"
_P = re.compile(rb"(<p\b[^>]*>)(.*?)(</p>)", re.S)
_SPEAKER = re.compile(rb'speakername="[^"]*"')
_DATE = re.compile(rb"(\d{4})-(\d{2})-(\d{2})")
_FIRST = [
    "Alan",
    "Beth",
    "Carys",
    "David",
    "Eilidh",
    "Fiona",
    "Gareth",
    "Helen",
    "Imran",
    "Julia",
    "Kieran",
    "Layla",
    "Mohammed",
    "Nia",
    "Owen",
    "Priya",
    "Rhys",
    "Siobhan",
    "Tom",
    "Yasmin",
]
_LAST = [
    "Ahmed",
    "Baker",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Patel",
    "Roberts",
    "Smith",
    "Taylor",
    "Walker",
    "Williams",
    "Young",
]


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(KB|MB|GB)?", text.strip(), re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"size '{text}': write it as 200MB, 1GB or a number of bytes")
    return int(float(m.group(1)) * {"KB": 1e3, "MB": 1e6, "GB": 1e9, None: 1}[(m.group(2) or "").upper() or None])


def _sentences(paths: list[Path]) -> list[str]:
    out = []
    for path in paths:
        doc = parse_bytes(path.read_bytes(), str(path), path.stem)
        for p in doc.passages:
            out += [p.text[a:b] for a, b in split_spans(p.text) if b - a > 20]
    return out


class _Chain:
    """A word-pair model of some sentences: new sentences in which each pair of adjacent words occurs in them."""

    def __init__(self, sentences: list[str]):
        self.follow: dict[str, list[str]] = {}
        self.starts, self.lengths = [], []
        for s in sentences:
            words = s.split()
            self.starts.append(words[0])
            self.lengths.append(len(words))
            for a, b in zip(words, words[1:]):
                self.follow.setdefault(a, []).append(b)

    def sentence(self, rng: random.Random) -> str:
        """A sentence of a length drawn from the model's, ending where a sentence of the model ends."""
        n = rng.choice(self.lengths)
        out = [rng.choice(self.starts)]
        while len(out) < n and out[-1][-1] not in ".?!":
            nxt = self.follow.get(out[-1])
            out.append(rng.choice(nxt) if nxt else rng.choice(self.starts))
        return " ".join(out) + ("" if out[-1][-1] in ".?!" else ".")


class _Variant:
    """One copy of the 13 files: dates shifted, speakers renamed, paragraphs rewritten (the 13 files span 15 days)."""

    def __init__(self, rng: random.Random, shift: timedelta, pool: _Chain, theme: _Chain):
        self.rng, self.shift, self.pool, self.theme = rng, shift, pool, theme
        self.speakers: dict[bytes, bytes] = {}
        self.enc = "utf-8"

    def date(self, m: re.Match) -> bytes:
        return (date(int(m.group(1)), int(m.group(2)), int(m.group(3))) + self.shift).isoformat().encode()

    def speaker(self, m: re.Match) -> bytes:
        key = m.group(0)
        if key not in self.speakers:
            self.speakers[key] = f'speakername="{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"'.encode()
        return self.speakers[key]

    def paragraph(self, m: re.Match) -> bytes:
        rng = self.rng
        on_theme = rng.random() < 0.05
        sentences: list[str] = []  # as long as the paragraph it replaces, two sentences at least (no accidental copies)
        while len(sentences) < 2 or sum(map(len, sentences)) < len(m.group(2)):
            sentences.append((self.theme if on_theme and rng.random() < 0.5 else self.pool).sentence(rng))
        text = " ".join(sentences).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return m.group(1) + text.encode(self.enc, "xmlcharrefreplace") + m.group(3)


def build(target: int, folder: Path, seed: int = 7) -> list[Path]:
    """ParlParse files adding up to about ``target`` bytes in ``folder`` (kept: a second run reuses them)."""
    done = folder / "COMPLETE"
    if done.exists():
        return sorted(p for p in folder.rglob("*.xml"))
    shutil.rmtree(folder, ignore_errors=True)
    rng = random.Random(seed)
    sources = sorted(CORPUS.glob("*/*.xml"))
    pool = _Chain(_sentences(sources))
    theme = _Chain(_sentences(sorted(SEEDS.glob("*.txt"))))
    raw = {p: p.read_bytes() for p in sources}
    size, copy, out = 0, 0, []
    while size < target:
        var = _Variant(rng, timedelta(days=16 * copy + 1), pool, theme)  # no two copies share a sitting day
        for path, data in raw.items():
            var.enc = "latin-1" if re.search(rb'encoding="(?i:iso-8859-1|latin-1)"', data[:200]) else "utf-8"
            body = _P.sub(var.paragraph, _SPEAKER.sub(var.speaker, _DATE.sub(var.date, data)))
            dest = folder / path.parent.name / _DATE.sub(var.date, path.name.encode()).decode()
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(body)
            out.append(dest)
            size += len(body)
            if size >= target:
                break
        copy += 1
    done.write_text(f"{len(out)} files, {size} bytes\n")
    return sorted(out)


def lxml_only(files: list[Path]) -> float:
    t = time.perf_counter()
    for path in files:
        for _ev, el in etree.iterparse(io.BytesIO(path.read_bytes()), events=("end",), resolve_entities=True):
            el.clear()
    return time.perf_counter() - t


def run(files_dir: Path, engine, db: Path) -> tuple[float, dict, int]:
    for p in (db, Path(str(db) + ".lock")):
        p.unlink(missing_ok=True)
    stats: dict[str, float] = {}
    t = time.perf_counter()
    with Store(db, write=True) as store:
        counts, errors = ingest(store, [files_dir], engine=engine, stats=stats)
        n = store.count("passages")
    secs = time.perf_counter() - t
    failed = [str(e) for e in errors if not e.notice]
    if failed:
        print("failed:", failed[:3], file=sys.stderr)
    return secs, stats, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("200MB"), help="corpus size: 200MB, 1GB, 10GB …")
    ap.add_argument("--workers", type=int, default=os.cpu_count(), help="local engine processes (default: cores)")
    ap.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="dask: also run a LocalCluster of --workers workers and report its overhead",
    )
    ap.add_argument(
        "--without-ledger",
        action="store_true",
        help="leave out the ask ledger's rebuild (core.asks.build_asks: grouping and answers over every "
        "stored ask, at the last batch), to time the rest alone",
    )
    ap.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "campaign-tracker-bench",
        help="where the corpus and the store are made",
    )
    args = ap.parse_args()
    if args.without_ledger:
        import pandas as pd

        import core.asks

        core.asks.build_asks = lambda *_a, **_k: (pd.DataFrame(), pd.DataFrame())
    folder = args.dir / f"corpus-pairs-{args.size}"  # the word-pair text (a corpus cached by another version is not)
    t = time.perf_counter()
    files = build(args.size, folder)
    nbytes = sum(p.stat().st_size for p in files)
    print(
        f"corpus: {len(files)} files, {nbytes / 1e6:,.0f} MB in {folder.name} ({time.perf_counter() - t:.0f} s to "
        "build or find)"
    )
    base = lxml_only(files)
    mb = nbytes / 1e6
    print(f"lxml iterparse alone (1 process): {base:.1f} s  {mb / base:,.1f} MB/s")
    secs, stats, n = run(folder, LocalEngine(args.workers), args.dir / "bench.duckdb")
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak = rss_self + rss_child * (args.workers if args.workers > 1 else 0)
    out = {
        "bytes": nbytes,
        "passages": n,
        "seconds": round(secs, 1),
        "mb_per_s": round(mb / secs, 2),
        "lxml_mb_per_s": round(mb / base, 1),
        "ratio_to_lxml": round(base / secs, 3),
        "peak_rss_mb": round(peak),
        "writer_rss_mb": round(rss_self),
        "worker_rss_mb": round(rss_child),
        "passages_per_s": round(n / secs),
        "workers": args.workers,
        "ask_ledger": not args.without_ledger,
        "asks_passages_per_s_per_core": round(n / stats["asks"]) if stats.get("asks") else None,
        "stages": {k: round(v, 1) for k, v in stats.items() if k != "passages"},
    }
    print(
        f"pipeline, local engine, {args.workers} process(es): {secs:.1f} s  {out['mb_per_s']} MB/s  "
        f"{out['passages_per_s']:,} passages/s  ({n:,} passages)"
    )
    print("  stages (s): " + ", ".join(f"{k} {v}" for k, v in out["stages"].items()))
    print(f"  peak RSS: writer {rss_self:,.0f} MB, largest worker {rss_child:,.0f} MB")
    if args.engine == "dask":
        engine = DaskEngine(workers=args.workers)
        try:
            dsecs, dstats, dn = run(folder, engine, args.dir / "bench-dask.duckdb")
        finally:
            engine.close()
        out.update(dask_seconds=round(dsecs, 1), dask_overhead=round(dsecs / secs - 1, 3))
        print(
            f"pipeline, dask LocalCluster of {args.workers}: {dsecs:.1f} s ({dn:,} passages); "
            f"overhead against the local engine {out['dask_overhead']:+.1%}"
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
