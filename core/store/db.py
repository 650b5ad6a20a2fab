"""The store: one DuckDB file holding documents, passages, tags, asks, commitments and review decisions.

- Tables come from ``core.schema`` (one definition per table); ``meta`` holds the schema version, the store's
  version (bumped by every change, so readers can key caches on it) and the taxonomy digest the tags were made with.
- Every change is one transaction: a ``kill -9`` leaves the store as it was before or as it is after.
- One writer at a time: a lock file beside the store (``filelock``); a second writer waits, then is refused with a
  message. Readers open the file read-only; a writer also waits while another process reads (DuckDB allows one
  writing process or several reading ones), so an ingest started while a dashboard is open goes ahead once the
  dashboard's idle connection closes.
- A file that is not a Campaign Tracker store is reported and never written to.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock, Timeout

from .. import schema

SCHEMA_VERSION = 2
#: store-only columns beside the schema's (not exported)
_EXTRA = {"passages": ["_norm_hash VARCHAR"]}
_PK = {"documents": ("document",), "passages": ("passage_id",), "reviews": ("target", "item_id")}
#: version -> SQL run to migrate a store from the previous version.
MIGRATIONS: dict[int, list[str]] = {
    2: [schema.ddl("reviews", primary_key=_PK["reviews"])],  # users' review decisions (core.review)
}
TABLES = ("documents", "passages", "tags", "asks", "commitments", "reviews")
DUCKDB_MAGIC = b"DUCK"
LOCK_TIMEOUT_S = 30.0


class StoreError(RuntimeError):
    """A store that cannot be opened or written, with the reason in words."""


def _check_file(path: Path) -> None:
    if not path.exists():
        return
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a store file")
    with open(path, "rb") as fh:
        head = fh.read(16)
    if len(head) == 0:
        raise StoreError(f"{path}: is an empty file, not a Campaign Tracker store (remove it to start a new one)")
    if head[8:12] != DUCKDB_MAGIC:
        raise StoreError(f"{path}: is not a DuckDB file, so not a Campaign Tracker store; it was left untouched")


@dataclass
class Counts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    passages_added: int = 0

    def line(self) -> str:
        parts = f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged"
        if self.removed:
            parts += f", {self.removed} removed"
        if self.failed:
            parts += f", {self.failed} failed"
        return f"{parts}; {self.passages_added:,} passages added"


class Store:
    """A Campaign Tracker store. ``Store(path)`` opens read-only; ``Store(path, write=True)`` creates or migrates."""

    def __init__(self, path: Path | str, write: bool = False):
        self.path = Path(path)
        self.write = write
        _check_file(self.path)
        if not write and not self.path.exists():
            raise StoreError(
                f"{self.path}: no store here yet (make one with: campaign-tracker ingest SOURCES --store {self.path})"
            )
        self._lock = FileLock(str(self.path) + ".lock") if write else None
        if self._lock is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._lock.acquire(timeout=LOCK_TIMEOUT_S)
            except Timeout:
                raise StoreError(
                    f"{self.path}: another ingest is writing to this store; try again when it has finished"
                ) from None
        self.con = self._connect()
        try:
            self._prepare()
        except BaseException:
            self.close()
            raise

    # ---- opening, schema, migrations ---------------------------------------------------------------
    def _connect(self) -> duckdb.DuckDBPyConnection:
        """Open the file. DuckDB lets one process write or several read: a writer waits (up to LOCK_TIMEOUT_S)
        while another process has the file open (a dashboard closes its reading connection when idle), then is
        refused with a message, as a second writer is; a reader is refused at once while a writer has it."""
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=not self.write)
            except duckdb.IOException as exc:
                if not self.write or "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    self._release()
                    if "lock" in str(exc).lower():
                        raise StoreError(
                            f"{self.path}: another program has the store open (a dashboard, or an "
                            f"ingest); try again when it has finished"
                        ) from None
                    raise StoreError(f"{self.path}: cannot be opened as a store ({exc})") from None
                time.sleep(0.25)
            except duckdb.Error as exc:
                self._release()
                raise StoreError(f"{self.path}: cannot be opened as a store ({exc})") from None

    def _tables(self) -> set[str]:
        return {
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }

    def _prepare(self) -> None:
        existing = self._tables()
        if existing and "meta" not in existing:
            raise StoreError(
                f"{self.path}: is a DuckDB database but not a Campaign Tracker store; it was left untouched"
            )
        if not existing:
            if not self.write:
                raise StoreError(f"{self.path}: the store is empty")
            with self.transaction():
                self.con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
                for t in TABLES:
                    self.con.execute(self._ddl(t))
                self._set("schema_version", str(SCHEMA_VERSION))
                self._set("version", "0")
                self._set("taxonomy_digest", "")
                self._set("store_id", uuid.uuid4().hex)
            return
        version = int(self.meta("schema_version") or 0)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: made by a newer release (store schema {version}; this release reads up "
                f"to {SCHEMA_VERSION}); upgrade campaign-tracker"
            )
        if version < SCHEMA_VERSION:
            if not self.write:
                raise StoreError(f"{self.path}: made by an older release; run an ingest once to upgrade it")
            with self.transaction():
                for v in range(version + 1, SCHEMA_VERSION + 1):
                    for sql in MIGRATIONS.get(v, []):
                        self.con.execute(sql)
                self._set("schema_version", str(SCHEMA_VERSION))
        if self.write and not self.meta("store_id"):  # a store made before stores had one
            with self.transaction():
                self._set("store_id", uuid.uuid4().hex)

    @staticmethod
    def _ddl(table: str, sql_name: str | None = None) -> str:
        sql = schema.ddl(table, sql_name, primary_key=_PK.get(table, ()))
        extra = _EXTRA.get(table)
        if extra:
            sql = sql[:-2] + ",\n" + ",\n".join(f"  {c}" for c in extra) + "\n)"
        return sql

    @contextmanager
    def transaction(self):
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def _bump(self) -> None:
        self._set("version", str(int(self.meta("version") or 0) + 1))

    @property
    def version(self) -> int:
        """Bumped by every change: readers key their caches on it."""
        return int(self.meta("version") or 0)

    def close(self) -> None:
        con = getattr(self, "con", None)
        if con is not None:
            con.close()
            self.con = None
        self._release()

    def _release(self) -> None:
        if self._lock is not None and self._lock.is_locked:
            self._lock.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- reading -----------------------------------------------------------------------------------
    def frame(self, table: str, where: str = "", params: list | None = None) -> pd.DataFrame:
        """A table (or the rows matching ``where``) as a DataFrame with the schema's columns; list columns
        joined with ';' as in CSV."""
        cols = schema.names(table)
        sql = f"SELECT {', '.join(schema.quoted(cols))} FROM {table}" + (f" WHERE {where}" if where else "")
        df = self.con.execute(sql, params or []).df()
        for c in schema.list_columns(table):
            df[c] = [";".join(v) if v is not None and len(v) else "" for v in df[c]]
        for col in schema.TABLES[table]:
            if col.type in ("str", "date"):
                df[col.name] = df[col.name].fillna("").astype(object)
        return df

    def count(self, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def hashes(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT document, content_hash FROM documents").fetchall())

    # ---- writing -----------------------------------------------------------------------------------
    def _insert(self, table: str, df: pd.DataFrame) -> None:
        if df is None or not len(df):
            return
        cols = schema.names(table) + [c.split()[0] for c in _EXTRA.get(table, [])]
        out = pd.DataFrame(index=range(len(df)))
        for col in schema.TABLES[table]:
            v = df[col.name].tolist() if col.name in df.columns else None
            if col.type == "list":
                v = [[x for x in str(s).split(";") if x] for s in (v or [""] * len(df))]
            elif v is None:
                v = [0 if col.type in ("int", "float") else ("" if col.type in ("str", "date") else None)] * len(df)
            out[col.name] = v
        for extra in _EXTRA.get(table, []):
            name = extra.split()[0]
            out[name] = df[name].tolist() if name in df.columns else None
        self.con.register("_incoming", out)
        try:
            q = ", ".join(schema.quoted(cols))
            self.con.execute(f"INSERT INTO {table} ({q}) SELECT {q} FROM _incoming")
        finally:
            self.con.unregister("_incoming")

    def _delete_documents(self, gone: list[str]) -> None:
        if not gone:
            return
        self.con.register("_gone", pd.DataFrame({"document": gone}))
        try:
            self.con.execute(
                "DELETE FROM tags WHERE passage_id IN (SELECT passage_id FROM passages WHERE document "
                "IN (SELECT document FROM _gone))"
            )
            for t in ("passages", "documents", "asks", "commitments"):
                self.con.execute(f"DELETE FROM {t} WHERE document IN (SELECT document FROM _gone)")
        finally:
            self.con.unregister("_gone")

    def update_duplicates(self, rows: pd.DataFrame) -> None:
        """Set duplicate_of / speaker carry-over / flags for existing passages (columns of passages)."""
        if not len(rows):
            return
        cols = ["passage_id", "duplicate_of", "speaker", "speaker_detail", "speaker_basis", "quality_flags"]
        df = rows[cols].copy()
        df["quality_flags"] = [[x for x in str(s).split(";") if x] for s in df["quality_flags"]]
        self.con.register("_dups", df)
        try:
            self.con.execute("""UPDATE passages SET duplicate_of = d.duplicate_of, speaker = d.speaker,
                speaker_detail = d.speaker_detail, speaker_basis = d.speaker_basis, quality_flags = d.quality_flags
                FROM _dups d WHERE passages.passage_id = d.passage_id""")
        finally:
            self.con.unregister("_dups")

    def save_review(self, row: dict) -> int:
        """Record one review decision (replacing an earlier one on the same item) in its own transaction; returns
        the new store version. Reviews live in their own table: ingest and re-tagging never touch them."""
        with self.transaction():
            self.con.execute("DELETE FROM reviews WHERE target = ? AND item_id = ?", [row["target"], row["item_id"]])
            self._insert("reviews", pd.DataFrame([row]))
            self._bump()
        return self.version

    def drop_review(self, target: str, item_id: str) -> bool:
        """Take back a decision; True if there was one."""
        with self.transaction():
            n = self.con.execute(
                "DELETE FROM reviews WHERE target = ? AND item_id = ? RETURNING 1", [target, item_id]
            ).fetchall()
            if n:
                self._bump()
        return bool(n)

    def remove(self, documents: list[str]) -> list[str]:
        """Take documents out; returns the ids that were in the store."""
        present = [
            d for d in documents if self.con.execute("SELECT 1 FROM documents WHERE document = ?", [d]).fetchone()
        ]
        if present:
            with self.transaction():
                self._delete_documents(present)
                self._bump()
        return present


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


#: meta key: the digest of the named asks the stored ledger was grouped with (``core.retag.asks_digest``)
ASKS_DIGEST = "asks_digest"
#: above this share of changed rows a re-tag writes the passages table anew rather than updating rows
REWRITE_SHARE = 1 / 15
#: DuckDB's memory while it writes the passages table anew: with the ingest's 1 GB, 10 M passages took 45 s (it
#: spilled to disk), with 2 GB 15 s
REWRITE_MEMORY = "2GB"


def swap_retagged(store: Store, tags: str, themes: str) -> None:
    """A re-tag's results swapped in (inside the caller's transaction): the tags table replaced by the rows of the
    table ``tags``; the passages in the table ``themes`` (passage_id, themes: those whose themes change) given
    their new themes, by an ``UPDATE`` when they are few (DuckDB updates a list column at some 45 µs a row), else by writing
    the passages table anew. Neither keeps the rows' physical order (readers sort). The two tables are dropped."""
    con = store.con
    con.execute("DELETE FROM tags")
    names = ", ".join(schema.quoted(schema.names("tags")))
    con.execute(f"INSERT INTO tags ({names}) SELECT {names} FROM {tags}")
    n = con.execute("SELECT count(*) FROM passages").fetchone()[0]
    changed = con.execute(f"SELECT count(*) FROM {themes}").fetchone()[0]
    if changed and changed <= n * REWRITE_SHARE:
        con.execute(f"UPDATE passages SET themes = t.themes FROM {themes} t WHERE passages.passage_id = t.passage_id")
    elif changed:  # a new table, then in the old one's place
        cols = [r[0] for r in con.execute("SELECT * FROM passages LIMIT 0").description]
        sel = ", ".join("coalesce(t.themes, p.themes)" if c == "themes" else f'p."{c}"' for c in cols)
        con.execute(store._ddl("passages", "_passages_new"))
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        con.execute(f"SET memory_limit = '{REWRITE_MEMORY}'")
        try:
            con.execute(
                f"INSERT INTO _passages_new SELECT {sel} FROM passages p LEFT JOIN {themes} t USING (passage_id)"
            )
        finally:
            con.execute(f"SET memory_limit = '{limit}'")
        con.execute("DROP TABLE passages")
        con.execute("ALTER TABLE _passages_new RENAME TO passages")
    con.execute(f"DROP TABLE IF EXISTS {tags}")
    con.execute(f"DROP TABLE IF EXISTS {themes}")


def apply_change(
    store: Store,
    *,
    gone: list[str],
    docs: pd.DataFrame,
    passages: pd.DataFrame,
    tags: pd.DataFrame,
    duplicates: pd.DataFrame,
    asks: pd.DataFrame | None,
    commitments: pd.DataFrame | None,
    digest: str | None = None,
    retag=None,
    asks_digest: str | None = None,
) -> None:
    """Every write of one ingest in one transaction: a kill leaves the store as before or as after. ``retag``: a
    ``core.retag.Retagged`` (every stored passage's new tags and themes), swapped in first (``swap_retagged``);
    ``asks_digest``: recorded with a new ledger (``core.retag.asks_digest``)."""
    with store.transaction():
        if retag is not None:
            swap_retagged(store, retag.tags, retag.themes)
        store._delete_documents(list(dict.fromkeys(list(gone) + docs["document"].tolist())))
        store._insert("documents", docs)
        store._insert("passages", passages)
        store._insert("tags", tags)
        store.update_duplicates(duplicates)
        if asks is not None:
            store.con.execute("DELETE FROM asks")
            store.con.execute("DELETE FROM commitments")
            store._insert("asks", asks)
            store._insert("commitments", commitments)
        if digest is not None:
            store._set("taxonomy_digest", digest)
        if asks is not None and asks_digest is not None:
            store._set(ASKS_DIGEST, asks_digest)
        store._bump()
