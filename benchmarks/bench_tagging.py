"""Tagging throughput on a Hansard-like corpus, against ripgrep on the same text in the same run.

    python benchmarks/bench_tagging.py            # 200 MB corpus (default)
    python benchmarks/bench_tagging.py --mb 20    # quicker

The corpus is Hansard-like: sections of 40 passages; 85% of sections are ordinary debates made from real
2009 Hansard paragraphs (ParlParse, Open Parliament Licence; bundled in benchmarks/fixtures/), 15% are
child-protection debates made from the seed paragraphs. Sentences are shuffled into new passages, 10% of
words replaced at random, and 1% of passages get a misspelled phrase (a letter dropped, swapped or doubled). It prints MB/s and passages/s for the whole tagger (exact + fuzzy +
context + evidence) on 1 and 2 worker processes (each pinned to a core of its own; a row with unpinned workers
for comparison), ripgrep's figure for `rg -F -i -w -c -f PHRASES`, the ratio,
and peak memory. ``--theme-share 1.0`` builds a campaign's corpus instead: every section a child-protection debate.
"""

from __future__ import annotations

import argparse
import gzip
import mmap
import multiprocessing as mp
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.pipeline import build_corpus  # noqa: E402
from core.tagging import Tagger  # noqa: E402
from core.taxonomy import default_taxonomy, normalise_phrase  # noqa: E402

SECTION = 40
MIN_PART = 4_000_000  # bytes: the smallest part handed to a worker
FIXTURE = ROOT / "benchmarks" / "fixtures" / "hansard_2009_paragraphs.txt.gz"
_STATE: dict = {}


def build_text(target_mb: int, seed: int = 7, theme_share: float = 0.15) -> tuple[list[str], list[int], dict[int, str]]:
    """Hansard-like: most sections are ordinary debates (real 2009 Hansard paragraphs, bundled under
    benchmarks/fixtures/), ``theme_share`` of them are child-protection debates built from the seeds."""
    rng = random.Random(seed)
    corpus = build_corpus()
    seed_paras = corpus.passages["text"].tolist()
    seed_titles = sorted(set(corpus.passages["section_title"]) - {""})
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        hansard = [line.strip() for line in fh if line.strip()]

    def sentences(paras):
        return [s for p in paras for s in re.split(r"(?<=[.?!])\s+", p) if len(s) > 20]

    pools = {"seed": sentences(seed_paras), "hansard": sentences(hansard)}
    words = sorted({w for pool in pools.values() for s in pool for w in s.split()})
    typo_src = [
        "county lines",
        "cuckooing",
        "looked-after children",
        "out of area placements",
        "missing persons",
        "semi-independent accommodation",
        "grooming gangs",
        "national referral mechanism",
    ]
    texts: list[str] = []
    typos: dict[int, tuple[int, int]] = {}
    groups: list[int] = []
    titles: dict[int, str] = {}
    size, target, g = 0, target_mb * 1_000_000, 0
    while size < target:
        themed = rng.random() < theme_share
        pool = pools["seed" if themed else "hansard"]
        titles[g] = rng.choice(seed_titles) if themed else f"Debate {g}"
        for _ in range(SECTION):
            sent = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 9))).split()
            for i in range(len(sent)):
                if rng.random() < 0.10:
                    sent[i] = rng.choice(words)
            typo_at = None
            if rng.random() < 0.01:  # a misspelled phrase: drop, swap or double one letter
                ph = list(rng.choice(typo_src))
                j = rng.randrange(1, len(ph) - 2)
                op = rng.random()
                if op < 0.34:
                    del ph[j]
                elif op < 0.67:
                    ph[j], ph[j + 1] = ph[j + 1], ph[j]
                else:
                    ph.insert(j, ph[j])
                k = rng.randrange(len(sent))
                sent.insert(k, "".join(ph))
                typo_at = len(" ".join(sent[:k])) + (1 if k else 0)
                typo_at = (typo_at, typo_at + len(sent[k]))
            t = " ".join(sent)
            if typo_at:
                typos[len(texts)] = typo_at
            texts.append(t)
            groups.append(g)
            size += len(t.encode()) + 1
        g += 1
    _STATE["typos"] = typos
    return texts, groups, titles


def _quality(lo: int, res: dict) -> tuple[set, set]:
    """Passages given a fuzzy tag, and planted misspellings covered by a fuzzy or exact tag."""
    typos = _STATE["typos"]
    fuzzy, covered = set(), set()
    for i, m, s, e in zip(res["text"], res["method"], res["start"], res["end"]):
        if m == "fuzzy":
            fuzzy.add(lo + i)
        span = typos.get(lo + i)
        if span and m in ("fuzzy", "exact") and s < span[1] and span[0] < e:
            covered.add(lo + i)
    return fuzzy, covered


def _read(part: int) -> tuple[int, memoryview, np.ndarray, dict, np.ndarray]:
    """A part of the corpus file, memory-mapped (read in place, as ripgrep reads it), with where each of
    its passages ends (a store keeps each passage's length)."""
    (lo, hi), (blo, bhi) = _STATE["bounds"][part], _STATE["byte_bounds"][part]
    if "map" not in _STATE:
        with open(_STATE["corpus_file"], "rb") as fh:
            _STATE["map"] = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    groups = _STATE["groups"][lo:hi]
    line_ends = _STATE["line_offsets"][lo + 1 : hi + 1] - 1 - blo
    return (
        lo,
        memoryview(_STATE["map"])[blo:bhi],
        groups,
        {g: _STATE["titles"][g] for g in np.unique(groups).tolist()},
        line_ends,
    )


def _work(part: int, fuzzy: bool = True) -> tuple:
    """One part: its byte range of the corpus file (whole sections), tagged as UTF-8 bytes in place, as a
    store would hand text over (with each passage's end)."""
    start = time.perf_counter()
    lo, raw, groups, titles, line_ends = _read(part)
    res = _STATE["tagger"].tag_bytes(raw, groups, titles, fuzzy=fuzzy, line_ends=line_ends)
    return _answer(part, lo, res, start, time.perf_counter())


def _work_exact(part: int) -> tuple:
    """The same without the misspelling stage (a reference row: what the fuzzy stage costs)."""
    return _work(part, fuzzy=False)


def _work_str(part: int) -> tuple:
    """The same share as Python strings (the passages as a list of str; decoding is not counted)."""
    lo, raw, groups, titles, _ends = _read(part)
    texts = bytes(raw).decode("utf-8").split("\n")[:-1]
    start = time.perf_counter()
    res = _STATE["tagger"].tag_columns(texts, groups, titles)
    return _answer(part, lo, res, start, time.perf_counter())


def _answer(part: int, lo: int, res: dict, start: float, done: float) -> tuple:
    """What a worker hands back for a part: its timings and peak memory. The evidence stays in the worker
    until the timed rounds are over (``_checks``), so that checking it never delays the next part."""
    _STATE.setdefault("kept", {})[part] = (done, lo, res)
    return part, (start, done, _peak_mb())


def _checks(_call: int) -> dict:
    """After the timed rounds, in every worker at once: counts and the benchmark's own checks of the
    evidence each kept part had."""
    _STATE["barrier"].wait()  # one call per worker: each reports on what it kept
    kept = _STATE.pop("kept", {})
    return {
        part: (done, len(set(res["text"])), len(res["text"]), _quality(lo, res))
        for part, (done, lo, res) in kept.items()
    }


def _ready(_call: int) -> None:
    _STATE["barrier"].wait()  # returns once every worker has started and compiled the taxonomy


def _name(label: str, procs: int) -> str:
    return f"campaign-tracker tagger, {procs} process{'es' if procs > 1 else ''}, from {label}"


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: of this program image, unlike ru_maxrss, which a
    spawned process inherits from its parent)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


def _split(procs: int, n: int, offsets: np.ndarray) -> dict:
    """Parts of whole sections, largest first and shrinking (each a share of what is left), so that the
    workers finish together even when one core is slower than the other."""
    cut, total = [0], int(offsets[n])
    while cut[-1] < n:
        left = total - int(offsets[cut[-1]])
        size = max(left / (2 * procs), MIN_PART) if procs > 1 else left
        k = int(np.searchsorted(offsets, offsets[cut[-1]] + size))
        cut.append(min(n, max(cut[-1] + SECTION, -(-k // SECTION) * SECTION)))
    bounds = list(zip(cut[:-1], cut[1:]))
    return {"bounds": bounds, "byte_bounds": [(int(offsets[a]), int(offsets[b])) for a, b in bounds]}


def _start_worker(state: dict) -> None:
    """A fresh worker process: takes a core of its own (unless ``slot`` is None), compiles the taxonomy and pays
    its first call's one-off costs (scratch space, first touches of memory) before the clock starts, as a
    long-running service would."""
    _STATE.update(state)
    slot = state.get("slot")
    if slot is not None and hasattr(os, "sched_setaffinity"):  # Linux: worker k on the k-th core it may use
        with slot.get_lock():
            k, slot.value = slot.value, slot.value + 1
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[k % len(cores)]})
    _STATE["tagger"] = Tagger(default_taxonomy())
    raw = _read(0)[1]
    _STATE["tagger"].tag_bytes(raw[: bytes(raw[:200_000]).rfind(b"\n") + 1])


def start_pool(procs: int, state: dict, pin: bool = True):
    """Fresh worker processes that compile the taxonomy (not timed in the figures), each on a core of its own
    (``pin``) so that two never share one while the other idles; returns the pool, the parts it will be
    handed and the seconds it took to start."""
    parts = _split(procs, len(state["groups"]), state["line_offsets"])
    t0 = time.perf_counter()
    ctx = mp.get_context("spawn")
    slot = ctx.Value("i", 0) if pin else None
    pool = ctx.Pool(
        procs, initializer=_start_worker, initargs=({**state, **parts, "barrier": ctx.Barrier(procs), "slot": slot},)
    )
    pool.map(_ready, range(procs), chunksize=1)  # every worker up before the clock starts
    return pool, parts, time.perf_counter() - t0


def run_once(pool, work, parts: dict) -> float:
    """Seconds from handing out the parts until the last worker has its tags (the benchmark's own checks of
    the tags afterwards are not counted); notes the workers' peak memory."""
    started = time.perf_counter()
    out = pool.map(work, range(len(parts["bounds"])), chunksize=1)  # a free worker takes the next part
    _STATE["worker_peak"] = max(_STATE.get("worker_peak", 0), *(x[1][2] for x in out))
    return max(x[1][1] for x in out) - started  # perf_counter is one clock for all processes


def summarise(pool, procs: int, n_parts: int, state: dict) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """From the evidence of the last round (kept in the workers): (tagged passages, tags, fuzzy passages)
    and (planted misspellings found, planted, passages with a fuzzy tag but no planted misspelling)."""
    latest: dict = {}
    for reports in pool.map(_checks, range(procs), chunksize=1):
        for part, report in reports.items():
            if part not in latest or report[0] > latest[part][0]:
                latest[part] = report
    assert len(latest) == n_parts, f"{len(latest)} of {n_parts} parts reported"
    fuzzy = set().union(*(r[3][0] for r in latest.values()))
    covered = set().union(*(r[3][1] for r in latest.values()))
    typos = set(state["typos"])
    counts = (sum(r[1] for r in latest.values()), sum(r[2] for r in latest.values()), len(fuzzy))
    return counts, (len(covered), len(typos), len(fuzzy - typos))


def _ripgrep(rg: str, phrases: Path, path: Path, every: bool = False) -> tuple[float, int]:
    """Seconds for ``rg -F -i -w -c -f PHRASES FILE`` and the number of matching lines it counted; with
    ``every``, ``--count-matches`` instead of ``-c``: every occurrence counted (a line with a match is read to
    its end, as the tagger reads every line), not just the lines with one."""
    t0 = time.perf_counter()
    count = "--count-matches" if every else "-c"
    r = subprocess.run(
        [rg, "-F", "-i", "-w", count, "-f", str(phrases), str(path)], capture_output=True, text=True, check=False
    )
    return time.perf_counter() - t0, int(r.stdout.strip() or 0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--theme-share",
        type=float,
        default=0.15,
        help="share of sections that are child-protection debates (1.0: seed paragraphs only)",
    )
    args = ap.parse_args()
    if not 0.0 <= args.theme_share <= 1.0:
        ap.error(f"--theme-share must be between 0 and 1, not {args.theme_share}")
    data = ROOT / "benchmarks" / "data"
    data.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    texts, groups, titles = build_text(args.mb, theme_share=args.theme_share)
    corpus_file = data / "corpus.txt"
    corpus_file.write_text("\n".join(texts) + "\n", encoding="utf-8")
    mb = corpus_file.stat().st_size / 1e6
    print(
        f"corpus: {mb:.0f} MB, {len(texts):,} passages, {len(titles):,} sections (built in {time.perf_counter() - t0:.0f} s)"
    )

    tax = default_taxonomy()
    t0 = time.perf_counter()
    tagger = Tagger(tax)
    print(
        f"compile: {time.perf_counter() - t0:.2f} s ({len(tagger.main.regexes)} phrase patterns, "
        f"{len(tagger.variants.regexes):,} misspelling variants, {len(tagger.near_pats)} near words, "
        f"{len(tagger.cue_pats)} cues)"
    )
    lengths = np.fromiter((len(t.encode("utf-8")) + 1 for t in texts), dtype=np.int64, count=len(texts))
    state = {
        "corpus_file": str(corpus_file),
        "groups": np.asarray(groups, dtype=np.int64),
        "titles": titles,
        "typos": _STATE["typos"],
        "line_offsets": np.concatenate([[0], np.cumsum(lengths)]),
    }
    n_passages = len(texts)
    del texts, groups  # the workers read the file

    configs = [
        ("bytes", _work, 1),
        ("bytes", _work, 2),
        ("str", _work_str, 2),
        ("bytes, no misspellings", _work_exact, 2),
        ("bytes, workers unpinned", _work, 2),
    ]
    pools = []
    for label, work, procs in configs:  # noqa: B007
        pool, parts, start = start_pool(procs, state, pin="unpinned" not in label)
        pools.append((pool, parts))
        print(f"{_name(label, procs)}: workers started and taxonomy compiled in {start:.1f} s (not in the figures)")
    rg = shutil.which("rg")
    if rg:
        phrases = sorted(
            {
                normalise_phrase(p)
                for t in tax.themes
                for p in t.phrases + tuple(x for r in t.context for x in r.phrases)
            }
        )
        pf = data / "phrases.txt"
        pf.write_text("\n".join(phrases) + "\n", encoding="utf-8")
        head = data / "corpus_first_mb.txt"  # ripgrep's fixed cost: the same command on the first 1 MB
        with open(corpus_file, "rb") as fh:
            first = fh.read(1_000_000)
        head.write_bytes(first[: first.rfind(b"\n") + 1])
        head_mb = head.stat().st_size / 1e6
    else:
        print("ripgrep (rg) not installed: no comparison")
    # rounds: every configuration once, then ripgrep, so that each ratio compares runs of the same minute
    # (this machine's speed drifts by up to 40% from minute to minute)
    times: list[list[float]] = [[] for _ in configs]
    rg_times: list[float] = []
    rg_heads: list[float] = []  # ripgrep on the first 1 MB: its start-up and building its matcher
    rg_every: list[float] = []  # ripgrep counting every occurrence (the tagger's task), for reference
    rg_count = rg_matches = 0
    for _ in range(args.repeat):
        for k, ((label, work, procs), (pool, parts)) in enumerate(zip(configs, pools)):  # noqa: B007
            times[k].append(run_once(pool, work, parts))
        if rg:
            dt, rg_count = _ripgrep(rg, pf, corpus_file)
            rg_times.append(dt)
            rg_heads.append(_ripgrep(rg, pf, head)[0])
            dt, rg_matches = _ripgrep(rg, pf, corpus_file, every=True)
            rg_every.append(dt)
    summaries = [
        summarise(pool, procs, len(parts["bounds"]), state)
        for (_label, _w, procs), (pool, parts) in zip(configs, pools)
    ]
    for pool, _parts in pools:
        pool.close()
        pool.join()
    rows = [
        (_name(label, procs), min(ts), counts)
        for (label, _w, procs), ts, (counts, _q) in zip(configs, times, summaries)
    ]
    if rg:
        rows.append(("rg -F -i -w --count-matches -f PHRASES (every occurrence)", min(rg_every), (0, rg_matches, 0)))
        rows.append(("rg -F -i -w -c -f PHRASES (phrases normalised, no variants)", min(rg_times), (rg_count, 0, 0)))

    found, planted, extra = summaries[1][1]  # two processes, from bytes
    print(
        f"misspellings: {found:,} of {planted:,} planted misspelled phrases found as evidence "
        f"({found / max(planted, 1):.1%}); {extra:,} passages without a planted misspelling got a fuzzy tag"
    )
    print(f"\n{'method':<72} {'seconds':>8} {'MB/s':>8} {'passages/s':>12}  tagged passages / tags / fuzzy passages")
    for name, dt, c in rows:
        print(f"{name:<72} {dt:8.2f} {mb / dt:8.1f} {n_passages / dt:12,.0f}  {c[0]:,} / {c[1]:,} / {c[2]:,}")
    if rg:
        rg_rate = mb / rows[-1][1]
        for (name, dt, _), ts in zip(rows[:-2], times):
            rounds = sorted(r / t for r, t in zip(rg_times, ts))
            print(
                f"ratio to ripgrep, {', '.join(name.split(', ')[1:])}: {mb / dt / rg_rate:.2f}x best against best; "
                f"round by round median {rounds[len(rounds) // 2]:.2f}x (range {rounds[0]:.2f}-{rounds[-1]:.2f}x)"
            )
        # ripgrep's figure includes its start-up and building its matcher, the tagger's leave compiling out:
        # compare rates on the rest of the file too (ripgrep's time on the first 1 MB as its fixed cost)
        head_t = min(rg_heads)
        rest_rate = (mb - head_mb) / (rows[-1][1] - head_t)
        print(
            f"ripgrep's fixed cost (start-up and building its matcher, the same command on the first 1 MB): "
            f"{head_t * 1000:.0f} ms, {head_t / rows[-1][1]:.0%} of its time; beyond it ripgrep runs at "
            f"{rest_rate:.1f} MB/s, and against that rate the tagger on 2 processes, from bytes, is at "
            f"{mb / rows[1][1] / rest_rate:.2f}x"
        )
        # `-c` stops reading a line at its first match; finding every occurrence (the tagger's task) costs more
        print(
            f"ripgrep counting every occurrence (--count-matches, {rg_matches:,}) takes {min(rg_every):.2f} s; against "
            f"that the tagger on 2 processes, from bytes, is at {min(rg_every) / rows[1][1]:.2f}x"
        )
    print(
        f"peak memory: main process {_peak_mb():.0f} MB (built the corpus), largest worker "
        f"{_STATE['worker_peak']:.0f} MB (its share of the corpus, the tagger and its evidence)"
    )
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
