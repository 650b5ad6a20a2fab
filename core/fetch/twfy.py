"""TheyWorkForYou's published ParlParse XML (https://www.theyworkforyou.com/pwdata/scrapedxml/), by series and dates.

Each series is a directory with an HTML index (Apache's directory listing) of files named by series, sitting day
and version letter: ``debates/debates2009-10-28c.xml``. A day that was scraped again gets the next letter
(``a``, ``b``, ``c`` … ``z``, ``aa``); only the latest version of each day is fetched (the same rule as
``core.sources.parlparse.latest_versions``, which ingest applies too). A standing-committee file names the bill's
first sitting and then its own date (``standing2009-10-20_CHILDPOV_06-0_2009-10-27a.xml``): the last date counts.

Files are saved as ``OUT/<series>/<file name>``, the layout of the site and of its rsync mirror, so a folder
fetched here and one filled by ``rsync`` are interchangeable.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
from lxml import etree

from ..sources.parlparse import latest_versions
from .http import FetchError, PoliteClient
from .jobs import Job, Report, run_jobs

DEFAULT_BASE_URL = "https://www.theyworkforyou.com/pwdata/scrapedxml/"
#: series directory -> (file-name prefix, what it holds)
SERIES: dict[str, tuple[str, str]] = {
    "debates": ("debates", "Commons Chamber debates"),
    "westminhall": ("westminster", "Westminster Hall debates"),
    "lordspages": ("daylord", "Lords Chamber debates"),
    "wrans": ("answers", "written questions and answers"),
    "wms": ("ministerial", "written ministerial statements"),
    "standing": ("standing", "Public Bill (standing) Committee debates"),
}
#: other names people use for a series directory
ALIASES = {
    "lords": "lordspages",
    "westminster": "westminhall",
    "commons": "debates",
    "answers": "wrans",
    "statements": "wms",
    "committees": "standing",
}
_NAME = re.compile(r"^(?P<stem>[A-Za-z0-9_.-]*(?P<date>\d{4}-\d{2}-\d{2}))(?P<ver>[a-z]+)\.xml$")


def series_names(text: str) -> list[str]:
    """``"debates,westminhall"`` -> the series directories; ValueError naming an unknown one.

    >>> series_names("debates, lords")
    ['debates', 'lordspages']
    """
    out: list[str] = []
    for raw in text.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        name = ALIASES.get(name, name)
        if name not in SERIES:
            raise ValueError(f"unknown series {raw.strip()!r}; the series are: {', '.join(SERIES)}")
        if name not in out:
            out.append(name)
    if not out:
        raise ValueError(f"no series given; the series are: {', '.join(SERIES)}")
    return out


def listing_names(data: bytes, listing_url: str) -> list[str]:
    """The ``.xml`` files a directory listing links to, in the listing itself (not its parent, sub-folders or
    sort links), as file names. ValueError when ``data`` is not an HTML page.

    >>> listing_names(b'<a href="?C=M;O=A">Last modified</a> <a href="/pwdata/scrapedxml/">Parent Directory</a>'
    ...               b' <a href="debates2009-10-28c.xml">debates2009-10-28c.xml</a>', "https://x/pwdata/scrapedxml/debates/")
    ['debates2009-10-28c.xml']
    """
    try:
        doc = lxml.html.fromstring(data)
    except (etree.ParserError, ValueError) as exc:
        raise ValueError(f"the listing is not an HTML page ({exc})") from None
    folder = urlsplit(listing_url).path
    names: list[str] = []
    for href in doc.xpath("//a/@href"):
        parts = urlsplit(urljoin(listing_url, href))
        if parts.query or parts.fragment:
            continue
        parent, _, name = parts.path.rpartition("/")
        name = unquote(name)
        if parent + "/" == folder and _NAME.match(name) and name not in names:
            names.append(name)
    return names


def select(names: list[str], date_from: date | None, date_to: date | None) -> list[str]:
    """The latest version of each day whose date is in [date_from, date_to], sorted by name.

    >>> select(["debates2009-10-26a.xml", "debates2009-10-26b.xml", "debates2009-11-02a.xml"],
    ...        date(2009, 10, 1), date(2009, 10, 31))
    ['debates2009-10-26b.xml']
    """
    kept, _superseded = latest_versions(names)
    out = []
    for name in kept:
        m = _NAME.match(name)
        if not m:
            continue
        try:
            day = date.fromisoformat(m.group("date"))
        except ValueError:
            continue
        if (date_from is None or day >= date_from) and (date_to is None or day <= date_to):
            out.append(name)
    return sorted(set(out))


def check_xml(data: bytes) -> str | None:
    """None when ``data`` is a whole ParlParse file (it closes its ``<publicwhip>`` root), else why not."""
    if not data.strip():
        return "empty body"
    if not data.rstrip().endswith(b"</publicwhip>"):
        return "not a whole ParlParse file (no closing </publicwhip>): cut short, or not the XML asked for"
    return None


def fetch(
    series: list[str],
    date_from: date | None,
    date_to: date | None,
    out: Path,
    *,
    base_url: str = DEFAULT_BASE_URL,
    client: PoliteClient | None = None,
    progress: bool = False,
) -> Report:
    """Fetch each series' latest versions of the days in range into ``out/<series>/``."""
    client = client or PoliteClient()
    base = base_url.rstrip("/") + "/"
    report = Report()
    jobs: list[Job] = []
    span = f"from {date_from or 'the start'} to {date_to or 'the end'}"
    for name in series:
        listing = urljoin(base, name + "/")
        try:
            names = listing_names(client.get(listing), listing)
        except FetchError as exc:
            report.failed.append(exc)
            continue
        except ValueError as exc:
            report.failed.append(FetchError(listing, str(exc)))
            continue
        chosen = select(names, date_from, date_to)
        report.notes.append(
            f"{name}: {len(chosen)} file(s) {span} (the latest version of each day) of {len(names):,} listed"
        )
        jobs += [Job(listing + f, Path(out) / name / f, check_xml) for f in chosen]
    return run_jobs(client, jobs, report, progress)


__all__ = ["ALIASES", "DEFAULT_BASE_URL", "SERIES", "check_xml", "fetch", "listing_names", "select", "series_names"]
