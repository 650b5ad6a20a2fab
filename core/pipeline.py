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
from .sources import load_documents
from .model import Document, IngestError, Passage, to_frame

DEFAULT_SOURCES = [Path(__file__).resolve().parent.parent / "seeds"]


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

    def documents_frame(self) -> pd.DataFrame:
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
