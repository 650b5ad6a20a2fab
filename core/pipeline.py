"""Source files -> every table the product shows. Each stage is a plain function of the previous one.

    load_documents -> passages -> mark_duplicates -> tag_passages -> extract_asks -> Corpus

The dashboard and the CLI both call :func:`build_corpus`; nothing they count is computed elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .dedup import mark_duplicates
from .sources import iter_files, load_documents, parse_bytes
from .model import Document, IngestError, Passage, failures, to_frame

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

    def documents_frame(self) -> pd.DataFrame:
        if self.documents_table is not None:
            return self.documents_table
        rows = []
        for d in self.documents:
            n_dup = sum(1 for p in d.passages if p.duplicate_of)
            rows.append({
                "document": d.document, "layout": d.layout, "title": d.title, "passages": len(d.passages),
                "duplicates": n_dup, "undated": sum(1 for p in d.passages if not p.date),
                "no_speaker": sum(1 for p in d.passages if not p.speaker),
                "flags": "; ".join(d.flags),
            })
        return pd.DataFrame(rows, columns=["document", "layout", "title", "passages", "duplicates", "undated",
                                           "no_speaker", "flags"])


def passages_from(documents: list[Document]) -> list[Passage]:
    return [p for d in documents for p in d.passages]


def build_corpus(sources: Iterable[Path | str] | None = None, *, taxonomy=None, documents: list[Document] | None = None,
                 progress: Callable[[int, int, str], None] | None = None) -> Corpus:
    """Ingest ``sources`` (default: the seeds), de-duplicate, tag themes and extract asks."""
    errors: list[IngestError] = []
    if documents is None:
        documents, errors = load_documents(list(sources or DEFAULT_SOURCES), progress=progress)
    passages = passages_from(documents)
    duplicates = mark_duplicates(passages)
    corpus = Corpus(documents=documents, passages=to_frame(passages), errors=errors, duplicates=duplicates)
    return enrich(corpus, taxonomy)


def enrich(corpus: Corpus, taxonomy=None) -> Corpus:
    """Tagging and ask stages, kept separate from ingest so they can re-run alone (e.g. a new taxonomy)."""
    from .asks import build_asks
    from .tagging import tag_passages, tagger_for
    from .taxonomy import default_taxonomy
    corpus.taxonomy = taxonomy or default_taxonomy()
    tagger = tagger_for(corpus.taxonomy)  # raises TaxonomyError for a phrase the matcher cannot take
    corpus.tags = tag_passages(corpus.passages, corpus.taxonomy, tagger)
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


def _reset_carry_over(p: Passage) -> Passage:
    """An existing passage as it was read, before de-duplication marked it (so it can be redone)."""
    if p.speaker_basis.startswith("duplicate of"):
        p.speaker = p.speaker_detail = p.speaker_basis = ""
    p.duplicate_of = ""
    p.quality_flags = ";".join(f for f in p.quality_flags.split(";") if f and f != "duplicate")
    return p


def _documents_row(doc: Document, digest: str, when) -> dict:
    dated = [p.date for p in doc.passages if p.date]
    venues = {p.venue for p in doc.passages}
    return {"document": doc.document, "path": doc.path, "content_hash": digest, "layout": doc.layout,
            "title": doc.title, "date": min(dated) if dated else "", "venue": venues.pop() if len(venues) == 1 else "",
            "url": doc.url, "passages": len(doc.passages), "duplicates": 0,
            "undated": sum(1 for p in doc.passages if not p.date),
            "no_speaker": sum(1 for p in doc.passages if not p.speaker), "flags": "; ".join(doc.flags),
            "ingested_at": when}


def ingest(store, sources: Iterable[Path | str], *, taxonomy=None, remove: Iterable[str] = (),
           progress: Callable[[int, int, str], None] | None = None):
    """Bring ``store`` up to date with ``sources``: unchanged documents (same content hash) are skipped, new and
    changed ones are read, de-duplicated against the passages of the sitting days they touch, tagged, and written
    with every table that depends on them in one transaction. A taxonomy whose digest differs from the store's
    re-tags the stored text (no source is read again). Returns (Counts, errors)."""
    from .asks import build_asks
    from .store.db import Counts, apply_change, content_hash, now
    from .tagging import tag_passages, tagger_for
    from .taxonomy import default_taxonomy

    taxonomy = taxonomy or default_taxonomy()
    errors: list[IngestError] = []
    superseded: list[Path] = []
    files = iter_files(list(sources), errors, superseded) if sources else []
    counts = Counts(failed=len(failures(errors)))
    known = store.hashes()
    by_hash = {h: d for d, h in known.items()}
    # an earlier version of a day that a later one replaces is taken out of the store
    remove = list(remove) + [p.stem for p in superseded if p.stem in known]
    seen: dict[str, str] = {}
    parsed: list[tuple[Document, str]] = []
    for n, path in enumerate(files):
        if progress:
            progress(n, len(files), path.name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            errors.append(IngestError(str(path), f"cannot be read ({exc.strerror})"))
            counts.failed += 1
            continue
        doc_id = path.stem
        if doc_id in seen:
            errors.append(IngestError(str(path), f"document id '{doc_id}' already used by {seen[doc_id]}"))
            counts.failed += 1
            continue
        seen[doc_id] = str(path)
        digest = content_hash(data)
        if known.get(doc_id) == digest:
            counts.unchanged += 1
            continue
        twin = by_hash.get(digest)
        if twin is not None and twin != doc_id and twin not in remove:
            errors.append(IngestError(str(path), f"not read: the same content as document '{twin}', which is already "
                                      "read (counted once)", notice=True))
            if doc_id in known:  # its earlier, different content is out of date
                remove.append(doc_id)
            continue
        by_hash[digest] = doc_id
        try:
            doc = parse_bytes(data, str(path), doc_id)
        except (ValueError, OSError) as exc:
            errors.append(IngestError(str(path), str(exc)))
            counts.failed += 1
            continue
        parsed.append((doc, digest))
        if doc_id in known:
            counts.changed += 1
        else:
            counts.new += 1
    if progress:
        progress(len(files), len(files), "")
    gone = [d for d in remove if d in known]
    counts.removed = len(gone)
    retag_needed = store.meta("taxonomy_digest") != taxonomy.digest and bool(known)
    if not parsed and not gone and not retag_needed:
        if store.meta("taxonomy_digest") != taxonomy.digest:  # an empty store: record the taxonomy
            with store.transaction():
                store._set("taxonomy_digest", taxonomy.digest)
        return counts, errors

    tagger = tagger_for(taxonomy)
    new_passages = [p for d, _ in parsed for p in d.passages]
    replaced = [d.document for d, _ in parsed if d.document in known] + gone
    # the sitting days and exact texts this change touches: only their passages are de-duplicated again
    old = store.frame("passages", "document IN (SELECT unnest(?))", [replaced]) if replaced else None
    hashes_new = [_norm_hash(p.text) for p in new_passages]
    dates = {p.date for p in new_passages if p.date_precision == "day"}
    touched_hashes = set(hashes_new)
    if old is not None and len(old):
        dates |= set(old.loc[old["date_precision"] == "day", "date"])
        touched_hashes |= {_norm_hash(t) for t in old["text"]}
    out = replaced + [d.document for d, _ in parsed]
    near = store.frame("passages", "document NOT IN (SELECT unnest(?)) AND (date IN (SELECT unnest(?)) OR "
                       "_norm_hash IN (SELECT unnest(?)))", [out or [""], sorted(dates) or [""],
                                                             sorted(touched_hashes) or [""]])
    existing = [_reset_carry_over(Passage(**r)) for r in near.to_dict("records")]
    mark_duplicates(new_passages + existing)
    dup_rows = to_frame(existing)

    frame = to_frame(new_passages)
    frame["_norm_hash"] = hashes_new
    tags = tag_passages(frame, taxonomy, tagger)
    when = now()
    docs = pd.DataFrame([_documents_row(d, h, when) for d, h in parsed], columns=None)
    if len(docs):
        dup_count = frame.groupby("document")["duplicate_of"].apply(lambda s: int((s != "").sum()))
        docs["duplicates"] = docs["document"].map(dup_count).fillna(0).astype(int)
    else:
        from .schema import names
        docs = pd.DataFrame(columns=names("documents"))
    counts.passages_added = len(frame)

    retag = None
    rest = store.frame("passages", "document NOT IN (SELECT unnest(?))", [out or [""]])
    if len(dup_rows):
        upd = dup_rows.set_index("passage_id")
        idx = rest["passage_id"].isin(upd.index)
        for c in ("duplicate_of", "speaker", "speaker_detail", "speaker_basis", "quality_flags"):
            rest.loc[idx, c] = rest.loc[idx, "passage_id"].map(upd[c])
    if retag_needed and len(rest):  # tag_passages also sets rest["themes"], which the asks below read
        retag = (tag_passages(rest, taxonomy, tagger), rest)
    full = pd.concat([rest, frame.drop(columns="_norm_hash")], ignore_index=True)
    asks, commitments = build_asks(full, taxonomy, tagger)
    apply_change(store, gone=gone, docs=docs, passages=frame, tags=tags, duplicates=dup_rows, asks=asks,
                 commitments=commitments, digest=taxonomy.digest, retag=retag)
    return counts, errors


def corpus_from_store(store, taxonomy=None) -> Corpus:
    """The store's tables as a Corpus (for the summaries and exports that take one)."""
    from .taxonomy import default_taxonomy
    docs = store.frame("documents")
    documents = [Document(document=r["document"], path=r["path"], layout=r["layout"], title=r["title"],
                          flags=[f for f in r["flags"].split("; ") if f], url=r["url"]) for r in docs.to_dict("records")]
    passages = store.frame("passages")
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
    return Corpus(documents=documents, passages=passages, tags=store.frame("tags"), asks=asks,
                  commitments=store.frame("commitments"), taxonomy=taxonomy or default_taxonomy(),
                  duplicates=[(a, b, 0.0) for a, b in zip(passages["passage_id"], passages["duplicate_of"]) if b],
                  documents_table=table)
