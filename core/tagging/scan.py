"""Scanning: one compiled multi-pattern database (hyperscan; a pure-Python fallback gives the same answers
slowly) reports every match of every pattern in a buffer as numpy arrays."""

from __future__ import annotations

import re
import threading

import numpy as np

from ..hscache import load_or_compile
from ..taxonomy import TaxonomyError
from .patterns import GAP, RAW_GAP, Pat, phrase_pattern

try:  # hyperscan: ~1 GB/s multi-pattern scanning; the pure-Python fallback gives the same answers slowly
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    _hs = None

_TOKEN = re.compile(rb"[a-z0-9]+")


class Scanner:
    """One compiled multi-pattern database; ``scan_arrays(buf)`` -> (pattern ids, starts, ends) as numpy
    arrays, every occurrence, overlaps included.

    ``literal=True``: the patterns are plain strings delimited by spaces (compiled ~50x faster than
    word-boundary regexes); the reported span leaves the delimiting spaces out. ``raw=True``: the phrases
    are matched in text as written (any case, punctuation between words) as well as in normalised text,
    so the text need not be normalised first."""

    def __init__(
        self,
        pats: list[Pat],
        patterns: list[str] | None = None,
        literal: bool = False,
        raw: bool = False,
        possessive_end: bool = False,
    ):
        self.pats = list(pats)
        self.literal = literal
        self._local = threading.local()
        self.regexes = patterns or [phrase_pattern(p.norm, RAW_GAP if raw else GAP, possessive_end) for p in pats]
        self.db = None
        if not self.regexes:
            return
        if literal:
            self._lengths = np.array([len(r) for r in self.regexes], dtype=np.int64)
            if _hs is not None:
                self.db = self._compile([0] * len(self.regexes), literal=True)
            else:  # without hyperscan: look space-delimited token n-grams up in a dict (linear time)
                self._lookup = {r.strip().encode(): pid for pid, r in enumerate(self.regexes)}
                self._sizes = sorted({len(r.split()) for r in self.regexes})
            return
        if _hs is not None:
            self.db = self._compile(
                [_hs.HS_FLAG_SOM_LEFTMOST | (_hs.HS_FLAG_CASELESS if raw else 0)] * len(self.regexes)
            )
        else:
            self.compiled = [re.compile(r.encode(), re.IGNORECASE if raw else 0) for r in self.regexes]

    def _compile(self, flags: list[int], literal: bool = False):
        """The hyperscan database (from the cache folder when these patterns were compiled before, see
        ``core.hscache``); a pattern it cannot take (hyperscan has size limits) is a TaxonomyError that names its
        theme and phrase, found by compiling the patterns one by one."""

        def compile_(exprs, fl):
            db = _hs.Database()
            db.compile(
                expressions=[r.encode() for r in exprs],
                ids=list(range(len(exprs))),
                elements=len(exprs),
                flags=fl,
                literal=literal,
            )
            return db

        try:
            return load_or_compile(
                _hs, "phrases", (self.regexes, flags, literal), lambda: compile_(self.regexes, flags)
            )
        except _hs.error as exc:
            for regex, flag, p in zip(self.regexes, flags, self.pats):
                try:
                    compile_([regex], [flag])
                except _hs.error as one:
                    raise TaxonomyError(
                        f"theme '{p.theme}': {p.kind} {p.text!r} cannot be compiled into the "
                        f"matcher ({one}); shorten it or split it"
                    ) from exc
            raise TaxonomyError(f"the taxonomy's phrases cannot be compiled into the matcher ({exc})") from exc

    def scan_arrays(self, buf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pattern ids, starts, ends) of every match in ``buf`` (any bytes-like object)."""
        if not self.regexes or not len(buf):
            z = np.zeros(0, dtype=np.int64)
            return z, z, z
        if self.db is not None:
            flat: list[int] = []
            add = flat.extend
            scratch = getattr(self._local, "scratch", None)
            if scratch is None:  # hyperscan's scratch space is per thread (the dashboard tags in several)
                scratch = self._local.scratch = _hs.Scratch(self.db)
            self.db.scan(
                buf, match_event_handler=lambda pid, start, end, _f, _c: add((pid, start, end)), scratch=scratch
            )
            arr = np.array(flat, dtype=np.int64).reshape(-1, 3)
            pid, start, end = arr[:, 0], arr[:, 1], arr[:, 2]
            if self.literal:  # hyperscan's literal mode reports no start; drop the delimiting spaces
                end = end - 1
                start = end - self._lengths[pid] + 2
            return pid, start, end
        out = self._scan_python(bytes(buf))
        arr = np.array(out, dtype=np.int64).reshape(-1, 3)
        return arr[:, 0], arr[:, 1], arr[:, 2]

    def _scan_python(self, buf: bytes) -> list[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        if self.literal:
            tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(buf)]
            for n in self._sizes:
                for i in range(len(tokens) - n + 1):
                    s0, e0 = tokens[i][0], tokens[i + n - 1][1]
                    pid = self._lookup.get(buf[s0:e0])
                    if pid is not None:
                        out.append((pid, s0, e0))
        else:
            for pid, rx in enumerate(self.compiled):
                out.extend((pid, m.start(), m.end()) for m in rx.finditer(buf))
        out.sort(key=lambda x: (x[2], x[0]))  # in order of their ends, as hyperscan reports them
        return out
