"""Full-text search over the store's passages: an SQLite FTS5 index beside the store file.

Queries: words (all must appear), "a phrase", OR, NOT, AND, prefixes (``exploit*``), grouped with brackets;
ranked by BM25 or newest first; snippets with the matched words marked. SQLite FTS5 is in Python's standard
library; DuckDB's own full-text extension cannot be installed offline (docs/performance.md has the measurement
against tantivy).

Keeping in step: the index records the store version it reflects and each document's content hash. Whenever
the versions differ it is brought up to date (only the documents that changed are re-indexed, and which rows are
duplicates is read again) before a search, in one SQLite transaction, so an interrupted ingest never shows an
entry without its passage. A search then counts and sorts its matches inside SQLite and fetches one page; when
the store holds another number of passages than the index, every match is checked against the store instead.
"""

from __future__ import annotations

import html
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

OPEN, CLOSE = "\x02", "\x03"  # snippet markers, replaced after escaping
_OPERATORS = {"AND", "OR", "NOT"}


@dataclass
class Hit:
    passage_id: str
    document: str
    date: str
    snippet: str  # plain text with OPEN/CLOSE around matched words
    rank: float

    def snippet_html(self) -> str:
        """The snippet escaped for HTML, matched words in <mark>."""
        return html.escape(self.snippet).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")

    def snippet_text(self, before: str = "[", after: str = "]") -> str:
        return self.snippet.replace(OPEN, before).replace(CLOSE, after)


class QueryError(ValueError):
    pass


def fts_query(query: str) -> str:
    """A user's query as an FTS5 expression: words and "phrases" kept, AND/OR/NOT as operators, ``word*`` as a
    prefix; anything else (punctuation, hyphens) made safe by quoting.

    >>> fts_query('county lines NOT "Home Office" exploit*')
    '"county" "lines" NOT "Home Office" "exploit"*'
    >>> fts_query('"Ofsted inspect*"')
    '"Ofsted inspect"*'
    >>> fts_query("out-of-area OR (care AND homes)")
    '"out-of-area" OR ( "care" AND "homes" )'
    """
    tokens = re.findall(r'"[^"]*"?|\(|\)|[^\s()"]+', query)
    out: list[str] = []
    for t in tokens:
        if t in ("(", ")"):
            out.append(t)
        elif t.startswith('"'):
            inner = t.strip('"').strip()
            prefix = inner.endswith("*")
            inner = inner.rstrip("*").replace('"', "").replace("*", " ").strip()
            if inner:
                out.append('"' + inner + '"' + ("*" if prefix else ""))
        elif t in _OPERATORS:
            out.append(t)
        else:
            prefix = t.endswith("*")
            word = t.rstrip("*").replace('"', "")
            if word:
                out.append(f'"{word}"' + ("*" if prefix else ""))
    # an operator with nothing on one side is a word
    cleaned: list[str] = []
    for i, t in enumerate(out):
        if t in _OPERATORS and (not cleaned or cleaned[-1] in _OPERATORS or cleaned[-1] == "(" or i == len(out) - 1):
            cleaned.append(f'"{t.lower()}"')
        else:
            cleaned.append(t)
    if cleaned.count("(") != cleaned.count(")"):
        cleaned = [t for t in cleaned if t not in ("(", ")")]
    return " ".join(cleaned)


class SearchIndex:
    """The index of one store (``<store>.search``).

    Beside the FTS5 table: ``indexed`` (each document's content hash and the rowids its passages were given, one
    range), ``hidden`` (the rows whose passage is a duplicate, refreshed whenever the store's version changes),
    ``dates`` and ``ids`` (each row's date and passage id: narrow tables, much quicker to read than the FTS rows,
    which hold the text) and ``meta`` (the store version the index
    reflects, and its row counts)."""

    def __init__(self, store_path: Path | str):
        self.path = Path(str(store_path) + ".search")
        self._lock = FileLock(str(self.path) + ".lock")

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if {"fts", "indexed", "hidden", "dates", "ids", "meta"} <= tables:
            return con
        with self._lock, con:  # made (or brought up to date) by one process at a time
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            con.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(text, passage_id UNINDEXED, "
                "document UNINDEXED, date UNINDEXED, tokenize = 'porter unicode61')"
            )
            con.execute(
                "CREATE TABLE IF NOT EXISTS indexed (document TEXT PRIMARY KEY, content_hash TEXT, "
                "first_row INTEGER, last_row INTEGER)"
            )
            con.execute("CREATE TABLE IF NOT EXISTS hidden (fts_row INTEGER PRIMARY KEY)")
            con.execute("CREATE TABLE IF NOT EXISTS dates (fts_row INTEGER PRIMARY KEY, date TEXT)")
            con.execute("CREATE TABLE IF NOT EXISTS ids (fts_row INTEGER PRIMARY KEY, passage_id TEXT)")
            con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            if "dates" not in tables and "fts" in tables:  # an index made before these tables: filled once
                con.execute("INSERT INTO dates SELECT rowid, coalesce(date, '') FROM fts")
            if "ids" not in tables and "fts" in tables:
                con.execute("INSERT INTO ids SELECT rowid, passage_id FROM fts")
            if "first_row" not in {r[1] for r in con.execute("PRAGMA table_info(indexed)")}:
                con.execute("ALTER TABLE indexed ADD COLUMN first_row INTEGER")
                con.execute("ALTER TABLE indexed ADD COLUMN last_row INTEGER")
                con.execute(
                    "UPDATE indexed SET first_row = r.a, last_row = r.b FROM (SELECT document, min(rowid) a, "
                    "max(rowid) b FROM fts GROUP BY document) r WHERE indexed.document = r.document"
                )
            if "hidden" not in tables:  # the next sync reads which rows are duplicates
                con.execute("DELETE FROM meta WHERE key = 'version'")
        return con

    def _version(self) -> int | None:
        """The store version the index reflects (None when there is no index yet)."""
        if not self.path.exists():
            return None
        con = sqlite3.connect(self.path, timeout=30)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            return int(row[0]) if row else None
        except sqlite3.OperationalError:  # no meta table yet
            return None
        finally:
            con.close()

    def sync(self, store) -> int:
        """Bring the index up to the store's version; returns the number of documents re-indexed."""
        if self._version() == store.version:  # in step: nothing to write, no lock to take
            return 0
        with self._lock:
            con = self._connect()
            try:
                row = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
                if row and int(row[0]) == store.version:
                    return 0
                current = store.hashes()
                indexed = dict(con.execute("SELECT document, content_hash FROM indexed").fetchall())
                stale = {d for d in indexed if current.get(d) != indexed[d]}
                fresh = [d for d in current if indexed.get(d) != current[d]]
                with con:  # one transaction
                    for d, a, b in con.execute("SELECT document, first_row, last_row FROM indexed").fetchall():
                        if d in stale:
                            if a is None:
                                con.execute("DELETE FROM fts WHERE document = ?", [d])
                            else:  # its rows by their range: no scan of the whole table
                                con.execute("DELETE FROM fts WHERE rowid BETWEEN ? AND ?", [a, b])
                                con.execute("DELETE FROM dates WHERE fts_row BETWEEN ? AND ?", [a, b])
                                con.execute("DELETE FROM ids WHERE fts_row BETWEEN ? AND ?", [a, b])
                            con.execute("DELETE FROM indexed WHERE document = ?", [d])
                    top = con.execute("SELECT rowid FROM fts ORDER BY rowid DESC LIMIT 1").fetchone()
                    first = (top[0] if top else 0) + 1
                    for d in fresh:
                        rows = store.con.execute(
                            "SELECT text, passage_id, document, date FROM passages WHERE document = ?", [d]
                        ).fetchall()
                        con.executemany(
                            "INSERT INTO fts (rowid, text, passage_id, document, date) VALUES (?, ?, ?, ?, ?)",
                            [(first + i, *r) for i, r in enumerate(rows)],
                        )
                        con.executemany(
                            "INSERT OR REPLACE INTO dates VALUES (?, ?)",
                            [(first + i, r[3] or "") for i, r in enumerate(rows)],
                        )
                        con.executemany(
                            "INSERT OR REPLACE INTO ids VALUES (?, ?)", [(first + i, r[1]) for i, r in enumerate(rows)]
                        )
                        con.execute(
                            "INSERT OR REPLACE INTO indexed VALUES (?, ?, ?, ?)",
                            [d, current[d], first, first + len(rows) - 1],
                        )
                        first += len(rows)
                    self._hide_duplicates(con, store)
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", [str(store.version)])
                return len(fresh)
            finally:
                con.close()

    @staticmethod
    def _hide_duplicates(con: sqlite3.Connection, store) -> None:
        """The rows whose passage is not canonical (a duplicate of another) into ``hidden``; the index's row counts
        into ``meta`` (search compares them with the store's)."""
        ranges = {d: (a, b) for d, a, b in con.execute("SELECT document, first_row, last_row FROM indexed")}
        con.execute("DELETE FROM hidden")
        for d, ids in store.con.execute(
            "SELECT document, list(passage_id) FROM passages WHERE duplicate_of IS NULL "
            "OR duplicate_of != '' GROUP BY document"
        ).fetchall():
            if d in ranges:
                ids = set(ids)
                con.executemany(
                    "INSERT INTO hidden VALUES (?)",
                    [
                        (r,)
                        for r, pid in con.execute(
                            "SELECT fts_row, passage_id FROM ids WHERE fts_row BETWEEN ? AND ?", ranges[d]
                        )
                        if pid in ids
                    ],
                )
        rows = con.execute("SELECT coalesce(sum(last_row - first_row + 1), 0) FROM indexed").fetchone()[0]
        hidden = con.execute("SELECT count(*) FROM hidden").fetchone()[0]
        con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [("rows", str(rows)), ("hidden", str(hidden))])

    def search(
        self, store, query: str, *, limit: int = 25, offset: int = 0, order: str = "rank", canonical_only: bool = True
    ) -> tuple[int, list[Hit]]:
        """(number of matching passages, one page of hits). ``order``: 'rank' (BM25) or 'date' (newest first; the
        same date by rank). Ties keep the order the passages were indexed in. ``limit=0``: the count alone.

        The count and the page are worked out inside SQLite: duplicates are left out through ``hidden``, and the
        page is sorted there (by date, only the rows from the page's last date up are ranked), so no match but the
        page's leaves SQLite. That needs the index to hold exactly the store's passages, as sync leaves it: when
        the store holds another number of passages than the index (passages changed without a new store version),
        every match is fetched and checked against the store instead."""
        with self._reading(store, query) as (con, expr):
            if self._in_step(con, store):
                n, page = self._page(con, expr, limit, offset, order, canonical_only)
            else:
                n, page = self._checked(con, store, expr, limit, offset, order, canonical_only)
            marks = ",".join(str(int(r[0])) for r in page) or "0"
            snippets = dict(
                con.execute(
                    f"SELECT rowid, snippet(fts, 0, ?, ?, '…', 16) FROM fts WHERE fts MATCH ? AND rowid IN ({marks})",
                    [OPEN, CLOSE, expr],
                ).fetchall()
            )
        return n, [Hit(r[1], r[2], r[3], snippets.get(r[0], ""), r[4]) for r in page]

    def ids(self, store, query: str, *, canonical_only: bool = True) -> list[str]:
        """The ids of every passage matching ``query`` (canonical ones unless asked), in the order they were
        indexed: read from the narrow ``ids`` table, not from the FTS rows. QueryError as for ``search``. When the
        index is out of step with the store (see ``search``), the ids are checked against the store."""
        with self._reading(store, query) as (con, expr):
            if not self._in_step(con, store):
                return [r[1] for r in self._checked(con, store, expr, -1, 0, "index", canonical_only)[1]]
            shown = " AND fts.rowid NOT IN (SELECT fts_row FROM hidden)" if canonical_only else ""
            return [
                r[0]
                for r in con.execute(
                    f"SELECT i.passage_id FROM fts JOIN ids i ON i.fts_row = fts.rowid "
                    f"WHERE fts MATCH ?{shown} ORDER BY fts.rowid",
                    [expr],
                )
            ]

    @contextmanager
    def _reading(self, store, query: str):
        """(a connection in one read transaction, the query as an FTS5 expression), after sync: one snapshot for
        every read of a search (a sync waits). SQLite's errors about the expression become QueryError."""
        self.sync(store)
        expr = fts_query(query)
        if not expr:
            raise QueryError("the search is empty")
        con = self._connect()
        try:
            con.execute("BEGIN")
            try:
                yield con, expr
            except sqlite3.OperationalError as exc:
                raise QueryError(f"cannot search for {query!r}: {exc}") from None
        finally:
            con.close()

    @staticmethod
    def _in_step(con: sqlite3.Connection, store) -> bool:
        """Whether the index holds as many rows as the store has passages (a count DuckDB keeps: no scan). Every
        change through the store bumps its version, which sync follows; this catches passages changed without."""
        row = con.execute("SELECT value FROM meta WHERE key = 'rows'").fetchone()
        return row is not None and int(row[0]) == store.con.execute("SELECT count(*) FROM passages").fetchone()[0]

    @staticmethod
    def _page(
        con: sqlite3.Connection, expr: str, limit: int, offset: int, order: str, canonical_only: bool
    ) -> tuple[int, list]:
        shown = " AND fts.rowid NOT IN (SELECT fts_row FROM hidden)" if canonical_only else ""
        n = con.execute(f"SELECT count(*) FROM fts WHERE fts MATCH ?{shown}", [expr]).fetchone()[0]
        if limit <= 0 or offset >= n:
            return n, []
        cols = "SELECT fts.rowid, passage_id, document, fts.date, bm25(fts) r FROM fts"
        if order == "date":  # dates from their own narrow table (the FTS rows hold the text too: slower to read)
            # the date of the page's last row, by date alone: only the rows from that date up need ranking
            dated = " JOIN dates d ON d.fts_row = fts.rowid WHERE fts MATCH ?"
            last = con.execute(
                f"SELECT d.date FROM fts{dated}{shown} ORDER BY d.date DESC LIMIT 1 OFFSET ?",
                [expr, min(offset + limit, n) - 1],
            ).fetchone()[0]
            page = con.execute(
                f"{cols}{dated}{shown} AND d.date >= ? ORDER BY d.date DESC, r, fts.rowid LIMIT ? OFFSET ?",
                [expr, last, limit, offset],
            ).fetchall()
        else:
            page = con.execute(
                f"{cols} WHERE fts MATCH ?{shown} ORDER BY r, fts.rowid LIMIT ? OFFSET ?", [expr, limit, offset]
            ).fetchall()
        return n, page

    @staticmethod
    def _checked(
        con: sqlite3.Connection, store, expr: str, limit: int, offset: int, order: str, canonical_only: bool
    ) -> tuple[int, list]:
        """Every match fetched, kept if its passage is in the store (and canonical), sorted here."""
        rows = con.execute(
            "SELECT rowid, passage_id, document, date, bm25(fts) FROM fts WHERE fts MATCH ?", [expr]
        ).fetchall()
        if not rows:
            return 0, []
        keep = {
            r[0]
            for r in store.con.execute(
                "SELECT passage_id FROM passages WHERE passage_id IN (SELECT unnest(?))"
                + (" AND duplicate_of = ''" if canonical_only else ""),
                [[r[1] for r in rows]],
            ).fetchall()
        }
        rows = [r for r in rows if r[1] in keep]
        if order == "date":
            rows.sort(key=lambda r: (r[3] or "", -r[4]), reverse=True)
        elif order != "index":  # "index": as indexed
            rows.sort(key=lambda r: r[4])
        return len(rows), rows[offset:] if limit < 0 else rows[offset : offset + limit]
