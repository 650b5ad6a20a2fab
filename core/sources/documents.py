"""Campaigners' own documents: press releases, briefings and reports as text (``.txt``, a layout recognised by
content), Word (``.docx``, python-docx), PDF (``.pdf``, pypdf) and HTML (a page of no known parliamentary site).

Every format becomes a list of blocks (a paragraph or heading with its position); one reader turns blocks into
passages:

* **furniture is not passages**: "PRESS RELEASE" / "News release", "For immediate release: <date>", "Embargoed
  until <time> <date>", contact lines ("For more information contact …", "Media enquiries: …", a line that is an
  e-mail address or a telephone number), "ENDS" and everything after it, "Notes to editors" and everything after
  it, page numbers and the running header or footer a PDF repeats on every page;
* **date**: the date in the release line or the embargo (the day it may be published), else a line that is only
  a date before the body; day precision (a "March 2020" line: month). None found: undated, said in the flags;
* **venue / kind**: a press release (any of its furniture) is venue "Press release", kind "press release"; a
  document that calls itself a briefing is venue "Briefing", kind "briefing"; otherwise both are unknown (set
  them with a sidecar file or ``--venue``: never guessed);
* **title and sections**: the document's title (a Word "Title" or first heading, an HTML ``h1``, else its first
  short line before the body); later headings (Word heading styles, HTML ``h2``-``h6``, in text and PDF a short
  line with no closing punctuation between paragraphs) start sections;
* **speakers**: unknown, except quoted paragraphs after "Name, role, said:" (basis "attribution");
* **paragraphs**: a Word or HTML paragraph is one; in text and PDF, lines wrapped mid-sentence are joined (a line
  that does not end a sentence continues onto the next), and a blank line always ends one.

``line`` is the line of the text or HTML file, the paragraph's number in a Word file, and the line of the PDF's
extracted text (pages in order).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from ..model import Document
from .base import Source
from .common import _MONTH_RE, DateError, DocBuilder, could_be_title, parse_date_line, parse_day_date

LAYOUT = "document"

RELEASE = re.compile(r"^(?:press|news|media) release:?$", re.I)
IMMEDIATE = re.compile(r"^for immediate (?:release|use)\b[\s:,.–—-]*(.*)$", re.I)
EMBARGO = re.compile(r"^embargo(?:ed)?\b(?:\s+(?:until|till|to|for))?[\s:,.–—-]*(.*)$", re.I)
ENDS = re.compile(r"^[\s\-–—#*]*ends[\s\-–—#*.]*$|^#\s*#\s*#$", re.I)
NOTES = re.compile(r"^notes? (?:to|for) (?:editors?|journalists)\b", re.I)
CONTACT = re.compile(
    r"^(?:for (?:more|further) information|media (?:contact|enquiries|inquiries)|press (?:office|"
    r"contact|enquiries|inquiries)|contacts?:|enquiries:|issued by\b)",
    re.I,
)
_REACH = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?:\+44\s?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b")
BRIEFING = re.compile(r"\bbriefing\b", re.I)
PAGE_NO = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+(?:of|/)\s+\d{1,3})?$", re.I)
ATTRIBUTION = re.compile(r"^(?P<name>(?:[A-Z][\w'’-]+ ){1,3}[A-Z][\w'’-]+), (?P<detail>.+?),? (?:said|says|added):$")
QUOTES = ("“", '"', "‘")
_DAY_IN = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)? ({_MONTH_RE}),? (\d{{4}})\b|\b({_MONTH_RE}) (\d{{1,2}})(?:st|nd|"
    rf"rd|th)?,? (\d{{4}})\b|\b(\d{{4}})-(\d{{2}})-(\d{{2}})\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?:;”\"’')\]]$")


@dataclass
class Block:
    line: int
    text: str
    #: True: a heading by the source's markup; False: a paragraph by markup; None: the text must tell
    heading: bool | None = None


def date_in(text: str) -> str:
    """The first day date written anywhere in ``text`` (ISO), else ''.

    >>> date_in("Embargoed until 00:01 Tuesday 3rd March 2020"), date_in("For immediate release"), date_in("2021-06-30")
    ('2020-03-03', '', '2021-06-30')
    """
    m = _DAY_IN.search(text)
    if not m:
        return ""
    try:
        if m.group(1):
            return parse_day_date(f"{m.group(1)} {m.group(2)} {m.group(3)}") or ""
        if m.group(4):
            return parse_day_date(f"{m.group(4)} {m.group(5)} {m.group(6)}") or ""
        from datetime import date

        return date(int(m.group(7)), int(m.group(8)), int(m.group(9))).isoformat()
    except (DateError, ValueError):
        return ""


def is_contact(s: str) -> bool:
    """A contact line: 'For more information contact …', or a short line that is mostly an e-mail or phone number."""
    if CONTACT.match(s):
        return True
    reach = _REACH.findall(s)
    return bool(reach) and len(s) < 120 and not s.endswith((".", "?", "!")) or bool(reach) and len(s) < 60


def looks_like(text: str) -> bool:
    """A press release or briefing in text: release furniture in its first lines, or 'ENDS' and 'Notes to editors'."""
    lines = [" ".join(x.split()) for x in text.splitlines() if x.strip()]
    head = lines[:12]
    if any(RELEASE.match(s) or IMMEDIATE.match(s) or EMBARGO.match(s) and date_in(s) for s in head):
        return True
    if any(
        re.fullmatch(r"(?:parliamentary |policy |members'? )?briefing(?: note| paper)?:?", s, re.I) for s in head[:4]
    ):
        return True
    return any(ENDS.match(s) for s in lines) and any(NOTES.match(s) for s in lines)


def blocks_from_lines(lines: list[tuple[int, str]]) -> list[Block]:
    """Lines -> paragraphs: a blank line ends one; a line that does not end a sentence runs on into the next unless
    either is furniture or a short heading-like line."""
    out: list[Block] = []
    open_para = False
    for line, raw in lines:
        s = " ".join(raw.split())
        if not s:
            open_para = False
            continue
        alone = _standalone(s)
        if open_para and not alone and out and not _SENTENCE_END.search(out[-1].text) and not _standalone(out[-1].text):
            out[-1].text += " " + s
        else:
            out.append(Block(line, s))
        open_para = True
    return out


def _standalone(s: str) -> bool:
    return bool(
        RELEASE.match(s)
        or IMMEDIATE.match(s)
        or EMBARGO.match(s)
        or ENDS.match(s)
        or NOTES.match(s)
        or is_contact(s)
        or PAGE_NO.match(s)
        or _is_date_only(s)
    )


def _is_date_only(s: str) -> bool:
    try:
        return parse_date_line(s) is not None
    except DateError:
        return False


def _heading_like(s: str) -> bool:
    return could_be_title(s) and len(s.split()) <= 14 and not _SENTENCE_END.search(s) and not s.startswith(QUOTES)


def read_blocks(blocks: list[Block], document: str, path: str, *, title: str = "", url: str = "") -> Document:
    """Blocks of a document -> passages, furniture set aside (see the module's description)."""
    b = DocBuilder(document, path, LAYOUT)
    b.doc.url = url
    date, precision, release, briefing = "", "unknown", False, False
    body_started, tail = False, ""
    section = ""
    quote: tuple[str, str] | None = None
    heads = [x for x in blocks if not _standalone(x.text)][:3]
    briefing = any(
        re.fullmatch(r"(?:parliamentary |policy |members'? )?briefing(?: note| paper)?:?", x.text, re.I)
        or (x.heading is not False and BRIEFING.search(x.text) and _heading_like(x.text))
        for x in heads
    )
    for n, blk in enumerate(blocks):
        s = blk.text
        if tail:
            b.kind(blk.line, "boilerplate")
            continue
        if ENDS.match(s) or NOTES.match(s):
            tail = s
            b.kind(blk.line, "boilerplate")
            continue
        if RELEASE.match(s):
            release = True
            b.kind(blk.line, "header")
            continue
        m = IMMEDIATE.match(s) or EMBARGO.match(s)
        if m and (IMMEDIATE.match(s) or date_in(s)) and len(s) < 120:
            release = True
            found = date_in(m.group(1))
            if found and not date:
                date, precision = found, "day"
            b.kind(blk.line, "header")
            continue
        if is_contact(s) or PAGE_NO.match(s):
            b.kind(blk.line, "boilerplate")
            continue
        if not body_started and _is_date_only(s):
            try:
                got = parse_date_line(s)
            except DateError as exc:
                b.doc.flags.append(f"line {blk.line}: date that does not parse ({exc})")
                got = None
            if got and not date:
                date, precision = got
            b.kind(blk.line, "header")
            continue
        if blk.heading is not None:
            heading = blk.heading
        elif not body_started:  # before the body: the first short line is the title; a second is its standfirst
            heading = not title and _heading_like(s)
        else:
            heading = _heading_like(s) and n + 1 < len(blocks) and not _heading_like(blocks[n + 1].text)
        if heading:
            if not title:
                title = s
            else:
                section = s
                b.section_index += 1
            quote = None
            b.kind(blk.line, "header")
            continue
        body_started = True
        if b.section_index < 0:
            b.section_index = 0
        speaker = detail = basis = ""
        if s.startswith(QUOTES) and quote:
            speaker, detail, basis = quote[0], quote[1], "attribution"
        else:
            quote = None
        b.add(
            blk.line,
            s,
            section_title=section or title,
            date=date,
            date_precision=precision,
            speaker=speaker,
            speaker_detail=detail,
            speaker_basis=basis,
            section_path=" > ".join(x for x in (title, section) if x),
        )
        a = ATTRIBUTION.match(s)
        if a:
            quote = (a.group("name"), a.group("detail"))
    venue, kind = ("Press release", "press release") if release else ("Briefing", "briefing") if briefing else ("", "")
    for p in b.doc.passages:
        p.venue, p.kind = venue, kind
    b.doc.title = title
    if tail:
        b.doc.flags.append(f"'{tail[:40]}' and what follows are furniture, not passages")
    if not date:
        b.doc.flags.append("no date in the document: set one (a .meta.toml file beside it, or --date)")
    if not venue:
        b.doc.flags.append(
            "venue unknown: not a press release or briefing by its own words (set one with a "
            ".meta.toml file beside it, or --venue)"
        )
    if not b.doc.passages:
        b.doc.flags.append("no paragraphs found")
    return b.doc


# ---- formats -------------------------------------------------------------------------------------------------
def parse(text: str, document: str, path: str) -> Document:
    """A text document (the text layouts' entry point)."""
    return read_blocks(blocks_from_lines(list(enumerate(text.split("\n"), start=1))), document, path)


def parse_html(root, document: str, path: str, url: str = "") -> Document:
    """An HTML document of no known parliamentary site: its blocks, with headings from ``h1``-``h6``."""
    from .html_text import page_lines

    heads = {(h.sourceline, " ".join(h.text_content().split())) for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")}
    blocks = [
        Block(line, t, True if (line, t) in heads else None if len(t) < 200 else False) for line, t in page_lines(root)
    ]
    title = ""
    h1 = root.find(".//h1")
    if h1 is None:
        t = root.find(".//title")
        title = " ".join(t.text_content().split()) if t is not None else ""
    return read_blocks(blocks, document, path, title=title, url=url)


def parse_docx(data: bytes, document: str, path: str) -> Document:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        word = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a damaged package
        raise ValueError(f"not a Word document python-docx can read ({type(exc).__name__}: {exc})") from None
    blocks: list[Block] = []
    n = 0
    for el in word.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            n += 1
            para = Paragraph(el, word)
            text = " ".join(para.text.split())
            style = (para.style.name if para.style is not None else "") or ""
            if text:
                blocks.append(Block(n, text, style == "Title" or style.startswith("Heading")))
        elif tag == "tbl":
            for row in Table(el, word).rows:
                n += 1
                cells = [" ".join(c.text.split()) for c in row.cells]
                text = " | ".join(dict.fromkeys(c for c in cells if c))
                if text:
                    blocks.append(Block(n, text, False))
    title = " ".join((word.core_properties.title or "").split())
    doc = read_blocks(blocks, document, path, title="" if any(x.heading for x in blocks) else title)
    if not blocks:
        doc.flags.append("the Word document has no text")
    return doc


def parse_pdf(data: bytes, document: str, path: str) -> Document:
    try:
        import pypdf

        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValueError("the PDF is encrypted; save an unprotected copy")
        pages = []
        for page in reader.pages:
            try:
                pages.append(page.extract_text(extraction_mode="layout") or "")
            except Exception:  # layout mode fails on some fonts: plain extraction
                pages.append(page.extract_text() or "")
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(f"not a PDF pypdf can read ({type(exc).__name__}: {exc})") from None
    if not any(p.strip() for p in pages):
        raise ValueError(f"no text in the PDF ({len(pages)} page(s)): a scanned image? Run OCR on it first")
    # a running header or footer: the same first or last line on every page (two pages or more)
    ends = [[ln.strip() for ln in p.splitlines() if ln.strip()] for p in pages]
    repeated: set[str] = set()
    if len(pages) > 1 and all(ends):
        edges = [set(e[:2] + e[-2:]) for e in ends]
        repeated = set.intersection(*edges)
    lines: list[tuple[int, str]] = []
    n = 0
    for p in pages:
        for raw in p.splitlines():
            n += 1
            lines.append((n, "" if raw.strip() in repeated else raw))
        lines.append((n, ""))  # a page break ends a paragraph
    doc = read_blocks(blocks_from_lines(lines), document, path)
    if repeated:
        doc.flags.append(f"running header/footer on every page not read: {'; '.join(sorted(repeated))[:80]}")
    doc.flags.append(f"PDF: {len(pages)} page(s); lines are lines of the extracted text")
    return doc


def _sniff_docx(head: bytes, name: str) -> bool:
    return head.startswith(b"PK\x03\x04")


def _sniff_pdf(head: bytes, name: str) -> bool:
    return b"%PDF-" in head[:1024]


DOCX = Source("docx", (".docx",), _sniff_docx, parse_docx, "Word documents (.docx): press releases, briefings, reports")
PDF = Source("pdf", (".pdf",), _sniff_pdf, parse_pdf, "PDF documents with a text layer")
