"""Every table's columns, defined once, as data.

Each table is a tuple of :class:`Column` (name, type, label, description). The definitions drive the
records (``core.model``), the store's DDL (``ddl``), the CSV headers (``csv_columns``), the dashboard's
column labels (``labels``) and the README's tables (``markdown``); a test keeps them in step.

Types are logical: ``str``, ``int``, ``float``, ``date`` (ISO text at the precision the source gives),
``bool``, ``list`` (a list of strings: a list column in the store, joined with ``;`` in CSV) and
``timestamp``.

The vocabulary shared by all tables (venues, kinds, statuses, the unknown marker) is defined here too.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How an unknown value is shown to people (stored as an empty string: never a guess).
UNKNOWN = "(unknown)"

DATE_PRECISIONS = ("day", "month", "year", "unknown")

#: Venue vocabulary. Empty string means unknown; never a guess.
VENUES = (
    "Commons Chamber",
    "Westminster Hall",
    "Lords Chamber",
    "Grand Committee",
    "Public Bill Committee",
    "General Committee",
    "Written answers",
    "Written statements",
    "Press release",
    "Newspaper column",
    "Blog post",
    "Conference",
    "Briefing",
)

HOUSES = ("Commons", "Lords")

#: What a passage is, where the source says.
KINDS = (
    "speech",
    "question",
    "answer",
    "intervention",
    "statement",
    "motion",
    "press release",
    "article",
    "post",
    "briefing",
    "text",
)

#: A response's status, best first.
NO_RESPONSE = "no response found"
STATUSES = ("committed", "under consideration", "holding answer", "answered", "rejected", NO_RESPONSE)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    label: str
    description: str


def _cols(*rows: tuple[str, str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*r) for r in rows)


DOCUMENTS = _cols(
    ("document", "str", "Document", "Document id: the file name without extension (unique in a store)."),
    ("path", "str", "Path", "Where the document was read from."),
    ("content_hash", "str", "Content hash", "SHA-256 of the file's bytes: an unchanged file is not read again."),
    ("layout", "str", "Format", "Reader that read it: parlparse, parlamint, hansard_api, parallel_parliament, ..."),
    ("title", "str", "Title", "The document's title where it has one."),
    ("date", "date", "Date", "The document's date (its first dated passage) or empty."),
    ("venue", "str", "Venue", "The document's venue when all its passages share one, else empty."),
    ("url", "str", "Source link", "The original page, where known."),
    ("passages", "int", "Passages", "Passages read from it."),
    ("duplicates", "int", "Duplicates", "Of those, passages that repeat text first seen elsewhere."),
    ("undated", "int", "Undated", "Passages with no date."),
    ("no_speaker", "int", "No speaker", "Passages whose speaker is unknown."),
    ("flags", "str", "Flags", "Data-quality notes about the whole document, joined with '; '."),
    ("ingested_at", "timestamp", "Ingested", "When the store took it in (UTC)."),
)

PASSAGES = _cols(
    (
        "passage_id",
        "str",
        "Passage id",
        "Stable id: the source's own (ParlParse gid + paragraph, ParlaMint seg id, Hansard API item id), else document "
        "id + a hash of section and text, so an edit elsewhere in the file does not change it.",
    ),
    ("document", "str", "Document", "Source document id (file name without extension)."),
    ("layout", "str", "Format", "Reader that read it (see the documents table)."),
    ("section_title", "str", "Section", "Debate title or post title; empty when the source gives none."),
    ("section_path", "str", "Section path", "Headings from the outermost in, joined with ' > ' (major > minor)."),
    (
        "date",
        "date",
        "Date",
        "ISO date at the precision the source supports: 2018-01-17, 2019-10, 2019; empty when unknown.",
    ),
    ("date_precision", "str", "Date precision", "day, month, year or unknown."),
    ("venue", "str", "Venue", "Where it was said: " + ", ".join(VENUES) + "; empty when unknown."),
    ("house", "str", "House", "Commons or Lords where the source says; empty otherwise."),
    ("kind", "str", "Kind", "What it is: " + ", ".join(KINDS) + "."),
    ("speaker", "str", "Speaker", "The person's name; empty when unknown."),
    (
        "speaker_id",
        "str",
        "Speaker id",
        "The source's id for the person (TheyWorkForYou person id, ParlaMint person id, Hansard member id); empty when none.",
    ),
    ("speaker_detail", "str", "Speaker detail", "Role / constituency / party text as the source gives it."),
    (
        "speaker_basis",
        "str",
        "Speaker basis",
        "How the speaker is known: source markup, speaker line, attribution, site author, duplicate of <id>; empty when unknown.",
    ),
    ("party", "str", "Party", "The speaker's party where the source gives it."),
    ("constituency", "str", "Constituency", "The speaker's constituency where the source gives it."),
    ("text", "str", "Text", "The paragraph as in the source, markup and boilerplate removed."),
    ("line", "int", "Line", "1-based line of the paragraph in the source file (0 where the source has no lines)."),
    ("section_index", "int", "Section no.", "0-based index of the section within its document."),
    ("source_id", "str", "Source id", "The source's own id for the contribution (ParlParse gid, ParlaMint u id, ...)."),
    (
        "responds_to",
        "str",
        "Responds to",
        "For an answer: the source id of the question it answers (from the source's structure, not by text).",
    ),
    ("url", "str", "Source link", "The original page, where known."),
    (
        "duplicate_of",
        "str",
        "Duplicate of",
        "Canonical passage id when the same text appears in another source; empty for canonical passages.",
    ),
    ("themes", "list", "Themes", "Theme ids (evidence in the tags table)."),
    (
        "quality_flags",
        "list",
        "Quality flags",
        "Data-quality flags: undated, venue_inferred, speaker_id_unresolved, ...",
    ),
)

TAGS = _cols(
    ("passage_id", "str", "Passage id", "The passage tagged."),
    ("theme", "str", "Theme", "Theme id from the taxonomy."),
    ("matched_text", "str", "Matched text", "The words that matched, as in the passage."),
    ("start", "int", "Start", "Character offset of the match in the passage text."),
    ("end", "int", "End", "Character offset just after the match."),
    ("method", "str", "Method", "exact, fuzzy (a misspelling), near (words near each other) or section (context)."),
    ("score", "float", "Score", "Match score, 100 for exact."),
    ("reason", "str", "Reason", "Why this is evidence, in words."),
)

ASKS = _cols(
    ("ask_id", "str", "Ask id", "Passage id + '/s' + sentence number (0-based), e.g. doc#1a2b3c/s2."),
    ("passage_id", "str", "Passage id", "The passage the ask is in."),
    ("line", "int", "Line", "The passage's line in its source file."),
    ("text", "str", "Ask", "The sentence that makes the ask."),
    ("sentence_index", "int", "Sentence no.", "0-based sentence number within the passage."),
    ("start", "int", "Start", "Character offset of the sentence in the passage text."),
    ("end", "int", "End", "Character offset just after the sentence."),
    ("cue", "str", "Cue", "Id of the ask cue that matched (see ask_cues.toml) or the structure (written_question)."),
    ("cue_reason", "str", "Why", "The cue's description in words."),
    ("confidence", "float", "Confidence", "0-1: how sure the detector is."),
    ("target", "str", "Asked of", "Who is asked to act: Government, Home Office, councils, ..."),
    ("action", "str", "Action", "What is asked for, in a few words."),
    ("themes", "list", "Themes", "Themes of the passage."),
    ("ask_group", "str", "Group id", "Named ask id, or a suggested group's id."),
    ("ask_group_label", "str", "Group", "The group's label: its named ask, or its action."),
    ("group_source", "str", "Group source", "named (from the taxonomy) or suggested (clustered)."),
    ("document", "str", "Document", "Source document id."),
    ("date", "date", "Date", "The passage's date."),
    ("date_precision", "str", "Date precision", "day, month, year or unknown."),
    ("venue", "str", "Venue", "The passage's venue."),
    ("speaker", "str", "Speaker", "Who made the ask; empty when unknown."),
    ("duplicate_of", "str", "Duplicate of", "Canonical passage id when the passage repeats another."),
    ("response_passage", "str", "Response passage", "The passage that answers it, if any."),
    ("response_text", "str", "Response", "The answering sentence."),
    ("response_status", "str", "Status", "One of: " + ", ".join(STATUSES) + "."),
    ("response_score", "float", "Response score", "How well the response matches (100 for a structural link)."),
    (
        "response_basis",
        "str",
        "Response basis",
        "structure (the answer the source links to this question) or text (matched by subject).",
    ),
)

COMMITMENTS = _cols(
    ("passage_id", "str", "Passage id", "The passage with the government's statement."),
    ("sentence_index", "int", "Sentence no.", "0-based sentence number within the passage."),
    ("text", "str", "Commitment", "The sentence."),
    ("start", "int", "Start", "Character offset of the sentence in the passage text."),
    ("end", "int", "End", "Character offset just after the sentence."),
    ("status", "str", "Status", "committed, under consideration, holding answer or rejected."),
    ("document", "str", "Document", "Source document id."),
    ("section_index", "int", "Section no.", "The passage's section within its document."),
    ("line", "int", "Line", "The passage's line in its source file."),
    ("date", "date", "Date", "The passage's date."),
    ("date_precision", "str", "Date precision", "day, month, year or unknown."),
    ("venue", "str", "Venue", "The passage's venue."),
    ("speaker", "str", "Speaker", "Who said it."),
    ("speaker_detail", "str", "Speaker detail", "Their role as the source gives it."),
    ("duplicate_of", "str", "Duplicate of", "Canonical passage id when the passage repeats another."),
)

#: the asks as exported (asks.csv) and shown: the stored asks with the reviewers' decisions applied (core.review)
REVIEWED_ASKS = ASKS + _cols(
    (
        "detected_group",
        "str",
        "Detected group",
        "The group the detector gave the ask (empty for an ask only a reviewer found); ask_group is the one it "
        "counts in.",
    ),
    ("review", "str", "Review", "The reviewer's decision on the ask (confirmed, rejected or moved), or empty."),
)

LEDGER = _cols(
    ("ask_group", "str", "Group id", "Named ask id or suggested group id."),
    ("label", "str", "Ask", "The group's label."),
    ("source", "str", "Group source", "named or suggested."),
    ("first_raised", "date", "First raised", "Earliest date it was raised."),
    ("last_raised", "date", "Last raised", "Latest date it was raised."),
    ("times_raised", "int", "Times raised", "Canonical asks in the group."),
    ("undated", "int", "Undated", "Of those, how many have no date."),
    ("venues", "str", "Venues", "Venues with counts, most first."),
    ("speakers", "str", "Speakers", "Speakers with counts, most first."),
    ("themes", "list", "Themes", "The themes of its asks, the commonest first."),
    ("days_since_last", "int", "Days since last", "Days from its last raising to the as-of date."),
    ("gone_quiet", "bool", "Gone quiet", "Not raised for the quiet period (default a year) before the as-of date."),
    ("status", "str", "Status", "The firmest response status among its asks."),
    ("response_passage", "str", "Response passage", "The passage of that response."),
    ("response_text", "str", "Response", "The response's sentence."),
    ("occurrences", "list", "Occurrences", "The ids of its asks, earliest first."),
)

THEME_SUMMARY = _cols(
    ("id", "str", "Theme id", "Theme id."),
    ("label", "str", "Theme", "Theme label."),
    ("passages", "int", "Passages", "Canonical passages tagged with the theme (within the filters)."),
    ("documents", "int", "Documents", "Documents they come from."),
    (
        "first_date",
        "date",
        "First raised",
        "Earliest dated passage's date (of dates starting that day, the most precise).",
    ),
    ("last_date", "date", "Last raised", "Latest dated passage's date (of dates ending that day, the most precise)."),
    ("undated", "int", "Undated", "Of the passages, how many have no date."),
    ("venues", "str", "Venues", "Venues with counts."),
    ("speakers", "str", "Speakers", "Speakers with counts."),
)

REVIEWS = _cols(
    ("target", "str", "Reviewed", "ask or tag."),
    (
        "item_id",
        "str",
        "Item",
        "The ask id (passage id + '/s' + sentence number), or passage id + '|' + theme for a tag.",
    ),
    ("passage_id", "str", "Passage id", "The passage the ask or tag is in."),
    ("sentence_index", "int", "Sentence no.", "For an ask: its 0-based sentence number in the passage."),
    ("theme", "str", "Theme", "For a tag: the theme id."),
    ("decision", "str", "Decision", "confirmed, rejected, or moved (to the group in 'group')."),
    (
        "group",
        "str",
        "Group",
        "For an ask: the group it counts in (moved: the reviewer's choice; else the group it had when reviewed).",
    ),
    ("group_label", "str", "Group label", "That group's label when reviewed."),
    ("text", "str", "Text", "What was reviewed, as it was then: the ask's sentence, or the tag's matched words."),
    ("reviewer", "str", "Reviewer", "Who decided."),
    ("note", "str", "Note", "The reviewer's note."),
    ("reviewed_at", "timestamp", "Reviewed", "When (UTC)."),
)

MINHASH_BANDS = _cols(
    (
        "passage_id",
        "str",
        "Passage id",
        "A stored passage (kept in the store only: derived data, rebuilt when missing).",
    ),
    (
        "key",
        "int",
        "Band key",
        "One of its MinHash LSH band keys (core.dedup.band_keys): passages sharing a key are compared for "
        "near-duplication.",
    ),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "documents": DOCUMENTS,
    "passages": PASSAGES,
    "tags": TAGS,
    "asks": ASKS,
    "commitments": COMMITMENTS,
    "reviewed_asks": REVIEWED_ASKS,
    "ledger": LEDGER,
    "theme_summary": THEME_SUMMARY,
    "reviews": REVIEWS,
    "minhash_bands": MINHASH_BANDS,
}

_SQL = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "VARCHAR",
    "bool": "BOOLEAN",
    "list": "VARCHAR[]",
    "timestamp": "TIMESTAMP",
}


def names(table: str) -> list[str]:
    """The columns of ``table`` in order.

    >>> names("tags")[:3]
    ['passage_id', 'theme', 'matched_text']
    """
    return [c.name for c in TABLES[table]]


def labels(table: str) -> dict[str, str]:
    """Column name -> label, for the dashboard's tables."""
    return {c.name: c.label for c in TABLES[table]}


def list_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table] if c.type == "list"]


def ddl(table: str, sql_name: str | None = None, primary_key: tuple[str, ...] = ()) -> str:
    """CREATE TABLE for ``table`` (DuckDB).

    >>> ddl("reviews").splitlines()[0]
    'CREATE TABLE IF NOT EXISTS reviews ('
    """
    cols = [f'  "{c.name}" {_SQL[c.type]}' for c in TABLES[table]]
    if primary_key:
        cols.append(f"  PRIMARY KEY ({', '.join(quoted(primary_key))})")
    return f"CREATE TABLE IF NOT EXISTS {sql_name or table} (\n" + ",\n".join(cols) + "\n)"


def quoted(cols) -> list[str]:
    """Column names quoted for SQL ('end' is a keyword)."""
    return [f'"{c}"' for c in cols]


def markdown(table: str) -> str:
    """The column dictionary of ``table`` as a Markdown table (for the docs)."""
    rows = ["| column | label | type | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{c.name}` | {c.label} | {c.type} | {c.description} |" for c in TABLES[table]]
    return "\n".join(rows)


def tables_markdown() -> str:
    """docs/tables.md: every table's column dictionary (``python -m core.schema > docs/tables.md``)."""
    parts = [
        "# The tables\n",
        "Every table Campaign Tracker writes (the store, CSV exports, the dashboard's tables) has these columns. "
        "Generated from `core/schema.py` by `python -m core.schema > docs/tables.md`; a test keeps the two in "
        "step. In CSV a list is joined with `;`; unknown values are empty (shown as "
        f"`{UNKNOWN}` in the dashboard).\n",
    ]
    for name in TABLES:
        parts.append(f"## {name}\n\n{markdown(name)}\n" + (f"\n{NOTES[name]}\n" if name in NOTES else ""))
    return "\n".join(parts)


#: what a table's columns alone do not say (printed under it in docs/tables.md)
NOTES = {
    "reviewed_asks": "Written by `export` as `asks.csv`, and shown in the dashboard.",
    "ledger": "The ask ledger, a row a group: `ask_summary.csv` from `export`, the Asks view, briefings.",
    "theme_summary": "A row a theme: `theme_summary.csv` from `export`, `summary --csv`, the dashboard's download. "
    "After these columns, one a year (`2017`, `2018`, …): the theme's dated passages in that year.",
}


if __name__ == "__main__":
    print(tables_markdown(), end="")
