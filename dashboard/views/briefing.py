"""Briefing: one click makes a briefing to take into a meeting, as PDF and as Word, for a theme, an ask or the
sidebar's filters. The content is core.brief's (the same counts as every other view); the files are made only when
a download button is clicked (Streamlit's deferred download), so choosing here costs no rendering."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from core.asks import ask_summary
from core.brief import FORMATS, BriefError, build_briefing, render as render_file
from core.summary import FilterState, filter_mask
from dashboard.state import bind, publish
from dashboard.text import md_escape
from dashboard.views.milestones import workspace_milestones

SUBJECTS = {"theme": "A theme", "ask": "An ask", "filters": "The current filters"}


def _memo(name: str, data, key: tuple, make):
    """The last result for (``data``, ``key``) in this session: the ask ledger takes a few hundred ms, so a rerun
    that changes nothing here must not redo it. ``data`` is compared by identity and held with the result, so a
    reloaded store is never mistaken for the old one."""
    held = st.session_state.get(name)
    if held is None or held[0] is not data or held[1] != key:
        held = (data, key, make())
        st.session_state[name] = held
    return held[2]


def ask_choices(data, state: FilterState) -> pd.DataFrame:
    """The ledger of the asks that match the filters (the choices for an ask briefing), most raised first."""
    asks = data.asks[filter_mask(data.asks, state)] if len(data.asks) else data.asks
    return ask_summary(data.corpus, asks=asks)


def make_briefing(data, state: FilterState, subject: str, choice: str | None, milestones):
    """The briefing, with the text, links and tags read from the store for its subject's passages only."""
    theme = choice if subject == "theme" else None
    ask = choice if subject == "ask" else None
    p = data.passages
    if ask is not None:
        a = data.asks[filter_mask(data.asks, state) & (data.asks["ask_group"] == ask)] if len(data.asks) else data.asks
        ids, tags = list(dict.fromkeys(a["passage_id"])), data.tags([])
    else:
        sub = state.with_(themes=(theme,)) if theme else state
        tags = data.tags(p["passage_id"][filter_mask(p, sub)], sub.themes)
        ids = list(dict.fromkeys(tags["passage_id"]))  # quotations come from tagged passages
    rows = data.rows(ids, ["passage_id", "text", "url"])
    pos = pd.Series(range(len(p)), index=p["passage_id"].to_numpy()).reindex(rows["passage_id"].to_numpy())
    text, url = np.full(len(p), "", dtype=object), np.full(len(p), "", dtype=object)
    text[pos.to_numpy(dtype="int64")], url[pos.to_numpy(dtype="int64")] = (
        rows["text"].to_numpy(),
        rows["url"].to_numpy(),
    )
    corpus = replace(data.corpus, tags=tags)
    return build_briefing(
        corpus,
        state,
        theme=theme,
        ask_group=ask,
        milestones=milestones,
        passages=p.assign(text=text, url=url),
        asks=data.asks,
    )


def render(data, state: FilterState) -> None:
    st.title("Briefing")
    st.caption(
        "A briefing to take into a meeting: headline figures, the timeline with your milestones, venues and "
        "speakers, the asks with the government's responses, and the strongest quotations, made with the "
        "sidebar's filters."
    )
    bind("br_subject", "about", "theme", options=SUBJECTS)  # the view's choices are in the URL (a link opens it)
    subject = st.radio("About", list(SUBJECTS), format_func=SUBJECTS.get, horizontal=True, key="br_subject")
    publish("about", subject, "theme")
    choice = None
    if subject == "theme":
        options = list(state.themes) or data.theme_ids
        bind("br_theme", "theme", options[0], options=options)
        choice = st.selectbox("Theme", options, format_func=lambda t: data.labels.get(t, t), key="br_theme")
        publish("theme", choice, options[0])
    elif subject == "ask":
        ledger = _memo("_br_asks", data, (state,), lambda: ask_choices(data, state))
        if not len(ledger):
            st.info("No asks match the filters.")
            return
        names = dict(zip(ledger["ask_group"], ledger["label"]))
        times = dict(zip(ledger["ask_group"], ledger["times_raised"]))
        groups = list(ledger["ask_group"])
        bind("br_ask", "ask", groups[0], options=groups)
        choice = st.selectbox("Ask", groups, key="br_ask", format_func=lambda g: f"{names[g]} (raised {times[g]}×)")
        publish("ask", choice, groups[0])
    milestones, problem = workspace_milestones(data)
    if problem:
        st.warning(md_escape(f"{problem} — the briefing is made without milestones (fix them in Milestones)."))
    try:
        b = _memo(
            "_br_briefing",
            data,
            (state, subject, choice, tuple(milestones)),
            lambda: make_briefing(data, state, subject, choice, milestones),
        )
    except BriefError as exc:
        st.error(md_escape(str(exc)))
        return
    st.subheader(md_escape(b.title))
    st.markdown(f"**{md_escape(b.subtitle)}**")
    cols = st.columns(len(b.figures))
    for col, (label, value) in zip(cols, b.figures):
        col.metric(label, value)
    c1, c2, _ = st.columns([1, 1, 3])
    for col, fmt, label in ((c1, "pdf", "Download PDF"), (c2, "docx", "Download Word (.docx)")):
        col.download_button(
            label,
            data=lambda fmt=fmt: render_file(b, fmt),
            file_name=f"{b.file_stem}.{fmt}",
            mime=FORMATS[fmt],
            key=f"br_{fmt}",
            icon=":material/download:",
            # no rerun on click: the file is made when asked for, and a rerun meanwhile would replace the button's
            # file with the next run's before it was made ("Failed to generate file for download")
            on_click="ignore",
        )
    st.caption(
        md_escape(
            f"{len(b.quotes)} quotations · {len(b.asks) + b.more_asks} asks · "
            f"{len(b.milestones)} milestones · {len(b.venues)} venues · made on {b.made_on}"
        )
    )
    with st.expander("The quotations it will carry"):
        for q in b.quotes:
            st.markdown(
                f"“{md_escape(q.text)}”  \n— {md_escape(q.speaker)} · {md_escape(q.date)} · "
                f"{md_escape(q.venue)} · {md_escape(q.document)}"
            )
        st.caption(md_escape(b.notes[1]))
