"""Context and sections: a context phrase counts only with one of its rule's near words within the rule's
window; a section is about a theme when its title matches or enough of its passages do; a cue word counts only
in a section about its theme. Near words and cues are scanned only in the windows and passages that can use them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..taxonomy import _SCAN_TABLE
from .evidence import M_CONTEXT, M_SECTION, METHOD_SCORE, Evidence, Hits
from .normalise import Normalised, cut

MIN_SECTION_WORDS = 12
CUES_PER_PASSAGE = 3  # a passage's earliest cue words of a theme that count as evidence


class Lines(NamedTuple):
    """The passages being tagged: the text (normalised on demand) and each passage's byte span in it."""

    buf: Normalised
    starts: np.ndarray
    ends: np.ndarray


class Sections(NamedTuple):
    """Each passage's section (a code into ``keys``) and the sections' titles by key."""

    codes: np.ndarray
    keys: pd.Index | np.ndarray
    titles: dict


def context_evidence(tagger, lines: Lines, hits: Hits, cand: np.ndarray) -> Evidence | None:
    """The context candidates (rows of ``hits``) that have one of their rule's near words within the rule's
    window, in candidate order; ``detail`` is the near word found."""
    rules = tagger._ctx_rule[hits.pattern[cand]]
    found = [_near_words(tagger, lines, hits, cand[rules == r], r) for r in np.unique(rules).tolist()]
    found = [f for f in found if f is not None]
    if not found:
        return None
    c, near = (np.concatenate(x) for x in zip(*found))
    order = np.argsort(c, kind="stable")
    h = hits.take(c[order])
    return Evidence(h.passage, h.theme, h.start, h.end, M_CONTEXT, METHOD_SCORE["context"], h.pattern, near[order])


def _near_words(tagger, lines: Lines, hits: Hits, cand: np.ndarray, rule: int):
    """For the candidates of one context rule: (candidate rows, the near word found) where one of the rule's
    near words lies within the window; only a window of text around each candidate is scanned."""
    scanner, near_ids = tagger._near_by_rule[rule]
    starts, ends = lines.starts, lines.ends
    hs, he, ht = hits.start, hits.end, hits.passage
    reach = tagger._reach[hits.pattern[cand]]
    lo = np.maximum(starts[ht[cand]], hs[cand] - reach)
    hi = np.minimum(ends[ht[cand]], he[cand] + reach)
    window_buf, sub_starts = lines.buf.join(lo, hi)
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
    gap = np.where(
        after,
        word_start[np.where(after, near_s, e0)] - word_start[e0],
        word_start[s0] - word_start[np.minimum(near_e, s0)],
    )
    valid = (
        ~((near_s < e0) & (s0 < near_e))
        & (gap <= tagger._window[hits.pattern[c]])
        & (near_e <= sub_starts[q] + hi[q] - lo[q])
    )  # not running into the next window
    j = np.flatnonzero(valid)
    if not len(j):
        return None
    _, first = np.unique(q[j], return_index=True)  # the first near word found for each candidate
    j = j[first]
    return cand[q[j]], near_ids[near_p[j]]


def sections_about(tagger, tagged_keys: np.ndarray, sections: Sections, n_themes: int, fuzzy: bool) -> dict[int, str]:
    """Sections about a theme: the title matches, or enough of the passages match directly or in
    context. Returns {section code * n_themes + theme: the reason, in words}."""
    gcodes, guniq, titles, T = sections.codes, sections.keys, sections.titles, n_themes
    sizes = np.bincount(gcodes, minlength=len(guniq))
    about: dict[int, str] = {}
    if len(tagged_keys):
        tk_text, tk_theme = tagged_keys // T, tagged_keys % T
        gk, counts = np.unique(gcodes[tk_text] * T + tk_theme, return_counts=True)
        share = tagger.taxonomy.section_share
        good = (counts >= 2) & (counts / sizes[gk // T] >= share)
        for key, c in zip(gk[good].tolist(), counts[good].tolist()):
            about[key] = f"{c} of {sizes[key // T]} passages in section match"
    keys = [k for k in titles if titles[k]]
    if keys:
        codes = guniq.get_indexer(keys) if hasattr(guniq, "get_indexer") else pd.Index(guniq).get_indexer(keys)
        keys = [(k, c) for k, c in zip(keys, codes.tolist()) if c >= 0]
        title_texts = [" ".join(titles[k].split()) for k, _c in keys]
        tags = tagger.tag_columns(title_texts, fuzzy=fuzzy)
        for i, theme in zip(tags["text"], tags["theme"]):
            about[keys[i][1] * T + tagger._theme_index[theme]] = f"section title '{title_texts[i]}' matches"
    return about


def cue_evidence(
    tagger, lines: Lines, codes: np.ndarray, n_themes: int, tagged: np.ndarray, about: dict[int, str]
) -> Evidence | None:
    """Cue words in the passages of sections about a theme that are not yet tagged with it (``tagged``:
    passage x theme), at most ``CUES_PER_PASSAGE`` per passage and theme (the earliest); one scan per theme over
    just those passages. ``ref`` is the cue, ``detail`` the section's reason (its place in ``about``)."""
    buf, starts, ends, gcodes, T = lines.buf, lines.starts, lines.ends, codes, n_themes
    about_keys = np.fromiter(about, dtype=np.int64)
    by_key = np.argsort(about_keys)  # section key -> its place in `about` (the reason's index)
    about_mat = np.zeros((int(gcodes.max()) + 1, T), dtype=bool)
    about_mat[about_keys // T, about_keys % T] = True
    out = []
    for t in np.unique(about_keys % T).tolist():
        scanner = tagger.cue_scanners.get(t)
        if scanner is None:
            continue
        members = np.flatnonzero(about_mat[gcodes, t] & ~tagged[:, t])
        lens = ends[members] - starts[members]
        colon = (lens > 0) & (np.frombuffer(buf.raw, dtype=np.uint8)[np.maximum(ends[members] - 1, 0)] == ord(":"))
        short = np.flatnonzero((lens < 20 * MIN_SECTION_WORDS) | (colon & (lens < 40 * MIN_SECTION_WORDS)))
        if len(short):  # "X said:" lines carry no evidence of their own
            silent = says_nothing(buf.raw, starts[members[short]], ends[members[short]])
            members = np.delete(members, short[silent])
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
        top = rank < CUES_PER_PASSAGE
        q, cp, cs, ce = q[top], cp[top], cs[top], ce[top]
        i = members[q]
        whys = by_key[np.searchsorted(about_keys, gcodes[i] * T + t, sorter=by_key)]
        out.append(
            (
                i,
                np.full(len(i), t),
                cs - sub_starts[q] + lo[q],
                ce - sub_starts[q] + lo[q],
                cp + tagger._cue_offset[t],
                whys,
            )
        )
    if not out:
        return None
    i, t, s, e, cue, why = (np.concatenate(x) for x in zip(*out))
    return Evidence(i, t, s, e, M_SECTION, METHOD_SCORE["section"], cue, why)


def says_nothing(raw, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which passages are too short to be a section's evidence (under ``MIN_SECTION_WORDS`` words), or are a
    line that introduces a quotation: one sentence, under twice that, ending in a colon (“Sam Royston,
    Director of Policy and Research at The Children’s Society, said:” names who speaks, not what about).

    >>> lines = [b"Worryingly, the report states:",
    ...          b"Sam Royston, Director of Policy and Research at The Children's Society, said:",
    ...          b"Gangs groom children in care. Officers told us what they found in every town:"]
    >>> raw = b"\\n".join(lines); ends = np.cumsum([len(x) + 1 for x in lines]) - 1
    >>> says_nothing(raw, ends - [len(x) for x in lines], ends).tolist()
    [True, True, False]
    """
    texts = [cut(raw, a, b) for a, b in zip(starts.tolist(), ends.tolist())]
    words = np.array([len(t.translate(_SCAN_TABLE).split()) for t in texts], dtype=np.int64)  # a URL's parts count
    out = words < MIN_SECTION_WORDS
    for k in np.flatnonzero(~out & (words < 2 * MIN_SECTION_WORDS)).tolist():
        out[k] = texts[k].endswith(b":") and b". " not in texts[k]
    return out
