"""An MP's website archive page: site name, "Category Archives: …" or "Monthly Archives: …", then posts.

Each post is a title, an optional date line, then paragraphs. Dates are never invented: a post with its
own date line has day precision; without one, a month named in its title or in a monthly archive gives
month precision; otherwise the post is undated. Newspaper columns and conference speeches get their own
venues; other posts take the archive's venue (press releases or blog posts).
"""

from __future__ import annotations

import re

from ..model import Document
from .common import DateError, DocBuilder, find_month_year, is_blank, is_date_line, parse_date_line

LAYOUT = "mp_archive"

ARCHIVE_LINE = re.compile(r"^(Category|Monthly|Yearly|Daily|Tag|Author) Archives?: (.+)$")
NEWSPAPERS = re.compile(
    r"\b(Express|Gazette|Echo|Herald|Times|Guardian|Telegraph|Mirror|Chronicle|Advertiser|Argus|"
    r"Evening News|Observer|Independent|Standard|Courier|Journal|Examiner|Sentinel|Mercury)\b"
)
CONFERENCE = re.compile(r"\bconference\b", re.I)
ATTRIBUTION = re.compile(r"^(?P<name>(?:[A-Z][\w'’-]+ ){1,3}[A-Z][\w'’-]+), (?P<detail>.+?),? (?:said|says|added):$")
QUOTE_OPEN = ("“", '"', "‘")
URL = re.compile(r"https?://|www\.")
#: what a post is, by its venue
KIND_OF = {"Press release": "press release", "Newspaper column": "article", "Blog post": "post", "Conference": "speech"}


def looks_like(text: str) -> bool:
    return any(ARCHIVE_LINE.match(line.strip()) for line in text.splitlines()[:15])


def _is_title(s: str) -> bool:
    words = s.split()
    return (
        0 < len(words) <= 14
        and s[-1] not in '.?!:;,"”’)'
        and not s.startswith(("•", "-", "*", "–") + QUOTE_OPEN)
        and not URL.search(s)
        and s[0].isupper()
    )


def post_venue(title: str, first_paragraph: str, default: str) -> str:
    if NEWSPAPERS.search(title) and (find_month_year(title) or "column" in title.lower()):
        return "Newspaper column"
    if CONFERENCE.search(title) or (
        CONFERENCE.search(first_paragraph) and re.search(r"\bspoke\b|\bspeech\b", first_paragraph)
    ):
        return "Conference"
    return default


def parse(text: str, document: str, path: str) -> Document:
    b = DocBuilder(document, path, LAYOUT)
    lines = text.split("\n")
    site, archive_kind, archive_value, archive_line = "", "", "", -1
    for i, raw in enumerate(lines):
        m = ARCHIVE_LINE.match(raw.strip())
        if m:
            archive_kind, archive_value, archive_line = m.group(1), m.group(2).strip(), i
            break
    for raw in lines[:archive_line]:
        if raw.strip():
            site = raw.strip()
            break
    archive_month = find_month_year(archive_value) if archive_kind == "Monthly" else None
    default_venue = "Press release" if "press release" in archive_value.lower() else "Blog post"
    b.doc.title = f"{site} — {archive_kind} archive: {archive_value}".strip(" —")
    # an author is a person's name: two to four capitalised words
    author = site if re.fullmatch(r"(?:[A-Z][\w'’-]+ ){1,3}[A-Z][\w'’-]+", site) else ""

    # pass 1: find the post titles (a title-like line followed by a date line or a paragraph)
    sig = [i for i, raw in enumerate(lines) if not is_blank(raw) and i > archive_line]
    titles: set[int] = set()
    for n, i in enumerate(sig):
        s = lines[i].strip()
        if not _is_title(s) or is_date_line(s):
            continue
        nxt = lines[sig[n + 1]].strip() if n + 1 < len(sig) else ""
        if nxt and not _is_title(nxt) or is_date_line(nxt):
            titles.add(i)

    post: dict[str, str] = {}
    quote_speaker: tuple[str, str] | None = None
    for i, raw in enumerate(lines):
        lineno, s = i + 1, raw.strip()
        if is_blank(raw):
            continue
        if i <= archive_line:
            b.kind(lineno, "header")
            continue
        if i in titles:
            b.section_index += 1
            post = {"title": s, "date": "", "precision": "unknown", "venue": ""}
            month = find_month_year(s) or archive_month
            if month:
                post.update(date=month, precision="month")
            quote_speaker = None
            b.kind(lineno, "header")
            continue
        try:
            day = _date_or_none(s)
        except DateError as exc:
            b.doc.flags.append(f"line {lineno}: date that does not parse ({exc})")
            day = None
        if day is not None and post and not post.get("has_content"):
            post.update(date=day[0], precision=day[1])
            b.kind(lineno, "header")
            continue
        if not post.get("venue"):
            post["venue"] = post_venue(post.get("title", ""), s, default_venue)
        # who is speaking: a quoted paragraph after "Name, role, said:" is that person's; else the site's author
        if s.startswith(QUOTE_OPEN) and quote_speaker:
            speaker, detail, basis = quote_speaker[0], quote_speaker[1], "attribution"
        else:
            quote_speaker = None
            speaker, detail, basis = author, "", "site author"
        post["has_content"] = "1"
        b.add(
            lineno,
            s,
            kind=KIND_OF.get(post.get("venue", ""), ""),
            section_path=post.get("title", ""),
            section_title=post.get("title", ""),
            date=post.get("date", ""),
            date_precision=post.get("precision", "unknown"),
            venue=post.get("venue", ""),
            speaker=speaker,
            speaker_detail=detail,
            speaker_basis=basis,
        )
        m = ATTRIBUTION.match(s)
        if m:
            quote_speaker = (m.group("name"), m.group("detail"))
    if b.section_index < 0:
        b.section_index = 0
    return b.doc


def _date_or_none(s: str) -> tuple[str, str] | None:
    """(ISO date, precision) of a line that is only a date or a period ("Spring 2018": year precision)."""
    try:
        return parse_date_line(s)
    except DateError:
        if len(s) < 40:
            raise
        return None
