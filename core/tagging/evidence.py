"""Evidence: what the stages found, as named records of columns, and the evidence table built from them (one
row per passage, theme and span, the strongest method kept; byte offsets become character offsets; each row's
reason in words)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .offsets import char_spans

M_EXACT, M_FUZZY, M_CONTEXT, M_SECTION = 0, 1, 2, 3  # methods, strongest first
METHOD_NAMES = {M_EXACT: "exact", M_FUZZY: "fuzzy", M_CONTEXT: "context", M_SECTION: "section"}
METHOD_SCORE = {"exact": 1.0, "context": 0.8, "section": 0.6}


class Hits(NamedTuple):
    """Matches of the main database (phrases, exclusions, context phrases, slips), one row each."""

    pattern: np.ndarray  # pattern id in the tagger's main scanner
    start: np.ndarray  # byte offsets in the whole text
    end: np.ndarray
    passage: np.ndarray  # the passage (line) it is in
    theme: np.ndarray  # theme index

    def take(self, rows) -> Hits:
        return Hits(*(column[rows] for column in self))


class Evidence(NamedTuple):
    """Evidence rows found by one method. ``ref`` is what matched (a pattern of the main scanner, or a cue's
    index) and ``detail`` what made it count: the near word of a context match, the section reason of a cue
    (0 for exact and fuzzy matches)."""

    passage: np.ndarray
    theme: np.ndarray
    start: np.ndarray
    end: np.ndarray
    method: int
    score: float | np.ndarray
    ref: np.ndarray
    detail: np.ndarray | int = 0


def distinct(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of some columns: the index of one row of each, and for every row which one it is.

    >>> first, inv = distinct(np.array([2, 0, 2, 0]), np.array([5, 7, 5, 8]))
    >>> first.tolist(), inv.tolist()
    ([1, 3, 0], [2, 0, 2, 1])
    """
    n = len(columns[0])
    order = np.lexsort(columns[::-1])
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for c in columns:
            sc = c[order]
            new[1:] |= sc[1:] != sc[:-1]
    group = np.cumsum(new) - 1
    inv = np.empty(n, dtype=np.int64)
    inv[order] = group
    return order[new], inv


def assemble(
    found: list[Evidence], raw, starts, ends, texts: list[str] | None, reasons, theme_ids: list[str]
) -> dict[str, list]:
    """Evidence rows: one per (passage, theme, span), the strongest method first; character offsets.
    ``reasons(methods, refs, details)`` gives the reason in words for each distinct (method, ref, detail)."""
    k = [len(e.passage) for e in found]
    passage, theme, s_abs, e_abs, ref = (
        np.concatenate([np.asarray(getattr(e, f)) for e in found]).astype(np.int64)
        for f in ("passage", "theme", "start", "end", "ref")
    )
    method = np.concatenate([np.full(n, e.method, dtype=np.int8) for e, n in zip(found, k)])
    score = np.concatenate([np.broadcast_to(np.asarray(e.score, dtype=float), (n,)) for e, n in zip(found, k)])
    detail = np.concatenate([np.broadcast_to(np.asarray(e.detail, dtype=np.int64), (n,)) for e, n in zip(found, k)])
    order = np.lexsort((method, e_abs, s_abs, theme, passage))
    cols = [x[order] for x in (passage, theme, s_abs, e_abs, method, score, ref, detail)]
    if len(cols[0]):
        passage, theme, s_abs, e_abs = cols[:4]
        first = np.ones(len(passage), dtype=bool)
        first[1:] = (np.diff(passage) != 0) | (np.diff(theme) != 0) | (np.diff(s_abs) != 0) | (np.diff(e_abs) != 0)
        cols = [x[first] for x in cols]
    passage, theme, s_abs, e_abs, method, score, ref, detail = cols
    rows = passage.tolist()
    cs, ce, matched = char_spans(raw, starts, ends, passage, s_abs, e_abs, texts is None)
    if texts is not None:  # the text as given (a line break inside a passage was scanned as a space)
        matched = [texts[i][a:b] for i, a, b in zip(rows, cs, ce)]
    # each distinct (method, ref, detail) is put into words once
    first, inv = distinct(method, ref, detail)
    words = np.array(reasons(method[first].tolist(), ref[first].tolist(), detail[first].tolist()), dtype=object)
    names = np.array([METHOD_NAMES[m] for m in sorted(METHOD_NAMES)], dtype=object)
    return {
        "text": rows,
        "theme": np.array(theme_ids, dtype=object)[theme].tolist(),
        "matched_text": matched,
        "start": cs,
        "end": ce,
        "method": names[method].tolist(),
        "score": np.round(score, 3).tolist(),
        "reason": words[inv.reshape(-1)].tolist() if len(rows) else [],
    }
