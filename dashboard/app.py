"""Campaign Tracker dashboard: navigation, the sidebar filters (mirrored in the URL) and the views.

Run from the project folder:  streamlit run dashboard/app.py
"""

from __future__ import annotations

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
from dashboard.views import asks, overview, passages, sources, taxonomy, themes
from dashboard.views import briefing, milestones  # briefings (PDF, Word) and campaign milestones
from dashboard.views import review

st.set_page_config(page_title="Campaign Tracker", page_icon=":material/push_pin:", layout="wide")


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
    first, last = p["date_start"].min(), p["date_end"].max()  # undated passages (NaT) are skipped
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
    pages = [
        st.Page(lambda: overview.render(data, state), title="Overview", icon=":material/bar_chart:", default=True),
        st.Page(lambda: themes.render(data, state), title="Themes", icon=":material/label:", url_path="themes"),
        st.Page(lambda: asks.render(data, state), title="Asks", icon=":material/campaign:", url_path="asks"),
        st.Page(lambda: review.render(data, state), title="Review", icon=":material/fact_check:", url_path="review"),
        st.Page(lambda: passages.render(data, state), title="Passages", icon=":material/article:", url_path="passages"),
        st.Page(
            lambda: sources.render(data, state), title="Sources", icon=":material/folder_open:", url_path="sources"
        ),
        st.Page(
            lambda: taxonomy.render(data, state), title="Taxonomy", icon=":material/category:", url_path="taxonomy"
        ),
        st.Page(
            lambda: briefing.render(data, state), title="Briefing", icon=":material/summarize:", url_path="briefing"
        ),
        st.Page(
            lambda: milestones.render(data, state), title="Milestones", icon=":material/flag:", url_path="milestones"
        ),
    ]
    st.navigation(pages).run()


main()
