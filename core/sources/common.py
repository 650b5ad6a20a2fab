"""Shared helpers for the layout parsers: safe file reading, date parsing, passage building."""
from __future__ import annotations

import re
from datetime import date as _date

from ..model import Document, Passage

MAX_BYTES = 50 * 1024 * 1024  # a single text document larger than this is refused, not half-read

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_WEEKDAY_RE = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?"
_ORD = r"(?:st|nd|rd|th)?"

#: "Wed 30th Jan 2019", "Thursday 16th January 2025", "26th March 2018"
DAY_FIRST = re.compile(rf"^(?:{_WEEKDAY_RE},? )?(\d{{1,2}}){_ORD} ({_MONTH_RE}),? (\d{{4}})$", re.I)
#: "October 16th 2019", "October 16, 2019"
MONTH_FIRST = re.compile(rf"^(?:{_WEEKDAY_RE},? )?({_MONTH_RE}) (\d{{1,2}}){_ORD},? (\d{{4}})$", re.I)
#: "October 2019" anywhere in a string (month precision evidence)
MONTH_YEAR = re.compile(rf"\b({_MONTH_RE}),? (\d{{4}})\b", re.I)


class DateError(ValueError):
    pass


def _iso(year: str, month: str, day: str) -> str:
    try:
        return _date(int(year), MONTHS[month.lower()], int(day)).isoformat()
    except (ValueError, KeyError) as exc:
        raise DateError(f"not a real date: {day} {month} {year}") from exc


def parse_day_date(line: str) -> str | None:
    """A line that is only a date -> ISO day, else None. Impossible dates raise DateError.

    >>> parse_day_date("Wed 30th Jan 2019"), parse_day_date("October 16th 2019"), parse_day_date("hello")
    ('2019-01-30', '2019-10-16', None)
    """
    s = " ".join(line.split())
    m = DAY_FIRST.match(s)
    if m:
        return _iso(m.group(3), m.group(2), m.group(1))
    m = MONTH_FIRST.match(s)
    if m:
        return _iso(m.group(3), m.group(1), m.group(2))
    return None


def is_date_line(line: str) -> bool:
    """A line that is only a date, including an impossible one (the parser reports those).

    >>> is_date_line("31st February 2019"), is_date_line("County lines")
    (True, False)
    """
    try:
        return parse_day_date(line) is not None
    except DateError:
        return True


def find_month_year(text: str) -> str | None:
    """'Monthly Archives: October 2019' -> '2019-10'."""
    m = MONTH_YEAR.search(text)
    if not m:
        return None
    return f"{int(m.group(2)):04d}-{MONTHS[m.group(1).lower()]:02d}"


def decode_bytes(data: bytes) -> str:
    if not data.strip():
        raise ValueError("file is empty (only whitespace)")
    head = data[:8192]
    if b"\x00" in head:
        raise ValueError("binary file (contains NUL bytes), not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8 (it may be Windows-1252/Latin-1)"
        ) from exc
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 8:
        raise ValueError("binary file (control characters), not a text document")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_blank(line: str) -> bool:
    """Blank or whitespace-only (includes non-breaking spaces)."""
    return not line.strip()


class DocBuilder:
    """Accumulates passages and line kinds while a parser walks a document."""

    def __init__(self, document: str, path: str, layout: str, title: str = ""):
        self.doc = Document(document=document, path=path, layout=layout, title=title)
        self.section_index = -1

    def kind(self, lineno: int, kind: str) -> None:
        self.doc.line_kinds[lineno] = kind

    def add(self, lineno: int, text: str, *, section_title: str = "", date: str = "", date_precision: str = "unknown",
            venue: str = "", speaker: str = "", speaker_detail: str = "", speaker_basis: str = "") -> Passage:
        p = Passage(
            passage_id=f"{self.doc.document}#L{lineno}",
            document=self.doc.document,
            layout=self.doc.layout,
            section_title=section_title,
            date=date,
            date_precision=date_precision if date else "unknown",
            venue=venue,
            speaker=speaker,
            speaker_detail=speaker_detail,
            speaker_basis=speaker_basis if speaker else "",
            text=text.strip(),
            line=lineno,
            section_index=max(self.section_index, 0),
        )
        if not date:
            p.add_flag("undated")
        self.doc.passages.append(p)
        self.kind(lineno, "content")
        return p
