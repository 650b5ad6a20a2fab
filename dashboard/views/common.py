"""Small helpers shared by the views (layout only)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.export import to_csv_bytes
from core.summary import FilterState, describe, slug
from dashboard.text import html_block, md_escape


def caption(state: FilterState, n: int, labels: dict[str, str], noun: str = "passages") -> None:
    """The filters in words (labels, venues, speakers and the search text are the user's or a document's)."""
    st.markdown(f"**{md_escape(describe(state, n, labels, noun))}**")


def show_html(markup: str) -> None:
    """Escaped HTML (document text escaped with md_escape or core.highlight), on one line: see html_block."""
    st.markdown(html_block(markup), unsafe_allow_html=True)


def download(df: pd.DataFrame, what: str, state: FilterState, key: str, label: str) -> None:
    st.download_button(label, data=to_csv_bytes(df), file_name=f"{what}_{slug(state)}.csv", mime="text/csv", key=key)


def query_spans(text: str, query: str) -> list[tuple[int, int, str, str]]:
    """Where the search text occurs (case-insensitive), for highlighting."""
    if not query:
        return []
    low, q, out, i = text.lower(), query.lower(), [], 0
    while (i := low.find(q, i)) >= 0:
        out.append((i, i + len(q), "search", f"search: {query}"))
        i += len(q)
    return out


def cards(data, df: pd.DataFrame, limit: int = 25, themes: tuple[str, ...] = (), query: str = "") -> None:
    from dashboard.cards import passage_card
    tags = data.corpus.tags
    shown = df.head(limit)
    if themes:
        tags = tags[tags["theme"].isin(themes)]
    by_pid = {pid: g for pid, g in tags[tags["passage_id"].isin(shown["passage_id"])].groupby("passage_id")}
    for _, row in shown.iterrows():
        show_html(passage_card(row, by_pid.get(row["passage_id"], tags.iloc[0:0]), query_spans(row["text"], query)))
    if len(df) > limit:
        st.caption(f"Showing {limit} of {len(df)}; narrow the filters or download the CSV for all.")
