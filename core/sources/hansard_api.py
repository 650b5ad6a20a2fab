"""UK Parliament Hansard API JSON (hansard-api.parliament.uk): a debate (``/debates/debate/{id}``: ``Overview`` +
``Items``), or a search / listing result (``Results[]``), which is not a debate.

A debate: one passage per paragraph of each contribution item (``ItemType`` "Contribution" with text in ``Value``).
``Value`` is HTML, read with lxml.html: each ``<p>`` is a paragraph; HTML without ``<p>`` is split at blank lines
(the API separates paragraphs with ``\\r\\n\\r\\n``); the text is plain (markup dropped, words kept) and its
whitespace normalised. Not passages: timestamps (``ItemType`` "Timestamp"), column numbers (``HRSTag``
``hs_ColumnNumber``), and any item with no text. An item tagged as a heading (an ``HRSTag`` with ``Hdg`` /
``Heading`` / ``Title``, no member) is a sub-heading: it starts a section below the debate's title.
``ChildDebates`` are read too, each a section below its parent.

* passage_id: the item's ``ExternalId`` (else its ``ItemId``) + "/p" + the 1-based paragraph number; source_id: the
  same id without the paragraph;
* speaker: the name in ``AttributedTo`` ("Martin Vickers (Brigg and Immingham) (Con)" -> "Martin Vickers"; for a
  role, "Madam Deputy Speaker (Caroline Nokes)" -> "Caroline Nokes"); speaker_detail: ``AttributedTo`` as given;
  constituency and party: its bracketed parts where present; speaker_id: ``MemberId`` as a string;
  speaker_basis "source markup". A contribution with no member (a motion, "Question put") has no speaker;
* kind: speech where a member speaks, else empty;
* house: ``Overview.House``; venue: ``Overview.Location`` when it is a known venue ("Westminster Hall",
  "Grand Committee", ...), else the house's chamber ("Commons Chamber" / "Lords Chamber");
* date: ``Overview.Date`` at day precision; section_title: ``Overview.Title`` (or the latest sub-heading);
  section_path: the titles from the outermost debate in;
* url: ``https://hansard.parliament.uk/{House}/{date}/debates/{ExtId}/{TitleWithoutSpaces}`` when the Overview
  has ``ExtId``, ``House`` and ``Date`` (else empty); a passage links its contribution
  (``#contribution-{ExternalId}``) when the id is the site's GUID;
* line: the line of the item's ``ItemId`` in the file.

A search result (``Results[]``) lists debates and has no speech: ``parse`` raises ``ValueError("a Hansard API
search result lists debates; fetch them ...")``; ``debates_in_search(data)`` lists them (ext id, title, date, house,
section) for a fetcher. Invalid JSON raises ``ValueError("invalid JSON at line L, column C: ...")``.
"""

from __future__ import annotations

import json
import re

import lxml.html
from lxml import etree

from ..model import Document, Passage
from ..schema import VENUES
from .base import Source

LAYOUT = "hansard_api"
SITE = "https://hansard.parliament.uk"
SEARCH_ERROR = (
    "a Hansard API search result lists debates; fetch them (debates_in_search gives their ids: "
    "/debates/debate/{id}) and ingest the debates"
)

_CHAMBER = {"Commons": "Commons Chamber", "Lords": "Lords Chamber"}
_GUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_HEADING_TAG = re.compile(r"Hdg|Heading|Title", re.I)
_SKIP_TAGS = {"hs_ColumnNumber", "hs_Timeline"}
_BRACKETS = re.compile(r"\(([^()]*)\)")
#: an attribution that starts with a role names the person in its first brackets
_ROLE = re.compile(
    r"^(The |Mr |Madam |Mrs |Ms )?(Deputy |Lord |Second Deputy |First Deputy )?"
    r"(Speaker|Chair|Chairman|Chairwoman|Minister|Secretary|Solicitor|Attorney|Advocate|Leader|"
    r"Prime Minister|Deputy Speaker|Lord Speaker)\b|^The ",
    re.I,
)
#: party abbreviations as the API gives them in brackets
_PARTY = re.compile(
    r"^(Con|Lab|LD|Lib Dem|SNP|DUP|PC|SDLP|SF|UUP|Alliance|APNI|Green|GP|Reform|RUK|Ind|CB|Bp|"
    r"Lab/Co-op|Lab Co-op|Non-Afl|Ind Con|Ind Lab|Ind UU|Alba|TUV|Speaker|Crossbench|"
    r"Conservative|Labour|Liberal Democrat|Independent)$",
    re.I,
)


def load_json(data: bytes) -> object:
    """The decoded JSON; ValueError with line and column when it is not valid JSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def _norm(text: str) -> str:
    return " ".join(text.split())


def paragraphs(value: str) -> list[str]:
    """A contribution's HTML ``Value`` -> its paragraphs as plain text (empty ones dropped).

    >>> paragraphs("<p>One <em>two</em>.</p><p> </p><p>Three</p>")
    ['One two.', 'Three']
    >>> paragraphs("First.\\r\\n\\r\\nSecond <em>part</em>.")
    ['First.', 'Second part.']
    """
    if not value or not value.strip():
        return []
    try:
        frag = lxml.html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return [t for t in (_norm(x) for x in re.split(r"\n\s*\n", re.sub(r"<[^>]+>", " ", value))) if t]
    for br in frag.iter("br"):
        br.tail = "\n" + (br.tail or "")
    ps = frag.xpath(".//p")
    if ps:
        return [t for t in (_norm(p.text_content()) for p in ps) if t]
    text = frag.text_content().replace("\r\n", "\n").replace("\r", "\n")
    return [t for t in (_norm(x) for x in re.split(r"\n\s*\n", text)) if t]


def split_attribution(attributed: str) -> tuple[str, str, str]:
    """``AttributedTo`` -> (name, constituency, party); parts the text does not give are empty.

    >>> split_attribution("Martin Vickers (Brigg and Immingham) (Con)")
    ('Martin Vickers', 'Brigg and Immingham', 'Con')
    >>> split_attribution("Madam Deputy Speaker (Caroline Nokes)")
    ('Caroline Nokes', '', '')
    >>> split_attribution("Baroness Smith of Basildon (Lab)")
    ('Baroness Smith of Basildon', '', 'Lab')
    """
    s = _norm(attributed or "")
    if not s:
        return "", "", ""
    parts = _BRACKETS.findall(s)
    lead = _norm(_BRACKETS.sub(" ", s))
    party = ""
    if parts and _PARTY.match(parts[-1].strip()):
        party = parts.pop().strip()
    if parts and _ROLE.match(lead):
        return _norm(parts[0]), "", party  # a role: the person is named in the brackets
    constituency = _norm(parts[0]) if parts else ""
    return lead, constituency, party


def _slug(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", title)


def debate_url(overview: dict) -> str:
    """The debate's page on hansard.parliament.uk, or '' when the Overview lacks ExtId, House or Date."""
    ext, house, date = overview.get("ExtId"), overview.get("House"), _day(overview.get("Date"))
    if not (ext and house in _CHAMBER and date):
        return ""
    slug = _slug(overview.get("Title") or "")
    return f"{SITE}/{house}/{date}/debates/{ext}" + (f"/{slug}" if slug else "")


def _day(value) -> str:
    m = _ISO.match(str(value or ""))
    return m.group(1) if m else ""


def _venue(overview: dict) -> tuple[str, str]:
    house = overview.get("House") if overview.get("House") in _CHAMBER else ""
    location = _norm(str(overview.get("Location") or ""))
    if location in VENUES:
        return location, house or ("Commons" if location == "Westminster Hall" else "")
    return (_CHAMBER[house] if house else ""), house


def debates_in_search(data: dict) -> list[dict]:
    """The debates a search / listing result names: ext_id, title, date (ISO day), house, section.

    >>> debates_in_search({"Results": [{"DebateSectionExtId": "AB", "Title": " T ", "SittingDate": "2026-01-14T00:00:00",
    ...                                  "House": "Commons", "DebateSection": "Commons Chamber"}]})
    [{'ext_id': 'AB', 'title': 'T', 'date': '2026-01-14', 'house': 'Commons', 'section': 'Commons Chamber'}]
    """
    out = []
    for r in data.get("Results") or []:
        if not isinstance(r, dict):
            continue
        ext = r.get("DebateSectionExtId") or r.get("ExtId") or r.get("DebateExtId") or ""
        if not ext:
            continue
        out.append(
            {
                "ext_id": str(ext),
                "title": _norm(str(r.get("Title") or "")),
                "date": _day(r.get("SittingDate") or r.get("Date")),
                "house": r.get("House") or "",
                "section": r.get("DebateSection") or "",
            }
        )
    return out


def _item_lines(text: str) -> dict[str, int]:
    """ItemId -> line of the file where it is given (pretty-printed responses; 1 for one-line JSON)."""
    lines: dict[str, int] = {}
    for m in re.finditer(r'"ItemId"\s*:\s*(\d+)', text):
        lines.setdefault(m.group(1), text.count("\n", 0, m.start()) + 1)
    return lines


def parse(data: bytes, document: str, path: str) -> Document:
    obj = load_json(data)
    if not isinstance(obj, dict):
        raise ValueError("not a Hansard API response (the JSON is not an object)")
    if "Overview" not in obj:
        if isinstance(obj.get("Results"), list):
            raise ValueError(SEARCH_ERROR + f" ({len(debates_in_search(obj))} debates listed)")
        raise ValueError("not a Hansard API debate (no 'Overview' and 'Items')")
    if not isinstance(obj.get("Overview"), dict) or not isinstance(obj.get("Items", []), list):
        raise ValueError("not a Hansard API debate ('Overview' must be an object and 'Items' a list)")
    lines = _item_lines(data.decode("utf-8-sig", "replace"))
    top = obj["Overview"]
    doc = Document(
        document=document, path=path, layout=LAYOUT, title=_norm(str(top.get("Title") or "")), url=debate_url(top)
    )
    state = {"index": -1}

    def debate(d: dict, outer: list[str]) -> None:
        ov = d.get("Overview") if isinstance(d.get("Overview"), dict) else {}
        title = _norm(str(ov.get("Title") or ""))
        date = _day(ov.get("Date")) or _day(top.get("Date"))
        venue, house = _venue(ov if ov.get("House") else top)
        url = debate_url(ov) or doc.url
        path_parts = outer + ([title] if title else [])
        state["index"] += 1
        section, section_path = title, " > ".join(path_parts)
        for item in d.get("Items") or []:
            if not isinstance(item, dict):
                continue
            kind = item.get("ItemType") or ""
            tag = item.get("HRSTag") or ""
            if kind not in ("Contribution", "") or tag in _SKIP_TAGS:
                continue
            texts = paragraphs(str(item.get("Value") or ""))
            if not texts:
                continue
            member = item.get("MemberId")
            if not member and _HEADING_TAG.search(tag):
                state["index"] += 1
                section = " ".join(texts)
                section_path = " > ".join(path_parts + [section])
                continue
            sid = str(item.get("ExternalId") or item.get("ItemId") or "")
            attributed = _norm(str(item.get("AttributedTo") or ""))
            name, constituency, party = split_attribution(attributed)
            purl = url + (f"#contribution-{sid}" if url and _GUID.match(sid) else "")
            for n, text in enumerate(texts, start=1):
                p = Passage(
                    passage_id=f"{sid or document}/p{n}",
                    document=document,
                    layout=LAYOUT,
                    section_title=section,
                    section_path=section_path,
                    date=date,
                    date_precision="day" if date else "unknown",
                    venue=venue,
                    house=house,
                    kind="speech" if member else "",
                    speaker=name,
                    speaker_id=str(member) if member else "",
                    speaker_detail=attributed,
                    speaker_basis="source markup" if name else "",
                    party=party,
                    constituency=constituency if house == "Commons" else "",
                    text=text,
                    line=lines.get(str(item.get("ItemId")), 0),
                    section_index=max(state["index"], 0),
                    source_id=sid,
                    url=purl,
                )
                if not date:
                    p.add_flag("undated")
                if member and not name:
                    p.add_flag("speaker_name_missing")
                doc.passages.append(p)
                if p.line:
                    doc.line_kinds[p.line] = "content"
        for child in d.get("ChildDebates") or []:
            if isinstance(child, dict):
                debate(child, path_parts)

    debate(obj, [])
    if not doc.passages:
        doc.flags.append("no contributions: the debate has no member speech")
    return doc


def sniff(head: bytes, name: str) -> bool:
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not h.startswith(b"{"):
        return False
    # a long debate's "Items" can start after the first bytes: "Overview" is enough
    return b'"Overview"' in h or b'"Results"' in h


SOURCE = Source(LAYOUT, (".json",), sniff, parse, "Hansard API JSON debates (hansard-api.parliament.uk)")
