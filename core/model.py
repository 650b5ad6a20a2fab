"""The records the readers produce: a passage, a document, an ingest error.

``Passage`` has exactly the columns of ``core.schema.PASSAGES`` (a test checks); ``to_frame`` builds a DataFrame
in that column order. In frames and CSV a list column (themes, quality flags) is a ';'-joined string; in the
store it is a list.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, field, fields

import pandas as pd

from .schema import DATE_PRECISIONS, PASSAGES, VENUES  # noqa: F401  (re-exported vocabulary)

#: Column dictionary of passages: name -> (type, label, description).
FIELDS: dict[str, tuple[str, str, str]] = {c.name: (c.type, c.label, c.description) for c in PASSAGES}
COLUMNS = list(FIELDS)


@dataclass
class Passage:
    """One paragraph of a source document with its metadata (columns: ``core.schema.PASSAGES``)."""

    passage_id: str
    document: str
    layout: str
    section_title: str
    section_path: str = ""
    date: str = ""
    date_precision: str = "unknown"
    venue: str = ""
    house: str = ""
    kind: str = ""
    speaker: str = ""
    speaker_id: str = ""
    speaker_detail: str = ""
    speaker_basis: str = ""
    party: str = ""
    constituency: str = ""
    text: str = ""
    line: int = 0
    section_index: int = 0
    source_id: str = ""
    responds_to: str = ""
    url: str = ""
    duplicate_of: str = ""
    themes: str = ""
    quality_flags: str = ""

    def add_flag(self, flag: str) -> None:
        parts = [p for p in self.quality_flags.split(";") if p]
        if flag not in parts:
            parts.append(flag)
        self.quality_flags = ";".join(parts)


_INT = [n for n, (t, _l, _d) in FIELDS.items() if t == "int"]


def to_frame(passages: list[Passage]) -> pd.DataFrame:
    """Passages -> DataFrame with the documented columns and dtypes.

    >>> to_frame([]).columns.tolist() == COLUMNS
    True
    """
    names = [f.name for f in fields(Passage)]
    if names != COLUMNS:
        raise AssertionError(f"Passage fields and the passages schema differ: {sorted(set(names) ^ set(COLUMNS))}")
    df = pd.DataFrame([astuple(p) for p in passages], columns=COLUMNS)
    for name in COLUMNS:
        if name in _INT:
            df[name] = df[name].astype("int64")
        else:
            df[name] = df[name].astype(object)
    return df


@dataclass
class IngestError:
    """A file that could not be ingested, with the reason in words. A ``notice`` is a file deliberately not read
    (documentation beside documents, a copy of a document already read): reported, but not a failure."""

    path: str
    problem: str
    notice: bool = False

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def failures(errors: list[IngestError]) -> list[IngestError]:
    """The errors that are failures (not notices)."""
    return [e for e in errors if not e.notice]


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
    url: str = ""
    #: asks the source marks by its structure (a written question): passage ids
    structural_asks: list[str] = field(default_factory=list)
