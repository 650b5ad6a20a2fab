"""Tag passages with themes, each tag with its evidence (matched text, offsets, method, score, reason).

How it works (see the README, "How tagging works"):

1. **Input**: the passages' UTF-8 bytes, one per line (``tag_bytes``: bytes, a memory map or a memoryview,
   read in place, and where each passage ends when the caller knows; ``tag_columns`` encodes Python strings
   first, each on its own).
2. **Normalise and scan, a few MB at a time**: line breaks found (unless given), then one ``bytes.translate`` (lowercase,
   every other byte a space: same length, so offsets carry over), then two hyperscan scans while the piece
   is in the CPU's cache: every phrase, exclusion and context phrase of every theme (with plural and
   possessive variants and word boundaries; all occurrences, overlaps included), and the misspelling
   variants.
3. **Fuzzy**: one-edit typing slips (a letter dropped, doubled, swapped, or a neighbouring key on a
   staggered keyboard; spaces moved or lost in multi-word phrases), generated once per taxonomy into a
   hyperscan *literal* database: once per phrase word of 5+ letters, 4-letter words only inside longer
   phrases; real words (the taxonomy's words and common parliamentary words) are left out, and a slip that
   is an English word (pyspellchecker's frequency list) counts only inside a longer phrase, and not at all
   when it is a common word one key off. A passage with a variant has the intended word put back and is
   re-scanned (all such passages in one scan); each phrase found is mapped back to the original span and
   scored with rapidfuzz (``process.cpdist``, ``fuzz.ratio`` >= 80). Whether a passage holds a misspelling
   depends only on its own text.
4. **Context**: a context phrase counts only with one of its ``near`` words within ``window`` words; a
   ``cue`` counts only inside a section that is about the theme (its title matches, or at least
   ``section_share`` of its passages match directly). Near words and cues are scanned only in the
   windows and passages that can use them, each window for its own rule's near words only; their
   databases also match text as written (any case, punctuation between words), so the passages scanned
   for cues are not normalised first.
5. **Exclusions** cancel the matches they overlap.
6. **Evidence**: one row per (passage, theme, span), the strongest method kept; byte offsets become
   character offsets only for these rows.
"""
from __future__ import annotations

import gc
import gzip
import json
import mmap
import os
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from .taxonomy import _NORM_TABLE, _SCAN_TABLE, Taxonomy, TaxonomyError, normalise_phrase

try:  # hyperscan: ~1 GB/s multi-pattern scanning; the pure-Python fallback gives the same answers slowly
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    _hs = None

MIN_FUZZY_LEN = 5     # words shorter than this get misspelling variants only inside longer phrases
SHORT_WORD = 4
ENGLISH_MIN_COUNT = 100  # pyspellchecker's English list: words seen at least this often are real words
COMMON_ENGLISH = 1000    # ... and this often, common words: never a neighbouring-key slip ("card" for "care")
FUZZY_CUTOFF = 80     # rapidfuzz ratio of the misspelled span against the phrase
GAP = " {1,4}"       # between words: a space, or punctuation and a space ("Trapped” campaign": 4 bytes)
RAW_GAP = "[^a-z0-9]{1,4}"  # the same gap in text as written (matched case-insensitively); a line break inside
# a passage is a gap too, and a match across the line break that joins two scanned windows is dropped
SCAN_CHUNK = 1 << 22  # bytes normalised and scanned at a time (fits in the CPU's cache)
TAG_COLUMNS = ["passage_id", "theme", "matched_text", "start", "end", "method", "score", "reason"]
MIN_SECTION_WORDS = 12
METHOD_SCORE = {"exact": 1.0, "context": 0.8, "section": 0.6}
K_PHRASE, K_EXCLUSION, K_CONTEXT, K_VARIANT = 0, 1, 2, 3
M_EXACT, M_FUZZY, M_CONTEXT, M_SECTION = 0, 1, 2, 3
METHOD_NAMES = {M_EXACT: "exact", M_FUZZY: "fuzzy", M_CONTEXT: "context", M_SECTION: "section"}


def word_pattern(word: str, inflect: bool = True, gap: str = GAP, possessive: bool = True) -> str:
    """Regex for one normalised word with plural and (with ``possessive``) possessive variants.

    >>> word_pattern("lines"), word_pattern("county"), word_pattern("children", possessive=False)
    ('lines?(?: {1,4}s)?', 'count(?:y|ies)(?: {1,4}s)?', 'childrens?')
    """
    w = re.escape(word)
    if not inflect or not word.isalpha() or len(word) < 3:
        return w
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        body = f"{w[:-1]}(?:y|ies)"
    elif word.endswith("s") and not word.endswith("ss"):
        body = f"{w[:-1]}s?" if len(word) > 3 else w
    elif word.endswith(("ch", "sh", "x", "ss")):
        body = f"{w}(?:es)?"
    elif word.endswith("child"):
        body = f"{w}(?:ren)?"
    else:
        body = f"{w}s?"
    return body + "(?:" + gap + "s)?" if possessive else body


def phrase_pattern(phrase_norm: str, gap: str = GAP, possessive_end: bool = False) -> str:
    """Regex for a normalised phrase: its words with their variants, 1-4 bytes of space (or, with
    ``RAW_GAP``, of anything but letters and digits) between them. A possessive counts inside
    the phrase ("children's homes"); after its last word only with ``possessive_end`` (near words: "children's"
    then ends after its "s", which is not counted as a word between it and the phrase). Without it each
    occurrence has one match ("looked after children's" matches as "looked after children", not twice).

    >>> phrase_pattern("county lines", RAW_GAP)
    '\\\\bcount(?:y|ies)(?:[^a-z0-9]{1,4}s)?[^a-z0-9]{1,4}lines?\\\\b'
    """
    words = phrase_norm.split()
    last = len(words) - 1
    return r"\b" + gap.join(word_pattern(w, gap=gap, possessive=k < last or possessive_end)
                             for k, w in enumerate(words)) + r"\b"


@dataclass(frozen=True)
class Pat:
    theme: str
    kind: str          # phrase | exclusion | context | near | cue
    text: str          # the taxonomy phrase as written
    norm: str          # normalised phrase
    rule: int = -1     # context rule index for context / near


_TOKEN = re.compile(rb"[a-z0-9]+")


class Scanner:
    """One compiled multi-pattern database; ``scan_arrays(buf)`` -> (pattern ids, starts, ends) as numpy
    arrays, every occurrence, overlaps included.

    ``literal=True``: the patterns are plain strings delimited by spaces (compiled ~50x faster than
    word-boundary regexes); the reported span leaves the delimiting spaces out. ``raw=True``: the phrases
    are matched in text as written (any case, punctuation between words) as well as in normalised text,
    so the text need not be normalised first."""

    def __init__(self, pats: list[Pat], patterns: list[str] | None = None, literal: bool = False,
                 raw: bool = False, possessive_end: bool = False):
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
            self.db = self._compile([_hs.HS_FLAG_SOM_LEFTMOST | (_hs.HS_FLAG_CASELESS if raw else 0)] * len(self.regexes))
        else:
            self.compiled = [re.compile(r.encode(), re.IGNORECASE if raw else 0) for r in self.regexes]

    def _compile(self, flags: list[int], literal: bool = False):
        """The hyperscan database; a pattern it cannot take (hyperscan has size limits) is a TaxonomyError
        that names its theme and phrase, found by compiling the patterns one by one."""
        def compile_(exprs, fl):
            db = _hs.Database()
            db.compile(expressions=[r.encode() for r in exprs], ids=list(range(len(exprs))), elements=len(exprs),
                       flags=fl, literal=literal)
            return db
        try:
            return compile_(self.regexes, flags)
        except _hs.error as exc:
            for regex, flag, p in zip(self.regexes, flags, self.pats):
                try:
                    compile_([regex], [flag])
                except _hs.error as one:
                    raise TaxonomyError(f"theme '{p.theme}': {p.kind} {p.text!r} cannot be compiled into the "
                                        f"matcher ({one}); shorten it or split it") from exc
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
            self.db.scan(buf, match_event_handler=lambda pid, start, end, _f, _c: add((pid, start, end)),
                         scratch=scratch)
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


class Tagger:
    """Compiled once per taxonomy; ``tag_texts`` tags any list of texts."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        main: list[Pat] = []
        aux: list[Pat] = []
        for t in taxonomy.themes:
            main += [Pat(t.id, "phrase", p, normalise_phrase(p)) for p in t.phrases]
            main += [Pat(t.id, "exclusion", p, normalise_phrase(p)) for p in t.exclusions]
            for k, rule in enumerate(t.context):
                main += [Pat(t.id, "context", p, normalise_phrase(p), k) for p in rule.phrases]
                aux += [Pat(t.id, "near", p, normalise_phrase(p), k) for p in rule.near]
            aux += [Pat(t.id, "cue", p, normalise_phrase(p)) for p in t.cues]
        variants = self._variant_pats(main, aux)  # from every phrase as written: the variants are plain strings
        # "county line" and "county lines" compile to the same pattern: it is scanned once, and counts for both
        merged: dict[tuple, list[Pat]] = {}
        for p in main:
            merged.setdefault((p.theme, p.kind, p.rule, phrase_pattern(p.norm)), []).append(p)
        main = [group[0] for group in merged.values()]
        self.phrase_count = len(main)
        self.main = Scanner(main)
        self.main.pats.extend(variants)  # pattern ids of the variant scanner follow the main ones
        self.variants = Scanner(variants, [f" {p.norm} " for p in variants], literal=True)
        near_pats = [p for p in aux if p.kind == "near"]
        first_near: dict[str, Pat] = {}  # each near word once, whichever rules use it
        for p in near_pats:
            first_near.setdefault(p.norm, p)
        self.near_pats = list(first_near.values())
        near_index = {w: k for k, w in enumerate(first_near)}
        # a cue's forms ("gang", "gangs") compile to one pattern: scanned once, so that each occurrence is
        # one cue (two patterns matching the same word would take two of a passage's three cue places)
        cue_index: dict[tuple[str, str], Pat] = {}
        for p in aux:
            if p.kind == "cue":
                cue_index.setdefault((p.theme, phrase_pattern(p.norm)), p)
        cue_pats = list(cue_index.values())
        # one cue database per theme: only the passages that can use a theme's cues are scanned with them
        self.cue_pats = cue_pats
        labels = {t.id: t.label for t in taxonomy.themes}
        self._cue_reason = [f"cue '{q.text}' in a section about {labels[q.theme]}" for q in cue_pats]
        self._reason_cache: dict[tuple[int, int], str] = {}
        self.cue_scanners = {}
        self._cue_offset = {}
        for k, t in enumerate(taxonomy.themes):
            mine = [p for p in cue_pats if p.theme == t.id]
            if mine:
                self._cue_offset[k] = cue_pats.index(mine[0])
                self.cue_scanners[k] = Scanner(mine, raw=True)  # scans the passages as written
        # per-pattern lookup arrays for the vectorised stages
        self._theme_index = {t.id: k for k, t in enumerate(taxonomy.themes)}
        kinds = {"phrase": K_PHRASE, "exclusion": K_EXCLUSION, "context": K_CONTEXT, "variant": K_VARIANT}
        mp = self.main.pats
        self._kind_codes = np.array([kinds[p.kind] for p in mp], dtype=np.int8)
        self._theme_codes = np.array([self._theme_index[p.theme] for p in mp], dtype=np.int64)
        rule_key = {}
        for p in mp + near_pats:
            if p.kind in ("context", "near"):
                rule_key.setdefault((p.theme, p.rule), len(rule_key))
        self._ctx_rule = np.array([rule_key.get((p.theme, p.rule), -1) if p.kind == "context" else -1 for p in mp])
        # one near-word database per context rule: a window is scanned only for its own rule's near words
        rule_near: list[dict[int, None]] = [{} for _ in rule_key]
        for p in near_pats:
            rule_near[rule_key[(p.theme, p.rule)]][near_index[p.norm]] = None
        self._near_by_rule = [(Scanner([self.near_pats[k] for k in sorted(ids)], raw=True, possessive_end=True),
                               np.array(sorted(ids)))
                              for ids in rule_near]
        windows = [taxonomy.theme(p.theme).context[p.rule].window if p.kind == "context" else 0 for p in mp]
        self._window = np.array(windows, dtype=np.int64)
        self._reach = self._window * 10  # bytes either side scanned for near words (~6 per word; generous)
        self._pid_of_phrase = {(p.theme, p.text): k for k, p in enumerate(mp) if p.kind == "phrase"}

    # ---- fuzzy: one-edit typing slips, compiled once per taxonomy into a literal database --------------
    def _variant_pats(self, phrase_pats: list[Pat], other_words: list[Pat] = ()) -> list[Pat]:
        """Typing slips of the phrases: one letter dropped, doubled, swapped, or replaced / inserted by a
        neighbouring key. Slips inside a phrase word of 5+ letters are generated once per word (a hit on
        "chidlren" is confirmed by finding a phrase once "children" is put back); multi-word phrases also
        get their slips in short words and spaces ("out of aera placements", "count ylines",
        "countylines", "out of rea placements"). A variant made only of real words (the taxonomy's own words,
        phrases, near words and cues, common parliamentary words, English words) is never used: "one missing"
        is not a slip of "gone missing", "teenager" not of "teenagers", "county lies" not of "county lines"; a
        short token that is no word ("rea", "sem") is a slip. A slip that is an English word ("levers", "runway")
        counts only inside a longer phrase whose other words are there: "care levers" is a slip of "care
        leavers", "a new runway" is not about runaways. Such slips, and those of 4-letter words, are kept in
        ``self._inside_only``. A common English word one key off is never a slip ("leaving card" is not
        "leaving care"; the rarer "children in cate" is). Whether a passage's text is a slip depends only on
        that text and the taxonomy, never on what else is tagged with it."""
        known = _common_words() | {w for p in [*phrase_pats, *other_words] for w in p.norm.split()}
        english = _english_words()
        out: dict[str, Pat] = {}
        self._inside_only: set[str] = set()
        phrases = [p for p in phrase_pats if p.kind == "phrase"]
        in_longer = {w for p in phrases if " " in p.norm for w in p.norm.split()}
        for p in phrases:
            for w in p.norm.split():
                # 4-letter words ("area", "care") only as part of a longer phrase, which must then match
                if w.isalpha() and (len(w) >= MIN_FUZZY_LEN or (len(w) == SHORT_WORD and w in in_longer)):
                    plain = edits1(w, neighbours=False)
                    for v in edits1(w):
                        if len(v) < SHORT_WORD or v in known or v in out or (v in english and w not in in_longer):
                            continue
                        if english.get(v, 0) >= COMMON_ENGLISH and v not in plain:
                            continue  # "leaving card" is not "leaving care": a common word, one key off
                        out[v] = Pat(p.theme, "variant", w, v)
                        if v in english or len(w) == SHORT_WORD:
                            self._inside_only.add(v)
        known = known | set(english)
        for p in phrases:
            words = p.norm.split()
            if len(words) < 2:
                continue
            for v in edits1(p.norm):
                toks = v.split()
                if (not toks or len(v) - len(toks) + 1 < MIN_FUZZY_LEN
                        or all(_is_word(t, known) for t in toks)):
                    continue  # real words all: "count lines", "county lies", "out off area" (not "out of rea")
                if len(toks) == len(words):
                    changed = [(w, t) for t, w in zip(toks, words) if t != w]
                    if (len(changed) == 1 and len(changed[0][0]) >= SHORT_WORD and changed[0][0].isalpha()
                            and len(changed[0][1]) >= SHORT_WORD):
                        continue  # a slip inside one word: that word's variant covers it
                out.setdefault(" ".join(toks), Pat(p.theme, "variant", p.norm, " ".join(toks)))
        return list(out.values())

    def _fuzzy(self, buf: bytes, starts, ends, variant_hits: dict[int, list]):
        """Confirm variant hits: substitute the intended word, re-scan those passages for phrases, map the
        match back to the original text and score it with rapidfuzz against the phrase. Each passage is
        judged on its own text: what else is tagged with it makes no difference."""
        batch: list[tuple[int, bytes, list]] = []  # passage, its text, the substitutions made
        pieces: list[bytes] = []
        for i, lst in variant_hits.items():
            subs = []
            for p, s, e in (sorted(lst, key=lambda x: (x[1], -x[2])) if len(lst) > 1 else lst):  # longest first
                if subs and s < subs[-1][1]:
                    continue
                subs.append((s, e, p.text.encode(), p.norm in self._inside_only))
            if not subs:
                continue
            norm = buf[starts[i]:ends[i]]
            new, segs, pos, delta = [], [], 0, 0
            for s, e, target, inside_only in subs:
                new.append(norm[pos:s])
                ns = s + delta
                new.append(target)
                segs.append((ns, ns + len(target), s, e, norm[s:e], target, inside_only))
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
        pid_, ms_, me_ = self.main.scan_arrays(b"\n".join(pieces))
        which = np.searchsorted(offsets, ms_, side="right") - 1
        rows = list(zip(pid_.tolist(), which.tolist(), (ms_ - offsets[which]).tolist(), (me_ - offsets[which]).tolist()))
        excluded: dict[int, list] = defaultdict(list)  # exclusions in the corrected text ("county lines bus")
        for pid, k, ms, me in rows:
            if self.main.pats[pid].kind == "exclusion":
                excluded[k].append((self.main.pats[pid].theme, ms, me))
        for pid, k, ms, me in rows:
            pat = self.main.pats[pid]
            if pat.kind != "phrase":
                continue
            if any(th == pat.theme and ms < xe and xs < me for th, xs, xe in excluded.get(k, ())):
                continue  # cancelled by an exclusion, as an exact match would be
            i, norm, segs = batch[k]
            hit = [g for g in segs if g[0] < me and ms < g[1]]
            if not hit or (" " not in pat.norm and all(g[6] for g in hit)):
                continue  # a 4-letter or an English word put back counts only inside a longer phrase
            s0, e0 = _map_back(ms, segs, True), _map_back(me, segs, False)
            while e0 > s0 and norm[e0 - 1] == 32:  # a moved space: "semi-independen taccommodation"
                e0 -= 1
            found.append((i, pat, s0, e0))
        if not found:
            return []
        spans = [" ".join(buf[starts[i] + s:starts[i] + e].decode("ascii", "ignore").split()) for i, _p, s, e in found]
        scores = process.cpdist(spans, [p.norm for _i, p, _s, _e in found], scorer=fuzz.ratio,
                                score_cutoff=FUZZY_CUTOFF, workers=-1)
        return [(i, p, s, e, round(float(sc) / 100, 3)) for (i, p, s, e), sc in zip(found, scores) if sc >= FUZZY_CUTOFF]

    # ---- main entry --------------------------------------------------------------------------------
    def tag_texts(self, texts: list[str], groups: list[object] | None = None, titles: dict[object, str] | None = None,
                  fuzzy: bool = True) -> list[list[dict]]:
        """Tag ``texts``. ``groups`` gives each text's section key and ``titles`` each section's title, so
        section context can apply. Returns, per text, a list of evidence dicts (TAG_COLUMNS minus id)."""
        cols = self.tag_columns(texts, groups, titles, fuzzy)
        out: list[list[dict]] = [[] for _ in texts]
        keys = ("theme", "matched_text", "start", "end", "method", "score", "reason")
        for row in zip(cols["text"], *(cols[k] for k in keys)):
            out[row[0]].append(dict(zip(keys, row[1:])))
        return out

    def tag_columns(self, texts: list[str], groups: list[object] | None = None, titles: dict[object, str] | None = None,
                    fuzzy: bool = True) -> dict[str, list]:
        """The tagger's core, columnar: evidence rows as parallel lists (``text`` is the index into
        ``texts``; offsets are character offsets into that text)."""
        # each text encoded on its own (faster than encoding one joined string), so each one's end is known
        # (a line break inside a text is then a space, as in tag_bytes with line_ends)
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        raw = b"\n".join([*encoded, b""])
        line_ends = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) + 1) - 1
        return self._run(raw, groups, titles, fuzzy, texts, line_ends)

    def tag_bytes(self, raw: bytes, groups: list[object] | np.ndarray | None = None,
                  titles: dict[object, str] | None = None, fuzzy: bool = True,
                  line_ends: np.ndarray | None = None) -> dict[str, list]:
        """Tag UTF-8 text holding one passage per line, as a store or a file hands it over (no decoding
        to Python strings first): bytes, a memory-mapped file or a memoryview of one (read in place).
        Same result as ``tag_columns`` on the lines of ``raw``.

        ``line_ends``: where each passage ends (the offset of its line break, or ``len(raw)`` for a last
        passage without one), when the caller already knows (a store keeps each passage's length); they
        are checked instead of searched for. A line break inside a passage is then read as a space."""
        if not isinstance(raw, (bytes, mmap.mmap)):  # a memory map is read in place, as the passages need it
            raw = memoryview(raw).cast("B")
        if line_ends is not None:
            line_ends = _checked_line_ends(raw, line_ends)
        return self._run(raw, groups, titles, fuzzy, None, line_ends)

    def _run(self, raw, groups, titles, fuzzy, texts, line_ends=None) -> dict[str, list]:
        gc_was_enabled = gc.isenabled()
        gc.disable()  # many short-lived tuples: the cyclic collector only costs time here
        try:
            return self._tag(raw, groups, titles, fuzzy, texts, line_ends)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _tag(self, raw: bytes, groups, titles, fuzzy: bool, texts: list[str] | None,
             line_ends: np.ndarray | None = None) -> dict[str, list]:
        # passages are the lines of `raw`; the normalised copy has the same length, so the same offsets
        (hp, hs, he), nl = self._scan(raw, fuzzy, line_ends is None)
        if line_ends is not None:
            ends = line_ends
        else:
            ends = nl if (not len(raw) or raw[-1:] == b"\n") else np.append(nl, len(raw))
        n = len(ends)
        starts = np.empty(n, dtype=np.int64)
        if n:
            starts[0] = 0
            starts[1:] = ends[:-1] + 1
        buf = _Normalised(raw)
        if groups is None:
            groups = np.arange(n)
        if len(groups) != n:
            raise ValueError(f"{len(groups)} section keys for {n} passages")
        gcodes, guniq = pd.factorize(np.asarray(groups) if isinstance(groups, np.ndarray) else
                                     pd.Series(list(groups), dtype=object))
        gcodes = np.asarray(gcodes, dtype=np.int64)

        pats = self.main.pats
        kind_of = self._kind_codes
        theme_of = self._theme_codes
        ht = np.searchsorted(starts, hs, side="right") - 1
        ok = (ht >= 0) & (he <= ends[np.maximum(ht, 0)])  # nothing runs from one text into the next
        if not ok.all():
            hp, hs, he, ht = hp[ok], hs[ok], he[ok], ht[ok]
        hk = kind_of[hp]
        hth = theme_of[hp]
        keep = np.ones(len(hp), dtype=bool)

        # exclusions cancel overlapping matches of the same theme (few texts have any)
        ex = np.flatnonzero(hk == K_EXCLUSION)
        if len(ex):
            keep[ex] = False
            for i in np.unique(ht[ex]):
                rows = np.flatnonzero(ht == i)
                xs = [(hth[r], hs[r], he[r]) for r in rows if hk[r] == K_EXCLUSION]
                for r in rows:
                    if hk[r] != K_EXCLUSION and any(t == hth[r] and hs[r] < e and s < he[r] for t, s, e in xs):
                        keep[r] = False

        # evidence accumulators (absolute offsets): text, theme, start, end, method, score, reason key
        ev: list[tuple] = []
        direct = np.flatnonzero(keep & (hk == K_PHRASE))
        ev.append((ht[direct], hth[direct], hs[direct], he[direct], M_EXACT, 1.0, hp[direct]))

        var = np.flatnonzero(hk == K_VARIANT)
        if len(var):
            variant_hits: dict[int, list] = defaultdict(list)
            vi = ht[var]
            for i, p, s, e in zip(vi.tolist(), hp[var].tolist(), (hs[var] - starts[vi]).tolist(),
                                  (he[var] - starts[vi]).tolist()):
                variant_hits[i].append((pats[p], s, e))
            fz = self._fuzzy(buf, starts, ends, variant_hits)
            if fz:
                fi = np.array([f[0] for f in fz], dtype=np.int64)
                ev.append((fi, np.array([self._theme_index[f[1].theme] for f in fz]),
                           starts[fi] + np.array([f[2] for f in fz]), starts[fi] + np.array([f[3] for f in fz]),
                           M_FUZZY, np.array([f[4] for f in fz]),
                           np.array([self._pid_of_phrase[(f[1].theme, f[1].text)] for f in fz])))

        # context phrases: valid only with a near word within the rule's window; only a window of text
        # around each candidate is scanned for near words
        cand = np.flatnonzero(keep & (hk == K_CONTEXT))
        T = len(self.taxonomy.themes)
        tagged = np.zeros((n, T), dtype=bool)  # passage x theme: tagged so far
        tagged[ht[direct], hth[direct]] = True
        if len(cand):  # a theme already matched directly needs no context evidence
            cand = cand[~tagged[ht[cand], hth[cand]]]
        for e in ev[1:]:  # fuzzy evidence
            tagged[e[0], e[1]] = True
        if len(cand) and self.near_pats:
            ctx = self._context(buf, starts, ends, cand, hp, hs, he, ht, hth)
            if ctx is not None:
                ev.append(ctx)
                tagged[ctx[0], ctx[1]] = True

        tagged_keys = np.flatnonzero(tagged.reshape(-1))
        about = self._sections(tagged_keys, gcodes, guniq, n, T, titles or {}, fuzzy)

        # cues: in sections about a theme, the passages not yet tagged with it
        if about and self.cue_scanners:
            cue = self._cue_rows(buf, starts, ends, n, gcodes, T, tagged, about)
            if cue is not None:
                ev.append(cue)
        return self._assemble(ev, raw, starts, ends, texts, list(about.values()))

    def _scan(self, raw: bytes, fuzzy: bool, find_breaks: bool = True):
        """Phrases and (with ``fuzzy``) misspelling variants, every match, as (pattern ids, starts, ends),
        and (with ``find_breaks``) the offsets of the line breaks. The text is taken a few MB at a time (whole lines): its line
        breaks found, normalised and scanned twice while it is still in the CPU's cache; no normalised
        copy of the whole text is kept."""
        out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        breaks: list[np.ndarray] = []
        pos, size = 0, len(raw)
        while pos < size:
            end = _line_end(raw, pos + SCAN_CHUNK)
            lo = max(pos - 1, 0)  # the line break before a passage: a space before its first word
            piece = _cut(raw, lo, end)
            if find_breaks:
                found = _newlines(piece)
                breaks.append((found[1:] if lo < pos else found) + lo)  # pieces overlap by that line break
            chunk = piece.translate(_SCAN_TABLE)
            p, a, b = self.main.scan_arrays(chunk)
            out.append((p, a + lo, b + lo))
            if fuzzy and self.variants.regexes:
                p, a, b = self.variants.scan_arrays(chunk)
                out.append((p + self.phrase_count, a + lo, b + lo))
                if lo == 0:  # the very first word has no space before it
                    p, a, b = self.variants.scan_arrays(b" " + chunk[:128])
                    first = a == 1
                    out.append((p[first] + self.phrase_count, a[first] - 1, b[first] - 1))
                if end == size:  # nor the very last a space after it
                    tail = max(len(chunk) - 128, 0)
                    p, a, b = self.variants.scan_arrays(chunk[tail:] + b" ")
                    last = b == len(chunk) - tail
                    out.append((p[last] + self.phrase_count, a[last] + tail + lo, b[last] + tail + lo))
            pos = end
        nl = np.concatenate(breaks) if breaks else np.zeros(0, dtype=np.int64)
        if not out:
            z = np.zeros(0, dtype=np.int64)
            return (z, z, z), nl
        return tuple(np.concatenate(x) for x in zip(*out)), nl

    def _context(self, buf, starts, ends, cand, hp, hs, he, ht, hth):
        """Context candidates (rows of the hits) that have one of their rule's near words within the rule's
        window: (text, theme, start, end, method, score, reason key) for each, in candidate order."""
        rules = self._ctx_rule[hp[cand]]
        found = [self._near_words(buf, starts, ends, cand[rules == r], r, hp, hs, he, ht)
                 for r in np.unique(rules).tolist()]
        found = [f for f in found if f is not None]
        if not found:
            return None
        c, near = (np.concatenate(x) for x in zip(*found))
        order = np.argsort(c, kind="stable")
        c, near = c[order], near[order]
        return (ht[c], hth[c], hs[c], he[c], M_CONTEXT, METHOD_SCORE["context"], hp[c] * 100_000 + near)

    def _near_words(self, buf, starts, ends, cand, rule, hp, hs, he, ht):
        """For the candidates of one context rule: (candidate rows, the near word found) where one of the
        rule's near words lies within the window; only a window of text around each candidate is scanned."""
        scanner, near_ids = self._near_by_rule[rule]
        reach = self._reach[hp[cand]]
        lo = np.maximum(starts[ht[cand]], hs[cand] - reach)
        hi = np.minimum(ends[ht[cand]], he[cand] + reach)
        window_buf, sub_starts = buf.join(lo, hi)
        near_p, near_s, near_e = scanner.scan_arrays(window_buf)
        if not len(near_p):
            return None
        # a near word counts when it does not overlap the phrase and at most `window` words lie between
        # them; words are counted with a running count of word starts over the scanned windows
        w = np.frombuffer(window_buf, dtype=np.uint8)
        alnum = (w != 32) & (w != 10)
        word_start = np.empty(len(w) + 1, dtype=np.int32)
        word_start[0] = 0
        np.cumsum(alnum & ~np.r_[False, alnum[:-1]], out=word_start[1:])
        q = np.searchsorted(sub_starts, near_s, side="right") - 1
        c = cand[q]
        shift = sub_starts[q] - lo[q]  # buffer offset -> window-buffer offset
        s0, e0 = hs[c] + shift, he[c] + shift
        after = near_s >= e0
        gap = np.where(after, word_start[np.where(after, near_s, e0)] - word_start[e0],
                       word_start[s0] - word_start[np.minimum(near_e, s0)])
        valid = (~((near_s < e0) & (s0 < near_e)) & (gap <= self._window[hp[c]])
                 & (near_e <= sub_starts[q] + hi[q] - lo[q]))  # not running into the next window
        j = np.flatnonzero(valid)
        if not len(j):
            return None
        _, first = np.unique(q[j], return_index=True)  # the first near word found for each candidate
        j = j[first]
        return cand[q[j]], near_ids[near_p[j]]

    def _sections(self, tagged_keys, gcodes, guniq, n, T, titles, fuzzy) -> dict[int, str]:
        """Sections about a theme: the title matches, or enough of the passages match directly or in
        context. Returns {group code * T + theme: the reason, in words}."""
        sizes = np.bincount(gcodes, minlength=len(guniq))
        about: dict[int, str] = {}
        if len(tagged_keys):
            tk_text, tk_theme = tagged_keys // T, tagged_keys % T
            gk, counts = np.unique(gcodes[tk_text] * T + tk_theme, return_counts=True)
            share = self.taxonomy.section_share
            good = (counts >= 2) & (counts / sizes[gk // T] >= share)
            for key, c in zip(gk[good].tolist(), counts[good].tolist()):
                about[key] = f"{c} of {sizes[key // T]} passages in section match"
        keys = [k for k in titles if titles[k]]
        if keys:
            codes = guniq.get_indexer(keys) if hasattr(guniq, "get_indexer") else pd.Index(guniq).get_indexer(keys)
            keys = [(k, c) for k, c in zip(keys, codes.tolist()) if c >= 0]
            title_texts = [" ".join(titles[k].split()) for k, _c in keys]
            tags = self.tag_columns(title_texts, fuzzy=fuzzy)
            for i, theme in zip(tags["text"], tags["theme"]):
                about[keys[i][1] * T + self._theme_index[theme]] = f"section title '{title_texts[i]}' matches"
        return about

    def _cue_rows(self, buf, starts, ends, n, gcodes, T, tagged, about):
        """Cue words in the passages of sections about a theme that are not yet tagged with it (``tagged``:
        passage x theme), at most three per passage and theme (the earliest); one scan per theme over just
        those passages."""
        about_keys = np.fromiter(about, dtype=np.int64)
        by_key = np.argsort(about_keys)  # section key -> its place in `about` (the reason's index)
        about_mat = np.zeros((int(gcodes.max()) + 1, T), dtype=bool)
        about_mat[about_keys // T, about_keys % T] = True
        out = []
        for t in np.unique(about_keys % T).tolist():
            scanner = self.cue_scanners.get(t)
            if scanner is None:
                continue
            members = np.flatnonzero(about_mat[gcodes, t] & ~tagged[:, t])
            lens = ends[members] - starts[members]
            colon = (lens > 0) & (np.frombuffer(buf.raw, dtype=np.uint8)[np.maximum(ends[members] - 1, 0)] == ord(":"))
            short = np.flatnonzero((lens < 20 * MIN_SECTION_WORDS) | (colon & (lens < 40 * MIN_SECTION_WORDS)))
            if len(short):  # "X said:" lines carry no evidence of their own
                says_nothing = _says_nothing(buf.raw, starts[members[short]], ends[members[short]])
                members = np.delete(members, short[says_nothing])
            if not len(members):
                continue
            lo, hi = starts[members], ends[members]
            members_buf, sub_starts = buf.join(lo, hi, normalise=False)
            cp, cs, ce = scanner.scan_arrays(members_buf)
            if not len(cp):
                continue
            q = np.searchsorted(sub_starts, cs, side="right") - 1
            inside = ce <= sub_starts[q] + hi[q] - lo[q]  # not running into the next passage
            if not inside.all():
                q, cp, cs, ce = q[inside], cp[inside], cs[inside], ce[inside]
                if not len(q):
                    continue
            order = np.lexsort((ce, cp, q))  # each cue's first occurrence in a passage, then the earliest three
            q, cp, cs, ce = q[order], cp[order], cs[order], ce[order]
            once = np.r_[True, (q[1:] != q[:-1]) | (cp[1:] != cp[:-1])]
            q, cp, cs, ce = q[once], cp[once], cs[once], ce[once]
            order = np.lexsort((ce, q))
            q, cp, cs, ce = q[order], cp[order], cs[order], ce[order]
            first = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
            rank = np.arange(len(q)) - np.repeat(first, np.diff(np.r_[first, len(q)]))
            top = rank < 3
            q, cp, cs, ce = q[top], cp[top], cs[top], ce[top]
            i = members[q]
            whys = by_key[np.searchsorted(about_keys, gcodes[i] * T + t, sorter=by_key)]
            out.append((i, np.full(len(i), t), cs - sub_starts[q] + lo[q], ce - sub_starts[q] + lo[q],
                        (cp + self._cue_offset[t]) * 1_000_000 + whys))
        if not out:
            return None
        i, t, s, e, why = (np.concatenate(x) for x in zip(*out))
        return (i, t, s, e, M_SECTION, METHOD_SCORE["section"], why)

    def _assemble(self, ev, raw: bytes, starts, ends, texts: list[str] | None, about_why) -> dict[str, list]:
        """Evidence rows: one per (text, theme, span), the strongest method first; character offsets."""
        cols = [[], [], [], [], [], [], []]
        for text, theme, s, e, method, score, why in ev:
            k = len(text)
            for col, x in zip(cols, (text, theme, s, e, np.full(k, method, dtype=np.int8),
                                     np.broadcast_to(np.asarray(score, dtype=float), (k,)), why)):
                col.append(np.asarray(x))
        text, theme, s_abs, e_abs, method, score, why = (np.concatenate(c) for c in cols)
        text, theme, s_abs, e_abs, why = (x.astype(np.int64) for x in (text, theme, s_abs, e_abs, why))
        order = np.lexsort((method, e_abs, s_abs, theme, text))
        text, theme, s_abs, e_abs, method, score, why = (x[order] for x in (text, theme, s_abs, e_abs, method, score, why))
        if len(text):
            first = np.ones(len(text), dtype=bool)
            first[1:] = (np.diff(text) != 0) | (np.diff(theme) != 0) | (np.diff(s_abs) != 0) | (np.diff(e_abs) != 0)
            text, theme, s_abs, e_abs, method, score, why = (x[first] for x in (text, theme, s_abs, e_abs, method, score, why))
        tl = text.tolist()
        cs, ce, matched = _char_spans(raw, starts, ends, text, s_abs, e_abs, texts is None)
        if texts is not None:  # the text as given (a line break inside a passage was scanned as a space)
            matched = [texts[i][a:b] for i, a, b in zip(tl, cs, ce)]
        ukey, inv = np.unique(method.astype(np.int64) * (1 << 40) + why, return_inverse=True)
        reasons = np.array(self._reasons(ukey >> 40, ukey & ((1 << 40) - 1), about_why), dtype=object)
        ids = np.array(self.taxonomy.ids, dtype=object)
        names = np.array([METHOD_NAMES[k] for k in sorted(METHOD_NAMES)], dtype=object)
        return {
            "text": tl,
            "theme": ids[theme].tolist(),
            "matched_text": matched,
            "start": cs,
            "end": ce,
            "method": names[method].tolist(),
            "score": np.round(score, 3).tolist(),
            "reason": reasons[inv.reshape(-1)].tolist() if len(tl) else [],
        }

    def _reasons(self, methods: np.ndarray, whys: np.ndarray, about_why: list[str]) -> list[str]:
        """The reason, in words, for each (method, reason key); a section's reasons are built here (one per
        cue and section), the others once per tagger."""
        cache, cue_reason = self._reason_cache, self._cue_reason
        out = []
        for m, w in zip(methods.tolist(), whys.tolist()):
            if m == M_SECTION:
                out.append(f"{cue_reason[w // 1_000_000]} ({about_why[w % 1_000_000]})")
                continue
            r = cache.get((m, w))
            if r is None:
                r = cache[(m, w)] = self._reason(m, w)
            out.append(r)
        return out

    def _reason(self, method: int, why: int) -> str:
        """The reason, in words, for an exact, fuzzy or context tag (section reasons: ``_reasons``)."""
        pats = self.main.pats
        if method == M_EXACT:
            return f"phrase '{pats[why].text}'"
        if method == M_FUZZY:
            return f"near-miss of '{pats[why].text}'"
        p, q = pats[why // 100_000], self.near_pats[why % 100_000]  # context
        window = self.taxonomy.theme(p.theme).context[p.rule].window
        return f"'{p.text}' within {window} words of '{q.text}'"


def _says_nothing(raw, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which passages are too short to be a section's evidence (under ``MIN_SECTION_WORDS`` words), or are a
    line that introduces a quotation: one sentence, under twice that, ending in a colon (“Sam Royston,
    Director of Policy and Research at The Children’s Society, said:” names who speaks, not what about).

    >>> lines = [b"Worryingly, the report states:",
    ...          b"Sam Royston, Director of Policy and Research at The Children's Society, said:",
    ...          b"Gangs groom children in care. Officers told us what they found in every town:"]
    >>> raw = b"\\n".join(lines); ends = np.cumsum([len(x) + 1 for x in lines]) - 1
    >>> _says_nothing(raw, ends - [len(x) for x in lines], ends).tolist()
    [True, True, False]
    """
    texts = [_cut(raw, a, b) for a, b in zip(starts.tolist(), ends.tolist())]
    words = np.array([len(t.translate(_SCAN_TABLE).split()) for t in texts], dtype=np.int64)  # a URL's parts count
    out = words < MIN_SECTION_WORDS
    for k in np.flatnonzero(~out & (words < 2 * MIN_SECTION_WORDS)).tolist():
        out[k] = texts[k].endswith(b":") and b". " not in texts[k]
    return out


def _cut(raw, a: int, b: int) -> bytes:
    """``raw[a:b]`` as bytes, whether ``raw`` is bytes, a memory map or a memoryview."""
    piece = raw[a:b]
    return piece if isinstance(piece, bytes) else bytes(piece)


class _Normalised:
    """The normalised text, made on demand: a slice, or several slices joined by line breaks."""

    def __init__(self, raw: bytes):
        self.raw = raw
        self._mv = memoryview(raw)

    def __getitem__(self, key: slice) -> bytes:
        return _cut(self.raw, key.start, key.stop).translate(_SCAN_TABLE)

    def join(self, lo: np.ndarray, hi: np.ndarray, normalise: bool = True) -> tuple[bytes, np.ndarray]:
        """The slices joined by line breaks (normalised, or as written), and where each begins."""
        joined, where = _join_lines(self._mv, lo, hi)
        return (joined.translate(_NORM_TABLE) if normalise else joined), where


def _join_lines(mv: memoryview, lo: np.ndarray, hi: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The slices ``mv[lo[k]:hi[k]]`` joined by line breaks, and the offset where each begins. Slices that
    follow each other in ``mv`` with a line break between (consecutive passages) are copied as one run.

    >>> j, at = _join_lines(memoryview(b"ab\\ncd\\nef"), np.array([0, 3, 6]), np.array([2, 5, 8]))
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


def _char_spans(raw: bytes, starts, ends, text: np.ndarray, s_abs: np.ndarray, e_abs: np.ndarray,
                with_text: bool = True):
    """Byte offsets -> character offsets within each passage, and the matched text. Characters before an
    offset = bytes before it minus the UTF-8 continuation bytes before it (found in just the passages
    with evidence). Spans begin and end at ASCII letters or digits, so they fall on character boundaries.
    ``text`` (each row's passage) is sorted."""
    if not len(text):
        return [], [], []
    if isinstance(raw, bytes) and raw.isascii():
        base = starts[text]
        return ((s_abs - base).tolist(), (e_abs - base).tolist(),
                [raw[x:y].decode("ascii") for x, y in zip(s_abs.tolist(), e_abs.tolist())] if with_text else [])
    new_passage = np.r_[True, text[1:] != text[:-1]]
    passages, row_passage = text[new_passage], np.cumsum(new_passage) - 1
    lo, hi = starts[passages], ends[passages]
    if 2 * int((hi - lo).sum()) >= len(raw):  # evidence in most of the text: read it in place, no copy
        sub, sub_starts = raw, lo
    else:  # just the passages with evidence, joined
        sub, sub_starts = _join_lines(memoryview(raw), lo, hi)
    high = np.flatnonzero(np.frombuffer(sub, dtype=np.int8) < 0)  # the non-ASCII bytes
    values = np.frombuffer(sub, dtype=np.uint8)[high]
    continuation = high[values < 0xC0]  # 10xxxxxx

    def passage_by_passage():  # offsets counting characters as decoded, invalid bytes replaced
        return _char_spans_slow(raw, starts, ends, text.tolist(), (s_abs - starts[text]).tolist(),
                                (e_abs - starts[text]).tolist())
    if not _valid_utf8(high, values, strict=with_text):
        return passage_by_passage()
    shift = sub_starts[row_passage] - starts[text]  # raw offset -> offset in `sub`

    def chars(x):  # character offset of `sub` offset x
        return x - np.searchsorted(continuation, x)
    base = chars(sub_starts[row_passage])
    matched = []
    if with_text:  # the matched spans (valid UTF-8, checked above) gathered with line breaks between, decoded at once
        matched = _gather(sub, s_abs + shift, e_abs + shift).decode("utf-8").split("\n")
        if len(matched) != len(text):  # a span with a line break inside (a passage whose end was given)
            return passage_by_passage()
    return (chars(s_abs + shift) - base).tolist(), (chars(e_abs + shift) - base).tolist(), matched


def _valid_utf8(pos: np.ndarray, values: np.ndarray, strict: bool = True) -> bool:
    """Whether the non-ASCII bytes (at offsets ``pos``, with these ``values``) form valid UTF-8: each lead byte
    followed, byte after byte, by as many continuation bytes (10xxxxxx) as it announces, and no other bytes.
    ``strict`` also refuses what Python's decoder refuses (overlong forms, surrogates, code points beyond
    U+10FFFF); without it, surrogates written with ``surrogatepass`` pass.

    >>> def check(b):
    ...     a = np.frombuffer(b, dtype=np.uint8); p = np.flatnonzero(a >= 0x80)
    ...     return _valid_utf8(p, a[p])
    >>> check("children’s £5 “care”".encode()), check(b"caf\\xe9"), check(b"\\x80abc"), check(b"\\xed\\xa0\\x80")
    (True, False, False, False)
    """
    n = len(pos)
    if not n:
        return True
    continuation = values < 0xC0
    if continuation[0] or not (np.diff(pos)[continuation[1:]] == 1).all():
        return False  # a continuation byte that does not follow the byte before it
    lead = np.flatnonzero(~continuation)
    first = values[lead]
    if ((first < 0xC2) | (first > 0xF4)).any():
        return False  # bytes that never start a character (C0, C1, F5-FF)
    need = 1 + (first >= 0xE0).astype(np.int64) + (first >= 0xF0)
    if not np.array_equal(np.diff(np.r_[lead, n]) - 1, need):
        return False  # a character with too few or too many continuation bytes
    if strict:
        second = values[lead + 1]
        if (((first == 0xE0) & (second < 0xA0)) | ((first == 0xED) & (second >= 0xA0))
                | ((first == 0xF0) & (second < 0x90)) | ((first == 0xF4) & (second >= 0x90))).any():
            return False
    return True


def _gather(data: bytes, lo: np.ndarray, hi: np.ndarray) -> bytes:
    """The slices ``data[lo[k]:hi[k]]`` joined by line breaks, gathered in numpy (no Python loop).

    >>> _gather(b"county lines and cuckooing", np.array([0, 17]), np.array([12, 26]))
    b'county lines\\ncuckooing'
    """
    lens = hi - lo + 1  # each slice and the line break after it
    out_end = np.cumsum(lens)
    idx = np.arange(int(out_end[-1]), dtype=np.int64) + np.repeat(lo - (out_end - lens), lens)
    out = np.frombuffer(data, dtype=np.uint8)[np.minimum(idx, len(data) - 1)]
    out[out_end - 1] = 10
    return out[:-1].tobytes()


def _char_spans_slow(raw: bytes, starts, ends, idx: list[int], bs: list[int], be: list[int]):
    cs, ce, matched = [], [], []
    last, data = -1, b""
    for i, a, b in zip(idx, bs, be):
        if i != last:
            last, data = i, _cut(raw, int(starts[i]), int(ends[i]))
        c0 = len(data[:a].decode("utf-8", "replace"))
        m = data[a:b].decode("utf-8", "replace")
        cs.append(c0)
        ce.append(c0 + len(m))
        matched.append(m)
    return cs, ce, matched


def _line_end(raw, at: int) -> int:
    """The offset just after the first line break at or after ``at`` (or the end of ``raw``)."""
    size = len(raw)
    if at >= size:
        return size
    if hasattr(raw, "find"):
        k = raw.find(b"\n", at)
        return size if k < 0 else k + 1
    a = np.frombuffer(raw, dtype=np.uint8)
    while at < size:
        hit = np.flatnonzero(a[at:at + 65536] == 10)
        if len(hit):
            return at + int(hit[0]) + 1
        at += 65536
    return size


def _checked_line_ends(raw, line_ends) -> np.ndarray:
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
    if last > size or (last < size and not (last == size - 1 and raw[size - 1:size] == b"\n")):
        raise ValueError(f"line_ends ends at {last}, not at the end of the text ({size} bytes)")
    inner = ends[ends < size]
    if len(inner) and (np.frombuffer(raw, dtype=np.uint8)[inner] != 10).any():
        raise ValueError("line_ends: an offset that is not a line break")
    return ends


def _newlines(data) -> np.ndarray:
    """Offsets of the newline bytes in ``data`` (a bytes-like object)."""
    return np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10).astype(np.int64)


_KEYS = "qwertyuiop asdfghjkl zxcvbnm".split()
_ROW_OFFSET = (0.0, 0.25, 0.75)  # a keyboard's rows are staggered: "g" touches t, y above and v, b below
_NEIGHBOURS = {}
for _r, _row in enumerate(_KEYS):
    for _c, _ch in enumerate(_row):
        _near = {_row[_c - 1] if _c else "", _row[_c + 1] if _c + 1 < len(_row) else ""}
        for _rr in (_r - 1, _r + 1):
            if 0 <= _rr < len(_KEYS):
                _near |= {k for cc, k in enumerate(_KEYS[_rr])
                          if abs(_ROW_OFFSET[_rr] + cc - _ROW_OFFSET[_r] - _c) < 1}
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
        out.add(word[:i] + word[i + 1:])
        out.add(word[:i] + ch + word[i:])
        if i + 1 < len(word):
            out.add(word[:i] + word[i + 1] + ch + word[i + 2:])
        if neighbours:
            for k in _NEIGHBOURS.get(ch, ""):
                out.add(word[:i] + k + word[i + 1:])
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
    path = Path(__file__).resolve().parent / "data" / "common_words.txt"
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


def _map_back(x: int, segs: list[tuple], is_start: bool) -> int:
    """Offset in the substituted text -> offset in the original. ``segs``: (start, end in the substituted
    text, start, end in the original, the slip, the word put back, ...). Inside a substituted word, an offset
    in the part the slip shares with the word's beginning keeps its distance from the start, one in the part
    it shares with the word's end its distance from the end.

    >>> segs = [(0, 30, 0, 31, b"semii independent accommodation", b"semi independent accommodation")]
    >>> _map_back(0, segs, True), _map_back(16, segs, False), _map_back(30, segs, False)
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


@lru_cache(maxsize=2)
def tagger_for(taxonomy: Taxonomy) -> Tagger:
    """The compiled tagger for a taxonomy, kept for the next call with an equal one (compiling takes a second or
    two: a dashboard validates an uploaded taxonomy by compiling it, then tags with it). Raises TaxonomyError
    when a phrase cannot be compiled."""
    return Tagger(taxonomy)


def compiled_taxonomy(text: str, source: str) -> Taxonomy:
    """A user's taxonomy file (extending or replacing the default), validated and compiled, so a phrase the
    matcher cannot take is refused before the taxonomy is used. Raises TaxonomyError."""
    from .taxonomy import default_taxonomy, parse_taxonomy
    taxonomy = parse_taxonomy(text, source, base=default_taxonomy())
    tagger_for(taxonomy)
    return taxonomy


def tag_passages(passages: pd.DataFrame, taxonomy: Taxonomy, tagger: Tagger | None = None) -> pd.DataFrame:
    """Tag a passages frame; returns the tags table (TAG_COLUMNS) and fills ``passages['themes']``."""
    tagger = tagger or tagger_for(taxonomy)
    groups = list(zip(passages["document"], passages["section_index"]))
    titles = {g: t for g, t in zip(groups, passages["section_title"])}
    cols = tagger.tag_columns(passages["text"].tolist(), groups, titles)
    idx = cols.pop("text")
    tags = pd.DataFrame(cols)
    tags.insert(0, "passage_id", passages["passage_id"].to_numpy()[idx] if idx else [])
    tags = tags[TAG_COLUMNS]
    order = {t: k for k, t in enumerate(taxonomy.ids)}
    per_passage: dict[int, set[str]] = defaultdict(set)
    for i, t in zip(idx, cols["theme"]):
        per_passage[i].add(t)
    passages["themes"] = [";".join(sorted(per_passage.get(i, ()), key=order.get)) for i in range(len(passages))]
    return tags.sort_values(["passage_id", "theme", "start"], kind="stable").reset_index(drop=True) if len(tags) else tags
