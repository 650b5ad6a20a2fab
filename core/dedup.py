"""Recognise the same passage in two sources and keep one canonical copy.

Candidates are compared only within a block of passages that share a date (day precision) — the same
speech reported by two sources carries the same sitting date — so the cost grows with the size of one
day's record, not the corpus. Within a block, ``rapidfuzz.process.cdist`` scores every cross-document
pair in one batched call. Exact repeats (after normalisation) are found by hashing, whatever the date.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
from rapidfuzz import fuzz, process, utils

from .model import Passage

MIN_CHARS = 60        # short lines ("Question put and agreed to.") recur legitimately
SCORE_CUTOFF = 92     # fuzz.ratio on normalised text
MAX_BLOCK = 20_000    # a block larger than this is compared by exact hash only


def _norm(text: str) -> str:
    return utils.default_process(text)


def _rank(p: Passage) -> tuple:
    """Lower is better: attributed > unattributed, dated > undated, then document order."""
    return (p.speaker == "", p.date == "", p.venue == "", p.document, p.line)


def find_duplicates(passages: list[Passage]) -> list[tuple[str, str, float]]:
    """(duplicate id, canonical id, score) for near-identical passages in different documents."""
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
        if len({p.document for p in block}) < 2 or len(block) > MAX_BLOCK:
            continue
        texts = [norms[p.passage_id] for p in block]
        matrix = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=SCORE_CUTOFF, workers=-1, dtype=np.uint8)
        rows, cols = np.nonzero(np.triu(matrix, k=1))
        for i, j in zip(rows.tolist(), cols.tolist()):
            a, b = block[i], block[j]
            if a.document != b.document:
                union(a, b, float(matrix[i, j]))

    groups: dict[str, list[Passage]] = defaultdict(list)
    by_id = {p.passage_id: p for p in eligible}
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


def mark_duplicates(passages: list[Passage]) -> list[tuple[str, str, float]]:
    """Set ``duplicate_of`` on non-canonical copies and carry a known speaker over to unattributed copies."""
    pairs = find_duplicates(passages)
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
