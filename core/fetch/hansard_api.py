"""The UK Parliament Hansard API (https://hansard-api.parliament.uk): search debates by term and dates, then fetch
each debate's JSON (its ``Overview`` and ``Items``), which ``campaign-tracker ingest`` reads.

* search: ``GET /search/debates.json?queryParameters.searchTerm=…&queryParameters.startDate=YYYY-MM-DD&
  queryParameters.endDate=YYYY-MM-DD&queryParameters.skip=N&queryParameters.take=N`` (and
  ``queryParameters.house=Commons|Lords`` when given), which answers ``{"Results": [...], "TotalResultCount": n}``;
  pages are asked for until ``TotalResultCount`` debates are listed, or a page is empty or adds nothing new. The
  debates are read from it with ``core.sources.hansard_api.debates_in_search``;
* a debate: ``GET /debates/debate/{DebateSectionExtId}.json``, saved as
  ``OUT/hansard-api/<sitting date>_<ext id>.json``.

The search is asked again on every run (results change as Hansard is published); debates already fetched are not.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

from ..sources.hansard_api import debates_in_search, load_json
from .http import FetchError, PoliteClient
from .jobs import Job, Report, run_jobs

DEFAULT_BASE_URL = "https://hansard-api.parliament.uk"
FOLDER = "hansard-api"
PAGE_SIZE = 100
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def search_url(
    base_url: str,
    term: str,
    date_from: date | None,
    date_to: date | None,
    skip: int = 0,
    take: int = PAGE_SIZE,
    house: str | None = None,
) -> str:
    """
    >>> search_url("https://hansard-api.parliament.uk", "county lines", date(2019, 1, 1), date(2019, 12, 31))
    'https://hansard-api.parliament.uk/search/debates.json?queryParameters.searchTerm=county+lines&queryParameters.startDate=2019-01-01&queryParameters.endDate=2019-12-31&queryParameters.skip=0&queryParameters.take=100'
    """
    params = {"queryParameters.searchTerm": term}
    if date_from:
        params["queryParameters.startDate"] = date_from.isoformat()
    if date_to:
        params["queryParameters.endDate"] = date_to.isoformat()
    if house:
        params["queryParameters.house"] = house
    params["queryParameters.skip"] = str(skip)
    params["queryParameters.take"] = str(take)
    return f"{base_url.rstrip('/')}/search/debates.json?{urlencode(params)}"


def debate_url(base_url: str, ext_id: str) -> str:
    return f"{base_url.rstrip('/')}/debates/debate/{quote(ext_id, safe='')}.json"


def search(
    client: PoliteClient,
    term: str,
    date_from: date | None,
    date_to: date | None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    house: str | None = None,
    take: int = PAGE_SIZE,
) -> list[dict]:
    """Every debate the search lists (ext_id, title, date, house, section), page by page; FetchError when a page
    cannot be had or is not a search result."""
    found: list[dict] = []
    seen: set[str] = set()
    skip = 0
    while True:
        url = search_url(base_url, term, date_from, date_to, skip, take, house)
        try:
            data = load_json(client.get(url))
        except ValueError as exc:
            raise FetchError(url, f"not a search result: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("Results"), list):
            raise FetchError(url, "not a search result (no 'Results' list)")
        page = [d for d in debates_in_search(data) if d["ext_id"] not in seen]
        seen.update(d["ext_id"] for d in page)
        found += page
        total = data.get("TotalResultCount")
        if not data["Results"] or not page or not isinstance(total, int) or len(found) >= total:
            return found
        skip += len(data["Results"])


def check_debate(data: bytes) -> str | None:
    """None when ``data`` is a debate (a JSON object with an ``Overview``), else why not."""
    try:
        obj = load_json(data)
    except ValueError as exc:
        return f"not JSON ({exc}): cut short, or not the debate asked for"
    if not isinstance(obj, dict) or "Overview" not in obj:
        return "not a Hansard API debate (no 'Overview')"
    return None


def file_name(debate: dict) -> str | None:
    """``<date>_<ext id>.json`` (the id alone when the date is not known); None for an id unsafe as a file name."""
    ext = debate["ext_id"]
    if not _SAFE_ID.match(ext):
        return None
    return f"{debate['date']}_{ext}.json" if debate.get("date") else f"{ext}.json"


def fetch(
    term: str,
    date_from: date | None,
    date_to: date | None,
    out: Path,
    *,
    base_url: str = DEFAULT_BASE_URL,
    house: str | None = None,
    client: PoliteClient | None = None,
    progress: bool = False,
    take: int = PAGE_SIZE,
) -> Report:
    """Search, then fetch each listed debate into ``out/hansard-api/``."""
    client = client or PoliteClient()
    report = Report()
    try:
        debates = search(client, term, date_from, date_to, base_url=base_url, house=house, take=take)
    except FetchError as exc:
        report.failed.append(exc)
        return report
    report.notes.append(f"search {term!r}: {len(debates)} debate(s)")
    jobs: list[Job] = []
    for d in debates:
        name = file_name(d)
        url = debate_url(base_url, d["ext_id"])
        if name is None:
            report.failed.append(FetchError(url, f"the debate id {d['ext_id']!r} cannot be a file name"))
            continue
        jobs.append(Job(url, Path(out) / FOLDER / name, check_debate))
    return run_jobs(client, jobs, report, progress)


__all__ = ["DEFAULT_BASE_URL", "FOLDER", "check_debate", "debate_url", "fetch", "file_name", "search", "search_url"]
