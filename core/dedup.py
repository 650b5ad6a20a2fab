"""Recognise the same passage in two sources and keep one canonical copy.

Candidates are compared only within a block of passages that share a date (day precision) — the same
speech reported by two sources carries the same sitting date — and only across sources (layouts): the Hansard
page against the Parallel Parliament page of the day, never the day's Commons debates against its written
answers. Within a block, ``rapidfuzz.process.cdist`` scores those pairs in one batched call. Exact repeats (after
normalisation) are found by hashing, whatever the date.

Copies across days (a press release quoting a speech a week later) are found by MinHash/LSH: each passage's word
pairs give a 64-value MinHash (datasketch's ``affine32`` scheme over CRC32, computed for a whole batch at once with
NumPy), cut into bands; two passages sharing a band key are a candidate pair, confirmed by the same ``fuzz.ratio``
cut-off (``rapidfuzz.process.cpdist``, all pairs in one call, after a length bound drops the pairs that cannot
reach it). Band keys are a pure function of the text, so a worker computes them and the store keeps them
(``band_keys``), which makes finding the candidates for a batch one join, near-linear in the corpus.

Every function takes passages as columns (a DataFrame with the passages' columns, or ``Passage`` records, which are
made into one) and returns new data — the pairs, or a new frame with the marks — never changing what it is given.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

MIN_CHARS = 60  # short lines ("Question put and agreed to.") recur legitimately
SCORE_CUTOFF = 92  # fuzz.ratio on normalised text
MAX_BLOCK = 20_000  # a block larger than this is compared by exact hash and MinHash only
NUM_PERM = 64  # MinHash values per passage
BANDS, ROWS = 16, 4  # LSH bands x rows (= NUM_PERM): pairs with word-pair Jaccard >= ~0.5 are found
#: the columns de-duplication sets: the canonical copy, a speaker borrowed from it, the "duplicate" flag
MARKS = ("duplicate_of", "speaker", "speaker_detail", "speaker_basis", "quality_flags")
_CHUNK = 1 << 17  # word pairs per NumPy step of the MinHash (x NUM_PERM x 4 bytes = 32 MB)


def _norm(text: str) -> str:
    return utils.default_process(text)


def _columns(passages) -> pd.DataFrame:
    if isinstance(passages, pd.DataFrame):
        return passages
    from .model import to_frame

    return to_frame(list(passages))


# ---- MinHash band keys ----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The permutations of datasketch's ``affine32`` MinHash for NUM_PERM values (seed 1), drawn as it draws them,
    so the keys are those ``datasketch.MinHash(num_perm=64, hashfunc=zlib.crc32)`` gives (a test checks)."""
    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    return a, gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (what datasketch's affine32 scheme applies before its permutations)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


_SHIFT = np.zeros((1, 4, 256), dtype=np.uint32)  # see _shift_tables


def _shift_tables(longest: int) -> np.ndarray:
    """CRC32 is linear: crc32(A + B) = shift_len(B)(crc32(A)) ^ crc32(B), where shifting by n bytes is a linear map
    of the 32 bits, given here byte by byte: table[n, k, v] = shift_n(v << 8k). Made up to ``longest`` bytes."""
    global _SHIFT
    if len(_SHIFT) <= longest:
        table = np.zeros((longest + 1, 4, 256), dtype=np.uint32)
        table[: len(_SHIFT)] = _SHIFT
        for n in range(max(1, len(_SHIFT)), longest + 1):
            zeros = bytes(n)
            base = zlib.crc32(zeros)
            for k in range(4):
                table[n, k] = [zlib.crc32(zeros, v << (8 * k)) ^ base for v in range(256)]
        _SHIFT = table
    return _SHIFT


def _shingle_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(how many per text, CRC32 of each word pair of each normalised text, text after text): what hashing
    ``f"{a} {b}".encode()`` for each pair gives (each word when a text has only one), without a Python step per
    pair. Words are split and numbered by Arrow; each distinct word is hashed once; a pair's CRC is combined from
    its words' (``_shift_tables``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    norms = [_norm(t) for t in texts]
    words = pc.utf8_split_whitespace(pa.array(norms, pa.large_string()))
    counts = pc.list_value_length(words).to_numpy(zero_copy_only=False).astype(np.int64)
    code = pc.list_flatten(words).dictionary_encode()
    idx = code.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    empty = np.fromiter((not n for n in norms), bool, len(norms))  # Arrow splits "" into one empty word
    if empty.any():
        idx = idx[~np.repeat(empty, counts)]
        counts[empty] = 0
    vocab = [w.encode() for w in code.dictionary.to_pylist()]
    crc = np.fromiter((zlib.crc32(w) for w in vocab), np.uint32, len(vocab))
    crc_space = np.fromiter((zlib.crc32(w + b" ") for w in vocab), np.uint32, len(vocab))
    size = np.fromiter((len(w) for w in vocab), np.int64, len(vocab))
    ends = np.cumsum(counts)
    last = np.zeros(len(idx), dtype=bool)
    last[ends[counts > 0] - 1] = True
    alone = np.zeros(len(idx), dtype=bool)
    alone[ends[counts == 1] - 1] = True
    at = np.flatnonzero(~last | alone)  # a pair starts at each word but a text's last; a lone word stands alone
    pair = ~last[at]
    out = np.empty(len(at), dtype=np.uint32)
    first, second = crc_space[idx[at[pair]]], idx[at[pair] + 1]
    table = _shift_tables(int(size.max()) if len(size) else 0).reshape(-1)
    row = size[second] * 1024
    out[pair] = (
        table[row + (first & 0xFF)]
        ^ table[row + 256 + ((first >> 8) & 0xFF)]
        ^ table[row + 512 + ((first >> 16) & 0xFF)]
        ^ table[row + 768 + (first >> 24)]
        ^ crc[second]
    )
    out[~pair] = crc[idx[at[~pair]]]
    return np.where(counts >= 2, counts - 1, counts), out


def band_keys_many(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The LSH band keys of many texts at once: (row, key) arrays, ``BANDS`` keys per text of ``MIN_CHARS`` or
    more (rows index ``texts``), none for a shorter one. The same keys as :func:`band_keys` one text at a time."""
    a, b = _permutations()
    rows = [i for i, t in enumerate(texts) if len(t) >= MIN_CHARS]
    lens, flat = _shingle_hashes([texts[i] for i in rows])
    ends = np.cumsum(lens)
    flat = _fmix32(flat)
    mins = np.full((len(rows), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    start = 0
    while start < len(rows):  # whole texts, about _CHUNK word pairs at a time
        end = max(start + 1, int(np.searchsorted(ends, ends[start] - lens[start] + _CHUNK, side="right")))
        filled = start + np.flatnonzero(lens[start:end])
        if len(filled):
            lo = int(ends[start] - lens[start])
            phv = np.multiply.outer(a, flat[lo : int(ends[end - 1])])  # wraps modulo 2^32, as affine32 does
            phv += b[:, None]
            mins[filled] = np.minimum.reduceat(phv, ends[filled] - lens[filled] - lo, axis=1).T
        start = end
    hv = mins.astype(np.uint64).reshape(len(rows), BANDS, ROWS)
    key = np.zeros((len(rows), BANDS), dtype=np.uint64)
    for r in range(ROWS):  # FNV-style mix of a band's values, then its band number
        key = (key ^ hv[:, :, r]) * np.uint64(0x100000001B3)
    key = key ^ (np.arange(BANDS, dtype=np.uint64) << np.uint64(56))
    return np.repeat(np.asarray(rows, dtype=np.int64), BANDS), key.view(np.int64).ravel()


def band_keys(text: str) -> list[int]:
    """The passage's LSH band keys (``BANDS`` signed 64-bit ints, band number mixed in); [] for a short passage.

    >>> a = band_keys("We must end the criminal exploitation of children by county lines gangs in every town.")
    >>> b = band_keys("We must end the criminal exploitation of children by county lines gangs in every city.")
    >>> len(a), len(set(a) & set(b)) > 0, band_keys("Too short.")
    (16, True, [])
    """
    return band_keys_many([text])[1].tolist()


def key_pairs(rows: np.ndarray, keys: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Pairs of rows that share a key, in different ``groups`` (documents): an (n, 2) array, each pair once,
    smaller row first, sorted. ``rows``, ``keys``, ``groups``: one entry per (row, key)."""
    rows, keys, groups = (np.asarray(x) for x in (rows, keys, groups))
    order = np.argsort(keys, kind="stable")
    k, r, g = keys[order], rows[order], groups[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    found = []
    for s in np.unique(sizes[sizes > 1]).tolist():
        at = starts[sizes == s]
        i, j = np.triu_indices(s, 1)
        for part in range(0, len(at), max(1, 2_000_000 // len(i))):  # a few million pairs at a time
            base = at[part : part + max(1, 2_000_000 // len(i)), None]
            x, y = (base + i).ravel(), (base + j).ravel()
            keep = (g[x] != g[y]) & (r[x] != r[y])
            a, b = r[x[keep]], r[y[keep]]
            found.append(np.minimum(a, b) * (1 << 32) + np.maximum(a, b))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    code = np.unique(np.concatenate(found).astype(np.int64))
    return np.stack([code >> 32, code & 0xFFFFFFFF], axis=1)


def lsh_pairs(passages) -> list[tuple[str, str]]:
    """Candidate pairs of passage ids (in different documents) that share an LSH band key, within ``passages``."""
    df = _columns(passages)
    ids = df["passage_id"].to_numpy(dtype=object)
    pairs = lsh_rows(df)
    return sorted({(a, b) if a < b else (b, a) for a, b in zip(ids[pairs[:, 0]].tolist(), ids[pairs[:, 1]].tolist())})


# ---- finding the copies -----------------------------------------------------------------------------------
class _Groups:
    """Union-find over row numbers, with the score each compared pair was joined with."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.scores: dict[tuple[int, int], float] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int, score: float | None) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
        if score is not None:
            self.scores[(a, b)] = score


def rows_of(ids) -> pd.Series:
    """Passage id -> row number (the last row where an id repeats, as a dict built in order would keep)."""
    ids = np.asarray(ids, dtype=object)
    pos = pd.Series(np.arange(len(ids)), index=ids)
    return pos[~pos.index.duplicated(keep="last")]


def _candidate_rows(df: pd.DataFrame, candidates) -> np.ndarray:
    """Candidate pairs given as passage ids (pairs, or a two-column frame or array) as row pairs in ``df``;
    pairs naming a passage not in ``df`` are dropped."""
    arr = (
        candidates.to_numpy(dtype=object)
        if isinstance(candidates, pd.DataFrame)
        else np.asarray(list(candidates) if not isinstance(candidates, np.ndarray) else candidates, dtype=object)
    )
    if not arr.size:
        return np.empty((0, 2), dtype=np.int64)
    pos = rows_of(df["passage_id"])
    a = pos.reindex(arr[:, 0]).to_numpy()
    b = pos.reindex(arr[:, 1]).to_numpy()
    ok = ~(np.isnan(a) | np.isnan(b))
    return np.stack([a[ok], b[ok]], axis=1).astype(np.int64)


def find_duplicates(passages, candidates=None, fresh: Iterable[str] | None = None) -> list[tuple[str, str, float]]:
    """(duplicate id, canonical id, score) for near-identical passages in different documents.

    ``candidates``: pairs of passage ids that MinHash/LSH found (any date); by default computed here over
    ``passages`` (the store's runner passes the pairs its band-key join found, and the pairs it knew).
    ``fresh``: only pairs with at least one of these passages are compared within a sitting day (the others were
    compared when they were stored); default all."""
    df = _columns(passages)
    n = len(df)
    text = df["text"].to_numpy(dtype=object)
    eligible = np.fromiter((len(t) >= MIN_CHARS for t in text), bool, n)
    norms = np.empty(n, dtype=object)
    norms[eligible] = [_norm(t) for t in text[eligible]]
    doc = pd.factorize(df["document"])[0]
    g = _Groups(n)

    # the same text (after normalisation) in two documents, whatever the date
    el = np.flatnonzero(eligible)
    same = el[pd.Series(norms[el]).duplicated(keep=False).to_numpy()]
    first: dict[str, int] = {}
    for i in same.tolist():
        head = first.setdefault(norms[i], i)
        if head != i and doc[i] != doc[head]:
            g.union(head, i, 100.0)

    # within a sitting day, a passage is compared with the other sources' passages (a reader's own documents of a
    # day, the Commons debates and the written answers, do not copy each other; copies within one format are left
    # to the exact hash and MinHash/LSH), and only where one side is new
    day = eligible & (df["date_precision"].to_numpy(dtype=object) == "day")
    if day.any():
        is_fresh = np.ones(n, bool) if fresh is None else df["passage_id"].isin(set(fresh)).to_numpy()
        blocks = pd.DataFrame(
            {
                "date": df["date"].to_numpy(dtype=object)[day],
                "layout": df["layout"].to_numpy(dtype=object)[day],
                "row": np.flatnonzero(day),
            }
        )
        shape = blocks.groupby("date", sort=False)["layout"].agg(["nunique", "size"])
        wanted = shape.index[(shape["nunique"] > 1) & (shape["size"] <= MAX_BLOCK)]
        for _date, block in blocks[blocks["date"].isin(wanted)].groupby("date", sort=False):
            rows, layouts = block["row"].to_numpy(), block["layout"].to_numpy(dtype=object)
            for layout in sorted(set(layouts)):
                mine = rows[(layouts == layout) & is_fresh[rows]]
                others = rows[(layouts > layout) | ((layouts != layout) & (fresh is not None) & ~is_fresh[rows])]
                if not len(mine) or not len(others):
                    continue
                matrix = process.cdist(
                    norms[mine].tolist(),
                    norms[others].tolist(),
                    scorer=fuzz.ratio,
                    score_cutoff=SCORE_CUTOFF,
                    workers=-1,
                    dtype=np.uint8,
                )
                for i, j in zip(*np.nonzero(matrix)):
                    g.union(int(mine[i]), int(others[j]), float(matrix[i, j]))

    # MinHash/LSH candidates, any date: confirmed in one call, after dropping those that cannot be copies (a
    # passage not compared, the same document, already in one group, or lengths too far apart for the cut-off)
    pairs = lsh_rows(df) if candidates is None else _candidate_rows(df, candidates)
    if len(pairs):
        a, b = pairs[:, 0], pairs[:, 1]
        keep = eligible[a] & eligible[b] & (doc[a] != doc[b])
        a, b = a[keep], b[keep]
        lens = np.fromiter((len(s) if s is not None else 0 for s in norms), np.int64, n)
        la, lb = lens[a], lens[b]
        keep = 200 * np.minimum(la, lb) >= (SCORE_CUTOFF - 1e-6) * (la + lb)  # fuzz.ratio <= 200 min / (sum)
        a, b = a[keep], b[keep]
        if len(a):
            roots = np.arange(n)
            seen = np.unique(np.r_[a, b])
            roots[seen] = [g.find(x) for x in seen.tolist()]
            keep = roots[a] != roots[b]
            a, b = a[keep], b[keep]
            code = np.unique(np.minimum(a, b) * (1 << 32) + np.maximum(a, b))
            a, b = code >> 32, code & 0xFFFFFFFF
        if len(a):
            score = process.cpdist(
                norms[a].tolist(), norms[b].tolist(), scorer=fuzz.ratio, score_cutoff=SCORE_CUTOFF, workers=-1
            )
            for i, j in zip(a[score > 0].tolist(), b[score > 0].tolist()):
                g.union(i, j, None)

    members: dict[int, list[int]] = {}  # each group's root and its other rows
    for x in range(n):
        if g.parent[x] != x:
            members.setdefault(g.find(x), []).append(x)
    if not members:
        return []
    ids = df["passage_id"].to_numpy(dtype=object)
    cols = {c: df[c].tolist() for c in ("date", "speaker", "venue", "document", "line")}

    def rank(x: int) -> tuple:
        """Lower is better: dated > undated, the earliest date (a copy made days later is the copy, even when it
        names a speaker), then attributed > unattributed, then document order."""
        d = cols["date"][x]
        return (d == "", d, cols["speaker"][x] == "", cols["venue"][x] == "", cols["document"][x], cols["line"][x])

    out: list[tuple[str, str, float]] = []
    for root, rest in members.items():
        group = sorted([root] + rest, key=rank)
        canon = group[0]
        for m in group[1:]:
            score = g.scores.get((canon, m)) or g.scores.get((m, canon)) or fuzz.ratio(norms[canon], norms[m])
            out.append((ids[m], ids[canon], round(score, 1)))
    return sorted(out)


def lsh_rows(df: pd.DataFrame) -> np.ndarray:
    """Row pairs of ``df`` (in different documents) that share an LSH band key."""
    rows, keys = band_keys_many(df["text"].tolist())
    return key_pairs(rows, keys, pd.factorize(df["document"])[0][rows])


def apply_duplicates(passages, pairs: Sequence[tuple[str, str, float]]) -> pd.DataFrame:
    """A new passages frame with the copies marked: ``duplicate_of`` set, the "duplicate" flag added, and the
    canonical copy's speaker carried over to an unattributed copy (``speaker_basis`` says so)."""
    out = _columns(passages).copy()
    if not len(pairs):
        return out
    pos = rows_of(out["passage_id"])
    dup_ids = [d for d, _c, _s in pairs]
    canon_ids = [c for _d, c, _s in pairs]
    d, c = pos.reindex(dup_ids).to_numpy(), pos.reindex(canon_ids).to_numpy()
    col = {m: out[m].to_numpy(dtype=object).copy() for m in MARKS + ("speaker_detail",)}
    for di, ci, canon in zip(d.tolist(), c.tolist(), canon_ids):
        col["duplicate_of"][di] = canon
        flags = [f for f in (col["quality_flags"][di] or "").split(";") if f]
        col["quality_flags"][di] = ";".join(flags if "duplicate" in flags else flags + ["duplicate"])
        if not col["speaker"][di] and col["speaker"][ci]:
            col["speaker"][di] = col["speaker"][ci]
            col["speaker_detail"][di] = col["speaker_detail"][ci]
            col["speaker_basis"][di] = f"duplicate of {canon}"
    for m, values in col.items():
        out[m] = pd.Series(values, index=out.index, dtype=object)
    return out


def mark_duplicates(
    passages, candidates=None, fresh: Iterable[str] | None = None
) -> tuple[pd.DataFrame, list[tuple[str, str, float]]]:
    """(a new passages frame with the copies marked, the pairs found): :func:`find_duplicates` then
    :func:`apply_duplicates`. The passages given are left as they were."""
    df = _columns(passages)
    pairs = find_duplicates(df, candidates, fresh)
    return apply_duplicates(df, pairs), pairs
