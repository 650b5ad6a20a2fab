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
TAG_COLUMNS = ["passage_id", "theme", "matched_text", "start", "end", "method", "score", "reason"]
MIN_SECTION_WORDS = 12
METHOD_SCORE = {"exact": 1.0, "context": 0.8, "section": 0.6}


def word_pattern(word: str, inflect: bool = True) -> str:
    """Regex for one normalised word with plural / possessive variants.

    >>> word_pattern("lines"), word_pattern("county"), word_pattern("children")
    ('lines?(?: +s)?', 'count(?:y|ies)(?: +s)?', 'children(?: +s)?')
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
    return body + "(?: +s)?"


def phrase_pattern(phrase_norm: str) -> str:
    words = phrase_norm.split()
    return r"\b" + " +".join(word_pattern(w) for w in words) + r"\b"


@dataclass(frozen=True)
class Pat:
    theme: str
    kind: str          # phrase | exclusion | context | near | cue
    text: str          # the taxonomy phrase as written
    norm: str          # normalised phrase
    rule: int = -1     # context rule index for context / near


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
            else:
                self.compiled = [re.compile(re.escape(r.encode())) for r in self.regexes]
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
        else:
            for pid, rx in enumerate(self.compiled):
                if self.literal:
                    out.extend((pid, m.start() + 1, m.end() - 1) for m in rx.finditer(buf))
                elif self.single:
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

    # ---- fuzzy: one-edit variants of phrase words, compiled with the exact phrases ---------------------
    def _variant_pats(self, phrase_pats: list[Pat]) -> list[Pat]:
        """Misspellings of phrase words (one letter dropped, doubled, swapped, or replaced / inserted by a
        neighbouring key) and multi-word phrases run together. Real words are never variants: they are
        filtered against the phrase vocabulary and a list of common parliamentary words."""
        common = _common_words()
        phrase_words = {w for p in phrase_pats for w in p.norm.split()}
        out: dict[str, Pat] = {}
        for p in phrase_pats:
            if p.kind != "phrase":
                continue
            words = p.norm.split()
            if len(words) > 1 and sum(map(len, words)) >= 8:
                joined = "".join(words)
                out.setdefault(joined, Pat(p.theme, "variant", p.norm, joined))
            for w in words:
                if len(w) < MIN_FUZZY_LEN or not w.isalpha():
                    continue
                for v in edits1(w):
                    if len(v) >= MIN_FUZZY_LEN - 1 and v not in phrase_words and v not in common:
                        out.setdefault(v, Pat(p.theme, "variant", w, v))
        return list(out.values())

    def _fuzzy(self, buf: bytes, starts, lengths, variant_hits: dict[int, list], exact_counts: Counter):
        """Confirm variant hits: substitute the intended word, re-scan those passages for phrases, map the
        match back to the original text and score it with rapidfuzz against the phrase."""
        counts = Counter(p.norm for lst in variant_hits.values() for p, _s, _e in lst)
        found: list[tuple[int, Pat, int, int]] = []
        for i, lst in variant_hits.items():
            norm = buf[starts[i]:starts[i] + lengths[i] - 3]
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
        n = len(texts)
        groups = groups if groups is not None else list(range(n))
        titles = titles or {}
        title_keys = [k for k in titles if titles[k]]
        all_texts = list(texts) + [titles[k] for k in title_keys]
        raws = [t.encode("utf-8") for t in all_texts]
        # each text is stored as b" " + text + b" \n": word boundaries are spaces, newlines separate texts
        lengths = np.fromiter((len(r) + 3 for r in raws), dtype=np.int64, count=len(raws))
        starts = (np.concatenate([[0], np.cumsum(lengths)[:-1]]) + 1) if len(raws) else np.zeros(0, dtype=np.int64)
        buf = normalise_bytes(b"".join(b" " + r.replace(b"\n", b" ") + b" \n" for r in raws))

        per_text: dict[int, list] = defaultdict(list)
        variant_hits: dict[int, list] = defaultdict(list)
        exact_counts: Counter = Counter()
        found = self.main.scan(buf)
        if fuzzy:
            found += [(pid + self.phrase_count, s, e) for pid, s, e in self.variants.scan(buf)]
        if found:
            idx = np.searchsorted(starts, np.array([f[1] for f in found]), side="right") - 1
            for (pid, s, e), i in zip(found, idx.tolist()):
                p = self.main.pats[pid]
                if p.kind == "variant":
                    if fuzzy:
                        variant_hits[i].append((p, s - starts[i], e - starts[i]))
                else:
                    per_text[i].append((p, s - starts[i], e - starts[i], 1.0))
                    if p.kind == "phrase":
                        exact_counts.update(p.norm.split())
        if variant_hits:
            for i, p, s, e, score in self._fuzzy(buf, starts, lengths, variant_hits, exact_counts):
                per_text[i].append((Pat(p.theme, "fuzzy", p.text, p.norm), s, e, score))

        # exclusions cancel overlapping matches of the same theme
        direct: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        ctx_candidates: dict[int, list] = defaultdict(list)
        for i, lst in per_text.items():
            excl = [(p.theme, s, e) for p, s, e, _ in lst if p.kind == "exclusion"]
            for p, s, e, score in lst:
                if p.kind == "exclusion" or any(t == p.theme and s < xe and xs < e for t, xs, xe in excl):
                    continue
                if p.kind in ("phrase", "fuzzy"):
                    direct[i][p.theme].append((p, s, e, score))
                elif p.kind == "context":
                    ctx_candidates[i].append((p, s, e))

        # context phrases: valid only with a near word within the rule's window. Only a window of text
        # around each candidate is scanned for near words (frequent words like "children" stay cheap).
        context: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        cands = [(i, p, s, e) for i, lst in ctx_candidates.items() for p, s, e in lst]
        if cands and self.near.regexes:
            windows = []
            for i, p, s, e in cands:
                reach = self.taxonomy.theme(p.theme).context[p.rule].window * 16
                lo = max(starts[i], starts[i] + s - reach)
                hi = min(starts[i] + lengths[i] - 3, starts[i] + e + reach)
                windows.append((lo, hi))
            sub_len = np.fromiter((hi - lo + 1 for lo, hi in windows), dtype=np.int64, count=len(windows))
            sub_starts = np.concatenate([[0], np.cumsum(sub_len)[:-1]])
            found = self.near.scan(b"\n".join(buf[lo:hi] for lo, hi in windows))
            near_hits: dict[int, list] = defaultdict(list)
            if found:
                pos = np.searchsorted(sub_starts, np.array([f[1] for f in found]), side="right") - 1
                for (pid, ns, ne), q in zip(found, pos.tolist()):
                    near_hits[q].append((self.near.pats[pid], ns - sub_starts[q], ne - sub_starts[q]))
            for q, (i, p, s, e) in enumerate(cands):
                if p.theme in context[i] and len(context[i][p.theme]) >= 3:
                    continue
                rule = self.taxonomy.theme(p.theme).context[p.rule]
                off = windows[q][0] - starts[i]  # window start, relative to the text
                norm = buf[starts[i]:starts[i] + lengths[i] - 3]
                for nq, ns, ne in near_hits.get(q, []):
                    ns, ne = ns + off, ne + off
                    if nq.theme == p.theme and nq.rule == p.rule and not (ns < e and s < ne):
                        lo, hi = (e, ns) if ns >= e else (ne, s)
                        if len(norm[lo:hi].split()) <= rule.window:
                            context[i][p.theme].append((p, s, e, f"'{p.text}' within {rule.window} words of '{nq.text}'"))
                            break

        # sections about a theme: title matches, or enough passages match directly or in context
        section_sizes = Counter(groups)
        section_hits: dict[object, Counter] = defaultdict(Counter)
        for i in range(n):
            for theme in set(direct.get(i, {})) | set(context.get(i, {})):
                section_hits[groups[i]][theme] += 1
        about: dict[object, dict[str, str]] = defaultdict(dict)
        for j, k in enumerate(title_keys):
            for theme in set(direct.get(n + j, {})) | set(context.get(n + j, {})):
                about[k][theme] = f"section title '{titles[k]}' matches"
        share = self.taxonomy.section_share
        for k, cnt in section_hits.items():
            for theme, c in cnt.items():
                if c >= 2 and c / section_sizes[k] >= share and theme not in about[k]:
                    about[k][theme] = f"{c} of {section_sizes[k]} passages in section match"

        results: list[list[dict]] = []
        for i in range(n):
            if i not in direct and i not in context and groups[i] not in about:
                results.append([])  # the common case: nothing to report
                continue
            raw = raws[i]
            norm = buf[starts[i]:starts[i] + lengths[i] - 3]
            ev: list[dict] = []
            for theme, lst in direct.get(i, {}).items():
                for p, s, e, score in lst:
                    method = "exact" if p.kind == "phrase" else "fuzzy"
                    reason = f"phrase '{p.text}'" if method == "exact" else f"near-miss of '{p.text}'"
                    ev.append(_evidence(raw, theme, s, e, method, score, reason))
            for theme, lst in context.get(i, {}).items():
                for p, s, e, reason in lst:
                    ev.append(_evidence(raw, theme, s, e, "context", METHOD_SCORE["context"], reason))
            tagged = set(direct.get(i, {})) | set(context.get(i, {}))
            pending = {t: why for t, why in about.get(groups[i], {}).items() if t not in tagged}
            # "X said:" lines carry no evidence of their own
            if pending and len(norm.split()) >= MIN_SECTION_WORDS:
                cue_hits = self.cues.scan(norm)
            else:
                cue_hits = []
            for theme, why in pending.items():
                cues = [(pid, s, e) for pid, s, e in cue_hits if self.cues.pats[pid].theme == theme]
                for pid, s, e in sorted(cues, key=lambda c: c[2])[:3]:
                    q = self.cues.pats[pid]
                    s, e = self.cues.span(norm, pid, s, e)
                    ev.append(_evidence(raw, theme, s, e, "section", METHOD_SCORE["section"],
                                        f"cue '{q.text}' in a section about {self.taxonomy.theme(theme).label} ({why})"))
            seen: set[tuple] = set()
            unique = []
            for row in ev:  # one row per (theme, span): "county line" and "county lines" agree
                key = (row["theme"], row["start"], row["end"])
                if key not in seen:
                    seen.add(key)
                    unique.append(row)
            results.append(unique)
        return results


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

    >>> sorted(edits1("lines"))[:6]
    ['ines', 'ilnes', 'kines', 'liens', 'lies', 'liines']
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


def _evidence(raw: bytes, theme: str, s: int, e: int, method: str, score: float, reason: str) -> dict:
    cs = len(raw[:s].decode("utf-8", "ignore"))
    matched = raw[s:e].decode("utf-8", "ignore")
    return {"theme": theme, "matched_text": matched, "start": cs, "end": cs + len(matched), "method": method,
            "score": score, "reason": reason}


def tag_passages(passages: pd.DataFrame, taxonomy: Taxonomy, tagger: Tagger | None = None) -> pd.DataFrame:
    """Tag a passages frame; returns the tags table (TAG_COLUMNS) and fills ``passages['themes']``."""
    tagger = tagger or Tagger(taxonomy)
    groups = list(zip(passages["document"], passages["section_index"]))
    titles = {g: t for g, t in zip(groups, passages["section_title"])}
    evidence = tagger.tag_texts(passages["text"].tolist(), groups, titles)
    rows = []
    order = {t: k for k, t in enumerate(taxonomy.ids)}
    themes_col = []
    for pid, ev in zip(passages["passage_id"], evidence):
        for row in ev:
            rows.append({"passage_id": pid, **row})
        themes_col.append(";".join(sorted({r["theme"] for r in ev}, key=order.get)))
    passages["themes"] = themes_col
    tags = pd.DataFrame(rows, columns=TAG_COLUMNS)
    return tags.sort_values(["passage_id", "theme", "start"], kind="stable").reset_index(drop=True) if len(tags) else tags


def title_themes(titles: list[str], taxonomy: Taxonomy, tagger: Tagger | None = None) -> list[set[str]]:
    """Themes of section titles on their own (direct evidence only)."""
    tagger = tagger or Tagger(taxonomy)
    return [{e["theme"] for e in ev if e["method"] in ("exact", "fuzzy")} for ev in tagger.tag_texts(titles, fuzzy=False)]
