"""Web pages saved as HTML (``.html``, ``.htm``), read with lxml.html (a real parser, never regular expressions over
markup). The site is recognised from the page's canonical link (``<link rel="canonical">`` or ``og:url``), else
from its markup:

* **hansard.parliament.uk** debate pages: title (``h1``), "Volume N: debated on <date>", the location
  ("Westminster Hall", ...) and house (from the address), one speech per contribution item with the member's name,
  constituency and party from its attribution ("Joan Ryan" / "(Enfield North) (Lab)"; a role names the person in
  brackets) and the member id from the link to members.parliament.uk;
* **TheyWorkForYou** debate pages: title, date and series (Commons, Westminster Hall, Lords, written answers /
  statements) from the ``?id=`` gid; speeches (``div.debate-speech``) with the name (``strong``, else the photo's
  "Photo of …"), TheyWorkForYou person id, and "Party, Constituency" or the office from the position line;
  ``source_id`` is the ParlParse gid (``uk.org.publicwhip/debate/2025-01-16b.1024.1``) so the same speech read
  from XML has the same source id;
* **Parallel Parliament** pages: the page as lines (blocks of text, a photo's alt text kept), read by the text
  layout's parser (:mod:`core.sources.parallel_parliament`), so the HTML and the text copy give the same passages;
* **publications.parliament.uk** column pages (the Official Report 1988-2016): "House of Commons Hansard Debates
  for 8 Jul 2002", column lines "8 Jul 2002 : Column 600" (furniture), headings, and speaker lines opening a
  paragraph in bold ("Mr. Simon Burns (West Chelmsford):"); a short later form ("Mr. Burns:") is the person named
  in full earlier on the page when exactly one matches, else kept as printed;
* **historic Hansard** (api.parliament.uk/historic-hansard): the title, the citation "HC Deb 08 July 2002 vol 388
  cc600-14" (house, date, and the venue from a column suffix: WH, W, WS, GC), and one speech per
  ``member_contribution`` with the person's page as speaker id.

The venue is the page's own where it gives one; otherwise it is inferred from the words spoken, as for the text
copies (a "My Lords" is evidence of the Lords), flagged ``venue_inferred``; else left empty. A speaker is the name
(and id) the page gives, or unknown: never a guess. A page of no known site is read as a document
(:mod:`core.sources.documents`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import lxml.html
from lxml import etree

from ..model import Document
from ..schema import VENUES
from .base import Source
from .common import CP1252_FLAG, CP1252_NOTE, HOUSE_OF, MONTHS, DateError, DocBuilder, decode_bytes, parse_day_date
from .hansard_api import split_attribution
from .html_text import norm, page_lines

SUFFIXES = (".html", ".htm")
_CHAMBERS = {"Commons": "Commons Chamber", "Lords": "Lords Chamber"}
_TWFY_SERIES = {
    "debates": ("Commons Chamber", "Commons", "debate"),
    "whall": ("Westminster Hall", "Commons", "westminhall"),
    "lords": ("Lords Chamber", "Lords", "lords"),
    "wrans": ("Written answers", "", "wrans"),
    "wms": ("Written statements", "", "wms"),
    "pbc": ("Public Bill Committee", "Commons", "standing"),
}
_PARTIES = {
    "Labour",
    "Conservative",
    "Liberal Democrat",
    "Scottish National Party",
    "Green",
    "Plaid Cymru",
    "DUP",
    "Democratic Unionist Party",
    "Sinn Féin",
    "SDLP",
    "Social Democratic and Labour Party",
    "Alliance",
    "Independent",
    "Reform UK",
    "Crossbench",
    "Bishop",
    "Labour/Co-operative",
    "UUP",
    "Ulster Unionist Party",
    "Speaker",
    "Non-affiliated",
    "Alba",
}
#: "HC Deb 08 July 2002 vol 388 cc600-14", "HL Deb 08 July 2002 vol 637 c912", "HC Deb 17 January 2018 vol 634 cc1WH-20WH"
CITATION = re.compile(r"\b(HC|HL) Deb,? (\d{1,2} \w+ \d{4}),?(?: vol (\d+))?(?:,? cc?\.? ?(\d+)(WH|WS|W|GC)?)?")
_COLUMN_LINE = re.compile(r"^\d{1,2} \w{3,9} \d{4} : Column \d+\w*$")
_DEBATES_FOR = re.compile(
    r"Hansard (?:Debates|text|Written Answers|Written Ministerial Statements) for (\d{1,2} \w+ \d{4})", re.I
)
_NAV = re.compile(r"^(Previous Section|Next Section|Index|Home Page|Contents|Back to top|Previous|Next)$", re.I)
_FURNITURE = re.compile(
    r"^(©|&copy;|Parliamentary copyright|Prepared \d{1,2} \w+ \d{4}$|\d{1,2}\.\d{2} [ap]\.?m\.?$)", re.I
)
_COLLECTIVE = re.compile(
    r"^(Several |Noble |Hon\. )?(noble )?(Lords|Members|Baronesses)\b|^(Hon\. Members|Noble Lords)", re.I
)
_HONORIFIC = r"(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady|Baroness|Viscount|Earl)\.?"


@dataclass
class Speech:
    """One speaker's turn as the page gives it: (source line, paragraph) pairs and who spoke."""

    paras: list[tuple[int, str]] = field(default_factory=list)
    speaker: str = ""
    speaker_id: str = ""
    detail: str = ""
    party: str = ""
    constituency: str = ""
    basis: str = "speaker line"
    source_id: str = ""
    url: str = ""
    section: str = ""


@dataclass
class Page:
    site: str
    title: str = ""
    date: str = ""
    venue: str = ""
    house: str = ""
    url: str = ""
    speeches: list[Speech] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    #: source lines that are page furniture or headings (for the no-loss accounting)
    headers: set[int] = field(default_factory=set)


# ---- reading the page ------------------------------------------------------------------------------------------
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def decode_html(data: bytes, flags: list[str]) -> str:
    """The page's text: its declared charset when it names one that decodes it, else UTF-8, else Windows-1252
    (noted in ``flags``)."""
    m = _CHARSET.search(data[:4096])
    declared = m.group(1).decode("ascii").lower() if m else ""
    if declared and declared not in ("utf-8", "utf8"):
        try:
            return data.decode("cp1252" if declared in ("iso-8859-1", "latin-1", "latin1", "us-ascii") else declared)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data, flags)


def load(data: bytes, flags: list[str]):
    text = decode_html(data, flags)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses an encoding declaration in a str
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ValueError(f"not an HTML page lxml can read ({exc})") from None


def canonical(root) -> str:
    for xp in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        hits = root.xpath(xp)
        if hits and hits[0].strip():
            return hits[0].strip()
    return ""


def _title_tag(root) -> str:
    t = root.find(".//title")
    return norm(t.text_content()) if t is not None else ""


def _classed(root, name: str) -> list:
    return root.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def site_of(root, url: str) -> str:
    host = urlparse(url).netloc.lower()
    path = urlparse(url).path
    if "hansard.parliament.uk" in host:
        return "hansard"
    if "theyworkforyou.com" in host:
        return "twfy"
    if "parallelparliament.co.uk" in host:
        return "parallel_parliament"
    if "api.parliament.uk" in host and path.startswith("/historic-hansard"):
        return "historic_hansard"
    if "publications.parliament.uk" in host:
        return "publications"
    title = _title_tag(root)
    if root.xpath(".//*[contains(@class, 'contributiondebateitem')]"):
        return "hansard"
    if _classed(root, "debate-speech"):
        return "twfy"
    if _classed(root, "member_contribution") or "(Hansard, " in title:
        return "historic_hansard"
    if _DEBATES_FOR.search(title):
        return "publications"
    if "Parallel Parliament" in title or root.xpath(
        ".//meta[@property='og:site_name' and @content='Parallel Parliament']"
    ):
        return "parallel_parliament"
    return ""


# ---- the sites -------------------------------------------------------------------------------------------------
def _paras(el, exclude=()) -> list[tuple[int, str]]:
    ps = [p for p in el.iter("p") if not any(x in p.iterancestors() for x in exclude)]
    return [(p.sourceline or 0, t) for p in ps if (t := norm(p.text_content()))]


def _day(text: str) -> str:
    try:
        return parse_day_date(text) or ""
    except DateError:
        return ""


def hansard_site(root, url: str) -> Page:
    page = Page("hansard", url=url)
    h1 = root.xpath(".//h1")
    page.title = norm(h1[0].text_content()) if h1 else re.sub(r" - Hansard.*$", "", _title_tag(root))
    for el in root.iter():
        t = norm(el.text) if isinstance(el.tag, str) else ""
        m = re.search(r"debated on (.+)$", t)
        if m:
            page.date = _day(m.group(1))
            page.headers.add(el.sourceline or 0)
            break
    m = re.search(r"/(Commons|Lords)/(\d{4}-\d{2}-\d{2})/", urlparse(url).path)
    if m:
        page.house = m.group(1)
        page.date = page.date or m.group(2)
    for el in _classed(root, "debate-location") + _classed(root, "breadcrumb"):
        for t in [norm(el.text_content())] + [norm(li.text_content()) for li in el.iter("li")]:
            if t in VENUES:
                page.venue = t
                break
        if page.venue:
            break
    for item in root.xpath(".//*[contains(@class, 'contributiondebateitem')]"):
        s = Speech()
        cid = (item.get("id") or "").removeprefix("contribution-")
        s.source_id, s.url = cid, (f"{url}#contribution-{cid}" if url and cid else url)
        who = _classed(item, "primary-text")
        if who:
            attributed = norm(
                who[0].text_content() + " " + " ".join(x.text_content() for x in _classed(item, "secondary-text"))
            )
            s.speaker, s.constituency, s.party = split_attribution(attributed)
            s.detail, s.basis = attributed, "source markup"
            link = who[0].xpath("ancestor::a/@href")
            m = re.search(r"/member/(\d+)", link[0]) if link else None
            s.speaker_id = m.group(1) if m else ""
        content = _classed(item, "content")
        s.paras = _paras(content[0] if content else item)
        page.speeches.append(s)
    return page


def twfy_site(root, url: str) -> Page:
    page = Page("twfy", url=url)
    q = urlparse(url)
    series = q.path.strip("/").split("/")[0] if q.path else ""
    gid = (parse_qs(q.query).get("id") or [""])[0]
    venue, house, gid_series = _TWFY_SERIES.get(series, ("", "", ""))
    page.venue, page.house = venue, house
    m = re.match(r"(\d{4}-\d{2}-\d{2})([a-z]*)", gid)
    page.date = m.group(1) if m else ""
    header = _classed(root, "debate-header")
    h1 = (header[0] if header else root).xpath(".//h1")
    page.title = norm(h1[0].text_content()) if h1 else _title_tag(root).split(":")[0]
    if not page.date and header:
        lead = header[0].xpath(".//p")
        page.date = _day(norm(lead[0].text_content()).split("–")[0]) if lead else ""
    base = url.split("?")[0]
    for sp in _classed(root, "debate-speech"):
        s = Speech()
        sid = sp.get("id") or ""
        if m and sid.startswith("g") and gid_series:
            full = f"{m.group(1)}{m.group(2)}.{sid[1:]}"
            s.source_id, s.url = f"uk.org.publicwhip/{gid_series}/{full}", f"{base}?id={full}"
        name = _classed(sp, "debate-speech__speaker__name")
        photo = sp.xpath(".//img[starts-with(@alt, 'Photo of ')]/@alt")
        s.speaker = norm(name[0].text_content()) if name else (norm(photo[0][len("Photo of ") :]) if photo else "")
        if s.speaker:
            s.basis = "source markup"
            href = sp.xpath(".//*[contains(@class, 'debate-speech__speaker')]//a/@href")
            pm = re.search(r"/(?:mp|peer|msp|mla|ms)/\?p=(\d+)", " ".join(href))
            s.speaker_id = f"uk.org.publicwhip/person/{pm.group(1)}" if pm else ""
            pos = _classed(sp, "debate-speech__speaker__position")
            s.detail = norm(pos[0].text_content()) if pos else ""
            party, _, place = s.detail.partition(", ")
            if party in _PARTIES:
                s.party, s.constituency = party, (place if house != "Lords" else "")
            elif s.detail in _PARTIES:
                s.party = s.detail
        content = _classed(sp, "debate-speech__content")
        s.paras = _paras(content[0]) if content else []
        page.speeches.append(s)
    return page


def _citation(text: str, page: Page) -> bool:
    m = CITATION.search(text)
    if not m:
        return False
    page.house = "Commons" if m.group(1) == "HC" else "Lords"  # the citation is the record's own word
    page.date = page.date or _day(m.group(2))
    suffix = m.group(5) or ""
    page.venue = page.venue or {
        "WH": "Westminster Hall",
        "W": "Written answers",
        "WS": "Written statements",
        "GC": "Grand Committee",
    }.get(suffix, _CHAMBERS[page.house])
    return True


_SPEAKER_BOLD = re.compile(r"^(?P<who>[^:]{2,160}?):\s*$")


def _short_form(name: str, known: list[Speech]) -> Speech | None:
    """'Mr. Burns' -> the one earlier speaker named 'Mr. <first names> Burns' on the page (None: none or several)."""
    m = re.fullmatch(rf"({_HONORIFIC}) ([A-Z][\w'’-]+)", name)
    if not m:
        return None
    hits = {
        s.speaker: s for s in known if re.fullmatch(rf"{re.escape(m.group(1))} .+ {re.escape(m.group(2))}", s.speaker)
    }
    return next(iter(hits.values())) if len(hits) == 1 else None


def publications_site(root, url: str) -> Page:
    title = _title_tag(root)
    page = Page("publications", url=url, title=title)
    m = _DEBATES_FOR.search(title)
    page.date = _day(m.group(1)) if m else ""
    path = urlparse(url).path
    if "/ldhansrd/" in path or title.startswith("Lords"):
        page.house = "Lords"
        page.venue = "Grand Committee" if re.search(r"/vo\d+/\w*gc", path) else "Lords Chamber"
    elif "/cmhansrd/" in path or "House of Commons" in title:
        page.house = "Commons"
        page.venue = (
            "Westminster Hall"
            if "/halltext/" in path or "Westminster Hall" in title
            else "Written statements"
            if "/wmstext/" in path
            else "Written answers"
            if "/text/" in path
            else "Commons Chamber"
        )
    section, known = "", []
    current: Speech | None = None
    body = root.find(".//body")
    for el in (body if body is not None else root).iter("p", "h1", "h2", "h3", "h4", "h5", "h6"):
        text = norm(el.text_content())
        line = el.sourceline or 0
        if not text:
            continue
        if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            page.headers.add(line)
            if not _FURNITURE.match(text) and el.tag != "h5":
                section, current = text, None
            continue
        if (
            _COLUMN_LINE.match(text)
            or _NAV.match(text)
            or _FURNITURE.match(text)
            or len(text) < 80
            and _citation(text, page)
        ):
            page.headers.add(line)
            if not page.date and _COLUMN_LINE.match(text):
                page.date = _day(text.split(" : ")[0])
            continue
        first = el[0] if len(el) and el[0].tag in ("b", "strong") and not norm(el.text) else None
        who = _SPEAKER_BOLD.match(norm(first.text_content())) if first is not None else None
        if first is not None and not who and norm(first.tail or "").startswith(":"):
            who = _SPEAKER_BOLD.match(norm(first.text_content()) + ":")
        if who:
            printed = who.group("who").strip()
            current = Speech(
                section=section,
                detail=printed,
                source_id=el.getprevious().get("name", "")
                if el.getprevious() is not None and el.getprevious().tag == "a"
                else "",
            )
            name, constituency, party = split_attribution(printed)
            full = _short_form(name, known)
            if full is not None:
                current.speaker, current.speaker_id, current.constituency, current.party = (
                    full.speaker,
                    full.speaker_id,
                    full.constituency,
                    full.party,
                )
                current.basis = f"speaker line (short form '{printed}')"
            else:
                current.speaker, current.constituency, current.party = name, constituency, party
                known.append(current)
            page.speeches.append(current)
            rest = norm(text[len(norm(first.text_content())) :].lstrip(" :"))
            if rest:
                current.paras.append((line, rest))
            continue
        if current is None:
            current = Speech(section=section, basis="")
            page.speeches.append(current)
        current.paras.append((line, text))
    if url and page.speeches:
        for s in page.speeches:
            s.url = f"{url}#{s.source_id}" if s.source_id else url
    return page


def historic_site(root, url: str) -> Page:
    page = Page("historic_hansard", url=url)
    h1 = root.xpath(".//h1[contains(@class, 'title')]") or root.xpath(".//h1")
    page.title = norm(h1[0].text_content()) if h1 else re.sub(r" \(Hansard, .*\)$", "", _title_tag(root))
    cite = root.xpath(".//cite[contains(@class, 'section')]")
    if cite:
        page.headers.add(cite[0].sourceline or 0)
        _citation(norm(cite[0].text_content()), page)
    if not page.date:
        m = re.search(r"\(Hansard, (\d{1,2} \w+ \d{4})\)", _title_tag(root))
        page.date = _day(m.group(1)) if m else ""
    if not page.date:
        m = re.search(r"/(\d{4})/([a-z]{3})/(\d{2})/", urlparse(url).path)
        if m and m.group(2) in MONTHS:
            page.date = f"{m.group(1)}-{MONTHS[m.group(2)]:02d}-{m.group(3)}"
    if not page.house:
        m = re.search(r"/historic-hansard/(commons|lords)/", urlparse(url).path)
        page.house = m.group(1).title() if m else ""
    for div in _classed(root, "member_contribution"):
        s = Speech(source_id=div.get("id") or "")
        s.url = f"{url}#{s.source_id}" if url and s.source_id else url
        who = div.xpath(".//cite[contains(@class, 'member')]")
        if who:
            link = who[0].find("a")
            printed = norm(who[0].text_content())
            s.detail = printed
            if link is not None:
                s.speaker = norm(link.get("title") or link.text_content())
                m = re.search(r"/historic-hansard/people/([\w-]+)", link.get("href") or "")
                s.speaker_id = f"historic-hansard/people/{m.group(1)}" if m else ""
                s.constituency = norm((link.tail or "").strip(" ()")) if page.house == "Commons" else ""
                s.basis = "source markup"
            elif not _COLLECTIVE.match(printed):
                s.speaker, s.basis = printed, "speaker line"
        s.paras = _paras(div)
        page.speeches.append(s)
    return page


SITES = {
    "hansard": hansard_site,
    "twfy": twfy_site,
    "publications": publications_site,
    "historic_hansard": historic_site,
}
LAYOUTS = {
    "hansard": "hansard_html",
    "twfy": "twfy_html",
    "publications": "publications_html",
    "historic_hansard": "historic_hansard_html",
    "parallel_parliament": "parallel_parliament_html",
}


# ---- passages ----------------------------------------------------------------------------------------------------
def build(page: Page, document: str, path: str) -> Document:
    from .hansard_page import infer_venue

    b = DocBuilder(document, path, LAYOUTS[page.site], title=page.title)
    b.doc.url = page.url
    b.doc.flags.extend(page.flags)
    b.section_index = 0
    venue, inferred = page.venue, False
    if not venue:
        venue, evidence = infer_venue("\n".join(t for s in page.speeches for _l, t in s.paras))
        if venue:
            inferred = True
            b.doc.flags.append(f"venue inferred as {venue}: {evidence}")
        else:
            b.doc.flags.append("venue unknown: the page does not say and the text gives no evidence")
    house = page.house or HOUSE_OF.get(venue, "")
    if not page.date:
        b.doc.flags.append("no date on the page: passages undated")
    for line in page.headers:
        b.kind(line, "header")
    sections: list[str] = []
    for s in page.speeches:
        title = s.section or page.title
        if title not in sections:
            sections.append(title)
        b.section_index = sections.index(title)
        for line, text in s.paras:
            p = b.add(
                line,
                text,
                section_title=title,
                date=page.date,
                date_precision="day",
                venue=venue,
                speaker=s.speaker,
                speaker_detail=s.detail,
                speaker_basis=s.basis,
                house=house,
                kind="speech" if s.speaker else "",
                speaker_id=s.speaker_id,
                party=s.party,
                constituency=s.constituency,
                url=s.url or page.url,
                source_id=s.source_id,
                section_path=title,
            )
            if inferred:
                p.add_flag("venue_inferred")
    if not b.doc.passages:
        b.doc.flags.append("no speeches found on the page")
    return b.doc


def parallel_parliament_page(root, url: str, document: str, path: str) -> Document:
    """A Parallel Parliament page read as its lines by the text layout's parser; lines mapped back to the HTML."""
    from . import parallel_parliament

    lines = page_lines(root)
    doc = parallel_parliament.parse("\n".join(t for _l, t in lines), document, path)
    doc.layout = LAYOUTS["parallel_parliament"]
    doc.url = url
    src = [line for line, _t in lines]
    for p in doc.passages:
        p.layout, p.line = doc.layout, src[p.line - 1]
        p.url = url
    kinds: dict[int, str] = {}
    for n, kind in doc.line_kinds.items():
        line = src[n - 1]
        kinds[line] = "content" if "content" in (kind, kinds.get(line)) else kind
    doc.line_kinds = kinds
    return doc


def parse(data: bytes, document: str, path: str) -> Document:
    notes: list[str] = []
    root = load(data, notes)
    url = canonical(root)
    site = site_of(root, url)
    if site == "parallel_parliament":
        doc = parallel_parliament_page(root, url, document, path)
    elif site:
        doc = build(SITES[site](root, url), document, path)
    else:
        from . import documents

        doc = documents.parse_html(root, document, path, url)
    doc.flags[:0] = notes
    if any(f.startswith(CP1252_NOTE) for f in notes):
        for p in doc.passages:
            p.add_flag(CP1252_FLAG)
    return doc


def sniff(head: bytes, name: str) -> bool:
    return True  # the only reader of .html / .htm


SOURCE = Source(
    "web_page",
    SUFFIXES,
    sniff,
    parse,
    "web pages saved as HTML (Hansard, TheyWorkForYou, Parallel "
    "Parliament, publications.parliament.uk, historic Hansard) and campaigners' HTML documents",
)
