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
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
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


#: "Spring 2018", "Q3 2019", "the first quarter of 2020": a period within a year (year precision)
PERIOD = re.compile(
    r"^(?:the )?(?:spring|summer|autumn|fall|winter|q[1-4]|(?:first|second|third|fourth|1st|2nd|3rd|4th)"
    r" quarter(?: of)?|(?:early|mid|late)[ -]),? ?(\d{4})$",
    re.I,
)
#: "October 2019" alone on a line (month precision)
MONTH_LINE = re.compile(rf"^({_MONTH_RE}),? (\d{{4}})$", re.I)
#: dates outside these years are not used (Hansard starts in 1803; nothing is dated after next year)
FIRST_YEAR = 1803


def parse_date_line(line: str) -> tuple[str, str] | None:
    """A line that is only a date or a period -> (ISO date, precision), else None. Impossible days raise DateError.

    >>> parse_date_line("Wed 30th Jan 2019"), parse_date_line("October 2019"), parse_date_line("Spring 2018")
    (('2019-01-30', 'day'), ('2019-10', 'month'), ('2018', 'year'))
    >>> parse_date_line("Will the Minister act by spring 2018?") is None
    True
    """
    day = parse_day_date(line)
    if day:
        return day, "day"
    s = " ".join(line.split()).rstrip(".")
    m = MONTH_LINE.match(s)
    if m:
        return f"{int(m.group(2)):04d}-{MONTHS[m.group(1).lower()]:02d}", "month"
    m = PERIOD.match(s)
    if m:
        return m.group(1), "year"
    return None


def is_date_line(line: str) -> bool:
    """A line that is only a date or period, including an impossible day (the parser reports those).

    >>> is_date_line("31st February 2019"), is_date_line("Summer 2018"), is_date_line("County lines")
    (True, True, False)
    """
    try:
        return parse_date_line(line) is not None
    except DateError:
        return True


def implausible(iso: str, today: _date | None = None) -> bool:
    """A date before Hansard (1803) or after next year: a typo or a mis-read, never used as a date.

    >>> implausible("2091-01-01", _date(2026, 12, 2)), implausible("1650", _date(2026, 12, 2)), implausible("2027-03")
    (True, True, False)
    """
    try:
        year = int(iso[:4])
    except ValueError:
        return True
    return not FIRST_YEAR <= year <= (today or _date.today()).year + 1


def check_dates(doc: Document) -> Document:
    """Take implausible dates out of a parsed document's passages, flagging each passage and the document."""
    bad: dict[str, list[int]] = {}
    for p in doc.passages:
        if p.date and implausible(p.date):
            bad.setdefault(p.date, []).append(p.line)
            p.date, p.date_precision = "", "unknown"
            p.add_flag("implausible_date")
            p.add_flag("undated")
    for iso, lines in bad.items():
        doc.flags.append(
            f"implausible date {iso} (before {FIRST_YEAR} or after next year) not used: "
            f"{len(lines)} passage(s) from line {lines[0]} left undated"
        )
    return doc


def find_month_year(text: str) -> str | None:
    """'Monthly Archives: October 2019' -> '2019-10'."""
    m = MONTH_YEAR.search(text)
    if not m:
        return None
    return f"{int(m.group(2)):04d}-{MONTHS[m.group(1).lower()]:02d}"


CP1252_NOTE = "decoded as Windows-1252"
#: the passage flag of text decoded as Windows-1252
CP1252_FLAG = "decoded_windows_1252"
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode_windows_1252(data: bytes, exc: UnicodeDecodeError) -> str:
    """Bytes that are not UTF-8 as Windows-1252, the usual encoding of text saved on Windows; ValueError when the
    file mixes UTF-8 characters with other bytes (a damaged file) or has bytes Windows-1252 does not define.

    >>> decode_windows_1252("Children’s homes — “sent away”".encode("cp1252"), UnicodeDecodeError("utf-8", b"", 0, 1, "x"))
    'Children’s homes — “sent away”'
    """
    where = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
    if _UTF8_SEQ.search(data):
        raise ValueError(
            f"{where} nor Windows-1252 (it mixes UTF-8 characters with other bytes); save the file as UTF-8"
        ) from exc
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as bad:
        raise ValueError(
            f"{where} nor Windows-1252 (byte 0x{data[bad.start]:02x} at offset {bad.start} is not a "
            "Windows-1252 character); save the file as UTF-8"
        ) from exc


def decode_bytes(data: bytes, flags: list[str] | None = None) -> str:
    """Bytes of a text document as text; raises ValueError naming the problem.

    UTF-8 first; text that is not UTF-8 is read as Windows-1252 when it fits (a note in ``flags``; the reader flags
    its passages ``decoded_windows_1252``), else refused naming the byte. A file cut in the middle of its last
    character is read without it, and NUL bytes past the binary check are removed; each is reported in ``flags``
    (the document's flags), never passed on silently.

    >>> notes = []
    >>> decode_bytes("Children’s homes — ".encode()[:-2], notes), notes
    ('Children’s homes ', ['truncated file: the last character is cut off (2 byte(s) at offset 19 dropped)'])
    """
    if not data.strip():
        raise ValueError("file is empty (only whitespace)")
    head = data[:8192]
    if b"\x00" in head:
        raise ValueError("binary file (contains NUL bytes), not a text document")
    notes: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.end == len(data) and exc.reason == "unexpected end of data":
            text = data[: exc.start].decode("utf-8-sig")
            notes.append(
                f"truncated file: the last character is cut off ({len(data) - exc.start} byte(s) at offset "
                f"{exc.start} dropped)"
            )
        else:
            text = decode_windows_1252(data, exc)
            notes.append(
                f"{CP1252_NOTE} (not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "check quotes, dashes and accented letters"
            )
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 8:
        raise ValueError("binary file (control characters), not a text document")
    nuls = text.count("\x00")
    if nuls:
        notes.append(f"{nuls} NUL byte(s) removed (the first at character {text.index(chr(0))})")
        text = text.replace("\x00", "")
    if flags is not None:
        flags.extend(notes)
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: the house a venue belongs to (written answers and statements come from both: not given)
HOUSE_OF = {
    "Commons Chamber": "Commons",
    "Westminster Hall": "Commons",
    "Public Bill Committee": "Commons",
    "General Committee": "Commons",
    "Lords Chamber": "Lords",
    "Grand Committee": "Lords",
}


def detail_parts(detail: str) -> tuple[str, str]:
    """(constituency, party) of a speaker line's detail "Stockport (Lab)"; ('', '') for a role or nothing.

    >>> detail_parts("Stockport (Lab)"), detail_parts("The Secretary of State for the Home Department"), detail_parts("")
    (('Stockport', 'Lab'), ('', ''), ('', ''))
    """
    m = re.fullmatch(r"([^()]+) \(([^()]+)\)", detail or "")
    if not m or m.group(1).startswith(("The ", "Madam ", "Mr ")):
        return "", ""
    return m.group(1), m.group(2)


def could_be_title(line: str) -> bool:
    """A line that may be a heading: short, and not a question or a sentence (those are text, never metadata).

    >>> could_be_title("County Lines: Exploitation"), could_be_title("Will the Minister publish a strategy?")
    (True, False)
    """
    s = " ".join(line.split())
    return 0 < len(s) < 200 and len(s.split()) <= 25 and s[-1] not in ".?!;," and not re.search(r"[.?!] [A-Z]", s)


def is_blank(line: str) -> bool:
    """Blank or whitespace-only (includes non-breaking spaces)."""
    return not line.strip()


def stable_id(document: str, section: str, text: str, used: dict[str, int]) -> str:
    """A passage id that survives edits elsewhere in the file: the document id + a short hash of the section title
    and the paragraph's text (whitespace normalised); an exact repeat within the document gets ``-2``, ``-3``...
    ``used`` counts the ids given so far in the document.

    >>> used = {}
    >>> a = stable_id("doc", "County lines", "I beg to move,", used)
    >>> b = stable_id("doc", "County lines", "I beg  to move,", used)
    >>> a, b, stable_id("doc", "Other debate", "I beg to move,", used) != a
    ('doc#567429aa1f', 'doc#567429aa1f-2', True)
    """
    import hashlib

    key = f"{' '.join(section.split())}\n{' '.join(text.split())}"
    base = f"{document}#{hashlib.blake2b(key.encode('utf-8'), digest_size=5).hexdigest()}"
    n = used.get(base, 0) + 1
    used[base] = n
    return base if n == 1 else f"{base}-{n}"


class DocBuilder:
    """Accumulates passages and line kinds while a parser walks a document."""

    def __init__(self, document: str, path: str, layout: str, title: str = ""):
        self.doc = Document(document=document, path=path, layout=layout, title=title)
        self.section_index = -1
        self._ids: dict[str, int] = {}

    def kind(self, lineno: int, kind: str) -> None:
        self.doc.line_kinds[lineno] = kind

    def add(
        self,
        lineno: int,
        text: str,
        *,
        section_title: str = "",
        date: str = "",
        date_precision: str = "unknown",
        venue: str = "",
        speaker: str = "",
        speaker_detail: str = "",
        speaker_basis: str = "",
        **more: str,
    ) -> Passage:
        """A passage from ``text`` at ``lineno``; ``more`` sets other columns (house, kind, speaker_id, party,
        constituency, url, source_id, section_path)."""
        text = text.strip()
        p = Passage(
            passage_id=stable_id(self.doc.document, section_title, text, self._ids),
            document=self.doc.document,
            layout=self.doc.layout,
            section_title=section_title,
            date=date,
            date_precision=date_precision if date else "unknown",
            venue=venue,
            speaker=speaker,
            speaker_detail=speaker_detail,
            speaker_basis=speaker_basis if speaker else "",
            text=text,
            line=lineno,
            section_index=max(self.section_index, 0),
            **more,
        )
        if not date:
            p.add_flag("undated")
        self.doc.passages.append(p)
        self.kind(lineno, "content")
        return p
