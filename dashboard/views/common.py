"""Small helpers shared by the views (layout only)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.export import to_csv_bytes
from core.summary import FilterState, describe, slug


def caption(state: FilterState, n: int, labels: dict[str, str], noun: str = "passages") -> None:
    st.markdown(f"**{describe(state, n, labels, noun)}**")


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
        st.markdown(passage_card(row, by_pid.get(row["passage_id"], tags.iloc[0:0]), query_spans(row["text"], query)),
                    unsafe_allow_html=True)
    if len(df) > limit:
        st.caption(f"Showing {limit} of {len(df)}; narrow the filters or download the CSV for all.")
