"""Misspellings: one-edit typing slips of the taxonomy's phrases (a letter dropped, doubled, swapped, or a
neighbouring key on a staggered keyboard; spaces moved or lost in multi-word phrases), generated once per
taxonomy; a passage with a slip has the intended word put back, is re-scanned, and each phrase found is mapped
back to the original span and scored with rapidfuzz. Real words are never slips (see ``variant_pats``)."""

from __future__ import annotations

import gzip
import json
import os
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from .patterns import Pat
from .scan import Scanner

MIN_FUZZY_LEN = 5  # words shorter than this get misspelling variants only inside longer phrases
SHORT_WORD = 4
ENGLISH_MIN_COUNT = 100  # pyspellchecker's English list: words seen at least this often are real words
COMMON_ENGLISH = 1000  # ... and this often, common words: never a neighbouring-key slip ("card" for "care")
FUZZY_CUTOFF = 80  # rapidfuzz ratio of the misspelled span against the phrase


def variant_pats(phrase_pats: list[Pat], other_words: list[Pat] = ()) -> tuple[list[Pat], set[str]]:
    """Typing slips of the phrases: one letter dropped, doubled, swapped, or replaced / inserted by a
    neighbouring key. Slips inside a phrase word of 5+ letters are generated once per word (a hit on
    "chidlren" is confirmed by finding a phrase once "children" is put back); multi-word phrases also
    get their slips in short words and spaces ("out of aera placements", "count ylines",
    "countylines", "out of rea placements"). A variant made only of real words (the taxonomy's own words,
    phrases, near words and cues, common parliamentary words, English words) is never used: "one missing"
    is not a slip of "gone missing", "teenager" not of "teenagers", "county lies" not of "county lines"; a
    short token that is no word ("rea", "sem") is a slip. A slip that is an English word ("levers", "runway")
    counts only inside a longer phrase whose other words are there: "care levers" is a slip of "care
    leavers", "a new runway" is not about runaways. Such slips, and those of 4-letter words, are returned
    as the second value (slips that count only inside a longer phrase). A common English word one key off is never a slip ("leaving card" is not
    "leaving care"; the rarer "children in cate" is). Whether a passage's text is a slip depends only on
    that text and the taxonomy, never on what else is tagged with it."""
    known = _common_words() | {w for p in [*phrase_pats, *other_words] for w in p.norm.split()}
    english = _english_words()
    out: dict[str, Pat] = {}
    inside_only: set[str] = set()
    phrases = [p for p in phrase_pats if p.kind == "phrase"]
    in_longer = {w for p in phrases if " " in p.norm for w in p.norm.split()}
    for p in phrases:
        for w in p.norm.split():
            # 4-letter words ("area", "care") only as part of a longer phrase, which must then match
            if w.isalpha() and (len(w) >= MIN_FUZZY_LEN or (len(w) == SHORT_WORD and w in in_longer)):
                plain = edits1(w, neighbours=False)
                for v in sorted(edits1(w)):  # a fixed order: the compiled database is the same in every process
                    if len(v) < SHORT_WORD or v in known or v in out or (v in english and w not in in_longer):
                        continue
                    if english.get(v, 0) >= COMMON_ENGLISH and v not in plain:
                        continue  # "leaving card" is not "leaving care": a common word, one key off
                    out[v] = Pat(p.theme, "variant", w, v)
                    if v in english or len(w) == SHORT_WORD:
                        inside_only.add(v)
    known = known | set(english)
    for p in phrases:
        words = p.norm.split()
        if len(words) < 2:
            continue
        for v in sorted(edits1(p.norm)):
            toks = v.split()
            if not toks or len(v) - len(toks) + 1 < MIN_FUZZY_LEN or all(_is_word(t, known) for t in toks):
                continue  # real words all: "count lines", "county lies", "out off area" (not "out of rea")
            if len(toks) == len(words):
                changed = [(w, t) for t, w in zip(toks, words) if t != w]
                if (
                    len(changed) == 1
                    and len(changed[0][0]) >= SHORT_WORD
                    and changed[0][0].isalpha()
                    and len(changed[0][1]) >= SHORT_WORD
                ):
                    continue  # a slip inside one word: that word's variant covers it
            out.setdefault(" ".join(toks), Pat(p.theme, "variant", p.norm, " ".join(toks)))
    return list(out.values()), inside_only


def confirm_slips(main: Scanner, inside_only: set[str], buf, starts, ends, variant_hits: dict[int, list]):
    """Confirm variant hits: substitute the intended word, re-scan those passages for phrases, map the
    match back to the original text and score it with rapidfuzz against the phrase. Each passage is
    judged on its own text: what else is tagged with it makes no difference."""
    batch: list[tuple[int, bytes, list]] = []  # passage, its text, the substitutions made
    pieces: list[bytes] = []
    for i, lst in variant_hits.items():
        subs = []
        for p, s, e in sorted(lst, key=lambda x: (x[1], -x[2])) if len(lst) > 1 else lst:  # longest first
            if subs and s < subs[-1][1]:
                continue
            subs.append((s, e, p.text.encode(), p.norm in inside_only))
        if not subs:
            continue
        norm = buf[starts[i] : ends[i]]
        new, segs, pos, delta = [], [], 0, 0
        for s, e, target, only_inside in subs:
            new.append(norm[pos:s])
            ns = s + delta
            new.append(target)
            segs.append((ns, ns + len(target), s, e, norm[s:e], target, only_inside))
            delta += len(target) - (e - s)
            pos = e
        new.append(norm[pos:])
        batch.append((i, norm, segs))
        pieces.append(b"".join(new))
    found: list[tuple[int, Pat, int, int]] = []
    if not batch:
        return []
    # the corrected passages, one per line, scanned together
    offsets = np.concatenate([[0], np.cumsum([len(x) + 1 for x in pieces])[:-1]])
    pid_, ms_, me_ = main.scan_arrays(b"\n".join(pieces))
    which = np.searchsorted(offsets, ms_, side="right") - 1
    rows = list(zip(pid_.tolist(), which.tolist(), (ms_ - offsets[which]).tolist(), (me_ - offsets[which]).tolist()))
    excluded: dict[int, list] = defaultdict(list)  # exclusions in the corrected text ("county lines bus")
    for pid, k, ms, me in rows:
        if main.pats[pid].kind == "exclusion":
            excluded[k].append((main.pats[pid].theme, ms, me))
    for pid, k, ms, me in rows:
        pat = main.pats[pid]
        if pat.kind != "phrase":
            continue
        if any(th == pat.theme and ms < xe and xs < me for th, xs, xe in excluded.get(k, ())):
            continue  # cancelled by an exclusion, as an exact match would be
        i, norm, segs = batch[k]
        hit = [g for g in segs if g[0] < me and ms < g[1]]
        if not hit or (" " not in pat.norm and all(g[6] for g in hit)):
            continue  # a 4-letter or an English word put back counts only inside a longer phrase
        s0, e0 = map_back(ms, segs, True), map_back(me, segs, False)
        while e0 > s0 and norm[e0 - 1] == 32:  # a moved space: "semi-independen taccommodation"
            e0 -= 1
        found.append((i, pat, s0, e0))
    if not found:
        return []
    spans = [" ".join(buf[starts[i] + s : starts[i] + e].decode("ascii", "ignore").split()) for i, _p, s, e in found]
    scores = process.cpdist(
        spans, [p.norm for _i, p, _s, _e in found], scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, workers=-1
    )
    return [(i, p, s, e, round(float(sc) / 100, 3)) for (i, p, s, e), sc in zip(found, scores) if sc >= FUZZY_CUTOFF]


_KEYS = "qwertyuiop asdfghjkl zxcvbnm".split()
_ROW_OFFSET = (0.0, 0.25, 0.75)  # a keyboard's rows are staggered: "g" touches t, y above and v, b below
_NEIGHBOURS = {}
for _r, _row in enumerate(_KEYS):
    for _c, _ch in enumerate(_row):
        _near = {_row[_c - 1] if _c else "", _row[_c + 1] if _c + 1 < len(_row) else ""}
        for _rr in (_r - 1, _r + 1):
            if 0 <= _rr < len(_KEYS):
                _near |= {k for cc, k in enumerate(_KEYS[_rr]) if abs(_ROW_OFFSET[_rr] + cc - _ROW_OFFSET[_r] - _c) < 1}
        _NEIGHBOURS[_ch] = "".join(sorted(_near - {"", _ch}))


def edits1(word: str, neighbours: bool = True) -> set[str]:
    """Typing slips one edit away: deletion, transposition, doubling, and (with ``neighbours``) substitution /
    insertion of a neighbouring key.

    >>> sorted({"lnies", "liens", "linse", "lines", "lives"} & edits1("lines"))
    ['liens', 'linse', 'lnies']
    >>> sorted({"card", "cae", "caare"} & edits1("care")), sorted({"card", "cae", "caare"} & edits1("care", False))
    (['caare', 'cae', 'card'], ['caare', 'cae'])
    """
    out = set()
    for i, ch in enumerate(word):
        out.add(word[:i] + word[i + 1 :])
        out.add(word[:i] + ch + word[i:])
        if i + 1 < len(word):
            out.add(word[:i] + word[i + 1] + ch + word[i + 2 :])
        if neighbours:
            for k in _NEIGHBOURS.get(ch, ""):
                out.add(word[:i] + k + word[i + 1 :])
                out.add(word[:i] + k + word[i:])
    out.discard(word)
    return out


def _is_word(token: str, known: frozenset[str] | set[str]) -> bool:
    """A real word as far as the fuzzy stage can tell: known (English included), or "a"/"i". A short token that is
    not a known word ("rea", "sem", "tof") is a slip: "out of rea placements" is "out of area placements"."""
    return token in known or token in ("a", "i")


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Real words a near-miss must never be: the words of parliamentary debates (core/data/common_words.txt)."""
    path = Path(__file__).resolve().parent.parent / "data" / "common_words.txt"
    return frozenset(w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w and not w.startswith("#"))


@lru_cache(maxsize=1)
def _english_words() -> dict[str, int]:
    """English words from pyspellchecker's frequency list seen at least ENGLISH_MIN_COUNT times, with their
    counts: a near-miss that is one of them counts only inside a longer phrase ("runway" is not a slip of
    "runaways"), and not at all when it is a common word one key off ("card" for "care"). Rarer entries are
    left out: they include real slips and oddities ("kline", "vang")."""
    try:
        from importlib.resources import files

        data = (files("spellchecker") / "resources" / "en.json.gz").read_bytes()
    except (ImportError, FileNotFoundError, OSError):  # pragma: no cover - a declared dependency
        return {}
    counts = json.loads(gzip.decompress(data))
    return {w: c for w, c in counts.items() if c >= ENGLISH_MIN_COUNT and w.isascii() and w.isalpha()}


def map_back(x: int, segs: list[tuple], is_start: bool) -> int:
    """Offset in the substituted text -> offset in the original. ``segs``: (start, end in the substituted
    text, start, end in the original, the slip, the word put back, ...). Inside a substituted word, an offset
    in the part the slip shares with the word's beginning keeps its distance from the start, one in the part
    it shares with the word's end its distance from the end.

    >>> segs = [(0, 30, 0, 31, b"semii independent accommodation", b"semi independent accommodation")]
    >>> map_back(0, segs, True), map_back(16, segs, False), map_back(30, segs, False)
    (0, 17, 31)
    """
    delta = 0
    for ns, ne, os_, oe, slip, target, *_ in segs:
        if x < ns:
            break
        if x <= ne and (x < ne or not is_start):
            if x == ns and is_start:
                return os_
            if x == ne:
                return oe
            if x - ns <= len(os.path.commonprefix([slip, target])):
                return os_ + (x - ns)
            if ne - x <= len(os.path.commonprefix([slip[::-1], target[::-1]])):
                return oe - (ne - x)
            return min(os_ + (x - ns), oe)
        delta = oe - ne
    return x + delta
