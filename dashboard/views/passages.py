"""Passage explorer: the store's full-text search plus the sidebar filters, highlighted evidence, section context.

Only the page shown is read whole from the store (text included); the filters and the order work on the text-less
frame, so a million passages page as fast as a few hundred."""
from __future__ import annotations

import streamlit as st

from core.store.search import QueryError
from core.summary import FilterState, plural
from dashboard.data import filtered, search_ids
from dashboard.text import md_escape
from dashboard.views.common import caption, cards, download, pager, passage_csv, show_html, table

SEARCH_HELP = ('Words (all must appear; "inspect" also finds "inspected"), "a phrase", OR, NOT, AND, prefix* and '
               'brackets: e.g. "county lines" AND Ofsted NOT London')
#: rows of the table a page shows
TABLE_ROWS = 100


def newest_first(df):
    """Newest first (undated last), then by document and line."""
    return df.sort_values(["date_end", "document", "line"], ascending=[False, True, True], na_position="last")


def render(data, state: FilterState) -> None:
    st.title("Passages")
    if state.query:
        try:
            search_ids(data.store, data.version, state.query)
        except QueryError as exc:  # nothing to look for: no passages, and why
            st.error(md_escape(f"{exc}. {SEARCH_HELP}"))
    df = newest_first(filtered(data, state))
    caption(state, len(df), data.labels)
    if state.query:
        st.caption(md_escape(f"Search: {SEARCH_HELP}"))
    start = pager(len(df), "pa_rows", "rows", per_page=TABLE_ROWS)
    page = data.rows(df["passage_id"].iloc[start:start + TABLE_ROWS])
    table(page, "passages", "pa_table",
          first=("text", "date", "title", "venue", "speaker", "section_title", "url", "themes"),
          hide=("passage_id", "document", "layout", "section_path", "date_precision", "house", "speaker_id", "speaker_basis",
                "source_id", "responds_to", "line", "section_index", "duplicate_of", "quality_flags", "date_start",
                "date_end", "year", "speaker_detail"))
    if len(df) > len(page):
        st.caption(f"Rows {start + 1:,}–{start + len(page):,} of {plural(len(df), 'passages')}; the CSV has them all.")
    download(passage_csv(data, df["passage_id"]), "passages", state, "dl_passages",
             "Download filtered passages (CSV)", data.labels, "passages", n=len(df))
    st.subheader("Read with highlights")
    cards(data, df, themes=state.themes, query=state.query, key="pa_page", param="page")
    if len(df):
        context(data, df)


@st.fragment
def context(data, df) -> None:
    pid = st.selectbox("Show the section around a passage", df["passage_id"].head(200).tolist(), key="pa_ctx")
    row = data.rows([pid]).iloc[0]
    sec = data.section(row["document"], row["section_index"])
    with st.expander(f"Section: {md_escape(row['section_title'] or '(untitled)')} — {len(sec)} passages",
                     expanded=False):
        for _, r in sec.iterrows():
            text = md_escape(r["text"])
            who = md_escape(r["speaker"] or "speaker unknown")
            body = f"<b>{text}</b>" if r["passage_id"] == pid else text
            show_html(f"<p><span style='color:#555;font-size:0.8em'>{who}</span><br>{body}</p>")
