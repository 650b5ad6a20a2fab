"""Tag passages with themes, each tag with its evidence (matched text, offsets, method, score, reason).

How it works (see the README, "How tagging works"):

1. **Normalise** the passages' UTF-8 bytes with one ``bytes.translate``: lowercase, every non-alphanumeric
   byte (hyphens, dashes, curly quotes) becomes a space. Length-preserving, so offsets map back.
2. **Exact scan**: every phrase, exclusion and context phrase of every theme is compiled (with plural and
   possessive variants and word boundaries) into one hyperscan database and the whole corpus buffer is
   scanned once. All occurrences are kept, overlaps included.
3. **Fuzzy**: every phrase word of 5+ letters gets its one-edit typing slips (a letter dropped, doubled,
   swapped, or a neighbouring key), multi-word phrases also run together; real words (the phrase
   vocabulary and a list of common parliamentary words) are removed. The variants are compiled once per
   taxonomy into a hyperscan *literal* database and scanned in the same pass. A passage with a variant
   has the intended word substituted and is re-scanned; each phrase found is mapped back to the original
   span and scored with rapidfuzz (``process.cpdist``, ``fuzz.ratio`` >= 80). A "variant" that occurs far
   more often than its word in the corpus is treated as an unknown real word and ignored.
4. **Context**: a context phrase counts only with one of its ``near`` words within ``window`` words; a
   ``cue`` counts only inside a section that is about the theme (its title matches, or at least
   ``section_share`` of its passages match directly). Near words and cues are scanned only in the
   passages that can use them.
5. **Exclusions** cancel the matches they overlap.
"""
from __future__ import annotations

import gc
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from .taxonomy import Taxonomy, normalise_bytes, normalise_phrase

try:  # hyperscan: ~1 GB/s multi-pattern scanning; the pure-Python fallback gives the same answers slowly
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    _hs = None

MIN_FUZZY_LEN = 5     # words shorter than this are not given misspelling variants
FUZZY_CUTOFF = 80     # rapidfuzz ratio of the misspelled span against the phrase
GAP = " {1,3}"       # between words: a space, or punctuation and a space ("Trapped” campaign")
TAG_COLUMNS = ["passage_id", "theme", "matched_text", "start", "end", "method", "score", "reason"]
MIN_SECTION_WORDS = 12
METHOD_SCORE = {"exact": 1.0, "context": 0.8, "section": 0.6}
K_PHRASE, K_EXCLUSION, K_CONTEXT, K_VARIANT = 0, 1, 2, 3
M_EXACT, M_FUZZY, M_CONTEXT, M_SECTION = 0, 1, 2, 3
METHOD_NAMES = {M_EXACT: "exact", M_FUZZY: "fuzzy", M_CONTEXT: "context", M_SECTION: "section"}


def word_pattern(word: str, inflect: bool = True) -> str:
    """Regex for one normalised word with plural / possessive variants.

    >>> word_pattern("lines"), word_pattern("county"), word_pattern("children")
    ('lines?(?: {1,3}s)?', 'count(?:y|ies)(?: {1,3}s)?', 'childrens?(?: {1,3}s)?')
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
    return body + "(?:" + GAP + "s)?"


def phrase_pattern(phrase_norm: str) -> str:
    words = phrase_norm.split()
    return r"\b" + GAP.join(word_pattern(w) for w in words) + r"\b"


@dataclass(frozen=True)
class Pat:
    theme: str
    kind: str          # phrase | exclusion | context | near | cue
    text: str          # the taxonomy phrase as written
    norm: str          # normalised phrase
    rule: int = -1     # context rule index for context / near


_TOKEN = re.compile(rb"[a-z0-9]+")


class Scanner:
    """One compiled multi-pattern database; ``scan(buf)`` -> list of (pattern index, start, end).

    ``single=True`` reports each pattern at most once per scan (used for section cues, where one
    occurrence per passage is all the evidence needed)."""

    def __init__(self, pats: list[Pat], patterns: list[str] | None = None, single: bool = False, literal: bool = False):
        self.pats = list(pats)
        self.single = single
        self.literal = literal
        self.regexes = patterns or [phrase_pattern(p.norm) for p in pats]
        self.db = None
        if not self.regexes:
            return
        if literal:  # plain strings, space-delimited: compiles ~50x faster than word-boundary regexes
            if _hs is not None:
                self.db = _hs.Database()
                self.db.compile(expressions=[r.encode() for r in self.regexes], ids=list(range(len(self.regexes))),
                                elements=len(self.regexes), flags=[0] * len(self.regexes), literal=True)
            else:  # without hyperscan: look space-delimited token n-grams up in a dict (linear time)
                self._lookup = {r.strip().encode(): pid for pid, r in enumerate(self.regexes)}
                self._sizes = sorted({len(r.split()) for r in self.regexes})
            return
        if _hs is not None:
            flag = _hs.HS_FLAG_SINGLEMATCH if single else _hs.HS_FLAG_SOM_LEFTMOST
            self.db = _hs.Database()
            self.db.compile(expressions=[r.encode() for r in self.regexes], ids=list(range(len(self.regexes))),
                            elements=len(self.regexes), flags=[flag] * len(self.regexes))
        else:
            self.compiled = [re.compile(r.encode()) for r in self.regexes]

    def scan(self, buf: bytes) -> list[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        if not self.regexes or not buf:
            return out
        if self.db is not None:
            def on_match(pid, start, end, flags, ctx):
                out.append((pid, start, end))
            self.db.scan(buf, match_event_handler=on_match)
            if self.literal:  # drop the delimiting spaces from the reported span
                out = [(pid, end - len(self.regexes[pid]) + 1, end - 1) for pid, _s, end in out]
            if self.single:  # SINGLEMATCH gives no start offset: -1 until span() recovers it
                out = [(pid, -1, end) for pid, _s, end in out]
        elif self.literal:
            tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(buf)]
            for n in self._sizes:
                for i in range(len(tokens) - n + 1):
                    s0, e0 = tokens[i][0], tokens[i + n - 1][1]
                    pid = self._lookup.get(buf[s0:e0])
                    if pid is not None:
                        out.append((pid, s0, e0))
        else:
            for pid, rx in enumerate(self.compiled):
                if self.single:
                    m = rx.search(buf)
                    out.extend([(pid, m.start(), m.end())] if m else [])
                else:
                    out.extend((pid, m.start(), m.end()) for m in rx.finditer(buf))
        return out

    def span(self, buf: bytes, pid: int, start: int, end: int) -> tuple[int, int]:
        """The (start, end) of a match whose start was not reported (single-match mode)."""
        if start >= 0:
            return start, end
        m = self._rx(pid).search(buf, max(0, end - 200), end)
        return (m.start(), m.end()) if m else (end, end)

    def _rx(self, pid: int):
        cache = self.__dict__.setdefault("_rx_cache", {})
        if pid not in cache:
            cache[pid] = re.compile(b"(?:" + self.regexes[pid].encode() + b")$")
        return cache[pid]


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
        self.phrase_count = len(main)
        self.main = Scanner(main)
        variants = self._variant_pats(main)
        self.main.pats.extend(variants)  # pattern ids of the variant scanner follow the main ones
        self.variants = Scanner(variants, [f" {p.norm} " for p in variants], literal=True)
        self.near = Scanner([p for p in aux if p.kind == "near"])
        self.cues = Scanner([p for p in aux if p.kind == "cue"], single=True)
        # per-pattern lookup arrays for the vectorised stages
        self._theme_index = {t.id: k for k, t in enumerate(taxonomy.themes)}
        kinds = {"phrase": K_PHRASE, "exclusion": K_EXCLUSION, "context": K_CONTEXT, "variant": K_VARIANT}
        mp = self.main.pats
        self._kind_codes = np.array([kinds[p.kind] for p in mp], dtype=np.int8)
        self._theme_codes = np.array([self._theme_index[p.theme] for p in mp], dtype=np.int64)
        rule_key = {}
        for p in mp + self.near.pats:
            if p.kind in ("context", "near"):
                rule_key.setdefault((p.theme, p.rule), len(rule_key))
        self._ctx_rule = np.array([rule_key.get((p.theme, p.rule), -1) if p.kind == "context" else -1 for p in mp])
        self._near_rule = np.array([rule_key[(p.theme, p.rule)] for p in self.near.pats] or [0])
        windows = [taxonomy.theme(p.theme).context[p.rule].window if p.kind == "context" else 0 for p in mp]
        self._window = np.array(windows, dtype=np.int64)
        self._reach = self._window * 10  # bytes either side scanned for near words (~6 per word; generous)
        self._cue_theme = [self._theme_index[p.theme] for p in self.cues.pats]
        self._cue_single_word = [" " not in p.norm for p in self.cues.pats]
        self._pid_of_phrase = {(p.theme, p.text): k for k, p in enumerate(mp) if p.kind == "phrase"}

    # ---- fuzzy: one-edit typing slips, compiled once per taxonomy into a literal database --------------
    def _variant_pats(self, phrase_pats: list[Pat]) -> list[Pat]:
        """Typing slips of the phrases (one letter dropped, doubled, swapped, or replaced / inserted by a
        neighbouring key; for multi-word phrases also a space moved or lost). A variant made only of real
        words (the phrase vocabulary, common parliamentary words, short words) is never used."""
        common = _common_words()
        phrase_words = {w for p in phrase_pats for w in p.norm.split()}
        known = common | phrase_words
        out: dict[str, Pat] = {}
        for p in phrase_pats:
            if p.kind != "phrase":
                continue
            words = p.norm.split()
            if len(words) > 1:
                # slips anywhere in the phrase, spaces included: "count ylines", "out of aera placements",
                # "countylines"; a variant made only of real words may be a real phrase and is skipped
                for v in edits1(p.norm):
                    toks = v.split()
                    # short words count as known: "one missing" is not a slip of "gone missing"
                    if toks and not all(_is_word(t, known) for t in toks) and len(v.replace(" ", "")) >= MIN_FUZZY_LEN:
                        out.setdefault(" ".join(toks), Pat(p.theme, "variant", p.norm, " ".join(toks)))
                continue
            w = words[0]
            if len(w) < MIN_FUZZY_LEN or not w.isalpha():
                continue
            for v in edits1(w):
                if len(v) >= MIN_FUZZY_LEN - 1 and v not in known:
                    out.setdefault(v, Pat(p.theme, "variant", w, v))
        return list(out.values())

    def _fuzzy(self, buf: bytes, starts, ends, variant_hits: dict[int, list], exact_counts: Counter):
        """Confirm variant hits: substitute the intended word, re-scan those passages for phrases, map the
        match back to the original text and score it with rapidfuzz against the phrase."""
        counts = Counter(p.norm for lst in variant_hits.values() for p, _s, _e in lst)
        found: list[tuple[int, Pat, int, int]] = []
        for i, lst in variant_hits.items():
            norm = buf[starts[i]:ends[i]]
            subs = []
            for p, s, e in sorted(lst, key=lambda x: x[1]):
                # a 'variant' seen far more often than its word is a real word we did not know
                if counts[p.norm] > 3 and counts[p.norm] > 0.05 * exact_counts.get(p.text, 0) + 3:
                    continue
                if subs and s < subs[-1][1]:
                    continue
                subs.append((s, e, p.text.encode()))
            if not subs:
                continue
            new, segs, pos, delta = [], [], 0, 0
            for s, e, target in subs:
                new.append(norm[pos:s])
                ns = s + delta
                new.append(target)
                segs.append((ns, ns + len(target), s, e))
                delta += len(target) - (e - s)
                pos = e
            new.append(norm[pos:])
            text = b"".join(new)
            for pid, ms, me in self.main.scan(text):
                pat = self.main.pats[pid]
                if pat.kind != "phrase":
                    continue
                hit = [g for g in segs if g[0] < me and ms < g[1]]
                if not hit:
                    continue
                found.append((i, pat, _map_back(ms, segs, True), _map_back(me, segs, False)))
        if not found:
            return []
        spans = [" ".join(buf[starts[i] + s:starts[i] + e].decode("ascii", "ignore").split()) for i, _p, s, e in found]
        scores = process.cpdist(spans, [p.norm for _i, p, _s, _e in found], scorer=fuzz.ratio, workers=-1)
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
        ``texts``; offsets are character offsets into that text). Per-match work is done with numpy;
        Python loops only over exclusions, fuzzy and context candidates, and passages needing cues."""
        gc_was_enabled = gc.isenabled()
        gc.disable()  # millions of short-lived tuples: the cyclic collector only costs time here
        try:
            return self._tag_columns(texts, groups, titles, fuzzy)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _tag_columns(self, texts, groups, titles, fuzzy) -> dict[str, list]:
        n = len(texts)
        groups = groups if groups is not None else list(range(n))
        titles = titles or {}
        title_keys = [k for k in titles if titles[k]]
        all_texts = list(texts) + [titles[k] for k in title_keys]
        m = len(all_texts)
        # one buffer: b" " + text + b" \n" per text, so spaces bound words and newlines separate texts;
        # normalised to one byte per character, so buffer offsets are character offsets
        buf = normalise_bytes(b" " + b" \n ".join(t.encode("utf-8") for t in all_texts) + b" \n")
        nl = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)
        if len(nl) != m:  # a text with line breaks of its own: scanned with spaces instead (same length)
            buf = normalise_bytes(b" " + b" \n ".join(t.replace("\n", " ").encode("utf-8") for t in all_texts) + b" \n")
            nl = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)
        starts = np.empty(m, dtype=np.int64)
        if m:
            starts[0] = 1
            starts[1:] = nl[:-1] + 2
        ends = nl - 1  # exclusive end of each text

        pats = self.main.pats
        kind_of = self._kind_codes
        theme_of = self._theme_codes
        found = self.main.scan(buf)
        if fuzzy:
            found += [(pid + self.phrase_count, s, e) for pid, s, e in self.variants.scan(buf)]
        if found:
            arr = np.array(found, dtype=np.int64)
            hp, hs, he = arr[:, 0], arr[:, 1], arr[:, 2]
        else:
            hp = hs = he = np.zeros(0, dtype=np.int64)
        ht = np.searchsorted(starts, hs, side="right") - 1
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

        # evidence accumulators (absolute byte offsets)
        e_text, e_theme, e_s, e_e, e_method, e_score, e_why = [], [], [], [], [], [], []

        direct = np.flatnonzero(keep & (hk == K_PHRASE))
        e_text.append(ht[direct]); e_theme.append(hth[direct]); e_s.append(hs[direct]); e_e.append(he[direct])
        e_method.append(np.full(len(direct), M_EXACT, dtype=np.int8)); e_score.append(np.ones(len(direct)))
        e_why.append(hp[direct])

        var = np.flatnonzero(hk == K_VARIANT)
        if len(var):
            exact_counts = Counter()
            for pid, c in zip(*np.unique(hp[direct], return_counts=True)):
                exact_counts[pats[pid].norm] += int(c)  # phrase-level variants compare with the phrase
                for w in pats[pid].norm.split():
                    exact_counts[w] += int(c)
            variant_hits: dict[int, list] = defaultdict(list)
            for r in var:
                i = int(ht[r])
                variant_hits[i].append((pats[hp[r]], int(hs[r] - starts[i]), int(he[r] - starts[i])))
            fz = self._fuzzy(buf, starts, ends, variant_hits, exact_counts)
            if fz:
                e_text.append(np.array([f[0] for f in fz]))
                e_theme.append(np.array([self._theme_index[f[1].theme] for f in fz]))
                e_s.append(np.array([starts[f[0]] + f[2] for f in fz]))
                e_e.append(np.array([starts[f[0]] + f[3] for f in fz]))
                e_method.append(np.full(len(fz), M_FUZZY, dtype=np.int8))
                e_score.append(np.array([f[4] for f in fz]))
                e_why.append(np.array([self._pid_of_phrase[(f[1].theme, f[1].text)] for f in fz]))

        # context phrases: valid only with a near word within the rule's window; only a window of text
        # around each candidate is scanned for near words
        cand = np.flatnonzero(keep & (hk == K_CONTEXT))
        if len(cand) and len(direct):  # a theme already matched directly needs no context evidence
            nt = len(self.taxonomy.themes)
            direct_keys = np.unique(ht[direct] * nt + hth[direct])
            cand = cand[~np.isin(ht[cand] * nt + hth[cand], direct_keys)]
        ctx_rows: list[tuple[int, int, int, int, int, int]] = []  # text, theme, s, e, phrase pid, near pid
        if len(cand) and self.near.regexes:
            reach = self._reach[hp[cand]]
            lo = np.maximum(starts[ht[cand]], hs[cand] - reach)
            hi = np.minimum(ends[ht[cand]], he[cand] + reach)
            sub_len = hi - lo + 1
            sub_starts = np.concatenate([[0], np.cumsum(sub_len)[:-1]])
            near = self.near.scan(b"\n".join(buf[a:b] for a, b in zip(lo.tolist(), hi.tolist())))
            if near:
                narr = np.array(near, dtype=np.int64)
                q = np.searchsorted(sub_starts, narr[:, 1], side="right") - 1
                ns = narr[:, 1] - sub_starts[q] + lo[q]
                ne = narr[:, 2] - sub_starts[q] + lo[q]
                ok = (self._near_rule[narr[:, 0]] == self._ctx_rule[hp[cand[q]]])
                done: set[tuple[int, int]] = set()
                for j in np.flatnonzero(ok):
                    c = cand[q[j]]
                    i, s0, e0 = int(ht[c]), int(hs[c]), int(he[c])
                    a, b = int(ns[j]), int(ne[j])
                    if (c, 0) in done or (a < e0 and s0 < b):
                        continue
                    gap = buf[e0:a] if a >= e0 else buf[b:s0]
                    if len(gap.split()) <= self._window[hp[c]]:
                        done.add((c, 0))
                        ctx_rows.append((i, int(hth[c]), s0, e0, int(hp[c]), int(narr[j, 0])))
        if ctx_rows:
            cr = np.array(ctx_rows, dtype=np.int64)
            e_text.append(cr[:, 0]); e_theme.append(cr[:, 1]); e_s.append(cr[:, 2]); e_e.append(cr[:, 3])
            e_method.append(np.full(len(cr), M_CONTEXT, dtype=np.int8))
            e_score.append(np.full(len(cr), METHOD_SCORE["context"]))
            e_why.append(cr[:, 4] * 100_000 + cr[:, 5])

        T = len(self.taxonomy.themes)
        tagged_keys = np.unique(np.concatenate(e_text) * T + np.concatenate(e_theme)) if e_text else np.zeros(0, np.int64)

        # sections about a theme: title matches, or enough passages match directly or in context
        gcodes, guniq = pd.factorize(pd.Series(list(groups) + title_keys, dtype=object))
        sizes = np.bincount(gcodes[:n], minlength=len(guniq)) if n else np.zeros(len(guniq), np.int64)
        about: dict[tuple[int, int], str] = {}
        tk_text, tk_theme = tagged_keys // T, tagged_keys % T
        body = tk_text < n
        if body.any():
            gk, counts = np.unique(gcodes[tk_text[body]] * T + tk_theme[body], return_counts=True)
            share = self.taxonomy.section_share
            for key, c in zip(gk.tolist(), counts.tolist()):
                g, t = divmod(key, T)
                if c >= 2 and c / sizes[g] >= share:
                    about[(g, t)] = f"{c} of {sizes[g]} passages in section match"
        for i, t in zip(tk_text[~body].tolist(), tk_theme[~body].tolist()):
            g = int(gcodes[i])
            about[(g, t)] = f"section title '{all_texts[i]}' matches"

        # cues: in sections about a theme, passages not yet tagged with it (scanned one passage at a time)
        cue_rows: list[tuple[int, int, int, int, int, str]] = []
        if about and self.cues.regexes:
            tagged = set(tagged_keys.tolist())
            by_group: dict[int, list[tuple[int, str]]] = defaultdict(list)
            for (g, t), why in about.items():
                by_group[g].append((t, why))
            members = np.flatnonzero(np.isin(gcodes[:n], np.fromiter(by_group, dtype=np.int64)))
            for i in members.tolist():
                pending = [(t, why) for t, why in by_group[int(gcodes[i])] if i * T + t not in tagged]
                if not pending:
                    continue
                norm = buf[starts[i]:ends[i]]
                # "X said:" lines carry no evidence of their own (a long text has enough words)
                if len(norm) < 20 * MIN_SECTION_WORDS and len(norm.split()) < MIN_SECTION_WORDS:
                    continue
                hits = self.cues.scan(norm)
                for t, why in pending:
                    mine = sorted((e, pid, s) for pid, s, e in hits if self._cue_theme[pid] == t)[:3]
                    for e, pid, s in mine:
                        if self._cue_single_word[pid]:  # tokens are space-delimited: the word starts after a space
                            s = norm.rfind(b" ", 0, e) + 1
                        else:
                            s, e = self.cues.span(norm, pid, s, e)
                        cue_rows.append((i, t, int(starts[i] + s), int(starts[i] + e), pid, why))

        # assemble, drop repeated spans, convert to character offsets
        text = np.concatenate(e_text).astype(np.int64) if e_text else np.zeros(0, np.int64)
        theme = np.concatenate(e_theme).astype(np.int64) if e_theme else np.zeros(0, np.int64)
        s_abs = np.concatenate(e_s).astype(np.int64) if e_s else np.zeros(0, np.int64)
        e_abs = np.concatenate(e_e).astype(np.int64) if e_e else np.zeros(0, np.int64)
        method = np.concatenate(e_method) if e_method else np.zeros(0, np.int8)
        score = np.concatenate(e_score) if e_score else np.zeros(0)
        why = np.concatenate(e_why).astype(np.int64) if e_why else np.zeros(0, np.int64)
        sel = text < n
        text, theme, s_abs, e_abs, method, score, why = (x[sel] for x in (text, theme, s_abs, e_abs, method, score, why))
        if len(text):
            order = np.lexsort((method, e_abs, s_abs, theme, text))
            text, theme, s_abs, e_abs, method, score, why = (x[order] for x in (text, theme, s_abs, e_abs, method, score, why))
            first = np.ones(len(text), dtype=bool)
            first[1:] = (np.diff(text) != 0) | (np.diff(theme) != 0) | (np.diff(s_abs) != 0) | (np.diff(e_abs) != 0)
            text, theme, s_abs, e_abs, method, score, why = (x[first] for x in (text, theme, s_abs, e_abs, method, score, why))
        out = {k: [] for k in ("text", "theme", "matched_text", "start", "end", "method", "score", "reason")}
        ids = self.taxonomy.ids
        rows = list(zip(text.tolist(), theme.tolist(), s_abs.tolist(), e_abs.tolist(), method.tolist(),
                        np.round(score, 3).tolist(), why.tolist()))
        rows += [(i, t, s, e, M_SECTION, METHOD_SCORE["section"], (pid, why_s)) for i, t, s, e, pid, why_s in cue_rows]
        rows.sort(key=lambda r: (r[0], r[1], r[2], r[4]))
        seen: set[tuple[int, int, int, int]] = set()
        reasons: dict = {}
        for i, t, s, e, meth, sc, w in rows:
            if (i, t, s, e) in seen:  # one row per (theme, span): "county line" and "county lines" agree
                continue
            seen.add((i, t, s, e))
            b0 = int(starts[i])
            tx = all_texts[i]
            cs, ce = s - b0, e - b0
            out["text"].append(i)
            out["theme"].append(ids[t])
            out["matched_text"].append(tx[cs:ce])
            out["start"].append(cs)
            out["end"].append(ce)
            out["method"].append(METHOD_NAMES[meth])
            out["score"].append(sc)
            key = (meth, w)
            reason = reasons.get(key)
            if reason is None:
                reason = reasons[key] = self._reason(meth, w)
            out["reason"].append(reason)
        return out

    def _reason(self, method: int, why) -> str:
        pats = self.main.pats
        if method == M_EXACT:
            return f"phrase '{pats[why].text}'"
        if method == M_FUZZY:
            return f"near-miss of '{pats[why].text}'"
        if method == M_CONTEXT:
            p, q = pats[why // 100_000], self.near.pats[why % 100_000]
            window = self.taxonomy.theme(p.theme).context[p.rule].window
            return f"'{p.text}' within {window} words of '{q.text}'"
        pid, about = why
        q = self.cues.pats[pid]
        return f"cue '{q.text}' in a section about {self.taxonomy.theme(q.theme).label} ({about})"

_KEYS = "qwertyuiop asdfghjkl zxcvbnm".split()
_NEIGHBOURS = {}
for _r, _row in enumerate(_KEYS):
    for _c, _ch in enumerate(_row):
        _near = {_row[_c - 1] if _c else "", _row[_c + 1] if _c + 1 < len(_row) else ""}
        for _rr in (_r - 1, _r + 1):
            if 0 <= _rr < len(_KEYS):
                _near |= set(_KEYS[_rr][max(0, _c - 1):_c + 2])
        _NEIGHBOURS[_ch] = "".join(sorted(_near - {"", _ch}))


def edits1(word: str) -> set[str]:
    """Typing slips one edit away: deletion, transposition, doubling, and substitution / insertion of a
    neighbouring key.

    >>> sorted({"lnies", "liens", "linse", "lines", "lives"} & edits1("lines"))
    ['liens', 'linse', 'lnies']
    """
    out = set()
    for i, ch in enumerate(word):
        out.add(word[:i] + word[i + 1:])
        out.add(word[:i] + ch + word[i:])
        if i + 1 < len(word):
            out.add(word[:i] + word[i + 1] + ch + word[i + 2:])
        for k in _NEIGHBOURS.get(ch, ""):
            out.add(word[:i] + k + word[i + 1:])
            out.add(word[:i] + k + word[i:])
    out.discard(word)
    return out


def _is_word(token: str, known: frozenset[str] | set[str]) -> bool:
    """A real word as far as the fuzzy stage can tell: known, or 2-3 letters ("one", "are"), or "a"/"i"."""
    return token in known or 2 <= len(token) < 4 or token in ("a", "i")


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    path = Path(__file__).resolve().parent / "data" / "common_words.txt"
    return frozenset(w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w and not w.startswith("#"))


def _map_back(x: int, segs: list[tuple[int, int, int, int]], is_start: bool) -> int:
    """Offset in the substituted text -> offset in the original."""
    delta = 0
    for ns, ne, os_, oe in segs:
        if x < ns:
            break
        if x <= ne and (x < ne or not is_start):
            return os_ if is_start and x == ns else (oe if x == ne else min(os_ + (x - ns), oe))
        delta = oe - ne
    return x + delta


def tag_passages(passages: pd.DataFrame, taxonomy: Taxonomy, tagger: Tagger | None = None) -> pd.DataFrame:
    """Tag a passages frame; returns the tags table (TAG_COLUMNS) and fills ``passages['themes']``."""
    tagger = tagger or Tagger(taxonomy)
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
