"""Full-text search over the store's passages: an SQLite FTS5 index beside the store file.

Queries: words (all must appear), "a phrase", OR, NOT, AND, prefixes (``exploit*``), grouped with brackets;
ranked by BM25 or newest first; snippets with the matched words marked. SQLite FTS5 is in Python's standard
library; DuckDB's own full-text extension cannot be installed offline (docs/performance.md has the measurement
against tantivy).

Keeping in step: the index records the store version it reflects and each document's content hash. Whenever
the versions differ it is brought up to date (only the documents that changed are re-indexed) before a search,
in one SQLite transaction; and a hit is returned only if its passage is in the store, so an interrupted ingest
never shows an entry without its passage.
"""
from __future__ import annotations

import html
import re
import sqlite3
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
    """The index of one store (``<store>.search``)."""

    def __init__(self, store_path: Path | str):
        self.path = Path(str(store_path) + ".search")
        self._lock = FileLock(str(self.path) + ".lock")

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30)
        con.execute("CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(text, passage_id UNINDEXED, "
                    "document UNINDEXED, date UNINDEXED, tokenize = 'porter unicode61')")
        con.execute("CREATE TABLE IF NOT EXISTS indexed (document TEXT PRIMARY KEY, content_hash TEXT)")
        con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        return con

    def sync(self, store) -> int:
        """Bring the index up to the store's version; returns the number of documents re-indexed."""
        with self._lock:
            con = self._connect()
            try:
                row = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
                if row and int(row[0]) == store.version:
                    return 0
                current = store.hashes()
                indexed = dict(con.execute("SELECT document, content_hash FROM indexed").fetchall())
                stale = [d for d in indexed if current.get(d) != indexed[d]]
                fresh = [d for d in current if indexed.get(d) != current[d]]
                with con:  # one transaction
                    for d in stale:
                        con.execute("DELETE FROM fts WHERE document = ?", [d])
                        con.execute("DELETE FROM indexed WHERE document = ?", [d])
                    for d in fresh:
                        rows = store.con.execute("SELECT text, passage_id, document, date FROM passages "
                                                 "WHERE document = ?", [d]).fetchall()
                        con.executemany("INSERT INTO fts (text, passage_id, document, date) VALUES (?, ?, ?, ?)", rows)
                        con.execute("INSERT OR REPLACE INTO indexed VALUES (?, ?)", [d, current[d]])
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", [str(store.version)])
                return len(fresh)
            finally:
                con.close()

    def search(self, store, query: str, *, limit: int = 25, offset: int = 0, order: str = "rank",
               canonical_only: bool = True) -> tuple[int, list[Hit]]:
        """(number of matching passages, one page of hits). ``order``: 'rank' (BM25) or 'date' (newest first)."""
        self.sync(store)
        expr = fts_query(query)
        if not expr:
            raise QueryError("the search is empty")
        con = self._connect()
        try:
            try:  # every match, without snippets (cheap): rowid, passage id, document, date, rank
                rows = con.execute("SELECT rowid, passage_id, document, date, bm25(fts) FROM fts WHERE fts MATCH ?",
                                   [expr]).fetchall()
            except sqlite3.OperationalError as exc:
                raise QueryError(f"cannot search for {query!r}: {exc}") from None
            if not rows:
                return 0, []
            # only passages the store holds (and canonical ones unless asked)
            keep = {r[0] for r in store.con.execute(
                "SELECT passage_id FROM passages WHERE passage_id IN (SELECT unnest(?))"
                + (" AND duplicate_of = ''" if canonical_only else ""), [[r[1] for r in rows]]).fetchall()}
            rows = [r for r in rows if r[1] in keep]
            if order == "date":
                rows.sort(key=lambda r: (r[3] or "", -r[4]), reverse=True)
            else:
                rows.sort(key=lambda r: r[4])
            page = rows[offset:offset + limit]
            marks = ",".join(str(int(r[0])) for r in page) or "0"
            snippets = dict(con.execute(f"SELECT rowid, snippet(fts, 0, ?, ?, '…', 16) FROM fts WHERE fts MATCH ? "
                                        f"AND rowid IN ({marks})", [OPEN, CLOSE, expr]).fetchall())
        finally:
            con.close()
        hits = [Hit(r[1], r[2], r[3], snippets.get(r[0], ""), r[4]) for r in page]
        return len(rows), hits
