"""Parallel Parliament member pages: excerpts of debates with dated sections and speaker lines.

Layout (each section):  [date] title [date] [venue] then contributions, each opened by
``NAME Portrait DISPLAY`` and a ``- Hansard -`` line; ``--- Later in debate ---`` separates excerpts.
"""

from __future__ import annotations

import re

from ..model import VENUES, Document
from .common import (
    HOUSE_OF,
    DateError,
    DocBuilder,
    could_be_title,
    detail_parts,
    is_blank,
    is_date_line,
    parse_date_line,
)

LAYOUT = "parallel_parliament"

SPEAKER_LINE = re.compile(r"^(?P<name>[^\n]{2,80}?) Portrait (?P<display>.+)$")
BOILERPLATE = [
    re.compile(r"^-( View Speech)?( -)? Hansard( -)+( Excerpts)?$"),
    re.compile(r"^Read Full debate\b"),
    re.compile(r"^\((?:\d+|a|an) (?:year|month|week|day|hour|minute)s?(?:, \d+ \w+)? ago\)$"),
    re.compile(r"^This information is provided by Parallel Parliament\b"),
    re.compile(r"^Westminster Hall is an alternative Chamber for MPs"),
    re.compile(r"^Each debate is chaired by an MP from the Panel of Chairs"),
    re.compile(r"^[A-Z][\w'’. -]{1,60} Excerpts$"),
    re.compile(r"^--- Later in debate ---$"),
]
LATER = "--- Later in debate ---"
BETWEEN = re.compile(r"^Debate between .+ and .+$")
PAGE_TITLE = re.compile(r"\b(debates|contributions|speeches) involving\b|\bdebates? (in|during) the \d{4}", re.I)
VENUE_LINES = {v.lower(): v for v in VENUES if v in ("Commons Chamber", "Westminster Hall", "Lords Chamber")}
VENUE_LINES.update(
    {
        "grand committee": "Grand Committee",
        "public bill committees": "Public Bill Committee",
        "general committees": "General Committee",
        "written statements": "Written statement",
    }
)
_HONORIFIC = re.compile(r"^(Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady|Baroness)\.? \S+$")


def looks_like(text: str) -> bool:
    """Content-based detection: several 'X Portrait Y' speaker lines and Parallel Parliament chrome."""
    speakers = sum(1 for line in text.splitlines()[:2000] if SPEAKER_LINE.match(line.strip()) and " Portrait " in line)
    chrome = ("- Hansard -" in text) or ("Read Full debate" in text) or ("Parallel Parliament" in text)
    return speakers >= 1 and chrome


def is_boilerplate(line: str) -> bool:
    return any(p.match(line) for p in BOILERPLATE)


def split_speaker(name: str, display: str) -> str:
    """The role / constituency / party part of a speaker line, without the person's name.

    >>> split_speaker("Ann Coffey", "Ann Coffey (Stockport) (Lab)")
    'Stockport (Lab)'
    >>> split_speaker("Yvette Cooper", "The Secretary of State for the Home Department (Yvette Cooper)")
    'The Secretary of State for the Home Department'
    >>> split_speaker("Ben Wallace", "Mr Wallace")
    ''
    """
    detail = display.replace(f"({name})", "").strip()
    if detail.startswith(name):
        detail = detail[len(name) :].strip()
    if detail == name or _HONORIFIC.match(detail) and detail.split()[-1] == name.split()[-1]:
        return ""
    m = re.fullmatch(r"\(([^()]+)\)\s*(.*)", detail)
    if m:  # "(Stockport) (Lab)" -> "Stockport (Lab)"
        detail = f"{m.group(1)} {m.group(2)}".strip()
    return re.sub(r"\s+", " ", detail)


def parse(text: str, document: str, path: str) -> Document:
    b = DocBuilder(document, path, LAYOUT)
    b.section_index = 0
    lines = text.split("\n")
    kinds: list[str] = []
    for raw in lines:
        s = " ".join(raw.split())  # classification ignores runs of (non-breaking) spaces
        if is_blank(raw):
            kinds.append("blank")
        elif is_boilerplate(s):
            kinds.append("later" if s == LATER else "boilerplate")
        elif SPEAKER_LINE.match(s):
            kinds.append("speaker")
        elif s.lower() in VENUE_LINES:
            kinds.append("venue")
        elif BETWEEN.match(s):
            kinds.append("between")
        elif is_date_line(s):
            kinds.append("date")
        else:
            kinds.append("text")

    def next_sig(i: int) -> str:
        for j in range(i + 1, len(lines)):
            if kinds[j] not in ("blank",) and not (kinds[j] == "boilerplate" and " Excerpts" not in lines[j]):
                return "excerpts" if kinds[j] == "boilerplate" else kinds[j]
        return "end"

    def prev_sig(i: int) -> str:
        for j in range(i - 1, -1, -1):
            if kinds[j] not in ("blank", "boilerplate"):
                return kinds[j]
        return "start"

    sec = {"title": "", "date": "", "precision": "unknown", "date_invalid": False, "venue": "", "has_content": False}
    speaker = detail = ""
    first_text = True

    def new_section() -> None:
        nonlocal speaker, detail
        if sec["has_content"] or sec["title"] or sec["date"]:
            b.section_index += 1
        sec.update(title="", date="", precision="unknown", date_invalid=False, venue="", has_content=False)
        speaker = detail = ""

    for i, raw in enumerate(lines):
        lineno, s, k = i + 1, " ".join(raw.split()), kinds[i]
        if k == "blank":
            continue
        if k in ("boilerplate", "later"):
            b.kind(lineno, "boilerplate")
            if k == "later":
                speaker = detail = ""
            continue
        if k == "date":
            if sec["has_content"] or sec["date"]:
                new_section()
            try:
                sec["date"], sec["precision"] = parse_date_line(s) or ("", "unknown")
            except DateError as exc:
                sec["date"], sec["precision"], sec["date_invalid"] = "", "unknown", True
                b.doc.flags.append(f"line {lineno}: date that does not parse ({exc})")
            b.kind(lineno, "header")
            continue
        if k == "venue":
            sec["venue"] = VENUE_LINES[s.lower()]
            b.kind(lineno, "header")
            continue
        if k == "between":  # "Debate between A and B": the site's filter description, page furniture
            b.kind(lineno, "boilerplate")
            continue
        if k == "speaker":
            m = SPEAKER_LINE.match(s)
            assert m
            speaker, detail = (
                m.group("name").strip(),
                split_speaker(m.group("name").strip(), m.group("display").strip()),
            )
            b.kind(lineno, "header")
            continue
        # a text line: page title, section title, or content
        if first_text and i < 5 and PAGE_TITLE.search(s):
            b.doc.title = s
            b.kind(lineno, "header")
            first_text = False
            continue
        first_text = False
        if s == sec["title"]:
            b.kind(lineno, "header")  # the title repeated under the stage line
            continue
        nxt, prv = next_sig(i), prev_sig(i)
        is_title = nxt in ("date", "venue", "excerpts", "between") or (
            prv == "date" and not sec["title"] and not sec["has_content"]
        )
        if is_title and could_be_title(s):
            if sec["has_content"] or sec["title"]:
                new_section()
            sec["title"] = s
            b.kind(lineno, "header")
            continue
        p = b.add(
            lineno,
            raw,
            section_title=sec["title"],
            date=sec["date"],
            date_precision=sec["precision"],
            venue=sec["venue"],
            speaker=speaker,
            speaker_detail=detail,
            speaker_basis="speaker line",
            house=HOUSE_OF.get(sec["venue"], ""),
            kind="speech" if speaker else "",
        )
        p.constituency, p.party = detail_parts(detail)
        if sec["date_invalid"]:
            p.add_flag("date_invalid")
        sec["has_content"] = True
    if not b.doc.title:  # a page of debates without a page title: named by its debates' titles
        titles = list(dict.fromkeys(p.section_title for p in b.doc.passages if p.section_title))
        if titles:
            more = len(titles) - 1
            b.doc.title = titles[0] + (f" and {more} other debate{'s' if more > 1 else ''}" if more else "")
    return b.doc
