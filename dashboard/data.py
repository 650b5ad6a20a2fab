"""The one cached loader: the store -> everything the views show.

Which store:
* ``$CAMPAIGN_TRACKER_STORE`` naming a store file (one made with ``campaign-tracker ingest --store PATH``): that
  store, opened read-only. Nothing is ingested into it and none of its documents is removed; uploads, taxonomy
  edits and review decisions, which would write, are turned off (the Sources view says why).
* Otherwise the workspace's store, ``<workspace>/campaign.duckdb`` (the workspace is ``$CAMPAIGN_TRACKER_DATA``,
  default ``data/``): the seeds + documents added in the dashboard, tagged with the workspace's taxonomy. At start,
  and after an upload or a taxonomy change, it is brought up to date by the same incremental ingest as the CLI's
  (unchanged documents are not read again, so a warm start only checks file hashes).
Either way the store is read once per version, and never whole: one row per passage *without its text* (what the
filters and counts need, ``core.store.queries.passage_frame``, read from the copy kept beside the store by
``core.store.framecache``), the documents and the asks; a view reads the text
and the tags of the rows it shows (``Data.rows``, ``Data.tags``), a page at a time.
"""

from __future__ import annotations

import copy
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from core.asks import ask_summary
from core.counts import FrameCounts, TooLarge
from core.model import IngestError
from dashboard.pickers import unique_labels
from dashboard.text import md_escape
from core.pipeline import DEFAULT_SOURCES, STORE_ENV, Corpus, documents_from, ingest
from core.store import Store, StoreError
from core.store import framecache, queries
from core.workspace import Workspace, WorkspaceError, default_workspace
from core.store.search import QueryError
from core.summary import FilterState, date_extreme, filter_mask, ids_in, prepare
from core.tagging import compiled_taxonomy
from core.taxonomy import Taxonomy, TaxonomyError, default_taxonomy


@dataclass
class Data:
    corpus: Corpus  # documents, asks, reviews; its passages are ``passages``; no tags (see ``tags``)
    passages: pd.DataFrame  # every passage without its text: dates, venue, speaker, one boolean column a theme
    agg: pd.DataFrame  # the same frame (the name the counting code uses)
    asks: pd.DataFrame  # prepared the same way (asks are few: kept whole)
    taxonomy: Taxonomy
    errors: list[IngestError]
    store: str = ""  # the store file and the version read (keys for the search cache)
    version: int = 0
    read_only: bool = False  # a store the user named ($CAMPAIGN_TRACKER_STORE): nothing here writes to it
    note: str = ""  # why this store is the one shown, when that needs saying
    review: queries.Reviewed | None = None
    titles: dict[str, str] = field(default_factory=dict)  # document -> its title (or its id)

    @property
    def labels(self) -> dict[str, str]:
        return self.taxonomy.labels

    @cached_property
    def document_labels(self) -> dict[str, str]:
        """document -> how pickers show it: its title, else its file's name, else its id (with the id too when
        several documents share a title)."""
        return unique_labels({d.document: d.title or Path(d.path).name for d in self.corpus.documents})

    @cached_property
    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first passage's date (its start) and the last's (its end); NaT when nothing is dated."""
        return date_extreme(self.passages["date_start"]), date_extreme(self.passages["date_end"], last=True)

    @property
    def theme_ids(self) -> list[str]:
        return self.taxonomy.ids

    def rows(self, ids, columns: list[str] | None = None) -> pd.DataFrame:
        """Whole rows (text included) of the passages ``ids``, in that order, with each document's ``title``."""
        with reading(self.store) as store:
            df = queries.passage_rows(store, list(ids), columns)
        if columns is None or "title" in columns:
            df["title"] = df["document"].map(self.titles).fillna("")
        return df

    def tags(self, ids=None, themes=()) -> pd.DataFrame:
        """The tags (reviews applied) of the passages ``ids``, of ``themes`` only when given; ``ids`` None: every
        passage's tags of ``themes`` (cached per store version)."""
        if ids is None:
            return theme_tags(self.store, self.version, tuple(themes), self.review)
        with reading(self.store) as store:
            return queries.reviewed_tags(store, list(ids), self.review, themes)

    def section(self, document: str, section_index: int) -> pd.DataFrame:
        with reading(self.store) as store:
            return queries.section_rows(store, document, section_index)


@st.cache_resource(show_spinner=False, max_entries=8)
def theme_tags(store: str, version: int, themes: tuple[str, ...], _review) -> pd.DataFrame:
    """Every tag of ``themes`` (reviews applied), for the evidence tables: read once per store version."""
    with reading(store) as s:
        return queries.reviewed_tags(s, None, _review, themes)


class _Readers:
    """One read-only connection per store file, shared by every session (each use gets its own cursor): DuckDB
    keeps what it has read in memory, so fetching a page of rows costs milliseconds, not a fresh open (~150 ms).
    It is closed ``IDLE_S`` seconds after its last use, so that a CLI ingest can write to the store (DuckDB lets
    one process write only when no other holds the file), and before this server writes (``release``)."""

    IDLE_S = 10.0

    def __init__(self):
        self.lock = threading.Lock()
        self.open: dict[str, Store] = {}
        self.users: dict[str, int] = {}
        self.timers: dict[str, threading.Timer] = {}

    @contextmanager
    def use(self, path: str):
        path = str(path)
        with self.lock:
            store = self.open.get(path)
            if store is None:
                store = self.open[path] = Store(path)
            self.users[path] = self.users.get(path, 0) + 1
            timer = self.timers.pop(path, None)
            if timer is not None:
                timer.cancel()
            view = copy.copy(store)
            view.con = store.con.cursor()
        try:
            yield view
        finally:
            view.con.close()
            with self.lock:
                self.users[path] -= 1
                if not self.users[path]:
                    timer = self.timers[path] = threading.Timer(self.IDLE_S, self.close, [path, True])
                    timer.daemon = True
                    timer.start()

    def close(self, path: str, idle_only: bool = False) -> None:
        with self.lock:
            if idle_only and self.users.get(str(path)):
                return
            timer = self.timers.pop(str(path), None)
            if timer is not None:
                timer.cancel()
            store = self.open.pop(str(path), None)
        if store is not None:
            store.close()


_readers = _Readers()
reading = _readers.use


def release(path) -> None:
    """Close this server's reader of the store at ``path`` before writing to it."""
    _readers.close(str(path))


#: the path of an IngestError about the workspace's saved taxonomy (shown on every page, not only Sources)
SAVED_TAXONOMY = "saved taxonomy"


def taxonomy_from(text: str | None, source: str = "uploaded taxonomy") -> Taxonomy:
    return compiled_taxonomy(text, source) if text else default_taxonomy()


def store_path(ws: Workspace) -> Path:
    return ws.root / "campaign.duckdb"


def chosen_store(ws: Workspace) -> tuple[Path, bool, str]:
    """(the store to show, whether it is the user's own store (read-only), a note when the choice needs saying).
    ``$CAMPAIGN_TRACKER_STORE`` naming a file: that store. Naming nothing yet (as for the CLI, where it is the
    default store): the workspace's, with a note saying so."""
    given = os.environ.get(STORE_ENV, "").strip()
    if given:
        path = Path(given).expanduser()
        if path.exists():
            return path, True, ""
        return (
            store_path(ws),
            False,
            (
                f"{STORE_ENV} names no store yet ({path}): showing the workspace's store. "
                f"Make that one with: campaign-tracker ingest SOURCES --store {path}"
            ),
        )
    return store_path(ws), False, ""


def given_taxonomy(ws: Workspace, digest: str) -> tuple[str | None, str]:
    """(the text of the taxonomy a store of the user's own was tagged with, when the dashboard has it: the
    workspace's saved one or the default; a note when it has neither)."""
    try:
        saved = ws.taxonomy_text()
    except WorkspaceError:
        saved = None
    if saved:
        try:
            if taxonomy_from(saved).digest == digest:
                return saved, ""
        except TaxonomyError:
            pass
    if not digest or default_taxonomy().digest == digest:
        return None, ""
    return None, (
        "the store was tagged with a taxonomy other than the default (or this workspace's): its themes "
        "are labelled with the default taxonomy's, and a theme that taxonomy lacks is not listed"
    )


def _fingerprint(ws: Workspace) -> tuple:
    """What the store must reflect: the workspace's documents (name, size, mtime), its taxonomy's text and, when
    the saved taxonomy cannot be read (not UTF-8), why."""
    d = ws.documents_dir
    files = (
        tuple(
            sorted(
                (p.name, p.stat().st_size, p.stat().st_mtime_ns)
                for p in d.iterdir()
                if p.is_file() and not p.name.startswith(".")
            )
        )
        if d.is_dir()
        else ()
    )
    try:
        return files, ws.taxonomy_text(), None
    except WorkspaceError as exc:
        return files, None, str(exc)


#: (workspace, fingerprint) -> (store version, errors) of the last syncs this server made
_synced: dict[tuple, tuple[int, tuple[IngestError, ...]]] = {}
_sync_lock = threading.Lock()


def synced(root: str, fingerprint: tuple) -> tuple[int, tuple[IngestError, ...]]:
    """``sync`` once per fingerprint (at start, and when documents or the taxonomy change, not at every click),
    with a progress bar while the documents are read (the first start ingests the seeds)."""
    key = (root, fingerprint)
    held = _synced.get(key)
    if held is not None:
        return held
    with _sync_lock:  # one sync at a time; a session that waited finds the result
        held = _synced.get(key)
        if held is None:
            bar = st.progress(0.0, text="Reading documents into the store…")

            def step(done: int, total: int, name: str) -> None:
                bar.progress(
                    min(1.0, done / max(total, 1)),
                    text=md_escape(f"Reading documents into the store: {done} of {total} {name}"),
                )

            try:
                held = sync(root, fingerprint, progress=step)
            finally:
                bar.empty()
            if len(_synced) >= 8:
                _synced.pop(next(iter(_synced)))
            _synced[key] = held
    return held


def sync(root: str, fingerprint: tuple, progress=None) -> tuple[int, tuple[IngestError, ...]]:
    """Bring the workspace's store up to date (``progress(done, total, name)`` told of each file); returns (store
    version, errors)."""
    ws = Workspace(root)
    errors: list[IngestError] = []
    if fingerprint[2]:
        errors.append(IngestError(SAVED_TAXONOMY, f"{fingerprint[2]} — using the default taxonomy"))
    try:
        tax = taxonomy_from(fingerprint[1], str(ws.taxonomy_path))
    except TaxonomyError as exc:  # a stored taxonomy that no longer validates: say so, use the default
        errors.append(IngestError(SAVED_TAXONOMY, f"{exc} — using the default taxonomy"))
        tax = default_taxonomy()
    path = store_path(ws)
    sources = list(DEFAULT_SOURCES) + ([ws.documents_dir] if ws.documents_dir.is_dir() else [])
    try:
        release(path)  # this server's reader would keep the writer out
        with Store(path, write=True) as store:
            wanted = {f.stem for src in sources for f in (src.iterdir() if src.is_dir() else [src])}
            gone = [d for d in store.hashes() if d not in wanted]
            _counts, errs = ingest(store, sources, taxonomy=tax, remove=gone, progress=progress)
            from core.store.search import SearchIndex

            SearchIndex(path).sync(store)
            return store.version, tuple(errors + errs)
    except StoreError as exc:  # another writer (a CLI ingest): show what is stored
        errors.append(IngestError(str(path), str(exc)))
        with Store(path) as store:
            return store.version, tuple(errors)


@st.cache_resource(show_spinner="Opening the store…", max_entries=4)
def _read(path: str, version: int, taxonomy_text: str | None) -> Data:
    """The store at ``version``, read once and shared by every session (never changed in place: ``load`` hands
    out copies that differ only in their errors and notes)."""
    try:
        tax = taxonomy_from(taxonomy_text)
    except TaxonomyError:
        tax = default_taxonomy()
    with reading(path) as store:
        frame = framecache.frame(store, tax.ids)
        asks = store.frame("asks")
        review = queries.reviewed(store, frame, asks, tax.ids)
        docs = store.frame("documents")
        commitments = store.frame("commitments")
    table = queries.documents_table(docs, frame)
    documents = documents_from(docs)
    passages = review.frame
    corpus = Corpus(
        documents=documents,
        passages=passages,
        asks=review.asks,
        commitments=commitments,
        taxonomy=tax,
        documents_table=table,
        reviews=review.decisions,
        detected_asks=review.detected_asks,
    )
    asks = prepare(corpus.asks, tax.ids) if len(corpus.asks) else corpus.asks
    titles = {d.document: (d.title or d.document) for d in documents}
    return Data(
        corpus=corpus,
        passages=passages,
        agg=passages,
        asks=asks,
        taxonomy=tax,
        errors=[],
        store=path,
        version=version,
        review=review,
        titles=titles,
    )


#: (the Data read, errors, read-only, note) -> the copy handed out: the same object at every rerun, so a view
#: can tell a store read again from the one it worked on (``briefing._memo`` compares by identity)
_dressed: dict[tuple, Data] = {}


def _dress(data: Data, errors, read_only: bool, note: str) -> Data:
    key = (id(data), tuple(map(str, errors)), read_only, note)
    held = _dressed.get(key)
    if held is None or held[0] is not data:
        if len(_dressed) > 16:
            _dressed.clear()
        corpus = replace(data.corpus, errors=list(errors))
        held = _dressed[key] = (data, replace(data, corpus=corpus, errors=list(errors), read_only=read_only, note=note))
    return held[1]


#: store path -> the version this server's own writes (a review decision) left it at; sync runs only when files
#: change, so load takes the later of the two and the tables are read again at the next rerun, in every session
_written: dict[str, int] = {}


def wrote(ws: Workspace, version: int) -> None:
    """Say that this server changed the workspace's store (now at ``version``)."""
    key = str(store_path(ws))
    _written[key] = max(version, _written.get(key, 0))


def _given(path: Path, ws: Workspace) -> Data:
    """A store of the user's own, read-only: read again when its version changes (a CLI ingest), never written."""
    stamp = _stamp(path)
    held = _last.get(str(path))
    if held is not None and held[2] == stamp:  # the file has not changed since it was read: no need to open it
        return _dress(held[0], [], True, held[1])
    try:
        with Store(path) as store:
            version, digest = store.version, store.meta("taxonomy_digest") or ""
    except StoreError as exc:  # being written by an ingest, or not a store: say so
        if held is None:
            raise
        return _dress(held[0], [IngestError(str(path), f"{exc} (showing what was read before)")], True, held[1])
    text, note = given_taxonomy(ws, digest)
    data = _read(str(path), version, text)
    _last[str(path)] = (data, note, stamp)
    return _dress(data, [], True, note)


def _stamp(path: Path) -> tuple:
    """The store file's and its write-ahead log's size and modification time: any write changes one of them."""
    out = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            s = p.stat()
            out.append((s.st_size, s.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


#: the last Data read from a store of the user's own, its note and the file's stamp when read (shown as long as the
#: file is unchanged, and while it cannot be opened)
_last: dict[str, tuple[Data, str, tuple]] = {}


def load(ws: Workspace | None = None) -> Data:
    """Everything the views show: from the store named by ``$CAMPAIGN_TRACKER_STORE`` (read-only), else from the
    workspace's store (made from the seeds on first use)."""
    ws = ws or default_workspace()
    path, given, note = chosen_store(ws)
    if given:
        return _given(path, ws)
    fp = _fingerprint(ws)
    version, errors = synced(str(ws.root), fp)
    version = max(version, _written.get(str(store_path(ws)), 0))
    return _dress(_read(str(store_path(ws)), version, fp[1]), errors, False, note)


@st.cache_resource(show_spinner=False, max_entries=4)
def _frame_counts(store: str, version: int, theme_ids: tuple, _data: Data) -> FrameCounts | None:
    if not FrameCounts.usable(_data.agg):
        return None
    try:
        return FrameCounts(_data.agg, list(theme_ids))
    except TooLarge:  # a taxonomy with very many combinations of themes: the Overview counts the rows
        return None


def frame_counts(data: Data) -> FrameCounts | None:
    """The Overview's counting codes for the store version's frame (worked out once: ~0.3 s at 10 M passages)."""
    return _frame_counts(data.store, data.version, tuple(data.theme_ids), data)


def ledger(data: Data, asks: pd.DataFrame, quiet_days: int, as_of=None) -> pd.DataFrame:
    """The ask ledger (a row a group, with its response's sentence) of ``asks``."""
    return ask_summary(data.corpus, as_of=as_of, quiet_days=quiet_days, asks=asks)


@st.cache_resource(show_spinner=False, max_entries=16)
def search_ids(store: str, version: int, query: str) -> frozenset[str]:
    """The passages the store's full-text index finds for ``query`` (words, "phrases", AND / OR / NOT, prefix*).
    QueryError when the query cannot be read. Cached per store version and query, shared as it is (a frozenset
    cannot change; st.cache_data would unpickle a copy at each call: ~70 ms for 320,000 matches)."""
    from core.store.search import QueryError, SearchIndex, fts_query

    if not fts_query(query):
        raise QueryError("the search is empty")
    index = SearchIndex(store)  # brought up to date with the store by ids() itself
    with reading(store) as s:
        try:
            return frozenset(index.ids(s, query, canonical_only=False))
        except QueryError:  # unbalanced syntax ("![q](…)", "a (b"): its words, all of them, as words
            words = " ".join(f'"{w}"' for w in re.findall(r"\w+", query))
            if not words:
                raise QueryError(f"cannot search for {query!r}: no words in it") from None
            return frozenset(index.ids(s, words, canonical_only=False))


def mask(data: Data, state: FilterState, frame: pd.DataFrame | None = None) -> pd.Series:
    """The rows of ``frame`` (default: the passages) matching the filters, the search through the store's index."""
    df = data.agg if frame is None else frame
    m = filter_mask(df, state.with_(query=""))
    if state.query:
        try:
            found = search_ids(data.store, data.version, state.query)
        except QueryError:  # a search with nothing to look for matches nothing (the Passages view says why)
            return m & False
        m &= _found(data.store, data.version, state.query, data) if df is data.agg else ids_in(df["passage_id"], found)
    return m


@st.cache_resource(show_spinner=False, max_entries=16)
def _found(store: str, version: int, query: str, _data: Data) -> np.ndarray:
    """Which passages of the frame the search finds: worked out once per query and store version, then combined
    with the other filters at each rerun."""
    return ids_in(_data.agg["passage_id"], search_ids(store, version, query))


def filtered(data: Data, state: FilterState, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    df = data.passages if frame is None else frame
    m = mask(data, state, df)
    return df if m.all() else df[m]
