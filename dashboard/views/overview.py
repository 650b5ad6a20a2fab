"""Overview: headline numbers, theme timeline, themes x venues, what is new since a date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from core.summary import (
    THEME_PREFIX,
    FilterState,
    continuous,
    date_extreme,
    headline,
    new_since,
    theme_summary,
    theme_timeline,
    theme_venue_matrix,
)
from dashboard import charts
from dashboard.data import filtered, frame_counts, mask
from dashboard.state import bind, publish
from dashboard.views.common import caption, download, table
from dashboard.views.milestones import milestones_for

FREQS = ["month", "quarter", "year"]
#: the columns the Overview's counts read (with the theme columns)
COUNTED = ["document", "date", "date_start", "date_end", "year", "_prec", "_m", "venue"]


@st.cache_resource(show_spinner=False, max_entries=32)
def _summary(store: str, version: int, labels: tuple, state_key: str, _data, _state, _counts) -> pd.DataFrame:
    """The theme summary of a filter state, worked out once per store version (going back to a filter, or another
    session asking for it, finds it ready): by ``core.counts`` when it can, else on the rows."""
    held = _counts.fc.theme_summary(_data.taxonomy, _state) if _counts.fc is not None else None
    if held is not None:
        return held
    return theme_summary(_data.corpus, _state, passages=_data.agg, mask=pd.Series(_counts.rows, index=_data.agg.index))


class Counts:
    """The Overview's counts of the passages matching the filters: by ``core.counts.FrameCounts`` over the store's
    frame (no row copied), else on a copy of the matching rows' counted columns."""

    def __init__(self, data, m: pd.Series):
        self.data, self.rows, fc = data, np.asarray(m, dtype=bool), frame_counts(data)
        self.cols = COUNTED + [c for c in data.agg.columns if str(c).startswith(THEME_PREFIX)]
        self.fc = self.df = None
        if fc is not None:
            self.fc = fc.tally(self.rows)
        else:
            self.df = data.agg[self.cols] if self.rows.all() else data.agg.loc[self.rows, self.cols]

    def headline(self):
        return self.fc.headline(self.data.corpus) if self.fc else headline(self.data.corpus, self.df)

    def timeline(self, themes, freq):
        return self.fc.timeline(themes, freq) if self.fc else theme_timeline(self.df, themes, freq)

    def matrix(self, themes):
        return self.fc.venue_matrix(themes) if self.fc else theme_venue_matrix(self.df, themes)

    def latest(self):
        return self.fc.latest_end() if self.fc else date_extreme(self.df["date_end"], last=True)

    def since(self, day: date) -> pd.DataFrame:
        """The matching rows dated on or after ``day`` (at their precision): few, so copied."""
        if self.fc is None:
            return self.df
        return self.data.agg.iloc[self.fc.since(day), [self.data.agg.columns.get_loc(c) for c in self.cols]]


def render(data, state: FilterState) -> None:
    st.title("Overview")
    m = mask(data, state)
    counts = Counts(data, m)
    asks = filtered(data, state, data.asks) if len(data.asks) else data.asks
    h = counts.headline()
    caption(state, h.passages, data.labels)
    c = st.columns(4)
    c[0].metric("Documents", h.documents)
    c[1].metric("Passages", h.passages, help="Canonical passages: a speech found in two sources counts once")
    c[2].metric("Themes present", h.themes)
    c[3].metric("Asks", len(asks), help="Ask sentences in canonical passages")
    c = st.columns(4)
    c[0].metric("First date", h.first_date or "–")
    c[1].metric("Last date", h.last_date or "–")
    c[2].metric("Undated passages", h.undated, help="Counted, never placed on an invented date")
    st.caption(
        "Every count here is of canonical passages matching the filters: the Passages view lists them, "
        "with the words that matched (the filters carry over)."
    )
    themes = list(state.themes) or data.theme_ids
    timeline(data, counts, themes)
    matrix = counts.matrix(themes)
    if len(matrix) and matrix.values.sum():
        st.plotly_chart(charts.heatmap(matrix[matrix.sum(axis=1) > 0], data.labels), key="ov_heatmap")
    st.subheader("Theme summary")
    summary = _summary(data.store, data.version, tuple(data.labels.items()), repr(state), data, state, counts)
    table(
        summary,
        "theme_summary",
        "ov_summary",
        first=("label", "passages", "documents", "first_date", "last_date"),
        hide=("id",),
    )
    download(summary, "theme_summary", state, "dl_theme_summary", "Download theme summary (CSV)", data.labels, "themes")
    new(data, counts, themes)


@st.fragment
def timeline(data, counts: Counts, themes) -> None:
    """The bins radio reruns this part only."""
    bind("ov_freq", "bins", "year", options=FREQS)
    freq = st.radio("Timeline bins", FREQS, horizontal=True, key="ov_freq")
    publish("bins", freq, "year")
    bins, undated = counts.timeline(themes, freq)
    left, right = st.columns([3, 1])
    with left:
        if len(bins):
            st.plotly_chart(
                charts.add_milestones(
                    charts.timeline(continuous(bins, freq), data.labels, freq), milestones_for(data, themes), freq
                ),
                key="ov_timeline",
            )
        else:
            st.info("No dated passages match the filters.")
    with right:
        n_undated = sum(undated.values())
        st.metric("Undated theme mentions", n_undated, help="Counted here, never placed on an invented date")
        if n_undated:
            st.plotly_chart(charts.undated_bar(undated, data.labels), key="ov_undated")


@st.fragment
def new(data, counts: Counts, themes) -> None:
    st.subheader("What is new")
    last = counts.latest()  # undated passages have none
    default = (last.date() if pd.notna(last) else date.today()).replace(day=1)
    bind("ov_since", "since", default)
    since = st.date_input("New since", key="ov_since", format="YYYY-MM-DD")
    publish("since", since, default)
    st.dataframe(new_since(counts.since(since), themes, since, data.labels), hide_index=True, key="ov_new")
