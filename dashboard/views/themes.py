"""One theme: its timeline, venues, speakers, what matched it, asks, and its passages with the evidence
highlighted (all of them, or those one piece of evidence matched)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.summary import (THEME_PREFIX, FilterState, apply_filters, evidence_breakdown, evidence_passages,
                          theme_summary, theme_timeline)
from dashboard import charts
from dashboard.text import md_escape
from dashboard.views.common import caption, cards, download


def render(data, state: FilterState) -> None:
    st.title("Themes")
    options = list(state.themes) or data.theme_ids
    theme = st.selectbox("Theme", options, format_func=lambda t: data.labels.get(t, t), key="th_theme")
    t = data.taxonomy.theme(theme)
    st.caption(md_escape(t.description))
    df = apply_filters(data.passages, state)
    df = df[df[THEME_PREFIX + theme]]
    caption(state.with_(themes=(theme,)), len(df), data.labels)
    counts, undated = theme_timeline(df, [theme], "quarter")
    if len(counts):
        st.plotly_chart(charts.timeline(counts, data.labels, "quarter"), key="th_timeline")
    if undated.get(theme):
        st.caption(f"{undated[theme]} undated passage(s) on this theme are counted but not placed on the timeline.")
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(charts.counts_bar(df["venue"].astype(str).replace("", "(unknown)").value_counts(), "Venues"), key="th_venues")
    with c2:
        st.plotly_chart(charts.counts_bar(df["speaker"].astype(str).replace("", "(unknown)").value_counts(), "Speakers"), key="th_speakers")
    st.subheader("What matched")
    evidence = evidence_breakdown(data.corpus.tags, df["passage_id"], theme)
    st.caption("Each phrase, near-miss, context rule or section cue that tagged these passages, with the passages it "
               "tagged (a passage tagged by two counts in both). Choose one below to list just its passages.")
    st.dataframe(evidence, hide_index=True, key="th_evidence")
    with st.expander("How this theme is recognised (the taxonomy in use)"):
        st.dataframe(pd.DataFrame(t.definition(data.taxonomy.section_share)), hide_index=True, key="th_definition")
    summary = theme_summary(data.corpus, state.with_(themes=(theme,)), passages=data.passages)
    download(summary, "theme_summary", state.with_(themes=(theme,)), "dl_theme_one", "Download this theme's summary (CSV)")
    st.subheader("Asks on this theme")
    asks = apply_filters(data.asks, state.with_(themes=(theme,))) if len(data.asks) else data.asks
    if len(asks):
        st.dataframe(asks[["date", "venue", "speaker", "ask_group_label", "text", "response_status"]],
                     hide_index=True, key="th_asks")
    else:
        st.caption("No asks on this theme match the filters.")
    st.subheader("Passages, with the words that matched")
    pick = st.selectbox("Matched by", ["any evidence", *evidence["evidence"]], key="th_pick")
    if pick != "any evidence":
        df = df[df["passage_id"].isin(evidence_passages(data.corpus.tags, theme, pick))]
        st.caption(f"{len(df)} passages matched by {md_escape(pick)}")
    cards(data, df.sort_values("date_start", na_position="last"), themes=(theme,))
