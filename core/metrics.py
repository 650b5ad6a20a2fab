"""Scoring arithmetic shared by the evaluations (themes, asks, grouping); depends on nothing else in core."""

from __future__ import annotations


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1; with nothing to score at all (no labels, no predictions), not a number (shown as
    n/a), not a perfect score.

    >>> prf(3, 1, 1)
    (0.75, 0.75, 0.75)
    """
    if not tp + fp + fn:
        nan = float("nan")
        return nan, nan, nan
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f
