"""Recognise the same passage in two sources and keep one canonical copy.

Candidates are compared only within a block of passages that share a date (day precision) — the same
speech reported by two sources carries the same sitting date — and only across sources (layouts): the Hansard
page against the Parallel Parliament page of the day, never the day's Commons debates against its written
answers. Within a block, ``rapidfuzz.process.cdist`` scores those pairs in one batched call. Exact repeats (after normalisation) are found by hashing, whatever the date.

Copies across days (a press release quoting a speech a week later) are found by MinHash/LSH (datasketch):
each passage's word pairs give a 64-value MinHash, cut into bands; two passages sharing a band key are a
candidate pair, confirmed by the same ``fuzz.ratio`` cut-off. Band keys are a pure function of the text, so
a worker computes them and the store keeps them (``band_keys``), which makes finding the candidates for a
batch one join, near-linear in the corpus.
"""
from __future__ import annotations

import zlib
from collections import defaultdict
from functools import lru_cache
from typing import Iterable

import numpy as np
from rapidfuzz import fuzz, process, utils

from .model import Passage

MIN_CHARS = 60        # short lines ("Question put and agreed to.") recur legitimately
SCORE_CUTOFF = 92     # fuzz.ratio on normalised text
MAX_BLOCK = 20_000    # a block larger than this is compared by exact hash and MinHash only
NUM_PERM = 64         # MinHash values per passage
BANDS, ROWS = 16, 4   # LSH bands x rows (= NUM_PERM): pairs with word-pair Jaccard >= ~0.5 are found


def _norm(text: str) -> str:
    return utils.default_process(text)


def _rank(p: Passage) -> tuple:
    """Lower is better: dated > undated, the earliest date (a copy made days later is the copy, even when it names
    a speaker), then attributed > unattributed, then document order."""
    return (p.date == "", p.date, p.speaker == "", p.venue == "", p.document, p.line)


@lru_cache(maxsize=1)
def _permutations():
    from datasketch.minhash import MinHash
    return MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32).permutations


def band_keys(text: str) -> list[int]:
    """The passage's LSH band keys (``BANDS`` signed 64-bit ints, band number mixed in); [] for a short passage.

    >>> a = band_keys("We must end the criminal exploitation of children by county lines gangs in every town.")
    >>> b = band_keys("We must end the criminal exploitation of children by county lines gangs in every city.")
    >>> len(a), len(set(a) & set(b)) > 0, band_keys("Too short.")
    (16, True, [])
    """
    if len(text) < MIN_CHARS:
        return []
    from datasketch.minhash import MinHash
    words = _norm(text).split()
    shingles = {f"{a} {b}".encode() for a, b in zip(words, words[1:])} or {w.encode() for w in words}
    m = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, permutations=_permutations(), scheme="affine32")
    m.update_batch(sorted(shingles))
    hv = np.asarray(m.hashvalues, dtype=np.uint64).reshape(BANDS, ROWS)
    key = np.zeros(BANDS, dtype=np.uint64)
    for r in range(ROWS):  # FNV-style mix of a band's values, then its band number
        key = (key ^ hv[:, r]) * np.uint64(0x100000001B3)
    key = key ^ (np.arange(BANDS, dtype=np.uint64) << np.uint64(56))
    return key.view(np.int64).tolist()


def lsh_pairs(passages: list[Passage]) -> list[tuple[str, str]]:
    """Candidate pairs (in different documents) that share an LSH band key, within ``passages``."""
    buckets: dict[int, list[Passage]] = defaultdict(list)
    for p in passages:
        for k in band_keys(p.text):
            buckets[k].append(p)
    pairs = set()
    for members in buckets.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if a.document != b.document:
                    pairs.add((a.passage_id, b.passage_id))
    return sorted(pairs)


def find_duplicates(passages: list[Passage], candidates: Iterable[tuple[str, str]] | None = None,
                    fresh: set[str] | None = None) -> list[tuple[str, str, float]]:
    """(duplicate id, canonical id, score) for near-identical passages in different documents.

    ``candidates``: pairs of passage ids that MinHash/LSH found (any date); by default computed here over
    ``passages`` (the store's runner passes the pairs its band-key join found, and the pairs it knew).
    ``fresh``: only pairs with at least one of these passages are compared within a sitting day (the others were
    compared when they were stored); default all."""
    eligible = [p for p in passages if len(p.text) >= MIN_CHARS]
    norms = {p.passage_id: _norm(p.text) for p in eligible}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    scores: dict[tuple[str, str], float] = {}

    def union(a: Passage, b: Passage, score: float) -> None:
        ra, rb = find(a.passage_id), find(b.passage_id)
        if ra != rb:
            parent[rb] = ra
        scores[(a.passage_id, b.passage_id)] = score

    by_text: dict[str, list[Passage]] = defaultdict(list)
    for p in eligible:
        by_text[norms[p.passage_id]].append(p)
    for group in by_text.values():
        for other in group[1:]:
            if other.document != group[0].document:
                union(group[0], other, 100.0)

    blocks: dict[str, list[Passage]] = defaultdict(list)
    for p in eligible:
        if p.date_precision == "day":
            blocks[p.date].append(p)
    for block in blocks.values():
        layouts = {p.layout for p in block}
        if len(layouts) < 2 or len(block) > MAX_BLOCK:
            continue
        # within a day, a passage is compared with the other sources' passages (a reader's own documents of a day,
        # the Commons debates and the written answers, do not copy each other; copies within one format are left
        # to the exact hash and MinHash/LSH), and only where one side is new
        for layout in sorted(layouts):
            mine = [p for p in block if p.layout == layout and (fresh is None or p.passage_id in fresh)]
            others = [p for p in block if p.layout > layout or (p.layout != layout and fresh is not None and
                                                                   p.passage_id not in fresh)]
            if not mine or not others:
                continue
            matrix = process.cdist([norms[p.passage_id] for p in mine], [norms[p.passage_id] for p in others],
                                   scorer=fuzz.ratio, score_cutoff=SCORE_CUTOFF, workers=-1, dtype=np.uint8)
            rows, cols = np.nonzero(matrix)
            for i, j in zip(rows.tolist(), cols.tolist()):
                union(mine[i], others[j], float(matrix[i, j]))

    by_id = {p.passage_id: p for p in eligible}
    for a_id, b_id in (lsh_pairs(eligible) if candidates is None else candidates):
        a, b = by_id.get(a_id), by_id.get(b_id)
        if a is None or b is None or a.document == b.document or find(a_id) == find(b_id):
            continue
        score = fuzz.ratio(norms[a_id], norms[b_id], score_cutoff=SCORE_CUTOFF)
        if score:
            union(a, b, float(score))

    groups: dict[str, list[Passage]] = defaultdict(list)
    for pid in set(parent) | set(parent.values()):
        groups[find(pid)].append(by_id[pid])
    out: list[tuple[str, str, float]] = []
    for members in groups.values():
        members.sort(key=_rank)
        canon = members[0]
        for m in members[1:]:
            score = scores.get((canon.passage_id, m.passage_id)) or scores.get((m.passage_id, canon.passage_id)) or 0.0
            if not score:
                score = fuzz.ratio(norms[canon.passage_id], norms[m.passage_id])
            out.append((m.passage_id, canon.passage_id, round(score, 1)))
    return sorted(out)


def mark_duplicates(passages: list[Passage], candidates: Iterable[tuple[str, str]] | None = None,
                    fresh: set[str] | None = None) -> list[tuple[str, str, float]]:
    """Set ``duplicate_of`` on non-canonical copies and carry a known speaker over to unattributed copies."""
    pairs = find_duplicates(passages, candidates, fresh)
    by_id = {p.passage_id: p for p in passages}
    for dup_id, canon_id, _score in pairs:
        dup, canon = by_id[dup_id], by_id[canon_id]
        dup.duplicate_of = canon_id
        dup.add_flag("duplicate")
        if not dup.speaker and canon.speaker:
            dup.speaker = canon.speaker
            dup.speaker_detail = canon.speaker_detail
            dup.speaker_basis = f"duplicate of {canon_id}"
    return pairs
