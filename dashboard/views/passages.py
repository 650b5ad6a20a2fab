"""Passage explorer: the store's full-text search plus the sidebar filters, highlighted evidence, section context."""
from __future__ import annotations

import streamlit as st

from core.model import COLUMNS
from core.store.search import QueryError
from core.summary import FilterState
from dashboard.data import filtered, search_ids
from dashboard.text import md_escape
from dashboard.views.common import caption, cards, download, show_html, table

SEARCH_HELP = ('Words (all must appear; "inspect" also finds "inspected"), "a phrase", OR, NOT, AND, prefix* and '
               'brackets: e.g. "county lines" AND Ofsted NOT London')


def render(data, state: FilterState) -> None:
    st.title("Passages")
    if state.query:
        try:
            search_ids(data.store, data.version, state.query)
        except QueryError as exc:  # nothing to look for: no passages, and why
            st.error(md_escape(f"{exc}. {SEARCH_HELP}"))
    df = filtered(data, state)
    df = df.sort_values(["date_end", "document", "line"], ascending=[False, True, True], na_position="last")
    caption(state, len(df), data.labels)
    if state.query:
        st.caption(md_escape(f"Search: {SEARCH_HELP}"))
    table(df, "passages", "pa_table",
          first=("text", "date", "title", "venue", "speaker", "section_title", "url", "themes"),
          hide=("passage_id", "document", "layout", "section_path", "date_precision", "house", "speaker_id", "speaker_basis",
                "source_id", "responds_to", "line", "section_index", "duplicate_of", "quality_flags", "date_start",
                "date_end", "year", "speaker_detail"))
    download(df[COLUMNS].astype({c: str for c in ("venue", "speaker", "document")}), "passages", state, "dl_passages",
             "Download filtered passages (CSV)", data.labels, "passages")
    st.subheader("Read with highlights")
    cards(data, df, themes=state.themes, query=state.query, key="pa_page", param="page")
    if len(df):
        context(data, df)


@st.fragment
def context(data, df) -> None:
    pid = st.selectbox("Show the section around a passage", df["passage_id"].head(200).tolist(), key="pa_ctx")
    row = data.passages[data.passages["passage_id"] == pid].iloc[0]
    sec = data.passages[(data.passages["document"] == row["document"]) &
                        (data.passages["section_index"] == row["section_index"])].sort_values("line")
    with st.expander(f"Section: {md_escape(row['section_title'] or '(untitled)')} — {len(sec)} passages",
                     expanded=False):
        for _, r in sec.iterrows():
            text = md_escape(r["text"])
            who = md_escape(r["speaker"] or "speaker unknown")
            body = f"<b>{text}</b>" if r["passage_id"] == pid else text
            show_html(f"<p><span style='color:#555;font-size:0.8em'>{who}</span><br>{body}</p>")
