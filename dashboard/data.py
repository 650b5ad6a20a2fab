"""The one cached loader: seeds + uploaded documents + taxonomy -> everything the views show."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.asks import ask_summary
from core.sources import load_documents, parse_bytes
from core.model import IngestError
from core.pipeline import DEFAULT_SOURCES, Corpus, build_corpus
from core.summary import prepare, slim
from core.tagging import compiled_taxonomy
from core.taxonomy import Taxonomy, TaxonomyError, default_taxonomy


@dataclass
class Data:
    corpus: Corpus
    passages: pd.DataFrame       # prepared: date columns + one boolean column per theme
    agg: pd.DataFrame            # the same rows without text, for fast counting
    asks: pd.DataFrame           # prepared the same way
    taxonomy: Taxonomy
    errors: list[IngestError]

    @property
    def labels(self) -> dict[str, str]:
        return self.taxonomy.labels

    @property
    def theme_ids(self) -> list[str]:
        return self.taxonomy.ids


def taxonomy_from(text: str | None) -> Taxonomy:
    return compiled_taxonomy(text, "uploaded taxonomy") if text else default_taxonomy()


@st.cache_data(show_spinner="Reading documents and tagging passages…", max_entries=4)
def load(uploads: tuple[tuple[str, bytes], ...] = (), taxonomy_text: str | None = None) -> Data:
    docs, errors = load_documents(DEFAULT_SOURCES)
    for name, raw in uploads:
        try:
            docs.append(parse_bytes(raw, name))
        except ValueError as exc:  # validated on upload; kept here so a bad file never breaks loading
            errors.append(IngestError(name, str(exc)))
    try:
        tax = taxonomy_from(taxonomy_text)
    except TaxonomyError as exc:  # a stored taxonomy that no longer validates: say so, use the default
        errors.append(IngestError("saved taxonomy", f"{exc} — using the default taxonomy"))
        tax = default_taxonomy()
    corpus = build_corpus(documents=docs, taxonomy=tax)
    corpus.errors = errors
    passages = prepare(corpus.passages, tax.ids)
    asks = prepare(corpus.asks, tax.ids) if len(corpus.asks) else corpus.asks
    return Data(corpus=corpus, passages=passages, agg=slim(passages), asks=asks, taxonomy=tax, errors=errors)


def ledger(data: Data, asks: pd.DataFrame, quiet_days: int) -> pd.DataFrame:
    return ask_summary(data.corpus, quiet_days=quiet_days, asks=asks)
