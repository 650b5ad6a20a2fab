"""Where the per-batch work runs: in this process, in a local process pool, or on a Dask cluster.

The unit of work is :func:`process_batch`: a pure function of a batch of files' bytes and the taxonomy that reads,
tags, finds the passages that hold asks or commitments, and computes the MinHash band keys de-duplication needs.
It returns Arrow tables, which travel cheaply between processes and machines. Whatever the engine, the results come
back *in batch order* to the process that owns the store, which de-duplicates against the store and writes each batch
in one transaction (``core.pipeline.ingest``). So every engine writes the same store.

- ``LocalEngine(workers=1)``: in this process (no pool); ``workers=N``: a pool of N processes.
- ``DaskEngine(scheduler="tcp://host:8786")``: a ``dask.distributed`` cluster the user runs; ``DaskEngine(workers=N)``
  starts a ``LocalCluster`` of N single-threaded worker processes. Each worker needs this package installed.

At most ``window`` batches are in flight, so memory is bounded by the batch size times the window, not the corpus.
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import pyarrow as pa

#: a file to read: (path as given, document id, bytes, content hash[, metadata the user set for it])
Item = tuple


@dataclass
class BatchResult:
    """What a worker sends back for one batch (Arrow tables; see :func:`process_batch`)."""

    documents: pa.Table
    passages: pa.Table
    tags: pa.Table
    bands: pa.Table
    ask_passages: list[str]
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


_TAGGERS: dict[str, object] = {}


def _tagger(taxonomy):
    """One compiled tagger per taxonomy per process (compiling takes a second or two)."""
    from .tagging import tagger_for

    if taxonomy.digest not in _TAGGERS:
        _TAGGERS.clear()
        _TAGGERS[taxonomy.digest] = tagger_for(taxonomy)
    return _TAGGERS[taxonomy.digest]


def to_arrow(df) -> pa.Table:
    return pa.Table.from_pandas(df, preserve_index=False)


def passages_frame(passages: list):
    """Passage records as a passages DataFrame (the columns and dtypes of ``core.model.to_frame``, built a column
    at a time rather than through ``dataclasses.astuple``, which is several times slower)."""
    import pandas as pd

    from .model import COLUMNS, FIELDS

    return pd.DataFrame(
        {
            c: pd.Series([getattr(p, c) for p in passages], dtype="int64" if FIELDS[c][0] == "int" else object)
            for c in COLUMNS
        }
    )


def arrow_frame(table: pa.Table):
    """An Arrow table as a DataFrame whose text columns are Python str objects (as the store's frames are)."""
    df = table.to_pandas()
    for name, typ in zip(table.column_names, table.schema.types):
        if pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_null(typ):
            df[name] = df[name].fillna("").astype(object)
    return df


def process_batch(items: list[Item], taxonomy) -> BatchResult:
    """Read, tag and scan one batch: a pure function of the files' bytes and the taxonomy (what a worker runs).

    Returns the documents rows (without ``ingested_at``, which the writer stamps), the passages (themes filled,
    ``_norm_hash`` for exact-copy lookups), the tags, the LSH band keys of each passage, the ids of passages in which
    ask extraction finds an ask or a commitment (only those are extracted again when the ask ledger is rebuilt), and
    the files that failed with the reason."""
    import hashlib

    import pandas as pd

    from .asks import extract
    from .dedup import _norm, band_keys_many
    from .schema import names
    from .sources import parse_bytes
    from .tagging import tag_passages, themes_column

    t0 = time.perf_counter()
    docs, rows, failed = [], [], []
    for path, doc_id, data, digest, *meta in items:
        try:
            doc = parse_bytes(data, path, doc_id, meta[0] if meta else None, "the user (sidecar or options)")
        except (ValueError, OSError) as exc:
            failed.append((path, str(exc)))
            continue
        docs.append(document_row(doc, digest))
        rows.extend(doc.passages)
    frame = passages_frame(rows)
    frame["_norm_hash"] = [hashlib.md5(_norm(t).encode()).hexdigest() for t in frame["text"]]
    t1 = time.perf_counter()
    tagger = _tagger(taxonomy)
    tags = tag_passages(frame, taxonomy, tagger)
    frame = frame.assign(themes=themes_column(frame, tags, taxonomy))
    t2 = time.perf_counter()
    asks, commitments = extract(frame.drop(columns="_norm_hash"), tagger)
    found = set(asks["passage_id"]) if len(asks) else set()
    found |= set(commitments["passage_id"]) if len(commitments) else set()
    t3 = time.perf_counter()
    at, keys = band_keys_many(frame["text"].tolist())
    t4 = time.perf_counter()
    doc_frame = pd.DataFrame(docs, columns=[c for c in names("documents") if c != "ingested_at"])
    ids = pa.array(frame["passage_id"].tolist(), pa.string())
    bands = pa.table({"passage_id": ids.take(pa.array(at)), "key": pa.array(keys, pa.int64())})
    return BatchResult(
        documents=to_arrow(doc_frame),
        passages=to_arrow(frame),
        tags=to_arrow(tags),
        bands=bands,
        ask_passages=sorted(found),
        failed=failed,
        seconds={"parse": t1 - t0, "tag": t2 - t1, "asks": t3 - t2, "minhash": t4 - t3, "passages": float(len(frame))},
    )


def document_row(doc, digest: str) -> dict:
    """The documents table's row for a parsed document (its duplicate count is filled after de-duplication)."""
    dated = [p.date for p in doc.passages if p.date]
    venues = {p.venue for p in doc.passages}
    return {
        "document": doc.document,
        "path": doc.path,
        "content_hash": digest,
        "layout": doc.layout,
        "title": doc.title,
        "date": min(dated) if dated else "",
        "venue": venues.pop() if len(venues) == 1 else "",
        "url": doc.url,
        "passages": len(doc.passages),
        "duplicates": 0,
        "undated": sum(1 for p in doc.passages if not p.date),
        "no_speaker": sum(1 for p in doc.passages if not p.speaker),
        "flags": "; ".join(doc.flags),
    }


def tag_chunk(part, taxonomy) -> tuple[pa.Table, pa.Table]:
    """Tag a chunk of stored passages (an Arrow table or DataFrame of passage_id, document, section_index,
    section_title, text and their stored themes; whole documents): its tags, the new themes of the passages whose
    themes change (passage_id, themes as a list), as Arrow tables (what a worker runs when a store is re-tagged). The tags are built as Arrow columns, in no particular order."""
    from .tagging import TAG_COLUMNS
    from .tagging.tagger import tag_columns_of, themes_at

    if isinstance(part, pa.Table):
        part = part.to_pandas()
    cols, idx = tag_columns_of(part, _tagger(taxonomy))
    ids = pa.array(part["passage_id"].tolist(), pa.string())
    types = {"start": pa.int64(), "end": pa.int64(), "score": pa.float64()}
    tags = pa.table(
        {
            c: ids.take(pa.array(idx)) if c == "passage_id" else pa.array(cols[c], types.get(c, pa.string()))
            for c in TAG_COLUMNS
        }
    )
    themes = themes_at(len(part), idx, cols["theme"], taxonomy)
    old = [";".join(t) if t is not None else "" for t in part["themes"].tolist()]
    changed = [k for k, (a, b) in enumerate(zip(old, themes)) if a != b]
    new = pa.table(
        {
            "passage_id": ids.take(pa.array(changed, pa.int64())),
            "themes": pa.array([themes[k].split(";") if themes[k] else [] for k in changed], pa.list_(pa.string())),
        }
    )
    return tags, new


# ---- engines --------------------------------------------------------------------------------------------
class LocalEngine:
    """Batches in this process (``workers=1``) or in a pool of ``workers`` processes."""

    name = "local"

    def __init__(self, workers: int | None = None, window: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.window = window or 2 * self.workers

    def map(self, fn: Callable, jobs: Iterable, *args) -> Iterator:
        """``fn(job, *args)`` for each job, results in job order, at most ``window`` jobs in flight."""
        jobs = iter(jobs)
        first = next(jobs, None)
        if first is None:
            return
        second = next(jobs, None)
        if self.workers == 1 or second is None:  # one batch: a pool would only add its start-up
            yield fn(first, *args)
            if second is not None:
                yield fn(second, *args)
                for job in jobs:
                    yield fn(job, *args)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        def chain():
            yield first
            yield second
            yield from jobs

        with ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            pending: deque = deque()
            try:
                for job in chain():
                    pending.append(pool.submit(fn, job, *args))
                    if len(pending) >= self.window:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            except BaseException:
                for f in pending:
                    f.cancel()
                raise

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return f"local engine, {self.workers} process{'es' if self.workers > 1 else ''}"


class DaskEngine:
    """Batches on a ``dask.distributed`` cluster: ``scheduler`` = its address, else a LocalCluster of ``workers``."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, window: int | None = None):
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise EngineError(
                    f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with "
                    "'dask scheduler' and workers with 'dask worker ADDRESS'"
                ) from None
        else:
            self.cluster = LocalCluster(
                n_workers=workers or 2, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self.cluster)
        n = len(self.client.scheduler_info().get("workers", {})) or (workers or 1)
        self.window = window or 2 * n

    def map(self, fn: Callable, jobs: Iterable, *args) -> Iterator:
        shared = [self.client.scatter(a, broadcast=True) for a in args]  # the taxonomy is sent once per worker
        pending: deque = deque()
        try:
            for job in jobs:
                data = self.client.scatter([job])[0]  # the batch's bytes travel as data, not in the task graph
                pending.append(self.client.submit(fn, data, *shared, pure=False))
                if len(pending) >= self.window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def describe(self) -> str:
        n = len(self.client.scheduler_info().get("workers", {}))
        return f"dask engine, {n} worker{'s' if n != 1 else ''} at {self.client.scheduler.address}"


class EngineError(RuntimeError):
    """An engine that cannot be started, with the reason in words."""


def make_engine(name: str = "local", workers: int | None = None, scheduler: str | None = None):
    """The engine the CLI's --engine / --workers / --scheduler ask for."""
    if name == "local":
        if scheduler:
            raise EngineError("--scheduler is for --engine dask")
        return LocalEngine(workers)
    if name == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise EngineError("--engine dask needs dask.distributed: pip install 'dask[distributed]'") from None
        return DaskEngine(scheduler=scheduler, workers=workers)
    raise EngineError(f"unknown engine '{name}' (local or dask)")
