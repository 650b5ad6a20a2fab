"""Text copies of TheyWorkForYou debate pages: a speech opens with its photo's caption, "Photo of Ann Coffey", then
the name again and the position ("Labour, Stockport" or an office) and the time, on one line or several.

The title is the line before the lead line "16 January 2025 – House of Commons", which gives the date and the
venue; else the citation line "Hansard source (Citation: HC Deb, 16 January 2025, c1024)". Party and constituency
come from a "Party, Constituency" position; an office stays as the speaker's detail. There are no person ids in a
text copy (save the page as HTML for them). The site's chrome (menus, "Share", "Hansard source", the licence line)
is furniture.
"""

from __future__ import annotations

import re

from ..model import Document
from .common import DocBuilder, could_be_title, is_blank
from .web_pages import _PARTIES, CITATION, _day

LAYOUT = "twfy_page"

PHOTO = re.compile(r"^Photo of (?P<rest>.+)$")
LEAD = re.compile(r"^(?P<date>\d{1,2} \w+ \d{4})\s*[–—-]\s*(?P<where>.+)$")
TIME = re.compile(r"(?:^|\s)\d{1,2}:\d{2} ?[ap]m,? .*$")
VENUES = {
    "house of commons": ("Commons Chamber", "Commons"),
    "westminster hall": ("Westminster Hall", "Commons"),
    "house of lords": ("Lords Chamber", "Lords"),
    "written answers": ("Written answers", ""),
    "written statements": ("Written statements", ""),
    "public bill committees": ("Public Bill Committee", "Commons"),
}
CHROME = re.compile(
    r"^(TheyWorkForYou|MPs|Lords|MSPs|MLAs|MSs|Email alerts|Search|Share|Link to this speech|In context|"
    r"Individually|Hide|Show all|Sign in|Join|Donate|Previous debate|Next debate|Contents)$|"
    r"^Hansard source\b|Open Parliament Licen[cs]e|^Email me (when|whenever)",
    re.I,
)


def looks_like(text: str) -> bool:
    photos = [x.strip() for x in text.splitlines()[:3000] if x.strip().startswith("Photo of ")]
    return bool(photos) and ("TheyWorkForYou" in text[:5000] or "Hansard source" in text or len(photos) >= 2)


def split_caption(rest: str) -> tuple[str, str]:
    """'Yvette Cooper Yvette Cooper The Secretary … 11:31 am, 16th January 2025' -> (name, position).

    >>> split_caption("Sarah Champion Sarah Champion Labour, Rotherham")
    ('Sarah Champion', 'Labour, Rotherham')
    >>> split_caption("Ann Coffey")
    ('Ann Coffey', '')
    """
    words = TIME.sub("", rest).split()
    for k in range(1, min(8, len(words) // 2) + 1):
        if words[:k] == words[k : 2 * k]:
            return " ".join(words[:k]), " ".join(words[2 * k :])
    return " ".join(words), ""


def parse(text: str, document: str, path: str) -> Document:
    b = DocBuilder(document, path, LAYOUT)
    b.section_index = 0
    lines = text.split("\n")
    title = date = venue = house = ""
    seen_photo = False
    speaker = detail = ""
    expect_position = False
    rows = []
    for i, raw in enumerate(lines):
        s, lineno = " ".join(raw.split()), i + 1
        if is_blank(raw):
            continue
        m = PHOTO.match(s)
        if m:
            seen_photo = True
            speaker, detail = split_caption(m.group("rest"))
            expect_position = not detail
            b.kind(lineno, "header")
            continue
        if CHROME.search(s):
            c = CITATION.search(s)
            if c and not date:
                date = _day(c.group(2))
                house = house or ("Commons" if c.group(1) == "HC" else "Lords")
            b.kind(lineno, "boilerplate")
            continue
        lead = LEAD.match(s)
        if lead and not seen_photo:
            date = _day(lead.group("date")) or date
            venue, house = VENUES.get(lead.group("where").strip().lower(), ("", house))
            b.kind(lineno, "header")
            continue
        if not seen_photo:
            if could_be_title(s):
                title = s  # the last title-like line before the speeches: the debate's title
                b.kind(lineno, "header")
            else:
                b.kind(lineno, "boilerplate")
            continue
        if s == speaker or TIME.fullmatch(" " + s) or TIME.match(s):
            b.kind(lineno, "header")
            if not date and TIME.match(s):
                date = _day(re.sub(r"^\d{1,2}:\d{2} ?[ap]m,? ", "", s))
            continue
        if expect_position and len(s) < 100 and s[-1] not in '.?!:"”':
            detail, expect_position = s, False
            b.kind(lineno, "header")
            continue
        expect_position = False
        rows.append((lineno, s, speaker, detail))
    for lineno, s, who, pos in rows:
        party, _, place = pos.partition(", ")
        party, place = (party, place) if party in _PARTIES else ("", "")
        b.add(
            lineno,
            s,
            section_title=title,
            date=date,
            date_precision="day",
            venue=venue,
            speaker=who,
            speaker_detail=pos,
            speaker_basis="speaker line",
            house=house,
            kind="speech" if who else "",
            party=party,
            constituency=place if house != "Lords" else "",
            section_path=title,
        )
    b.doc.title = title
    if not venue:
        b.doc.flags.append("venue unknown: no lead line ('16 January 2025 – House of Commons') gives it")
    return b.doc
