"""Campaign milestones: a report launched, a strategy published, a bill's royal assent.

Kept as data in the workspace (``<workspace>/milestones.csv``: columns ``date,label,themes,url``; ``themes`` is
a ``;``-separated list of theme ids, empty for a milestone that concerns every theme). Validated on load: every
problem is reported with the file, the row and what to write instead. Written atomically under the workspace's
lock; ``save_milestones`` refuses to overwrite a file another tab changed since it was read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from .summary import UnknownValue, resolve
from .workspace import Workspace, WorkspaceError, _atomic_write, read_text

FILE_NAME = "milestones.csv"
COLUMNS = ("date", "label", "themes", "url")
MAX_LABEL = 200
MAX_ROWS = 500


class MilestoneError(WorkspaceError):
    """A milestones file (or edit) that cannot be used; the message names the file, the row and the problem."""


class MilestonesChanged(WorkspaceError):
    """The milestones were changed (in another tab or process) after they were read; nothing was written."""


@dataclass(frozen=True)
class Milestone:
    date: date
    label: str
    themes: tuple[str, ...] = ()
    url: str = ""

    def concerns(self, themes: Iterable[str]) -> bool:
        """True for a milestone about every theme (no themes listed) or about one of ``themes``; with no
        ``themes`` asked for, every milestone."""
        themes = set(themes)
        return not self.themes or not themes or bool(themes.intersection(self.themes))


def safe_url(url: str) -> str:
    """``url`` when it is an http(s) address with a host, else "" (a ``javascript:`` or ``file:`` link never
    reaches a briefing).

    >>> safe_url("https://www.gov.uk/x"), safe_url("javascript:alert(1)"), safe_url("www.gov.uk")
    ('https://www.gov.uk/x', '', '')
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in url) else ""


def _row_problems(row: dict, theme_ids: set[str] | None) -> tuple[Milestone | None, list[str]]:
    problems = []
    raw_date = (row.get("date") or "").strip()
    when = None
    try:
        when = date.fromisoformat(raw_date)
        if len(raw_date) != 10:
            raise ValueError
    except ValueError:
        problems.append(
            f"date {raw_date!r} is not a day (write YYYY-MM-DD, e.g. 2019-07-15)"
            if raw_date
            else "no date (write YYYY-MM-DD)"
        )
        when = None
    label = " ".join((row.get("label") or "").split())
    if not label:
        problems.append("no label (say what happened, e.g. 'Children's Commissioner report published')")
    elif len(label) > MAX_LABEL:
        problems.append(f"the label is {len(label)} characters long; keep it to {MAX_LABEL}")
    themes = tuple(t.strip() for t in (row.get("themes") or "").replace(",", ";").split(";") if t.strip())
    if theme_ids is not None:
        found = []
        for t in themes:  # an id in another case is taken as that id; an unknown one gets the nearest suggested
            try:
                found += resolve([t], theme_ids, "theme")
            except UnknownValue as exc:
                problems.append(f"{exc} (use theme ids, separated by ';')")
        themes = tuple(found)
    url = (row.get("url") or "").strip()
    if url and not safe_url(url):
        problems.append(f"url {url!r} is not a web address (write it in full, starting https://)")
    if problems or when is None:
        return None, problems
    return Milestone(when, label, tuple(dict.fromkeys(themes)), url), []


def validate(
    rows: Iterable[dict], source: str = FILE_NAME, theme_ids: Iterable[str] | None = None, first_row: int = 2
) -> list[Milestone]:
    """Milestones from dicts with the keys of ``COLUMNS`` (rows of the file, or of the dashboard's editor), sorted
    by date. Blank rows are skipped. Raises MilestoneError listing every problem as '<source> row N: …'; row
    numbers count from ``first_row`` (2 in a file: line 1 is the header)."""
    ids = set(theme_ids) if theme_ids is not None else None
    out: list[Milestone] = []
    problems: list[str] = []
    seen: dict[tuple, int] = {}
    for n, row in enumerate(rows, start=first_row):
        if not any(str(v or "").strip() for v in row.values()):
            continue
        m, errs = _row_problems(row, ids)
        problems += [f"{source} row {n}: {e}" for e in errs]
        if m is not None:
            key = (m.date, m.label.casefold())
            if key in seen:
                problems.append(f"{source} row {n}: repeats row {seen[key]} ({m.date}, {m.label!r}); remove one")
            seen[key] = n
            out.append(m)
    if len(out) > MAX_ROWS:
        problems.append(f"{source}: {len(out)} milestones; keep it to {MAX_ROWS} (a timeline cannot show more)")
    if problems:
        more = f"\n… and {len(problems) - 10} more problem(s)" if len(problems) > 10 else ""
        raise MilestoneError("\n".join(problems[:10]) + more)
    return sorted(out, key=lambda m: (m.date, m.label))


def parse_milestones(text: str, source: str = FILE_NAME, theme_ids: Iterable[str] | None = None) -> list[Milestone]:
    """Milestones from CSV text with the header ``date,label,themes,url`` (``themes`` and ``url`` optional)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("date", "label") if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown:
        what = (
            f"no {' or '.join(repr(c) for c in missing)} column"
            if missing
            else f"unknown column {', '.join(repr(h) for h in unknown)}"
        )
        raise MilestoneError(f"{source}: {what}; the first line must be: {','.join(COLUMNS)}")
    reader.fieldnames = header
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise MilestoneError(f"{source} line {reader.line_num}: not valid CSV ({exc})") from None
    for n, row in enumerate(rows, start=2):
        if None in row:
            raise MilestoneError(f"{source} row {n}: more values than columns (put a label with a comma in quotes)")
    return validate(rows, source, theme_ids)


def to_csv(milestones: Iterable[Milestone]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for m in milestones:
        w.writerow([m.date.isoformat(), m.label, ";".join(m.themes), m.url])
    return buf.getvalue()


def path(ws: Workspace):
    return ws.root / FILE_NAME


def milestones_text(ws: Workspace) -> str:
    """The saved file's text ('' when there is none); a file that is not UTF-8 raises MilestoneError."""
    return read_text(path(ws), "save it as UTF-8 or edit the milestones in the dashboard", MilestoneError) or ""


def load_milestones(ws: Workspace, theme_ids: Iterable[str] | None = None) -> list[Milestone]:
    """The workspace's milestones, validated (MilestoneError names the file, row and problem)."""
    return parse_milestones(milestones_text(ws), str(path(ws)), theme_ids)


def save_milestones(ws: Workspace, milestones: Iterable[Milestone], expected: str | None = None) -> str:
    """Write the milestones (sorted by date) under the workspace's lock; returns the text written. With
    ``expected`` (the text read before editing), a file changed since then is left alone: MilestonesChanged."""
    text = to_csv(sorted(milestones, key=lambda m: (m.date, m.label)))
    with ws.lock():
        if expected is not None and milestones_text(ws) != expected:
            raise MilestonesChanged(
                f"{path(ws)}: the milestones were changed in another tab or process since you "
                "opened them; nothing was saved (reload to see them, then edit again)"
            )
        _atomic_write(path(ws), text.encode("utf-8"))
    return text


def between(milestones: Iterable[Milestone], date_from: date | None, date_to: date | None) -> list[Milestone]:
    return [
        m for m in milestones if (date_from is None or m.date >= date_from) and (date_to is None or m.date <= date_to)
    ]
