"""Source files -> every table the product shows. Each stage is a plain function of the previous one.

    load_documents -> passages -> mark_duplicates -> tag_passages -> extract_asks -> Corpus

The dashboard and the CLI both call :func:`build_corpus`; nothing they count is computed elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .dedup import MARKS, mark_duplicates
from .sources import document_metadata, iter_files, load_documents
from .model import COLUMNS, FIELDS, Document, IngestError, Passage, failures, to_frame
from . import schema

DEFAULT_SOURCES = [Path(__file__).resolve().parent / "data" / "seeds"]  # the bundled seeds (package data)


@dataclass
class Corpus:
    documents: list[Document]
    passages: pd.DataFrame
    errors: list[IngestError] = field(default_factory=list)
    duplicates: list[tuple[str, str, float]] = field(default_factory=list)
    tags: pd.DataFrame | None = None
    asks: pd.DataFrame | None = None
    commitments: pd.DataFrame | None = None
    ask_groups: pd.DataFrame | None = None
    taxonomy: object | None = None
    #: the documents table when the corpus comes from a store (its counts made in SQL)
    documents_table: pd.DataFrame | None = None
    #: from a store: the review decisions (core.review) and the detector's asks before they were applied
    reviews: pd.DataFrame | None = None
    detected_asks: pd.DataFrame | None = None

    def documents_frame(self) -> pd.DataFrame:
        if self.documents_table is not None:
            return self.documents_table
        p = self.passages  # the counts as de-duplication left them (a copy borrows its canonical's speaker)
        count = (
            pd.DataFrame(
                {
                    "document": p["document"],
                    "duplicates": p["duplicate_of"] != "",
                    "undated": p["date"] == "",
                    "no_speaker": p["speaker"] == "",
                }
            )
            .groupby("document")
            .sum()
        )
        rows = []
        for d in self.documents:
            n = count.loc[d.document] if d.document in count.index else None
            rows.append(
                {
                    "document": d.document,
                    "layout": d.layout,
                    "title": d.title,
                    "passages": len(d.passages),
                    "duplicates": int(n["duplicates"]) if n is not None else 0,
                    "undated": int(n["undated"]) if n is not None else 0,
                    "no_speaker": int(n["no_speaker"]) if n is not None else 0,
                    "flags": "; ".join(d.flags),
                }
            )
        return pd.DataFrame(
            rows, columns=["document", "layout", "title", "passages", "duplicates", "undated", "no_speaker", "flags"]
        )


def passages_from(documents: list[Document]) -> list[Passage]:
    return [p for d in documents for p in d.passages]


def build_corpus(
    sources: Iterable[Path | str] | None = None,
    *,
    taxonomy=None,
    documents: list[Document] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Corpus:
    """Ingest ``sources`` (default: the seeds), de-duplicate, tag themes and extract asks."""
    errors: list[IngestError] = []
    if documents is None:
        documents, errors = load_documents(list(sources or DEFAULT_SOURCES), progress=progress)
    passages, duplicates = mark_duplicates(to_frame(passages_from(documents)))
    corpus = Corpus(documents=documents, passages=passages, errors=errors, duplicates=duplicates)
    return enrich(corpus, taxonomy)


def enrich(corpus: Corpus, taxonomy=None) -> Corpus:
    """Tagging and ask stages, kept separate from ingest so they can re-run alone (e.g. a new taxonomy)."""
    from .asks import build_asks
    from .tagging import tag_passages, tagger_for, themes_column
    from .taxonomy import default_taxonomy

    corpus.taxonomy = taxonomy or default_taxonomy()
    tagger = tagger_for(corpus.taxonomy)  # raises TaxonomyError for a phrase the matcher cannot take
    corpus.tags = tag_passages(corpus.passages, corpus.taxonomy, tagger)
    corpus.passages = corpus.passages.assign(themes=themes_column(corpus.passages, corpus.tags, corpus.taxonomy))
    corpus.asks, corpus.commitments = build_asks(corpus.passages, corpus.taxonomy, tagger)
    return corpus


# ---- the incremental runner: sources -> store ----------------------------------------------------------
DEFAULT_STORE = Path("data") / "campaign.duckdb"
STORE_ENV = "CAMPAIGN_TRACKER_STORE"


def store_path(path: Path | str | None = None) -> Path:
    """--store PATH, else $CAMPAIGN_TRACKER_STORE, else data/campaign.duckdb."""
    import os

    return Path(path or os.environ.get(STORE_ENV) or DEFAULT_STORE)


def _norm_hash(text: str) -> str:
    import hashlib

    from .dedup import _norm

    return hashlib.md5(_norm(text).encode()).hexdigest()


def _as_read(passages: pd.DataFrame) -> pd.DataFrame:
    """Stored passages as they were read, before de-duplication marked them (so it can be redone): a new frame."""
    borrowed = passages["speaker_basis"].str.startswith("duplicate of").to_numpy(dtype=bool)
    flags = [";".join(f for f in s.split(";") if f and f != "duplicate") for s in passages["quality_flags"]]
    out = passages.assign(duplicate_of="", quality_flags=pd.Series(flags, index=passages.index, dtype=object))
    for c in ("speaker", "speaker_detail", "speaker_basis"):
        out[c] = pd.Series(out[c].to_numpy(dtype=object).copy(), index=out.index, dtype=object)
        out.loc[borrowed, c] = ""
    return out


#: a batch closes at this many bytes of source files or this many files, whichever comes first
BATCH_BYTES = 32_000_000
BATCH_FILES = 2_000
#: DuckDB's checkpoint threshold and memory limit during an ingest (see ``ingest``)
CHECKPOINT_LOG = "512MB"
INGEST_MEMORY = "1GB"
#: meta key set while an ingest's batches are being written and cleared by its last transaction: a store that
#: still has it was interrupted, so the next ingest rebuilds the MinHash bands and the ask ledger in full
PENDING = "ingest_pending"
#: the LSH band keys of the stored passages (core.dedup.band_keys): derived data, rebuilt when missing
BANDS_DDL = schema.ddl("minhash_bands")
#: the order passages are given to the ask stage in, whatever the batches or engine (ask groups are named after
#: the first ask of a group, so the order must not depend on how the work was split)
ASK_ORDER = ["document", "section_index", "line", "passage_id"]


class _Planner:
    """Lists the files, reads and hashes them, skips the unchanged, and cuts the rest into batches (lazily, so
    only the batches in flight are held in memory)."""

    def __init__(self, files, known, remove, errors, counts, progress, overrides=None):
        self.files, self.known, self.remove, self.errors = files, known, remove, errors
        self.overrides = overrides  # metadata the user set for these files (command-line options)
        self.counts, self.progress = counts, progress
        self.by_hash = {h: d for d, h in known.items()}
        self.status: dict[str, str] = {}  # document -> new | changed (for the files sent to a worker)
        self.done = 0

    def batches(self, max_bytes: int, max_files: int):
        from .store.db import content_hash

        seen: dict[str, str] = {}
        batch, size = [], 0
        for path in self.files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                self.errors.append(IngestError(str(path), f"cannot be read ({exc.strerror})"))
                self.counts.failed += 1
                continue
            doc_id = path.stem
            if doc_id in seen:
                self.errors.append(IngestError(str(path), f"document id '{doc_id}' already used by {seen[doc_id]}"))
                self.counts.failed += 1
                continue
            seen[doc_id] = str(path)
            try:  # the user's metadata (a sidecar beside the file, options) is part of what was read
                meta, extra = document_metadata(path, self.overrides)
            except (ValueError, OSError) as exc:
                self.errors.append(IngestError(str(path), str(exc)))
                self.counts.failed += 1
                continue
            digest = content_hash(data + extra)
            if self.known.get(doc_id) == digest:
                self.counts.unchanged += 1
                continue
            twin = self.by_hash.get(digest)
            if twin is not None and twin != doc_id and twin not in self.remove:
                self.errors.append(
                    IngestError(
                        str(path),
                        f"not read: the same content as document '{twin}', which is already read (counted once)",
                        notice=True,
                    )
                )
                if doc_id in self.known:  # its earlier, different content is out of date
                    self.remove.append(doc_id)
                continue
            self.by_hash[digest] = doc_id
            self.status[doc_id] = "changed" if doc_id in self.known else "new"
            batch.append((str(path), doc_id, data, digest, meta))
            size += len(data)
            if size >= max_bytes or len(batch) >= max_files:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def tick(self, n: int, name: str) -> None:
        self.done += n
        if self.progress:
            self.progress(min(self.done, len(self.files)), len(self.files), name)


def _stored_keys(store, sql: str, frame: pd.DataFrame) -> pd.DataFrame:
    store.con.register("_in", frame)
    try:
        return store.con.execute(sql).df()
    finally:
        store.con.unregister("_in")


def _dedup(store, frame: pd.DataFrame, keys: pd.DataFrame, replaced: list[str]):
    """De-duplicate a batch's passages (``frame``) against the store. The stored passages it can touch are done
    again with them: those of the same sitting days, with the same exact text, sharing an LSH band, copies of the
    passages going out, and the rest of the groups they are in. Returns (the batch with its marks, the stored
    passages whose marks changed as re-marked, the ids whose duplicate state or speaker changed, the ids of the
    passages going out). Nothing given is changed."""
    import numpy as np

    from .dedup import MIN_CHARS, key_pairs, rows_of

    out = replaced + frame["document"].unique().tolist()
    old = store.frame("passages", "document IN (SELECT unnest(?))", [replaced]) if replaced else None
    hashes = set(frame.loc[frame["text"].str.len() >= MIN_CHARS, "_norm_hash"])  # a shorter text is not compared
    days = frame.loc[frame["date_precision"] == "day", ["date", "layout"]]
    old_ids: list[str] = []
    if old is not None and len(old):
        days = pd.concat([days, old.loc[old["date_precision"] == "day", ["date", "layout"]]])
        hashes |= {_norm_hash(t) for t in old["text"] if len(t) >= MIN_CHARS}
        old_ids = old["passage_id"].tolist()
    lsh_ids: list[str] = []
    if len(keys):
        lsh_ids = _stored_keys(
            store, "SELECT DISTINCT passage_id FROM minhash_bands WHERE key IN (SELECT key FROM _in)", keys[["key"]]
        )["passage_id"].tolist()
    inputs = {
        "_out": pd.DataFrame({"document": out or [""]}),
        "_days": days.drop_duplicates(),
        "_hashes": pd.DataFrame({"h": sorted(hashes) or [""]}),
        "_lsh": pd.DataFrame({"id": lsh_ids or [""]}),
        "_old": pd.DataFrame({"id": old_ids or [""]}),
    }
    # a stored passage is hit when it is on a sitting day of the batch in another source (only those are compared
    # within a day), has the same text or a shared band key, or is a copy of a passage going out (asked only when
    # some go out: the empty list's placeholder '' would match every canonical passage, i.e. read the whole store)
    hit = (
        "q.document NOT IN (SELECT document FROM _out) AND (EXISTS (SELECT 1 FROM _days d WHERE d.date = q.date "
        "AND d.layout <> q.layout) OR q._norm_hash IN (SELECT h FROM _hashes) OR q.passage_id IN (SELECT id FROM "
        "_lsh)" + (" OR q.duplicate_of IN (SELECT id FROM _old))" if old_ids else ")")
    )
    for name, df in inputs.items():
        store.con.register(name, df)
    try:  # the passages hit, their canonicals, and the canonicals' other copies
        near = store.frame(
            "passages",
            f"document NOT IN (SELECT document FROM _out) AND passage_id IN ("
            f"SELECT q.passage_id FROM passages q WHERE {hit} UNION SELECT q.duplicate_of FROM passages "
            f"q WHERE {hit} UNION SELECT c.passage_id FROM passages c WHERE c.duplicate_of <> '' AND "
            f"c.duplicate_of IN (SELECT q.duplicate_of FROM passages q WHERE {hit}))",
        )
    finally:
        for name in inputs:
            store.con.unregister(name)
    near_keys = (
        _stored_keys(
            store, "SELECT b.passage_id, b.key FROM minhash_bands b JOIN _in n USING (passage_id)", near[["passage_id"]]
        )
        if len(near)
        else keys[:0]
    )
    both = pd.concat([frame[COLUMNS], _as_read(near)[COLUMNS]], ignore_index=True)
    both = both.astype({c: "int64" for c in COLUMNS if FIELDS[c][0] == "int"})
    # candidates: the pairs sharing a band key, and the groups as they were
    band = pd.concat([keys[["passage_id", "key"]], near_keys[["passage_id", "key"]]], ignore_index=True)
    row = rows_of(both["passage_id"]).reindex(band["passage_id"])
    known = row.notna().to_numpy()  # every key's passage is in the batch or near; a stray key is left out
    row = row.to_numpy()[known].astype(np.int64)
    rows = key_pairs(row, band["key"].to_numpy(dtype=np.int64)[known], pd.factorize(both["document"])[0][row])
    ids = both["passage_id"].to_numpy(dtype=object)
    was = near["duplicate_of"] != ""
    candidates = np.concatenate(
        [ids[rows].reshape(-1, 2), near.loc[was, ["passage_id", "duplicate_of"]].to_numpy(dtype=object).reshape(-1, 2)]
    )
    # within a sitting day only pairs with a new passage are compared: the stored ones were compared when stored
    marked, _pairs = mark_duplicates(both, candidates, fresh=frame["passage_id"])
    batch = frame.copy()
    for c in MARKS:
        batch[c] = pd.Series(marked[c].to_numpy(dtype=object)[: len(frame)], index=frame.index, dtype=object)
    stored = marked.iloc[len(frame) :].reset_index(drop=True)
    changed = np.zeros(len(near), dtype=bool)
    for c in MARKS:
        changed |= stored[c].to_numpy(dtype=object) != near[c].to_numpy(dtype=object)
    touched = set(batch.loc[batch["duplicate_of"] != "", "passage_id"]) | set(stored.loc[changed, "passage_id"])
    return batch, stored[changed].reset_index(drop=True), touched, old_ids


def _known_groups(store, rewritten: set[str]) -> dict[str, str]:
    """Ask id -> suggested group of the stored ledger, for the groups none of whose asks is in a document this
    ingest replaces or takes out (their asks' words may have changed): the ledger is extended, not rebuilt."""
    if "asks" not in store._tables():
        return {}
    rows = store.con.execute("SELECT ask_id, ask_group, document FROM asks WHERE group_source = 'suggested'").fetchall()
    stale = {g for _a, g, d in rows if d in rewritten}
    return {a: g for a, g, _d in rows if g not in stale}


def _ask_passages(
    store,
    frame: pd.DataFrame,
    dup_rows: pd.DataFrame,
    out: list[str],
    touched: set[str],
    full: bool,
    retag: tuple | None,
) -> pd.DataFrame:
    """The passages the ask ledger is rebuilt from: every passage that holds an ask or a commitment, a tabled
    question or a reply to one, a passage whose speaker_detail names a government office (it carries the office to
    the same speaker's other passages in the document), and those whose duplicate state changed (a borrowed speaker
    can make a minister's sentence a commitment). Every other passage yields nothing, so this gives what
    ``build_asks`` over the whole store would, while extracting again only these. ``full``: every passage (after an
    interrupted ingest)."""
    from .asks import MINISTER_ROLE  # a Minister's office reaches their later speeches (asks.government_speakers)

    rel = store.frame(
        "passages",
        "document NOT IN (SELECT unnest(?)) AND (? OR passage_id IN (SELECT passage_id FROM "
        "asks) OR passage_id IN (SELECT passage_id FROM commitments) OR passage_id IN "
        "(SELECT unnest(?)) OR kind = 'question' OR responds_to <> '' OR regexp_matches(speaker_detail, ?))",
        [out or [""], full, sorted(touched) or [""], "(?i)" + MINISTER_ROLE.pattern],
    )
    if retag is not None and len(rel):  # the themes the re-tagging in this transaction gives them
        from .retag import themes_of

        new_themes = themes_of(store, retag, rel["passage_id"].tolist())
        rel["themes"] = [new_themes.get(p, t) for p, t in zip(rel["passage_id"], rel["themes"])]
    if len(dup_rows) and len(rel):  # the de-duplication in this transaction
        upd = dup_rows.set_index("passage_id")
        idx = rel["passage_id"].isin(upd.index)
        for c in ("duplicate_of", "speaker", "speaker_detail", "speaker_basis", "quality_flags"):
            rel.loc[idx, c] = rel.loc[idx, "passage_id"].map(upd[c])
    new = frame[
        frame["passage_id"].isin(touched)
        | (frame["kind"] == "question")
        | (frame["responds_to"] != "")
        | frame["speaker_detail"].fillna("").astype(str).str.contains(MINISTER_ROLE)
    ]
    both = pd.concat([rel, new[COLUMNS]], ignore_index=True)
    return both.sort_values(ASK_ORDER, kind="stable").reset_index(drop=True)


def _rebuild_bands(store) -> None:
    """The MinHash band keys of every stored passage, from the stored text (a store from before them, or after an
    interrupted ingest)."""
    from .dedup import MIN_CHARS, band_keys_many

    # the text is read through a cursor of its own: inserting on the connection being read from would end its result
    cur = store.con.cursor()
    with store.transaction():
        store.con.execute("DELETE FROM minhash_bands")
        cur.execute("SELECT passage_id, text FROM passages WHERE length(text) >= ?", [MIN_CHARS])
        while rows := cur.fetchmany(50_000):
            ids = [pid for pid, _text in rows]
            at, keys = band_keys_many([text for _pid, text in rows])
            _write_bands(store, pd.DataFrame({"passage_id": [ids[i] for i in at.tolist()], "key": keys}))


def _write_bands(store, keys) -> None:
    """Insert band keys (a DataFrame or Arrow table of passage_id, key)."""
    if len(keys):
        store.con.register("_bands", keys)
        try:
            store.con.execute("INSERT INTO minhash_bands SELECT passage_id, key FROM _bands")
        finally:
            store.con.unregister("_bands")


def ingest(
    store,
    sources: Iterable[Path | str],
    *,
    taxonomy=None,
    remove: Iterable[str] = (),
    progress: Callable[[int, int, str], None] | None = None,
    engine=None,
    batch_bytes: int = BATCH_BYTES,
    batch_files: int = BATCH_FILES,
    overrides: dict | None = None,
    stats: dict[str, float] | None = None,
):
    """Bring ``store`` up to date with ``sources``: unchanged documents (same content hash) are skipped; new and
    changed ones are cut into batches, which ``engine`` (default: this process; see ``core.engine``) reads, tags
    and scans, and which are then de-duplicated against the store and written, each batch in one transaction.
    The ask ledger is worked out with the last batch, extracting again only the passages that hold asks or
    commitments and extending the stored ask groups. A kill leaves whole batches written (never part of a document); the next ingest skips them by
    their hash and completes the rest. A taxonomy whose digest differs from the store's re-tags the stored text
    (no source is read again). ``stats``: seconds per stage are added to it (the workers' stages summed over
    batches: parse, tag, asks, minhash; the writer's: dedup, retag, ask ledger, write). Returns (Counts, errors)."""
    import time

    from .asks import build_asks
    from .engine import LocalEngine, arrow_frame, passages_frame, process_batch
    from .engine import _tagger as cached_tagger
    from .retag import asks_digest, rethemed_asks
    from .retag import retag as retag_store
    from .schema import names
    from .store.db import ASKS_DIGEST, Counts, apply_change, now
    from .taxonomy import default_taxonomy

    taxonomy = taxonomy or default_taxonomy()
    asks_key = asks_digest(taxonomy)
    errors: list[IngestError] = []
    superseded: list[Path] = []
    files = iter_files(list(sources), errors, superseded) if sources else []
    counts = Counts(failed=len(failures(errors)))
    known = store.hashes()
    # an earlier version of a day that a later one replaces is taken out of the store
    remove = list(remove) + [p.stem for p in superseded if p.stem in known]
    planner = _Planner(files, known, remove, errors, counts, progress, overrides)
    # DuckDB guesses a pandas column's type from a sample of its rows: in a batch where only a few passages have
    # themes or flags, every sampled list is empty, the element type is guessed as NULL and the insert fails.
    # The store's writer hands it pandas frames, so the whole column is looked at.
    store.con.execute("SET pandas_analyze_sample = 1000000000")
    # DuckDB checkpoints (writes its tables' changed row groups from the log into the file) once the log passes
    # 16 MB, i.e. after every batch, which cost more than the batch's writes themselves and grew with the store;
    # during an ingest it does so every CHECKPOINT_LOG of changes (each batch is still committed to the log)
    store.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_LOG}'")
    # DuckDB's cache of the columns each batch's look-ups scan grew with the store (its default limit is 80% of
    # RAM): the writer reached 3.7 GB at 1.5 M passages, 2.25 GB with this limit
    store.con.execute(f"SET memory_limit = '{INGEST_MEMORY}'")
    had_bands = "minhash_bands" in store._tables()
    store.con.execute(BANDS_DDL)
    recover = store.meta(PENDING) == "1"
    if known and (recover or not had_bands):
        _rebuild_bands(store)
    retag_needed = store.meta("taxonomy_digest") != taxonomy.digest and bool(known)
    results = (engine or LocalEngine(1)).map(process_batch, planner.batches(batch_bytes, batch_files), taxonomy)
    touched: set[str] = set()  # passages whose asks are extracted again at the end
    rewritten: set[str] = set()  # stored documents replaced or taken out by this ingest
    tagger = None
    first, res = True, next(results, None)
    while True:
        nxt = next(results, None) if res is not None else None
        last = nxt is None
        if res is None:  # nothing (more) to read: the removals, re-tagging or an interrupted ingest's ledger
            gone = [d for d in remove if d in known]
            if not gone and not retag_needed and not recover and first:
                if store.meta("taxonomy_digest") != taxonomy.digest:  # an empty store: record the taxonomy
                    with store.transaction():
                        store._set("taxonomy_digest", taxonomy.digest)
                break
            frame, tags, keys = passages_frame([]), None, pd.DataFrame({"passage_id": [], "key": []})
            frame["_norm_hash"] = []
            docs = pd.DataFrame(columns=names("documents"))
        else:
            for path, msg in res.failed:
                errors.append(IngestError(path, msg))
                counts.failed += 1
            frame, tags, docs = arrow_frame(res.passages), arrow_frame(res.tags), arrow_frame(res.documents)
            keys = arrow_frame(res.bands)
            for d in docs["document"]:
                setattr(counts, planner.status[d], getattr(counts, planner.status[d]) + 1)
            planner.tick(len(docs) + len(res.failed), docs["document"].iloc[-1] if len(docs) else "")
            touched |= set(res.ask_passages)
            gone = [d for d in remove if d in known] if last else []
            for k, v in res.seconds.items() if stats is not None else ():
                stats[k] = stats.get(k, 0.0) + v
            if first and last and not len(docs) and not gone and not retag_needed and not recover:
                break  # files that all failed, and nothing else to do: the store (and its version) stays as it was
        t0 = time.perf_counter()
        if first:
            with store.transaction():
                store._set(PENDING, "1")
        replaced = [d for d in docs["document"] if d in known] + gone
        rewritten |= set(replaced)
        frame, dup_rows, changed, old_ids = _dedup(store, frame, keys, replaced)
        touched |= changed
        counts.passages_added += len(frame)
        if len(docs):
            dup_count = frame.groupby("document")["duplicate_of"].apply(lambda s: int((s != "").sum()))
            docs["duplicates"] = docs["document"].map(dup_count).fillna(0).astype(int)
            docs["ingested_at"] = now()
        t1 = time.perf_counter()
        retag, retag_s = None, 0.0
        if first and retag_needed:  # the stored passages re-tagged, with their new themes (the asks read them)
            retag = retag_store(store, taxonomy, engine=engine)
            retag_s = time.perf_counter() - t1
        asks = commitments = None
        if last:
            tagger = tagger or cached_tagger(taxonomy)  # the one the re-tagging compiled here
            out = replaced + docs["document"].tolist()
            if retag is not None and not (out or touched or recover) and store.meta(ASKS_DIGEST) == asks_key:
                # only the themes changed: the stored asks, groups and responses stand, the asks' themes follow
                asks, commitments = rethemed_asks(store, retag, tagger), store.frame("commitments")
            else:
                subset = _ask_passages(store, frame, dup_rows, out, touched, recover, retag)
                prior = None if recover or retag is not None else _known_groups(store, rewritten | set(out))
                asks, commitments = build_asks(subset, taxonomy, tagger, known=prior)
        t2 = time.perf_counter()
        apply_change(
            store,
            gone=gone,
            docs=docs,
            passages=frame,
            tags=tags if tags is not None else pd.DataFrame(),
            duplicates=dup_rows,
            asks=asks,
            commitments=commitments,
            digest=taxonomy.digest if first else None,
            retag=retag,
            asks_digest=asks_key,
        )
        with store.transaction():  # the band keys: derived data, rebuilt if a kill falls between the two
            store.con.register("_old", pd.DataFrame({"passage_id": old_ids or [""]}))  # new documents have none
            try:
                store.con.execute("DELETE FROM minhash_bands WHERE passage_id IN (SELECT passage_id FROM _old)")
            finally:
                store.con.unregister("_old")
            _write_bands(store, res.bands if res is not None else keys)  # Arrow, as the worker sent them
            if last:
                store._set(PENDING, "")
        if stats is not None:
            for k, v in (
                ("dedup", t1 - t0),
                ("retag", retag_s),
                ("ask ledger", t2 - t1 - retag_s),
                ("write", time.perf_counter() - t2),
            ):
                stats[k] = stats.get(k, 0.0) + v
        first, res = False, nxt
        if last:
            break
    store.con.execute("RESET checkpoint_threshold")
    store.con.execute("RESET memory_limit")
    counts.removed = len([d for d in remove if d in known])
    if progress:
        progress(len(files), len(files), "")
    return counts, errors


def documents_from(docs: pd.DataFrame) -> list[Document]:
    """The store's documents table as Document records (without their passages)."""
    return [
        Document(
            document=r["document"],
            path=r["path"],
            layout=r["layout"],
            title=r["title"],
            flags=[f for f in r["flags"].split("; ") if f],
            url=r["url"],
        )
        for r in docs.to_dict("records")
    ]


def corpus_from_store(store, taxonomy=None, reviewed: bool = True) -> Corpus:
    """The store's tables as a Corpus (for the summaries and exports that take one), with users' review decisions
    applied (``core.review``) unless ``reviewed`` is False (the detector's own output, for evaluation)."""
    from .taxonomy import default_taxonomy

    documents = documents_from(store.frame("documents"))
    # in reading order, document by document (not the table's physical order, which a re-tag may change)
    passages = store.frame("passages", "TRUE ORDER BY document, section_index, line, passage_id")
    passages["line"] = passages["line"].astype("int64")
    passages["section_index"] = passages["section_index"].astype("int64")
    asks = store.frame("asks")
    table = store.con.execute("""
        SELECT d.document, d.layout, d.title, count(p.passage_id) AS passages,
               count(p.passage_id) FILTER (WHERE p.duplicate_of <> '') AS duplicates,
               count(p.passage_id) FILTER (WHERE p.date = '') AS undated,
               count(p.passage_id) FILTER (WHERE p.speaker = '') AS no_speaker, d.flags
        FROM documents d LEFT JOIN passages p USING (document)
        GROUP BY ALL ORDER BY d.document""").df()
    corpus = Corpus(
        documents=documents,
        passages=passages,
        tags=store.frame("tags"),
        asks=asks,
        commitments=store.frame("commitments"),
        taxonomy=taxonomy or default_taxonomy(),
        duplicates=[(a, b, 0.0) for a, b in zip(passages["passage_id"], passages["duplicate_of"]) if b],
        documents_table=table,
    )
    if reviewed:
        from .review import apply_to_corpus

        apply_to_corpus(store, corpus)
    return corpus
