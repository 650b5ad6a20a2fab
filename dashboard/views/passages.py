"""Passage explorer: the store's full-text search plus the sidebar filters, highlighted evidence, section context.

Only the page shown is read whole from the store (text included); the filters and the order work on the text-less
frame, so a million passages page as fast as a few hundred."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.store.search import QueryError
from core.summary import FilterState, plural
from dashboard.data import mask, search_ids
from dashboard.text import md_escape
from dashboard.views.common import caption, cards, download, pager, passage_csv, show_html, table

SEARCH_HELP = (
    'Words (all must appear; "inspect" also finds "inspected"), "a phrase", OR, NOT, AND, prefix* and '
    'brackets: e.g. "county lines" AND Ofsted NOT London'
)
#: rows of the table a page shows
TABLE_ROWS = 100


def newest_first(df):
    """Newest first (undated last), then by document and line."""
    return df.sort_values(["date_end", "document", "line"], ascending=[False, True, True], na_position="last")


def newest_first_ids(frame: pd.DataFrame, rows) -> np.ndarray:
    """The ids of the rows where the mask ``rows`` holds, in ``newest_first``'s order, by numpy's (stable) lexsort on
    the dates' integers, the documents' category codes and the lines, without copying the rows (pandas sorting a
    copy of the matching rows took 4 s for 5 M of 10 M passages; this, about 1 s)."""
    doc = frame["document"]
    if not (isinstance(doc.dtype, pd.CategoricalDtype) and doc.cat.categories.is_monotonic_increasing):
        return newest_first(frame[np.asarray(rows, dtype=bool)])["passage_id"].to_numpy()
    pos = np.flatnonzero(np.asarray(rows, dtype=bool))
    end = frame["date_end"].to_numpy()[pos].view("i8")
    newest_key = np.where(end == np.iinfo("i8").min, np.iinfo("i8").max, -end)  # newest first, undated (NaT) last
    order = np.lexsort((frame["line"].to_numpy()[pos], doc.cat.codes.to_numpy()[pos], newest_key))
    return np.asarray(frame["passage_id"].array.take(pos[order]))


@st.cache_resource(show_spinner=False, max_entries=4)
def _newest(store: str, version: int, state_key: str, _data, _state) -> np.ndarray:
    return newest_first_ids(_data.passages, mask(_data, _state))


def newest(data, state: FilterState) -> np.ndarray:
    """The ids of the passages matching the filters, newest first: sorted once per filter state (turning pages
    does not sort a million rows again)."""
    return _newest(data.store, data.version, repr(state), data, state)


def render(data, state: FilterState) -> None:
    st.title("Passages")
    if state.query:
        try:
            search_ids(data.store, data.version, state.query)
        except QueryError as exc:  # nothing to look for: no passages, and why
            st.error(md_escape(f"{exc}. {SEARCH_HELP}"))
    ids = newest(data, state)
    caption(state, len(ids), data.labels)
    if state.query:
        st.caption(md_escape(f"Search: {SEARCH_HELP}"))
    rows_table(data, ids)
    download(
        passage_csv(data, ids),
        "passages",
        state,
        "dl_passages",
        "Download filtered passages (CSV)",
        data.labels,
        "passages",
        n=len(ids),
    )
    st.subheader("Read with highlights")
    highlights(data, ids, state)


@st.fragment
def rows_table(data, ids: np.ndarray) -> None:
    """A page of the table: turning it reruns this part only."""
    start = pager(len(ids), "pa_rows", "rows", per_page=TABLE_ROWS)
    page = data.rows(ids[start : start + TABLE_ROWS])
    table(
        page,
        "passages",
        "pa_table",
        first=("text", "date", "title", "venue", "speaker", "section_title", "url", "themes"),
        hide=(
            "passage_id",
            "document",
            "layout",
            "section_path",
            "date_precision",
            "house",
            "speaker_id",
            "speaker_basis",
            "source_id",
            "responds_to",
            "line",
            "section_index",
            "duplicate_of",
            "quality_flags",
            "date_start",
            "date_end",
            "year",
            "speaker_detail",
        ),
    )
    if len(ids) > len(page):
        st.caption(f"Rows {start + 1:,}–{start + len(page):,} of {plural(len(ids), 'passages')}; the CSV has them all.")


@st.fragment
def highlights(data, ids: np.ndarray, state: FilterState) -> None:
    """Cards a page at a time: turning it reruns this part only."""
    cards(data, ids, themes=state.themes, query=state.query, key="pa_page", param="page")
    if len(ids):
        context(data, ids)


#: passages shown either side of the chosen one in its section
AROUND = 5


@st.fragment
def context(data, ids) -> None:
    """The chosen passage among its neighbours in its section (up to ``AROUND`` either side), as one block."""
    pid = st.selectbox("Show the section around a passage", ids[:200].tolist(), key="pa_ctx")
    row = data.rows([pid]).iloc[0]
    sec = data.section(row["document"], row["section_index"])
    at = int(np.flatnonzero(sec["passage_id"].to_numpy() == pid)[0]) if pid in set(sec["passage_id"]) else 0
    lo, hi = max(0, at - AROUND), min(len(sec), at + AROUND + 1)
    with st.expander(
        f"Section: {md_escape(row['section_title'] or '(untitled)')} — {plural(len(sec), 'passages')}", expanded=False
    ):
        if hi - lo < len(sec):
            st.caption(f"Passages {lo + 1}–{hi} of {len(sec)} in this section, around the one chosen.")
        paras = []
        for r in sec.iloc[lo:hi].itertuples(index=False):
            text = md_escape(r.text)
            who = md_escape(r.speaker or "speaker unknown")
            body = f"<b>{text}</b>" if r.passage_id == pid else text
            paras.append(f"<p><span style='color:#555;font-size:0.8em'>{who}</span><br>{body}</p>")
        show_html("".join(paras))
