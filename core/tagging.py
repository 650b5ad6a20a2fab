"""Tag passages with themes, each tag with its evidence (matched text, offsets, method, score, reason).

How it works (see the README, "How tagging works"):

1. **Normalise** the passages' UTF-8 bytes with one ``bytes.translate``: lowercase, every non-alphanumeric
   byte (hyphens, dashes, curly quotes) becomes a space. Length-preserving, so offsets map back.
2. **Exact scan**: every phrase, exclusion and context phrase of every theme is compiled (with plural and
   possessive variants and word boundaries) into one hyperscan database and the whole corpus buffer is
   scanned once. All occurrences are kept, overlaps included.
3. **Fuzzy**: rapidfuzz ``process.cdist`` compares the phrase words with the corpus *vocabulary* (not the
   text) to find near-misses within 1-2 edits; variants that are frequent real words are dropped; the
   phrases rewritten with the surviving variants are scanned like the exact ones and scored with
   ``fuzz.ratio`` against the phrase they stand for.
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

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .taxonomy import Taxonomy, normalise_bytes, normalise_phrase

try:  # hyperscan: ~1 GB/s multi-pattern scanning; the pure-Python fallback gives the same answers slowly
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    _hs = None

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
    """One compiled multi-pattern database; ``scan(buf)`` -> list of (pattern index, start, end)."""

    def __init__(self, pats: list[Pat], patterns: list[str] | None = None):
        self.pats = pats
        self.regexes = patterns or [phrase_pattern(p.norm) for p in pats]
        self.db = None
        if not self.regexes:
            return
        if _hs is not None:
            self.db = _hs.Database()
            self.db.compile(expressions=[r.encode() for r in self.regexes], ids=list(range(len(self.regexes))),
                            elements=len(self.regexes), flags=[_hs.HS_FLAG_SOM_LEFTMOST] * len(self.regexes))
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
        else:
            for pid, rx in enumerate(self.compiled):
                out.extend((pid, m.start(), m.end()) for m in rx.finditer(buf))
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
        self.main = Scanner(main)
        self.aux = Scanner(aux)
        # words eligible for fuzzy variants: from direct phrases, >= 5 letters
        self.fuzzy_words = sorted({w for p in main if p.kind == "phrase" for w in p.norm.split() if len(w) >= 5 and w.isalpha()})

    # ---- fuzzy variants over the vocabulary -------------------------------------------------------
    def fuzzy_scanner(self, buf: bytes) -> tuple[Scanner | None, dict[str, str]]:
        counts = Counter(buf.split())
        known = {w.encode() for w in self.fuzzy_words}
        vocab = [w for w in counts if len(w) >= 4 and w not in known and w.isalpha()]
        if not vocab or not self.fuzzy_words:
            return None, {}
        vocab_s = [w.decode() for w in vocab]
        dist = process.cdist(self.fuzzy_words, vocab_s, scorer=OSA.distance, score_cutoff=2, workers=-1, dtype=np.uint8)
        total = sum(counts.values())
        variants: dict[str, str] = {}
        for qi, vi in zip(*np.nonzero(dist <= 2)):
            word, cand = self.fuzzy_words[qi], vocab_s[vi]
            budget = 1 if len(word) < 8 else 2
            d = int(dist[qi, vi])
            if d > budget or cand[0] != word[0] and d > 1:
                continue
            c_var, c_word = counts[vocab[vi]], counts.get(word.encode(), 0)
            # a frequent real word is not a typo (lives/lines, growing/grooming)
            if c_var > 0.02 * max(c_word, 1) and c_var > max(1, total / 2_000_000):
                continue
            if cand.rstrip("s") == word.rstrip("s") or cand in (word + "es", word + "ed", word + "ing"):
                continue  # inflections are handled exactly
            variants[cand] = word
        if not variants:
            return None, {}
        pats: list[Pat] = []
        regexes: list[str] = []
        for p in self.main.pats:
            if p.kind != "phrase":
                continue
            words = p.norm.split()
            for i, w in enumerate(words):
                for var, target in variants.items():
                    if target == w:
                        new = words[:i] + [var] + words[i + 1:]
                        pats.append(Pat(p.theme, "fuzzy", p.text, " ".join(new)))
                        regexes.append(r"\b" + " +".join(word_pattern(x, inflect=(j != i)) for j, x in enumerate(new)) + r"\b")
        return Scanner(pats, regexes), variants

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
        lengths = np.fromiter((len(r) + 1 for r in raws), dtype=np.int64, count=len(raws))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(raws) else np.zeros(0, dtype=np.int64)
        buf = normalise_bytes(b"\n".join(raws))

        hits: list[tuple[Pat, int, int, int, float]] = []  # pat, text index, start, end, score
        for pid, s, e in self.main.scan(buf):
            hits.append((self.main.pats[pid], s, e, 0, 1.0))
        if fuzzy:
            fscan, _variants = self.fuzzy_scanner(buf)
            if fscan is not None:
                for pid, s, e in fscan.scan(buf):
                    p = fscan.pats[pid]
                    score = fuzz.ratio(" ".join(buf[s:e].decode().split()), normalise_phrase(p.text)) / 100
                    hits.append((p, s, e, 0, round(score, 3)))
        per_text: dict[int, list] = defaultdict(list)
        if hits:
            idx = np.searchsorted(starts, np.array([h[1] for h in hits]), side="right") - 1
            for h, i in zip(hits, idx.tolist()):
                per_text[i].append((h[0], h[1] - starts[i], h[2] - starts[i], h[4]))

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

        def aux_scan(indices: list[int]) -> None:
            indices = [i for i in indices if i not in aux_hits]
            for i in indices:
                aux_hits[i] = []
            if not indices or not self.aux.regexes:
                return
            sub = [buf[starts[i]:starts[i] + lengths[i] - 1] for i in indices]
            sub_len = np.fromiter((len(x) + 1 for x in sub), dtype=np.int64, count=len(sub))
            sub_starts = np.concatenate([[0], np.cumsum(sub_len)[:-1]])
            found = self.aux.scan(b"\n".join(sub))
            if found:
                pos = np.searchsorted(sub_starts, np.array([f[1] for f in found]), side="right") - 1
                for (pid, s, e), q in zip(found, pos.tolist()):
                    aux_hits[indices[q]].append((self.aux.pats[pid], s - sub_starts[q], e - sub_starts[q]))

        # context phrases: valid only with a near word within the rule's window
        aux_hits: dict[int, list] = {}
        aux_scan(sorted(ctx_candidates))
        context: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for i, cands in ctx_candidates.items():
            norm = buf[starts[i]:starts[i] + lengths[i] - 1]
            for p, s, e in cands:
                rule = self.taxonomy.theme(p.theme).context[p.rule]
                for q, ns, ne in aux_hits.get(i, []):
                    if q.kind == "near" and q.theme == p.theme and q.rule == p.rule and not (ns < e and s < ne):
                        lo, hi = (e, ns) if ns >= e else (ne, s)
                        if len(norm[lo:hi].split()) <= rule.window:
                            context[i][p.theme].append((p, s, e, f"'{p.text}' within {rule.window} words of '{q.text}'"))
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
        aux_scan([i for i in range(n) if about.get(groups[i])])

        results: list[list[dict]] = []
        for i in range(n):
            raw = raws[i]
            norm = buf[starts[i]:starts[i] + lengths[i] - 1]
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
            short = len(norm.split()) < MIN_SECTION_WORDS  # "X said:" lines carry no evidence of their own
            for theme, why in about.get(groups[i], {}).items():
                if theme in tagged or short:
                    continue
                cues = [(q, s, e) for q, s, e in aux_hits.get(i, []) if q.kind == "cue" and q.theme == theme]
                for q, s, e in cues[:3]:
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
