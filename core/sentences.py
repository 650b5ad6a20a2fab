"""Sentence splitting for parliamentary text.

A boundary is sentence-final punctuation (. ? !), optionally followed by closing quotes or brackets, then
whitespace and a capital, digit or opening quote. It is not a boundary after a title or abbreviation
("hon.", "right hon.", "Dr", "No. 10", "St.", "e.g."), after a single initial ("J. Smith"), or inside an
em-dash aside. Offsets are character offsets into the passage text.
"""
from __future__ import annotations

import re

ABBREVIATIONS = {
    "hon", "rt", "mr", "mrs", "ms", "dr", "prof", "no", "nos", "st", "sr", "jr", "gen", "col", "lt", "capt", "sgt",
    "co", "ltd", "plc", "inc", "etc", "eg", "e.g", "ie", "i.e", "vs", "cf", "approx", "para", "paras", "cl", "sch",
    "art", "vol", "op", "cit", "p", "pp", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "gov", "dept", "est", "govt",
}
_BOUNDARY = re.compile(r"""[.?!…]+["”’'\)\]]*(?=\s+["“‘'(\[]?[A-Z0-9£])""")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def split_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text``.

    >>> t = "I thank the right hon. Member for Enfield North. Will the Minister say when? No. 10 knows."
    >>> [t[s:e] for s, e in split_spans(t)]
    ['I thank the right hon. Member for Enfield North.', 'Will the Minister say when?', 'No. 10 knows.']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if text[m.start()] == ".":
            w = _WORD_BEFORE.search(text, 0, m.start())
            word = w.group(1).lower() if w else ""
            if word in ABBREVIATIONS or word.rstrip(".") in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        chunk = text[start:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((start + lead, end))
        start = end
    tail = text[start:]
    if tail.strip():
        lead = len(tail) - len(tail.lstrip())
        spans.append((start + lead, start + len(tail.rstrip())))
    return spans


def split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_spans(text)]
