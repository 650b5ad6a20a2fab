"""A Hansard debate web page: title, "Volume N: debated on <date>", then the debate without speaker labels.

Speakers are left unknown (the page does not label them). The venue is inferred only from evidence in
the text, and the evidence is recorded in the passage flags.
"""

from __future__ import annotations

import re

from ..model import Document
from .common import HOUSE_OF, DateError, DocBuilder, is_blank, parse_day_date

LAYOUT = "hansard_page"

VOLUME_LINE = re.compile(r"^Volume (\d+): debated on (.+)$")
BOILERPLATE = [re.compile(r"^Skip to main content$"), re.compile(r"^Share this (debate|contribution)$")]


def looks_like(text: str) -> bool:
    return any(VOLUME_LINE.match(line.strip()) for line in text.splitlines()[:40])


def infer_venue(text: str) -> tuple[str, str]:
    """(venue, evidence) from what members say; ('', '') when the text gives no clear evidence.

    A Westminster Hall debate is opened with "I beg to move, That this House has considered ..." and
    members address the chair ("your chairmanship"); only the Lords say "My Lords" (once is enough); the Commons chamber
    addresses "Mr Speaker" / "Madam Deputy Speaker".
    """
    low = text.lower()
    considered = "that this house has considered" in low
    chair = low.count("your chairmanship")
    if considered and chair:
        return "Westminster Hall", f"'That this House has considered' motion and {chair} x 'your chairmanship'"
    if re.search(r"\bMy Lords\b", text) or low.count("noble lord") >= 2:
        return "Lords Chamber", "a member addresses 'My Lords' / 'noble Lord'"
    speaker = len(re.findall(r"\b(mr|madam deputy|mr deputy) speaker\b", low))
    if speaker >= 2 and not chair:
        return "Commons Chamber", f"{speaker} x 'Mr Speaker' / 'Madam Deputy Speaker'"
    return "", ""


def parse(text: str, document: str, path: str) -> Document:
    b = DocBuilder(document, path, LAYOUT)
    b.section_index = 0
    lines = text.split("\n")
    title, date, vol_line = "", "", None
    for i, raw in enumerate(lines):
        m = VOLUME_LINE.match(raw.strip())
        if m:
            vol_line = i
            try:
                date = parse_day_date(m.group(2)) or ""
            except DateError as exc:
                b.doc.flags.append(f"line {i + 1}: date that does not parse ({exc})")
            if not date:
                b.doc.flags.append(f"line {i + 1}: date that does not parse ('{m.group(2)}')")
            break
    assert vol_line is not None
    venue, evidence = infer_venue(text)
    for i, raw in enumerate(lines):
        lineno, s = i + 1, raw.strip()
        if is_blank(raw):
            continue
        if any(p.match(s) for p in BOILERPLATE):
            b.kind(lineno, "boilerplate")
        elif i < vol_line:
            title = title or s
            b.kind(lineno, "header")
        elif i == vol_line:
            b.kind(lineno, "header")
        else:
            p = b.add(
                lineno,
                s,
                section_title=title,
                date=date,
                date_precision="day",
                venue=venue,
                house=HOUSE_OF.get(venue, ""),
                kind="speech",
                section_path=title,
            )
            if venue:
                p.add_flag("venue_inferred")
            p.add_flag("speaker_unlabelled")
    b.doc.title = title
    if venue:
        b.doc.flags.append(f"venue inferred as {venue}: {evidence}")
    else:
        b.doc.flags.append("venue unknown: no evidence in the text")
    return b.doc
