"""The passages' bytes as the scanners see them: normalised on demand (lowercase, every other byte a space: the
same length, so offsets carry over), slices joined into one buffer, and where each passage's line ends."""

from __future__ import annotations

import numpy as np

from ..taxonomy import _NORM_TABLE, _SCAN_TABLE

SCAN_CHUNK = 1 << 22  # bytes normalised and scanned at a time (fits in the CPU's cache)


def cut(raw, a: int, b: int) -> bytes:
    """``raw[a:b]`` as bytes, whether ``raw`` is bytes, a memory map or a memoryview."""
    piece = raw[a:b]
    return piece if isinstance(piece, bytes) else bytes(piece)


class Normalised:
    """The normalised text, made on demand: a slice, or several slices joined by line breaks."""

    def __init__(self, raw: bytes):
        self.raw = raw
        self._mv = memoryview(raw)

    def __getitem__(self, key: slice) -> bytes:
        return cut(self.raw, key.start, key.stop).translate(_SCAN_TABLE)

    def join(self, lo: np.ndarray, hi: np.ndarray, normalise: bool = True) -> tuple[bytes, np.ndarray]:
        """The slices joined by line breaks (normalised, or as written), and where each begins."""
        joined, where = join_lines(self._mv, lo, hi)
        return (joined.translate(_NORM_TABLE) if normalise else joined), where


def join_lines(mv: memoryview, lo: np.ndarray, hi: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The slices ``mv[lo[k]:hi[k]]`` joined by line breaks, and the offset where each begins. Slices that
    follow each other in ``mv`` with a line break between (consecutive passages) are copied as one run.

    >>> j, at = join_lines(memoryview(b"ab\\ncd\\nef"), np.array([0, 3, 6]), np.array([2, 5, 8]))
    >>> j, at.tolist()
    (b'ab\\ncd\\nef', [0, 3, 6])
    """
    where = np.zeros(len(lo), dtype=np.int64)
    if len(lo) > 1:
        np.cumsum(hi[:-1] - lo[:-1] + 1, out=where[1:])
        # a run continues where the next slice starts just after this one's end and that byte is a line break
        joins = np.flatnonzero(lo[1:] == hi[:-1] + 1)
        if len(joins):
            joins = joins[np.frombuffer(mv, dtype=np.uint8)[hi[joins]] == 10]
        first = np.ones(len(lo), dtype=bool)
        first[joins + 1] = False
        last = np.ones(len(lo), dtype=bool)
        last[joins] = False
        lo, hi = lo[first], hi[last]
    return b"\n".join(mv[a:b] for a, b in zip(lo.tolist(), hi.tolist())), where


def line_end(raw, at: int) -> int:
    """The offset just after the first line break at or after ``at`` (or the end of ``raw``)."""
    size = len(raw)
    if at >= size:
        return size
    if hasattr(raw, "find"):
        k = raw.find(b"\n", at)
        return size if k < 0 else k + 1
    a = np.frombuffer(raw, dtype=np.uint8)
    while at < size:
        hit = np.flatnonzero(a[at : at + 65536] == 10)
        if len(hit):
            return at + int(hit[0]) + 1
        at += 65536
    return size


def checked_line_ends(raw, line_ends) -> np.ndarray:
    """The passage ends a caller gave, checked: increasing, each at a line break or at the end of ``raw``,
    and the last one at the end of ``raw`` or of its last line."""
    ends = np.asarray(line_ends, dtype=np.int64)
    size = len(raw)
    if ends.ndim != 1 or (len(ends) and (ends[0] < 0 or (np.diff(ends) <= 0).any())):
        raise ValueError("line_ends must be increasing offsets")
    if not len(ends):
        if size:
            raise ValueError("line_ends is empty but the text is not")
        return ends
    last = int(ends[-1])
    if last > size or (last < size and not (last == size - 1 and raw[size - 1 : size] == b"\n")):
        raise ValueError(f"line_ends ends at {last}, not at the end of the text ({size} bytes)")
    inner = ends[ends < size]
    if len(inner) and (np.frombuffer(raw, dtype=np.uint8)[inner] != 10).any():
        raise ValueError("line_ends: an offset that is not a line break")
    return ends


def newlines(data) -> np.ndarray:
    """Offsets of the newline bytes in ``data`` (a bytes-like object)."""
    return np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10).astype(np.int64)
