"""Passage explorer: full-text search plus the sidebar filters, highlighted evidence, section context."""
from __future__ import annotations

import streamlit as st

from core.model import COLUMNS, FIELDS
from core.summary import FilterState, apply_filters
from dashboard.text import md_escape
from dashboard.views.common import caption, cards, download, show_html


def render(data, state: FilterState) -> None:
    st.title("Passages")
    df = apply_filters(data.passages, state).sort_values(["date_start", "document", "line"], na_position="last")
    caption(state, len(df), data.labels)
    cols = [c for c in COLUMNS if c != "quality_flags"]
    table = df[cols].astype({c: str for c in ("venue", "speaker", "document")})  # categorical '' shows as None
    st.dataframe(table, hide_index=True, key="pa_table",
                 column_config={c: st.column_config.Column(FIELDS[c][1], help=FIELDS[c][2]) for c in cols})
    download(df[COLUMNS].astype({c: str for c in ("venue", "speaker", "document")}), "passages", state, "dl_passages",
             "Download filtered passages (CSV)")
    st.subheader("Read with highlights")
    cards(data, df, themes=state.themes, query=state.query)
    if len(df):
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
