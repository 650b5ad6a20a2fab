"""Campaign Tracker dashboard: navigation, the sidebar filters (mirrored in the URL) and the views.

Run from the project folder:  streamlit run dashboard/app.py
"""

from __future__ import annotations

import importlib
from datetime import date

import pandas as pd
import streamlit as st

from core.pipeline import STORE_ENV
from core.store import StoreError
from core.summary import FilterState, describe, undated_left_out
from core.workspace import default_workspace
from dashboard.data import SAVED_TAXONOMY, load
from dashboard.pickers import picker
from dashboard.state import from_query, publish_filters
from dashboard.text import md_escape

st.set_page_config(page_title="Campaign Tracker", page_icon=":material/push_pin:", layout="wide")

#: The views, in the navigation's order: (module in dashboard/views/, title, icon, address; the first is the home
#: page). A view is a module with ``render(data, state)``: adding one is that file and a line here.
VIEWS = [
    ("overview", "Overview", ":material/bar_chart:", ""),
    ("themes", "Themes", ":material/label:", "themes"),
    ("asks", "Asks", ":material/campaign:", "asks"),
    ("review", "Review", ":material/fact_check:", "review"),
    ("passages", "Passages", ":material/article:", "passages"),
    ("sources", "Sources", ":material/folder_open:", "sources"),
    ("taxonomy", "Taxonomy", ":material/category:", "taxonomy"),
    ("briefing", "Briefing", ":material/summarize:", "briefing"),  # briefings as PDF and Word
    ("milestones", "Milestones", ":material/flag:", "milestones"),  # campaign milestones on every timeline
]


def _page(data, state, module: str, title: str, icon: str, address: str) -> st.Page:
    view = importlib.import_module(f"dashboard.views.{module}")
    where = {"url_path": address} if address else {"default": True}
    return st.Page(lambda: view.render(data, state), title=title, icon=icon, **where)


def _values(column: pd.Series) -> set[str]:
    """The distinct values of a column (a categorical's categories in use, without reading a million rows)."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # the store's frame: only values present are categories
        return set(column.cat.categories)
    return set(column.unique())


def sidebar(data) -> FilterState:
    p = data.passages
    allowed = {
        "themes": set(data.theme_ids),
        "venues": _values(p["venue"]) - {""},
        "speakers": _values(p["speaker"]) - {""},
        "documents": _values(p["document"]),
    }
    if "f_init" not in st.session_state:  # first run of this session: the URL sets the filters
        q = from_query(st.query_params, allowed)
        st.session_state.update(
            f_init=True,
            f_themes=list(q.themes),
            f_venues=list(q.venues),
            f_speakers=list(q.speakers),
            f_docs=list(q.documents),
            f_undated=bool(q.include_undated),
            f_query=q.query,
            f_from=q.date_from,
            f_to=q.date_to,
        )
    first, last = data.date_range
    lo = first.date() if pd.notna(first) else date(2000, 1, 1)
    hi = last.date() if pd.notna(last) else date.today()
    sb = st.sidebar
    sb.header("Filters")
    sel_themes = sb.multiselect("Themes", data.theme_ids, format_func=lambda t: data.labels.get(t, t), key="f_themes")
    start = st.session_state.get("f_from") or lo
    end = st.session_state.get("f_to") or hi
    rng = sb.date_input(
        "Date range",
        value=(max(lo, min(start, hi)), min(hi, max(end, lo))),
        min_value=lo,
        max_value=hi,
        key="f_dates",
        format="YYYY-MM-DD",
    )
    d_from, d_to = (rng[0], rng[1]) if isinstance(rng, (tuple, list)) and len(rng) == 2 else (lo, hi)
    has_range = (d_from, d_to) != (lo, hi)
    undated = sb.checkbox(
        "Include undated passages",
        key="f_undated",
        disabled=not has_range,
        help="A date range leaves out passages with no date unless this is ticked; with no range "
        "they are counted (and shown as undated)",
    )
    venues = sb.multiselect("Venues", sorted(allowed["venues"]), key="f_venues")
    speakers = picker(sb, "Speakers", list(allowed["speakers"]), {}, key="f_speakers")
    docs = picker(sb, "Documents", list(allowed["documents"]), data.document_labels, key="f_docs")
    query = sb.text_input("Search text", key="f_query")
    state = FilterState(
        themes=tuple(sel_themes),
        venues=tuple(venues),
        speakers=tuple(speakers),
        documents=tuple(docs),
        date_from=d_from if d_from != lo else None,
        date_to=d_to if d_to != hi else None,
        include_undated=True if undated and has_range else None,
        query=query.strip(),
    )
    st.session_state["f_from"], st.session_state["f_to"] = state.date_from, state.date_to
    left = undated_left_out(data.agg, state.with_(query="")) if has_range and not undated else 0
    if left:
        sb.caption(f"+{left:,} undated, not placed in this range")
    publish_filters(state)
    sb.caption(
        md_escape(describe(state, 0, data.labels).split(" · ", 1)[-1])
        if state != FilterState()
        else "No filters: everything"
    )
    sb.caption("The address bar holds these filters: copy it to share this view.")
    return state


def main() -> None:
    try:
        data = load(default_workspace())
    except StoreError as exc:  # $CAMPAIGN_TRACKER_STORE names a file that is not a store (or one too new or old)
        st.error(md_escape(f"{exc} (set by ${STORE_ENV})"))
        st.stop()
    for err in data.errors:  # a broken saved taxonomy: said on every page; the Sources view has the reset
        if err.path == SAVED_TAXONOMY:
            st.sidebar.error(md_escape(f"{err} (Sources: load a corrected taxonomy, or go back to the default)"))
    state = sidebar(data)
    pages = [_page(data, state, *view) for view in VIEWS]
    st.navigation(pages).run()


main()
