"""Overview: headline numbers, theme timeline, themes x venues, what is new since a date."""
from __future__ import annotations

from datetime import date

import streamlit as st

from core.summary import FilterState, apply_filters, filter_mask, headline, new_since, theme_summary, theme_timeline, theme_venue_matrix
from dashboard import charts
from dashboard.views.common import caption, download


def render(data, state: FilterState) -> None:
    st.title("Overview")
    mask = filter_mask(data.passages, state)
    df = data.agg if mask.all() else data.agg[mask]
    asks = apply_filters(data.asks, state) if len(data.asks) else data.asks
    caption(state, len(df), data.labels)
    h = headline(data.corpus, df)
    c = st.columns(4)
    c[0].metric("Documents", h.documents)
    c[1].metric("Passages", h.passages, help="Canonical passages: a speech found in two sources counts once")
    c[2].metric("Themes present", h.themes)
    c[3].metric("Asks", len(asks), help="Ask sentences in canonical passages")
    c = st.columns(4)
    c[0].metric("First date", h.first_date or "–")
    c[1].metric("Last date", h.last_date or "–")
    c[2].metric("Undated passages", h.undated, help="Counted, never placed on an invented date")
    st.caption("Every count here is of canonical passages matching the filters: the Passages view lists them, "
               "with the words that matched (the filters carry over).")
    themes = list(state.themes) or data.theme_ids
    freq = st.radio("Timeline bins", ["month", "quarter", "year"], index=2, horizontal=True, key="ov_freq")
    counts, undated = theme_timeline(df, themes, freq)
    left, right = st.columns([3, 1])
    with left:
        if len(counts):
            st.plotly_chart(charts.timeline(counts, data.labels, freq), key="ov_timeline")
        else:
            st.info("No dated passages match the filters.")
    with right:
        n_undated = sum(undated.values())
        st.metric("Undated theme mentions", n_undated, help="Counted here, never placed on an invented date")
        if n_undated:
            st.plotly_chart(charts.undated_bar(undated, data.labels), key="ov_undated")
    matrix = theme_venue_matrix(df, themes)
    if len(matrix) and matrix.values.sum():
        st.plotly_chart(charts.heatmap(matrix[matrix.sum(axis=1) > 0], data.labels), key="ov_heatmap")
    st.subheader("Theme summary")
    summary = theme_summary(data.corpus, state, passages=data.agg, mask=mask)
    st.dataframe(summary, hide_index=True, key="ov_summary")
    download(summary, "theme_summary", state, "dl_theme_summary", "Download theme summary (CSV)")
    st.subheader("What is new")
    dated = df[df["date"] != ""]
    default = (dated["date_end"].max().date() if len(dated) else date.today()).replace(day=1)
    since = st.date_input("New since", value=default, key="ov_since")
    st.dataframe(new_since(df, themes, since, data.labels), hide_index=True, key="ov_new")
