"""The ask ledger: canonical asks, when they were raised, where, by whom, and what the government said."""
from __future__ import annotations

import streamlit as st

from core.asks import named_ask_toml
from core.highlight import highlight_html
from core.tagging import compiled_taxonomy
from core.taxonomy import TaxonomyError
from core.workspace import WorkspaceError, default_workspace
from core.summary import FilterState, apply_filters
from dashboard import charts
from dashboard.data import ledger
from dashboard.text import md_escape
from dashboard.views.common import caption, download, show_html


def render(data, state: FilterState) -> None:
    st.title("Asks")
    if not len(data.asks):
        st.info("No asks found in these documents.")
        return
    asks = apply_filters(data.asks, state)
    quiet = st.number_input("Gone quiet after (days without being raised)", min_value=7, max_value=3650, value=365,
                            step=30, key="ask_quiet")
    led = ledger(data, asks, int(quiet))
    c1, c2 = st.columns(2)
    if c1.checkbox("Only asks that have gone quiet", key="ask_quiet_only"):
        led = led[led["gone_quiet"]]
    if c2.checkbox("Only named asks (hide suggestions)", key="ask_named_only"):
        led = led[led["source"] == "named"]
    caption(state, len(led), data.labels, noun="canonical asks")
    st.dataframe(led.drop(columns=["occurrences"]), hide_index=True, key="ask_ledger",
                 column_config={"gone_quiet": st.column_config.CheckboxColumn("Gone quiet")})
    download(led, "ask_ledger", state, "dl_ask_ledger", "Download ask ledger (CSV)")
    if len(asks):
        canon = asks[asks["duplicate_of"] == ""]
        show_suggested = st.checkbox("Include suggested (unnamed) asks in the timeline", value=False, key="ask_tl_sugg")
        if not show_suggested:
            canon = canon[canon["group_source"] != "suggested"]
        if len(canon):
            st.plotly_chart(charts.ask_timeline(canon), key="ask_timeline")
    name_suggestions(data, asks)
    st.subheader("Drill down")
    labels = dict(zip(led["ask_group"], led["label"]))
    if not labels:
        return
    g = st.selectbox("Ask", list(labels), format_func=lambda k: labels[k], key="ask_pick")
    row = led[led["ask_group"] == g].iloc[0]
    st.markdown(f"**Status:** {md_escape(row['status'])} · raised {row['times_raised']} time(s) · "
                f"first {md_escape(row['first_raised'] or 'undated')} · last {md_escape(row['last_raised'] or 'undated')}")
    occ = asks[(asks["ask_group"] == g) & (asks["duplicate_of"] == "")].sort_values("date_start", na_position="last")
    for _, a in occ.iterrows():
        meta = " · ".join(md_escape(x) for x in [a["date"] or "undated", a["venue"] or "venue unknown",
                                                  a["speaker"] or "speaker unknown", a["passage_id"]])
        body = highlight_html(a["text"], [(0, len(a["text"]), "ask", f"cue: {a['cue_reason']}")])
        resp = ""
        if a["response_status"] != "no response found":
            resp = (f"<div style='margin-left:1em;font-size:0.9em'>↳ <b>{md_escape(a['response_status'])}</b> "
                    f"({md_escape(a['response_passage'])}): {md_escape(a['response_text'])}</div>")
        else:
            resp = "<div style='margin-left:1em;font-size:0.9em;color:#777'>↳ no response found in these documents</div>"
        show_html(f"<div style='margin:8px 0'><div style='font-size:0.8em;color:#555'>{meta} · why: "
                  f"{md_escape(a['cue_reason'])}</div>{body}{resp}</div>")


def name_suggestions(data, asks) -> None:
    """Name a suggested group, or merge several into one named ask (added to this session's taxonomy)."""
    sugg = asks[asks["group_source"] == "suggested"].drop_duplicates("ask_group")
    if not len(sugg):
        return
    with st.expander(f"Name or merge suggested asks ({len(sugg)} suggestions)"):
        options = dict(zip(sugg["ask_group"], sugg["ask_group_label"]))
        picked = st.multiselect("Suggested asks to name (pick several to merge them)", list(options),
                                format_func=lambda g: options[g], key="ask_merge_pick")
        label = st.text_input("Name for the ask", key="ask_merge_label")
        if picked and label.strip():
            sentences = asks.loc[asks["ask_group"].isin(picked), "text"].tolist()
            block = named_ask_toml(label, sentences)
            st.code(block, language="toml")
            st.caption("The button adds this to the workspace taxonomy (Sources view); the CLI needs it in the "
                       "file you pass with --taxonomy.")
            if st.button("Create named ask", key="ask_merge_apply"):
                try:  # read, extend, check and write under the workspace lock: a concurrent change is kept
                    default_workspace().update_taxonomy(lambda saved: with_block(saved, block))
                except (TaxonomyError, WorkspaceError) as exc:
                    st.error(md_escape(f"Could not add the ask: {exc}"))
                else:
                    st.rerun()


def with_block(saved: str | None, block: str) -> str:
    """The saved workspace taxonomy with a named-ask block added, checked (TaxonomyError if it does not compile)."""
    text = (saved or 'mode = "extend"\n') + "\n" + block
    compiled_taxonomy(text, "workspace taxonomy")
    return text
