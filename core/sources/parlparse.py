"""ParlParse / TheyWorkForYou XML (root ``<publicwhip>``): Commons and Lords debates, Westminster Hall, written
answers, written statements and Public Bill Committees.

One passage per non-empty paragraph of a ``<speech>``, ``<ques>`` or ``<reply>``: each element child of those
(``<p>``, and ``<table>``) is a paragraph; its text is flattened (inline markup dropped, its words kept) and its
whitespace normalised. A ``<table>`` is one passage: the cells of a row joined with " | ", rows joined with "; ".
Divisions (``<division>``, ``<divisioncount>``, ``<mplist>``), the committee's member list, ``<bill>`` and
``<gidredirect>`` are not passages.

* venue / house: from the series in the gids (``uk.org.publicwhip/<series>/...``), else the file name's prefix
  (``debates``, ``westminster``, ``daylord``, ``answers``, ``ministerial``, ``standing``);
* date: the last ``YYYY-MM-DD`` in the file name (a standing committee file names the bill's first sitting and then
  the sitting's own date: ``standing2009-10-20_CHILDPOV_06-0_2009-10-27a`` -> 2009-10-27), else the first gid's;
* section: the nearest minor-heading, else the major- / oral-heading; ``section_path`` is "major > minor"; the
  section index goes up by one at every heading. A Westminster Hall heading's "[X in the Chair] — " is dropped,
  and a heading that is only "[X in the Chair]" (the chair changes mid-debate) starts no new section;
* speaker: ``speakername``; speaker_id: ``person_id`` where given, else ``speakerid`` (a member / lord id),
  never "unknown"; speaker_detail: ``speakeroffice``, and in a committee file the role / constituency / party of the
  member in the committee's list;
* passage_id: gid + "/p" + the paragraph's 1-based position in its speech; source_id: the gid;
* kind: question (``ques``), answer (``reply``), statement (written statements), speech otherwise; a reply's
  ``responds_to`` is the gid of the question(s) before it under the same heading (several joined with ";");
  ``Document.structural_asks`` lists the written questions' passage ids;
* url: the TheyWorkForYou page (``/debates/``, ``/whall/``, ``/lords/``, ``/wrans/``, ``/wms/`` ``?id=``; written
  answers and statements link the heading's gid, which is the page). Committee debates have no derivable
  TheyWorkForYou address: they link the official report's page given in the element's ``url``.

The file's declared encoding (ISO-8859-1) and its internal DTD's entities are honoured; a file without the DTD that
uses HTML entities (``&pound;``) is read again with those replaced by character references. Windows-1252 character
references (``&#151;`` for an em dash, common in committee files) become the characters they meant. Malformed or
truncated XML raises ``ValueError("malformed XML at line N: ...")``.

``latest_versions(paths)`` picks, per folder and day, the latest scrape (``debates2009-10-26b.xml`` over
``...26a.xml``).
"""

from __future__ import annotations

import gc
import html.entities
import os
import re
from dataclasses import fields
from datetime import date as _date
from pathlib import Path
from typing import Iterable, TypeVar

from lxml import etree

from ..model import Document, Passage
from .base import Source, xml_root

LAYOUT = "parlparse"
TWFY = "https://www.theyworkforyou.com"

#: series (the gid's second part) -> (venue, house, TheyWorkForYou section or '' when none)
SERIES: dict[str, tuple[str, str, str]] = {
    "debate": ("Commons Chamber", "Commons", "debates"),
    "westminhall": ("Westminster Hall", "Commons", "whall"),
    "lords": ("Lords Chamber", "Lords", "lords"),
    "wrans": ("Written answers", "Commons", "wrans"),
    "wms": ("Written statements", "Commons", "wms"),
    "standing": ("Public Bill Committee", "Commons", ""),
}
#: file-name prefix -> series (when the gids do not say)
FILE_PREFIX = {
    "debates": "debate",
    "westminster": "westminhall",
    "daylord": "lords",
    "lordspages": "lords",
    "answers": "wrans",
    "ministerial": "wms",
    "standing": "standing",
}

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_VERSION = re.compile(r"^(?P<stem>.*\d{4}-\d{2}-\d{2})(?P<ver>[a-z]+)$")
_CHAIR = re.compile(r"^\[[^\]]*in the Chair\]\s*[\u2014\u2013-]?\s*", re.I)
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_C1_REF = re.compile(rb"&#(1[2-5]\d);")
_XML_ENTITIES = {b"amp", b"lt", b"gt", b"quot", b"apos"}
_HEADINGS = {"major-heading", "minor-heading", "oral-heading"}
_SPEECHES = {"speech", "ques", "reply"}
#: the order in which parse() gives a Passage its fields
_PASSAGE_FIELDS = (
    "passage_id",
    "document",
    "layout",
    "section_title",
    "section_path",
    "date",
    "date_precision",
    "venue",
    "house",
    "kind",
    "speaker",
    "speaker_id",
    "speaker_detail",
    "speaker_basis",
    "party",
    "constituency",
    "text",
    "line",
    "section_index",
    "source_id",
    "responds_to",
    "url",
    "duplicate_of",
    "themes",
    "quality_flags",
)
if tuple(f.name for f in fields(Passage)) != _PASSAGE_FIELDS:
    raise ImportError("core.model.Passage's fields changed: update parlparse._PASSAGE_FIELDS and parse()")


def _cp1252_ref(n: int) -> bytes:
    """The character reference that Windows-1252 code ``n`` meant (the reference itself when none)."""
    if 128 <= n <= 159:
        try:
            return b"&#%d;" % ord(bytes([n]).decode("cp1252"))
        except UnicodeDecodeError:
            pass
    return b"&#%d;" % n


#: the digits _C1_REF captures -> the reference to write instead
_C1_REFS = {b"%d" % n: _cp1252_ref(n) for n in range(120, 160)}


def _c1_refs(data: bytes) -> bytes:
    parts = _C1_REF.split(data)  # text, digits, text, digits, ..., text
    if len(parts) > 1:
        parts[1::2] = [_C1_REFS[d] for d in parts[1::2]]
        return b"".join(parts)
    return data


def _html_entity(m: re.Match) -> bytes:
    name = m.group(1)
    if name in _XML_ENTITIES:
        return m.group(0)
    cp = html.entities.name2codepoint.get(name.decode("ascii"))
    return b"&#%d;" % cp if cp is not None else m.group(0)


def _parser() -> etree.XMLParser:
    # collect_ids=False: no table of the DTD's ID attributes (the reader never looks an element up by id): 8% less
    return etree.XMLParser(
        resolve_entities=True,
        remove_comments=True,
        remove_pis=True,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        collect_ids=False,
    )


def _error(exc: etree.XMLSyntaxError) -> ValueError:
    line = exc.lineno or (exc.position[0] if exc.position else 0)
    msg = exc.msg or str(exc)
    msg = re.sub(r",? \(?line \d+,? column \d+\)?$", "", msg).strip()
    return ValueError(f"malformed XML at line {line}: {msg}")


def _undeclared(log) -> bool:
    return any(getattr(e, "type", getattr(e, "code", 0)) == etree.ErrorTypes.ERR_UNDECLARED_ENTITY for e in log)


def parse_xml(data: bytes) -> etree._Element:
    """The root element; ValueError naming the line when the XML is malformed or truncated."""
    if b"&#1" in data:
        data = _c1_refs(data)
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
        if not _undeclared(parser.error_log):
            return _break_lines(root)
    except etree.XMLSyntaxError as exc:
        if not _undeclared([exc]) and not _undeclared(parser.error_log):
            raise _error(exc) from None
    # entities used but not declared (no DTD): replace the HTML ones by character references and read again
    fixed = _ENTITY.sub(_html_entity, data)
    parser = _parser()
    try:
        return _break_lines(etree.fromstring(fixed, parser))
    except etree.XMLSyntaxError as exc:
        raise _error(exc) from None


def _break_lines(root: etree._Element) -> etree._Element:
    """A line break separates words: a space begins every ``<br/>``'s tail (a walk of the tree in C, cheaper than
    looking for "<br" in the bytes)."""
    for br in root.iter("br"):
        br.tail = " " + br.tail if br.tail else " "
    return root


def _squeeze(s: str) -> str:
    """``" ".join(s.split())``: whitespace runs become one space, none at the ends. Most paragraphs are so already,
    once the spaces at their ends are cut, and splitting them into words is most of the reader's cost: such a text
    is returned as it is. Checked with C-speed searches: an ASCII text's only whitespace characters can be space,
    tab, newline and carriage return (XML allows no other control character); every other whitespace character is
    unprintable."""
    t = s.strip(" ")
    if "  " not in t and (("\n" not in t and "\t" not in t and "\r" not in t) if t.isascii() else t.isprintable()):
        return t
    return " ".join(s.split())


_tostring = etree.tostring


def _flat(el: etree._Element) -> str:
    """The element's text with its descendants' (inline markup dropped), whitespace squeezed."""
    if len(el) == 0:
        return _squeeze(el.text) if el.text else ""
    return _squeeze(_tostring(el, method="text", encoding=str, with_tail=False))


def _table(el: etree._Element) -> str:
    """Each row's cells (``<td>``, ``<th>``) joined with " | ", the rows with "; "; empty cells and rows left out."""
    rows = []
    for tr in el.iter("tr"):
        cells = []
        for cell in tr.getchildren():  # (faster than iterchildren("td", "th"); a comment's tag is not a str)
            tag = cell.tag
            if tag == "td" or tag == "th":
                text = _tostring(cell, method="text", encoding=str, with_tail=False) if len(cell) else cell.text
                if text and (text := _squeeze(text)):
                    cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return "; ".join(rows)


def _heading(el: etree._Element) -> str:
    return _CHAIR.sub("", _flat(el))


def _series_of(gid: str) -> str:
    parts = gid.split("/", 2)
    return parts[1] if len(parts) > 2 else ""


def _file_series(path: str) -> str:
    name = Path(path).name.lower()
    for prefix, series in FILE_PREFIX.items():
        if name.startswith(prefix):
            return series
    parent = Path(path).parent.name.lower()
    return FILE_PREFIX.get(parent, parent if parent in SERIES else "")


def _date_in(text: str) -> str:
    found = _ISO.findall(text)
    for y, m, d in reversed(found):
        try:
            return _date(int(y), int(m), int(d)).isoformat()
        except ValueError:
            continue
    return ""


def _long_date(iso: str) -> str:
    d = _date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _committee(root: etree._Element) -> dict[str, tuple[str, str, str]]:
    """memberid -> (detail, constituency, party) from a committee file's member list."""
    out: dict[str, tuple[str, str, str]] = {}
    committee = root.find("committee")
    if committee is None:
        return out
    for mp in committee.iter("mpname"):
        mid = mp.get("memberid") or ""
        if not mid:
            continue
        if mp.getparent() is not None and mp.getparent().tag == "chairmen":
            out[mid] = ("Chair", "", "")
            continue
        span = mp.find("span")
        constituency = " ".join((span.text or "").split()).strip("()") if span is not None else ""
        tail = " ".join(((span.tail if span is not None else mp.text) or "").split())
        party, role = "", ""
        m = re.search(r"\(([^()]*)\)\s*$", tail)
        if m:
            if span is not None:
                party = m.group(1).strip()
            else:
                role = m.group(1).strip()
        detail = role or ", ".join(x for x in (constituency, party) if x)
        out[mid] = (detail, constituency, party)
    return out


def parse(data: bytes, document: str, path: str) -> Document:
    # The passages are thousands of small objects that all live on: the cyclic garbage collector, which would scan
    # them again and again while they are made (5% of the time), pauses meanwhile. They make no reference cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(data, document, path)
    finally:
        if enabled:
            gc.enable()


def _parse(data: bytes, document: str, path: str) -> Document:
    root = parse_xml(data)
    if root.tag != "publicwhip":
        raise ValueError(f"not ParlParse XML (root element <{root.tag}>, expected <publicwhip>)")
    doc = Document(document=document, path=path, layout=LAYOUT, title="")
    flags = doc.flags

    first_gid = ""
    for el in root:
        gid = el.get("id") if isinstance(el.tag, str) else None
        if gid and gid.startswith("uk.org.publicwhip/"):
            first_gid = gid
            break
    series = _series_of(first_gid) or _file_series(path)
    venue, house, twfy = SERIES.get(series, ("", "", ""))
    if not venue:
        flags.append(f"unknown ParlParse series '{series or '?'}': venue left empty")

    day = _date_in(Path(path).stem)
    gid_day = _date_in(first_gid)
    if not day:
        day = gid_day
    elif gid_day and gid_day != day:
        flags.append(f"file name date {day} differs from the gids' date {gid_day}")
    precision = "day" if day else "unknown"
    if root.get("latest") == "no":
        flags.append('superseded scrape (latest="no"): a later version of this day exists')

    bill = root.find("bill")
    bill_title = " ".join((bill.get("title") or bill.text or "").split()) if bill is not None else ""
    name = venue or "ParlParse"
    if bill_title:
        name += f" ({bill_title})"
    doc.title = f"{name}, {_long_date(day)}" if day else name
    if twfy and day:
        doc.url = f"{TWFY}/{twfy}/?d={day}"

    members = _committee(root) if series == "standing" else {}
    statement = series == "wms"
    passages = doc.passages
    line_kinds = doc.line_kinds
    asks = doc.structural_asks
    major, minor, heading_gid = "", "", ""
    title, spath = "", ""
    section_index = -1
    pending: list[str] = []  # questions since the last heading / reply
    answered: list[str] = []  # the questions the last reply answered
    after_reply = False
    gid_prefix = f"uk.org.publicwhip/{series}/"

    squeezed: dict[str, str] = {}  # a speaker's name or office as given -> squeezed (each comes again and again)

    for el in root:
        tag = el.tag
        if tag in _SPEECHES:
            get = el.get
            gid = get("id") or ""
            el_series = series if gid.startswith(gid_prefix) else _series_of(gid) or series
            if el_series == series:
                p_venue, p_house, p_twfy = venue, house, twfy
            else:
                p_venue, p_house, p_twfy = SERIES.get(el_series, ("", "", ""))
            speaker = get("speakername")
            if speaker:
                speaker = squeezed.get(speaker) or squeezed.setdefault(speaker, _squeeze(speaker))
            else:
                speaker = ""
            sid = get("person_id") or get("speakerid") or ""
            if sid == "unknown":
                sid = ""
            detail = get("speakeroffice")
            if detail:
                detail = squeezed.get(detail) or squeezed.setdefault(detail, _squeeze(detail))
            else:
                detail = ""
            party = constituency = ""
            if sid in members:
                m_detail, constituency, party = members[sid]
                if m_detail and m_detail.lower() not in detail.lower():
                    detail = f"{detail}; {m_detail}" if detail else m_detail
            basis = "source markup" if speaker else ""
            flag = "speaker_id_unresolved" if speaker and not sid else ""
            responds = ""
            if tag == "ques":
                kind = "question"
                if after_reply:
                    pending, after_reply = [], False
                pending.append(gid)
            elif tag == "reply":
                kind = "answer"
                if pending:
                    answered, pending = pending, []
                responds = ";".join(answered)
                after_reply = True
            else:
                kind = "statement" if statement else "speech"
            if p_twfy:  # written answers and statements link the heading's page
                target = heading_gid if heading_gid and el_series in ("wrans", "wms") else gid
                url = f"{TWFY}/{p_twfy}/?id={target.rsplit('/', 1)[-1]}"
            else:
                url = get("url") or ""
            sec = section_index if section_index > 0 else 0
            structural = kind == "question" and el_series == "wrans"
            n = 0
            pid_prefix = gid + "/p"
            for block in el.getchildren():  # (a list: faster than iterchildren(etree.Element))
                btag = block.tag
                if btag.__class__ is not str:  # an entity left unresolved (comments and PIs are removed)
                    continue
                n += 1
                if btag == "table":
                    text = _table(block)
                elif len(block):
                    text = _squeeze(_tostring(block, method="text", encoding=str, with_tail=False))
                else:  # a paragraph without markup inside (most): _flat and _squeeze inlined
                    text = block.text
                    if not text:
                        continue
                    t = text.strip(" ")
                    if "\n" in t or "\t" in t or "\r" in t or "  " in t or not (t.isascii() or t.isprintable()):
                        t = " ".join(text.split())
                    text = t
                if not text:
                    continue
                line = block.sourceline or 0
                pid = pid_prefix + str(n)
                # positional, in the order _PASSAGE_FIELDS checks (a third of the cost of keywords)
                passages.append(
                    Passage(
                        pid,
                        document,
                        LAYOUT,
                        title,
                        spath,
                        day,
                        precision,
                        p_venue,
                        p_house,
                        kind,
                        speaker,
                        sid,
                        detail,
                        basis,
                        party,
                        constituency,
                        text,
                        line,
                        sec,
                        gid,
                        responds,
                        url,
                        "",
                        "",
                        flag,
                    )
                )
                line_kinds[line] = "content"
                if structural:
                    asks.append(pid)
        elif tag in _HEADINGS:
            text = _heading(el)
            if el.sourceline:
                line_kinds[el.sourceline] = "header"
            if not text:  # "[Mrs. Joan Humble in the Chair]" alone: the chair changes, the debate goes on
                continue
            section_index += 1
            heading_gid = el.get("id") or heading_gid
            if tag == "minor-heading":
                minor = text
            else:
                major, minor = text, ""
            title = minor or major
            spath = " > ".join(x for x in (major, minor) if x)
            pending, answered, after_reply = [], [], False
    if not day:
        for p in passages:
            p.add_flag("undated")
    return doc


def sniff(head: bytes, name: str) -> bool:
    return xml_root(head) == "publicwhip"


P = TypeVar("P", str, Path)


def latest_versions(paths: Iterable[P]) -> tuple[list[P], list[P]]:
    """Split ParlParse files into (kept, superseded): of the versions of one day in one folder
    (``debates2009-10-26a.xml``, ``debates2009-10-26b.xml``: the same name up to the date, then the scrape's
    version letters) only the latest (b after a, aa after z) is kept. Files whose names do not follow that pattern
    are kept. Both lists keep the input order; the items are the ones passed in (str or Path).

    >>> latest_versions(["d/debates2009-10-26a.xml", "d/debates2009-10-26b.xml", "d/notes.xml"])
    (['d/debates2009-10-26b.xml', 'd/notes.xml'], ['d/debates2009-10-26a.xml'])
    """
    items = list(paths)
    best: dict[tuple[str, str, str], tuple[int, str]] = {}
    keys: list[tuple[tuple[str, str, str], tuple[int, str]] | None] = []
    for p in items:
        pp = Path(p)
        m = _VERSION.match(pp.stem)
        if not m:
            keys.append(None)
            continue
        key = (os.path.normpath(str(pp.parent)), m.group("stem"), pp.suffix.lower())
        ver = (len(m.group("ver")), m.group("ver"))
        keys.append((key, ver))
        if key not in best or ver > best[key]:
            best[key] = ver
    kept: list[P] = []
    superseded: list[P] = []
    for p, k in zip(items, keys):
        if k is None or best[k[0]] == k[1]:
            kept.append(p)
        else:
            superseded.append(p)
    return kept, superseded


SOURCE = Source(
    name=LAYOUT,
    suffixes=(".xml",),
    sniff=sniff,
    parse=parse,
    description="ParlParse / TheyWorkForYou XML (<publicwhip>): debates, Westminster Hall, Lords, written "
    "answers and statements, Public Bill Committees",
)

__all__ = ["SOURCE", "SERIES", "latest_versions", "parse", "parse_xml", "sniff"]
