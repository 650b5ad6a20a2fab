"""The tagger: compiled once per taxonomy, it runs the stages over a batch of passages and returns the evidence
table (see the package's docstring for the stages)."""

from __future__ import annotations

import gc
import mmap
import threading
from collections import OrderedDict, defaultdict
from typing import Callable

import numpy as np
import pandas as pd

from ..taxonomy import _SCAN_TABLE, Taxonomy, normalise_phrase
from .context import Lines, Sections, context_evidence, cue_evidence, sections_about
from .evidence import M_EXACT, M_FUZZY, M_SECTION, Evidence, Hits, assemble
from .misspellings import confirm_slips, variant_pats
from .normalise import SCAN_CHUNK, Normalised, checked_line_ends, cut, line_end, newlines
from .patterns import Pat, phrase_pattern
from .scan import Scanner

TAG_COLUMNS = ["passage_id", "theme", "matched_text", "start", "end", "method", "score", "reason"]
K_PHRASE, K_EXCLUSION, K_CONTEXT, K_VARIANT = 0, 1, 2, 3  # kinds of pattern in the main scanner


class Tagger:
    """Compiled once per taxonomy; ``tag_texts`` tags any list of texts."""

    #: the steps of compiling, in order (a progress callback is called with each as it starts)
    STEPS = ("typing slips", "phrases", "slips' database", "near words and cues")

    def __init__(self, taxonomy: Taxonomy, progress: Callable[[str], None] | None = None):
        self.taxonomy = taxonomy
        step = progress or (lambda _name: None)
        step(self.STEPS[0])
        main: list[Pat] = []
        aux: list[Pat] = []
        for t in taxonomy.themes:
            main += [Pat(t.id, "phrase", p, normalise_phrase(p)) for p in t.phrases]
            main += [Pat(t.id, "exclusion", p, normalise_phrase(p)) for p in t.exclusions]
            for k, rule in enumerate(t.context):
                main += [Pat(t.id, "context", p, normalise_phrase(p), k) for p in rule.phrases]
                aux += [Pat(t.id, "near", p, normalise_phrase(p), k) for p in rule.near]
            aux += [Pat(t.id, "cue", p, normalise_phrase(p)) for p in t.cues]
        # from every phrase as written: the variants are plain strings
        variants, self._inside_only = variant_pats(main, aux)
        # "county line" and "county lines" compile to the same pattern: it is scanned once, and counts for both
        merged: dict[tuple, list[Pat]] = {}
        for p in main:
            merged.setdefault((p.theme, p.kind, p.rule, phrase_pattern(p.norm)), []).append(p)
        main = [group[0] for group in merged.values()]
        self.phrase_count = len(main)
        step(self.STEPS[1])
        self.main = Scanner(main)
        self.main.pats.extend(variants)  # pattern ids of the variant scanner follow the main ones
        step(self.STEPS[2])
        self.variants = Scanner(variants, [f" {p.norm} " for p in variants], literal=True)
        step(self.STEPS[3])
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
        self._reason_cache: dict[tuple[int, int, int], str] = {}
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
        self._near_by_rule = [
            (Scanner([self.near_pats[k] for k in sorted(ids)], raw=True, possessive_end=True), np.array(sorted(ids)))
            for ids in rule_near
        ]
        windows = [taxonomy.theme(p.theme).context[p.rule].window if p.kind == "context" else 0 for p in mp]
        self._window = np.array(windows, dtype=np.int64)
        self._reach = self._window * 10  # bytes either side scanned for near words (~6 per word; generous)
        self._pid_of_phrase = {(p.theme, p.text): k for k, p in enumerate(mp) if p.kind == "phrase"}

    # ---- main entry --------------------------------------------------------------------------------
    def tag_texts(
        self,
        texts: list[str],
        groups: list[object] | None = None,
        titles: dict[object, str] | None = None,
        fuzzy: bool = True,
    ) -> list[list[dict]]:
        """Tag ``texts``. ``groups`` gives each text's section key and ``titles`` each section's title, so
        section context can apply. Returns, per text, a list of evidence dicts (TAG_COLUMNS minus id)."""
        cols = self.tag_columns(texts, groups, titles, fuzzy)
        out: list[list[dict]] = [[] for _ in texts]
        keys = ("theme", "matched_text", "start", "end", "method", "score", "reason")
        for row in zip(cols["text"], *(cols[k] for k in keys)):
            out[row[0]].append(dict(zip(keys, row[1:])))
        return out

    def tag_columns(
        self,
        texts: list[str],
        groups: list[object] | None = None,
        titles: dict[object, str] | None = None,
        fuzzy: bool = True,
    ) -> dict[str, list]:
        """The tagger's core, columnar: evidence rows as parallel lists (``text`` is the index into
        ``texts``; offsets are character offsets into that text)."""
        # each text encoded on its own (faster than encoding one joined string), so each one's end is known
        # (a line break inside a text is then a space, as in tag_bytes with line_ends)
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        raw = b"\n".join([*encoded, b""])
        line_ends = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) + 1) - 1
        return self._run(raw, groups, titles, fuzzy, texts, line_ends)

    def tag_bytes(
        self,
        raw: bytes,
        groups: list[object] | np.ndarray | None = None,
        titles: dict[object, str] | None = None,
        fuzzy: bool = True,
        line_ends: np.ndarray | None = None,
    ) -> dict[str, list]:
        """Tag UTF-8 text holding one passage per line, as a store or a file hands it over (no decoding
        to Python strings first): bytes, a memory-mapped file or a memoryview of one (read in place).
        Same result as ``tag_columns`` on the lines of ``raw``.

        ``line_ends``: where each passage ends (the offset of its line break, or ``len(raw)`` for a last
        passage without one), when the caller already knows (a store keeps each passage's length); they
        are checked instead of searched for. A line break inside a passage is then read as a space."""
        if not isinstance(raw, (bytes, mmap.mmap)):  # a memory map is read in place, as the passages need it
            raw = memoryview(raw).cast("B")
        if line_ends is not None:
            line_ends = checked_line_ends(raw, line_ends)
        return self._run(raw, groups, titles, fuzzy, None, line_ends)

    def _run(self, raw, groups, titles, fuzzy, texts, line_ends=None) -> dict[str, list]:
        gc_was_enabled = gc.isenabled()
        gc.disable()  # many short-lived tuples: the cyclic collector only costs time here
        try:
            return self._tag(raw, groups, titles, fuzzy, texts, line_ends)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _tag(
        self, raw: bytes, groups, titles, fuzzy: bool, texts: list[str] | None, line_ends: np.ndarray | None = None
    ) -> dict[str, list]:
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
        lines = Lines(Normalised(raw), starts, ends)
        if groups is None:
            groups = np.arange(n)
        if len(groups) != n:
            raise ValueError(f"{len(groups)} section keys for {n} passages")
        gcodes, guniq = pd.factorize(
            np.asarray(groups) if isinstance(groups, np.ndarray) else pd.Series(list(groups), dtype=object)
        )
        sections = Sections(np.asarray(gcodes, dtype=np.int64), guniq, titles or {})

        ht = np.searchsorted(starts, hs, side="right") - 1
        ok = (ht >= 0) & (he <= ends[np.maximum(ht, 0)])  # nothing runs from one text into the next
        if not ok.all():
            hp, hs, he, ht = hp[ok], hs[ok], he[ok], ht[ok]
        hits = Hits(hp, hs, he, ht, self._theme_codes[hp])
        hk = self._kind_codes[hp]
        keep = np.ones(len(hp), dtype=bool)

        # exclusions cancel overlapping matches of the same theme (few texts have any)
        ex = np.flatnonzero(hk == K_EXCLUSION)
        if len(ex):
            keep[ex] = False
            hth = hits.theme
            for i in np.unique(ht[ex]):
                rows = np.flatnonzero(ht == i)
                xs = [(hth[r], hs[r], he[r]) for r in rows if hk[r] == K_EXCLUSION]
                for r in rows:
                    if hk[r] != K_EXCLUSION and any(t == hth[r] and hs[r] < e and s < he[r] for t, s, e in xs):
                        keep[r] = False

        direct = hits.take(np.flatnonzero(keep & (hk == K_PHRASE)))
        found = [Evidence(direct.passage, direct.theme, direct.start, direct.end, M_EXACT, 1.0, direct.pattern)]
        T = len(self.taxonomy.themes)
        tagged = np.zeros((n, T), dtype=bool)  # passage x theme: tagged so far
        tagged[direct.passage, direct.theme] = True

        var = hits.take(np.flatnonzero(hk == K_VARIANT))
        fz = self._slips(lines, var) if len(var.pattern) else None

        # context phrases: valid only with a near word within the rule's window (a theme already matched
        # directly needs no context evidence; one matched only through a slip still does)
        cand = np.flatnonzero(keep & (hk == K_CONTEXT))
        if len(cand):
            cand = cand[~tagged[ht[cand], hits.theme[cand]]]
        if fz is not None:
            found.append(fz)
            tagged[fz.passage, fz.theme] = True
        if len(cand) and self.near_pats:
            ctx = context_evidence(self, lines, hits, cand)
            if ctx is not None:
                found.append(ctx)
                tagged[ctx.passage, ctx.theme] = True

        about = sections_about(self, np.flatnonzero(tagged.reshape(-1)), sections, T, fuzzy)

        # cues: in sections about a theme, the passages not yet tagged with it
        if about and self.cue_scanners:
            cue = cue_evidence(self, lines, sections.codes, T, tagged, about)
            if cue is not None:
                found.append(cue)
        about_why = list(about.values())
        return assemble(
            found, raw, starts, ends, texts, lambda m, r, d: self._reasons(m, r, d, about_why), self.taxonomy.ids
        )

    def _slips(self, lines: Lines, var: Hits) -> Evidence | None:
        """Evidence from misspellings: the passages with a slip's hit, confirmed (``confirm_slips``)."""
        pats, starts = self.main.pats, lines.starts
        variant_hits: dict[int, list] = defaultdict(list)
        for i, p, s, e in zip(
            var.passage.tolist(),
            var.pattern.tolist(),
            (var.start - starts[var.passage]).tolist(),
            (var.end - starts[var.passage]).tolist(),
        ):
            variant_hits[i].append((pats[p], s, e))
        fz = confirm_slips(self.main, self._inside_only, lines.buf, starts, lines.ends, variant_hits)
        if not fz:
            return None
        fi = np.array([f[0] for f in fz], dtype=np.int64)
        return Evidence(
            fi,
            np.array([self._theme_index[f[1].theme] for f in fz]),
            starts[fi] + np.array([f[2] for f in fz]),
            starts[fi] + np.array([f[3] for f in fz]),
            M_FUZZY,
            np.array([f[4] for f in fz]),
            np.array([self._pid_of_phrase[(f[1].theme, f[1].text)] for f in fz]),
        )

    def _scan(self, raw: bytes, fuzzy: bool, find_breaks: bool = True):
        """Phrases and (with ``fuzzy``) misspelling variants, every match, as (pattern ids, starts, ends),
        and (with ``find_breaks``) the offsets of the line breaks. The text is taken a few MB at a time (whole lines): its line
        breaks found, normalised and scanned twice while it is still in the CPU's cache; no normalised
        copy of the whole text is kept."""
        out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        breaks: list[np.ndarray] = []
        pos, size = 0, len(raw)
        while pos < size:
            end = line_end(raw, pos + SCAN_CHUNK)
            lo = max(pos - 1, 0)  # the line break before a passage: a space before its first word
            piece = cut(raw, lo, end)
            if find_breaks:
                found = newlines(piece)
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

    def _reasons(self, methods: list[int], refs: list[int], details: list[int], about_why: list[str]) -> list[str]:
        """The reason, in words, for each (method, ref, detail); a section's reasons are built here (one per cue
        and section), the others once per tagger."""
        cache, cue_reason = self._reason_cache, self._cue_reason
        out = []
        for m, r, d in zip(methods, refs, details):
            if m == M_SECTION:
                out.append(f"{cue_reason[r]} ({about_why[d]})")
                continue
            words = cache.get((m, r, d))
            if words is None:
                words = cache[(m, r, d)] = self._reason(m, r, d)
            out.append(words)
        return out

    def _reason(self, method: int, ref: int, detail: int) -> str:
        """The reason, in words, for an exact, fuzzy or context tag (section reasons: ``_reasons``)."""
        pats = self.main.pats
        if method == M_EXACT:
            return f"phrase '{pats[ref].text}'"
        if method == M_FUZZY:
            return f"near-miss of '{pats[ref].text}'"
        p, q = pats[ref], self.near_pats[detail]  # context
        window = self.taxonomy.theme(p.theme).context[p.rule].window
        return f"'{p.text}' within {window} words of '{q.text}'"


_TAGGERS: OrderedDict[Taxonomy, Tagger] = OrderedDict()  # the two taxonomies compiled last
_TAGGERS_LOCK = threading.Lock()


def tagger_for(taxonomy: Taxonomy, progress: Callable[[str], None] | None = None) -> Tagger:
    """The compiled tagger for a taxonomy, kept for the next call with an equal one (compiling takes a second or
    two, a minute for thousands of phrases: a dashboard validates an uploaded taxonomy by compiling it, then tags
    with it). ``progress`` is told each of ``Tagger.STEPS`` as it starts when the tagger has to be compiled.
    Raises TaxonomyError when a phrase cannot be compiled."""
    with _TAGGERS_LOCK:
        tagger = _TAGGERS.get(taxonomy)
        if tagger is not None:
            _TAGGERS.move_to_end(taxonomy)
            return tagger
    tagger = Tagger(taxonomy, progress)
    with _TAGGERS_LOCK:
        _TAGGERS[taxonomy] = tagger
        while len(_TAGGERS) > 2:
            _TAGGERS.popitem(last=False)
    return tagger


def compiled_taxonomy(text: str, source: str, progress: Callable[[str], None] | None = None) -> Taxonomy:
    """A user's taxonomy file (extending or replacing the default), validated and compiled, so a phrase the
    matcher cannot take is refused before the taxonomy is used. Raises TaxonomyError."""
    from ..taxonomy import default_taxonomy, parse_taxonomy

    taxonomy = parse_taxonomy(text, source, base=default_taxonomy())
    tagger_for(taxonomy, progress)
    return taxonomy


def tag_columns_of(passages: pd.DataFrame, tagger: Tagger) -> tuple[dict[str, list], np.ndarray]:
    """``Tagger.tag_columns`` over a passages frame (its section context from document, section_index and
    section_title): the evidence columns (TAG_COLUMNS but passage_id) and each row's position in ``passages``."""
    groups = list(zip(passages["document"].tolist(), passages["section_index"].tolist()))
    titles = dict(zip(groups, passages["section_title"].tolist()))
    cols = tagger.tag_columns(passages["text"].tolist(), groups, titles)
    return cols, np.asarray(cols.pop("text"), dtype=np.int64)


def tag_passages(passages: pd.DataFrame, taxonomy: Taxonomy, tagger: Tagger | None = None) -> pd.DataFrame:
    """The tags table (TAG_COLUMNS: one row of evidence per passage, theme and span) of a passages frame, which is
    left as it is (each passage's themes: ``themes_column``)."""
    cols, idx = tag_columns_of(passages, tagger or tagger_for(taxonomy))
    tags = pd.DataFrame(cols)
    tags.insert(0, "passage_id", passages["passage_id"].to_numpy()[idx] if len(idx) else [])
    tags = tags[TAG_COLUMNS]
    return (
        tags.sort_values(["passage_id", "theme", "start"], kind="stable").reset_index(drop=True) if len(tags) else tags
    )


def themes_column(passages: pd.DataFrame, tags: pd.DataFrame, taxonomy: Taxonomy) -> list[str]:
    """Each passage's themes, joined with ';' in the taxonomy's order, from its tags (for ``passages.assign(themes=
    ...)``; a stage returns a new table rather than writing into the one it was given)."""
    n = len(passages)
    if not len(tags):
        return [""] * n
    ids = pd.Index(passages["passage_id"])
    if not ids.is_unique:
        joined = dict(zip(ids, themes_column(passages.drop_duplicates("passage_id"), tags, taxonomy)))
        return [joined[p] for p in ids]
    pos = ids.get_indexer(tags["passage_id"])
    keep = pos >= 0  # (tags of passages not given are left out)
    return themes_at(n, pos[keep], tags["theme"].to_numpy()[keep].tolist(), taxonomy)


def themes_at(n: int, pos: np.ndarray, themes: list[str], taxonomy: Taxonomy) -> list[str]:
    """The themes of ``n`` passages, joined with ';' in the taxonomy's order, from evidence rows given as the
    passage's position and the theme. Worked out in arrays: a bit a theme per passage, then one string per distinct
    set of themes."""
    if not len(themes):
        return [""] * n
    names = list(taxonomy.ids)
    names += sorted(set(themes) - set(names))  # (a theme the taxonomy no longer has: last)
    order = {t: k for k, t in enumerate(names)}
    code = np.fromiter((order[t] for t in themes), dtype=np.int64, count=len(themes))
    bits = np.zeros((n, (len(names) + 63) // 64), np.uint64)
    np.bitwise_or.at(bits, (pos, code // 64), np.left_shift(np.uint64(1), (code % 64).astype(np.uint64)))
    sets, which = np.unique(bits, axis=0, return_inverse=True)
    text = [
        ";".join(names[64 * w + b] for w, word in enumerate(row.tolist()) for b in range(64) if word >> b & 1)
        for row in sets
    ]
    return [text[k] for k in which.reshape(-1).tolist()]
