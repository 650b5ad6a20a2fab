"""Text copies of the Official Report's own pages: publications.parliament.uk column pages ("House of Commons Hansard
Debates for 8 Jul 2002", "8 Jul 2002 : Column 600") and historic Hansard ("HC Deb 08 July 2002 vol 388 cc600-14").

Speaker lines are the record's: "Mr. Simon Burns (West Chelmsford): I beg to move…" (the words after the colon are
the first paragraph), "The Minister of State, Department of Health (Jacqui Smith): …", and in historic Hansard a
line that is only the member ("Mr. Simon Burns (West Chelmsford)", "LORD LAMING") before the words. A short form
("Mr. Burns:") is the earlier speaker of that title and surname when exactly one matches. Date, house and venue
come from the citation or the page title (a column suffix WH / W / WS / GC gives the venue); else the venue is
inferred from the words (one "My Lords" is the Lords). Column lines and numbers, times, navigation and the
citation are furniture.
"""

from __future__ import annotations

import re

from ..model import Document
from .common import HOUSE_OF, DocBuilder, could_be_title, is_blank
from .hansard_api import split_attribution
from .hansard_page import infer_venue
from .web_pages import (
    _COLLECTIVE,
    _COLUMN_LINE,
    _DEBATES_FOR,
    _FURNITURE,
    _HONORIFIC,
    _NAV,
    CITATION,
    Page,
    Speech,
    _citation,
    _day,
    _short_form,
)

LAYOUT = "hansard_record"

_NAME = rf"(?:{_HONORIFIC} )?(?:[A-Z][\w'’.-]*)(?: (?:of|de|van|le|[A-Z][\w'’.-]*)){{0,5}}"
#: "Mr. Simon Burns (West Chelmsford): words", "The Minister … (Jacqui Smith): words", "Mr. Burns: words"
SPEAKER_COLON = re.compile(
    rf"^(?P<who>(?:The [^:()]{{3,120}}\([^()]+\))|{_NAME}(?: \([^()]+\)){{0,2}}):\s+(?P<rest>\S.*)$"
)
#: a line that is only the member: "Mr. Simon Burns (West Chelmsford)", "Baroness Example of Kensington"
SPEAKER_ALONE = re.compile(
    rf"^(?:{_HONORIFIC} [A-Z][\w'’.-]*(?: (?:of|[A-Z][\w'’.-]*)){{0,5}}|[A-Z][A-Z'’. -]{{3,60}})"
    rf"(?: \([^()]+\)){{0,2}}$"
)
_TIME = re.compile(r"^\d{1,2}[.:]\d{1,2} ?[ap]\.?m\.?$", re.I)
_COLUMN_NO = re.compile(r"^\d{1,4}(?:WH|W|WS|GC)?$")
_HISTORIC_TITLE = re.compile(r"^(?P<title>.+?) \(Hansard, (?P<date>\d{1,2} \w+ \d{4})\)$")
_NAV_WORDS = re.compile(r"Previous Section|Next Section|Index|Home Page|Contents|Back to top")
#: the sites' chrome: historic Hansard's breadcrumb ("2002 →") and logo, licence and copyright lines
_CHROME = re.compile(r"→$|^HANSARD 1803|Open Parliament Licen[cs]e|^Parliamentary (copyright|material)", re.I)
_HOUSE_LINE = re.compile(r"^(House of Commons|House of Lords|Commons Sitting|Lords Sitting|Westminster Hall)$")


def looks_like(text: str) -> bool:
    head = [" ".join(x.split()) for x in text.splitlines()[:60]]
    return any(
        CITATION.search(s)
        and " vol " in s
        or _DEBATES_FOR.search(s)
        or _COLUMN_LINE.match(s)
        or _HISTORIC_TITLE.match(s)
        for s in head
    )


def _speaker(printed: str, known: list[Speech]) -> Speech:
    s = Speech(detail=printed)
    if _COLLECTIVE.match(printed):
        s.basis = ""
        return s
    name, constituency, party = split_attribution(printed)
    if name.isupper():
        name = name.title().replace(" Of ", " of ")
    full = _short_form(name, known)
    if full is not None:
        s.speaker, s.constituency, s.party = full.speaker, full.constituency, full.party
        s.basis = f"speaker line (short form '{printed}')"
    else:
        s.speaker, s.constituency, s.party = name, constituency, party
        known.append(s)
    return s


def parse(text: str, document: str, path: str) -> Document:
    lines = text.split("\n")
    sig = [i for i, raw in enumerate(lines) if not is_blank(raw)]
    page = Page("publications")
    b = DocBuilder(document, path, LAYOUT)
    b.section_index = 0
    known: list[Speech] = []
    current: Speech | None = None
    section = ""
    rows: list[tuple[int, str, Speech | None, str]] = []
    for n, i in enumerate(sig):
        s, lineno = " ".join(lines[i].split()), i + 1
        nxt = " ".join(lines[sig[n + 1]].split()) if n + 1 < len(sig) else ""
        m = _HISTORIC_TITLE.match(s)
        if m or (_DEBATES_FOR.search(s) and n < 5):
            page.title = page.title or (m.group("title") if m else s)
            if m:
                page.date = page.date or _day(m.group("date"))
            else:
                page.date = page.date or _day(_DEBATES_FOR.search(s).group(1))
                page.house = page.house or ("Lords" if s.startswith("Lords") else "Commons")
            b.kind(lineno, "header")
            continue
        h = _HOUSE_LINE.match(s)
        if h:
            if s == "Westminster Hall":
                page.venue = page.venue or "Westminster Hall"
            page.house = page.house or ("Lords" if "Lords" in s else "Commons")
            b.kind(lineno, "header")
            continue
        if s == page.title:
            b.kind(lineno, "header")
            continue
        if CITATION.search(s) and len(s) < 80:
            _citation(s, page)
            b.kind(lineno, "header")
            continue
        if (
            _COLUMN_LINE.match(s)
            or _COLUMN_NO.match(s)
            or _TIME.match(s)
            or _NAV.match(s)
            or _FURNITURE.match(s)
            or _CHROME.search(s)
            or not _NAV_WORDS.sub("", s).strip()
        ):
            if not page.date and _COLUMN_LINE.match(s):
                page.date = _day(s.split(" : ")[0])
            b.kind(lineno, "boilerplate")
            continue
        sc = SPEAKER_COLON.match(s)
        if sc and len(sc.group("who").split()) <= 16 and not sc.group("who").isupper():
            current = _speaker(sc.group("who"), known)
            current.section = section
            b.kind(lineno, "content")
            rows.append((lineno, sc.group("rest"), current, section))
            continue
        if (
            SPEAKER_ALONE.match(s)
            and nxt
            and not SPEAKER_ALONE.match(nxt)
            and len(s.split()) <= 8
            and not (_TIME.match(nxt) or _COLUMN_NO.match(nxt))
            or _COLLECTIVE.match(s)
            and len(s.split()) <= 3
        ):
            current = _speaker(s, known)
            current.section = section
            b.kind(lineno, "header")
            continue
        nxt_is_speaker = bool(SPEAKER_COLON.match(nxt) or SPEAKER_ALONE.match(nxt) or _TIME.match(nxt))
        if (
            could_be_title(s)
            and len(s.split()) <= 12
            and s[-1] not in ":"
            and (nxt_is_speaker or not rows and not page.title)
        ):
            if not page.title and not rows:
                page.title = s
            else:
                section = s
                b.section_index += 1
            current = None
            b.kind(lineno, "header")
            continue
        rows.append((lineno, s, current, section))
    venue, house = page.venue, page.house
    inferred = False
    if not venue and house == "Commons" and _DEBATES_FOR.search(page.title):
        venue, inferred = "Commons Chamber", True  # the Commons' debates pages; Westminster Hall's carry its heading
        b.doc.flags.append(
            "venue inferred as Commons Chamber: a House of Commons debates page with no Westminster Hall heading"
        )
    if not venue:
        venue, evidence = infer_venue("\n".join(r[1] for r in rows))
        inferred = bool(venue)
        b.doc.flags.append(
            f"venue inferred as {venue}: {evidence}"
            if venue
            else "venue unknown: no citation or title gives it and the text gives no evidence"
        )
    house = house or HOUSE_OF.get(venue, "")
    if not page.date:
        b.doc.flags.append("no date: no citation, title or column line gives one")
    sections = [""]
    for lineno, text, sp, sec in rows:
        if sec not in sections:
            sections.append(sec)
        b.section_index = max(sections.index(sec), 0)
        title = sec or page.title
        p = b.add(
            lineno,
            text,
            section_title=title,
            date=page.date,
            date_precision="day",
            venue=venue,
            speaker=sp.speaker if sp else "",
            speaker_detail=sp.detail if sp else "",
            speaker_basis=(sp.basis if sp else ""),
            house=house,
            kind="speech" if sp and sp.speaker else "",
            party=sp.party if sp else "",
            constituency=sp.constituency if sp else "",
            section_path=" > ".join(x for x in (page.title, sec) if x),
        )
        if inferred:
            p.add_flag("venue_inferred")
    b.doc.title = page.title
    return b.doc
