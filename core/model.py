"""The passage schema: one dataclass and one column dictionary that drive every table.

Every stage of the pipeline (ingest, dedup, tagging, asks, summaries, the dashboard) reads and writes
passages with these columns. ``FIELDS`` documents each column once; ``to_frame`` builds a DataFrame in
that column order and checks nothing is missing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import pandas as pd

DATE_PRECISIONS = ("day", "month", "year", "unknown")

#: Venue vocabulary. Empty string means unknown; never a guess.
VENUES = (
    "Commons Chamber",
    "Westminster Hall",
    "Lords Chamber",
    "Press release",
    "Newspaper column",
    "Blog post",
    "Conference",
)


@dataclass
class Passage:
    """One paragraph of a source document with its metadata."""

    passage_id: str
    document: str
    layout: str
    section_title: str
    date: str
    date_precision: str
    venue: str
    speaker: str
    speaker_detail: str
    speaker_basis: str
    text: str
    line: int
    section_index: int = 0
    duplicate_of: str = ""
    themes: str = ""
    quality_flags: str = ""

    def add_flag(self, flag: str) -> None:
        parts = [p for p in self.quality_flags.split(";") if p]
        if flag not in parts:
            parts.append(flag)
        self.quality_flags = ";".join(parts)


#: Column dictionary: name -> (dtype, label, description). A test checks it matches ``Passage``.
FIELDS: dict[str, tuple[str, str, str]] = {
    "passage_id": ("string", "Passage id", "Stable id: document id + '#L' + source line. Joins exports across runs."),
    "document": ("string", "Document", "Source document id (file name without extension)."),
    "layout": ("string", "Layout", "Parser that read it: parallel_parliament, hansard_page, mp_archive, plain_text."),
    "section_title": ("string", "Section", "Debate title or post title; empty when the source gives none."),
    "date": ("string", "Date", "ISO date at the precision the source supports: 2018-01-17, 2019-10, 2019; empty when unknown."),
    "date_precision": ("string", "Date precision", "day, month, year or unknown."),
    "venue": ("string", "Venue", "Commons Chamber, Westminster Hall, Lords Chamber, Press release, Newspaper column, Blog post, Conference; empty when unknown."),
    "speaker": ("string", "Speaker", "The person's name; empty when unknown."),
    "speaker_detail": ("string", "Speaker detail", "Role / constituency / party text as the source gives it."),
    "speaker_basis": ("string", "Speaker basis", "How the speaker is known: speaker line, attribution, site author, duplicate of <id>; empty when unknown."),
    "text": ("string", "Text", "The paragraph as in the source, boilerplate removed."),
    "line": ("int64", "Line", "1-based line of the paragraph in the source file."),
    "section_index": ("int64", "Section no.", "0-based index of the section within its document."),
    "duplicate_of": ("string", "Duplicate of", "Canonical passage id when the same text appears in another source; empty for canonical passages."),
    "themes": ("string", "Themes", "Theme ids joined with ';' (evidence in tags.csv)."),
    "quality_flags": ("string", "Quality flags", "Data-quality flags joined with ';': unknown_layout, undated, venue_inferred, ..."),
}

COLUMNS = list(FIELDS)


def to_frame(passages: list[Passage]) -> pd.DataFrame:
    """Passages -> DataFrame with the documented columns and dtypes.

    >>> to_frame([]).columns.tolist() == COLUMNS
    True
    """
    names = [f.name for f in fields(Passage)]
    if set(names) != set(COLUMNS):
        raise AssertionError(f"Passage fields and FIELDS differ: {sorted(set(names) ^ set(COLUMNS))}")
    df = pd.DataFrame([asdict(p) for p in passages], columns=COLUMNS)
    for name, (dtype, _label, _desc) in FIELDS.items():
        df[name] = df[name].astype("int64" if dtype == "int64" else object)
        if dtype == "string":
            df[name] = df[name].fillna("").astype(str)
    return df


@dataclass
class IngestError:
    """A file that could not be ingested, with the reason in words."""

    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass
class Document:
    """A parsed document: its passages and how each source line was used (for the no-loss check)."""

    document: str
    path: str
    layout: str
    title: str
    passages: list[Passage] = field(default_factory=list)
    #: line number -> kind: 'content', 'header', 'boilerplate' (blank lines are omitted)
    line_kinds: dict[int, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
