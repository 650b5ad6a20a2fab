"""Compiling phrases into patterns: a taxonomy phrase (normalised) becomes a regex with its plural and possessive
variants and word boundaries; ``Pat`` is one compiled phrase and what it stands for."""

from __future__ import annotations

import re
from dataclasses import dataclass

GAP = " {1,4}"  # between words: a space, or punctuation and a space ("Trapped” campaign": 4 bytes)
RAW_GAP = "[^a-z0-9]{1,4}"  # the same gap in text as written (matched case-insensitively); a line break inside
# a passage is a gap too, and a match across the line break that joins two scanned windows is dropped


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
    return (
        r"\b"
        + gap.join(word_pattern(w, gap=gap, possessive=k < last or possessive_end) for k, w in enumerate(words))
        + r"\b"
    )


@dataclass(frozen=True)
class Pat:
    theme: str
    kind: str  # phrase | exclusion | context | near | cue | variant
    text: str  # the taxonomy phrase as written (a variant: the word or phrase it is a slip of)
    norm: str  # normalised phrase
    rule: int = -1  # context rule index for context / near
