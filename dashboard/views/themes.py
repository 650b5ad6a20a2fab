"""One theme: when, where and by whom it was raised (in words), its timeline, what matched it, asks, and its
passages newest first with the evidence highlighted (all of them, or those one piece of evidence matched)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.store import queries
from core.summary import (
    THEME_PREFIX,
    FilterState,
    continuous,
    ids_in,
    plural,
    theme_timeline,
)
from dashboard import charts
from dashboard.data import filtered, mask, reading
from dashboard.state import bind, publish
from dashboard.text import md_escape
from dashboard.views.common import caption, cards, download, passage_csv, table
from dashboard.views.passages import newest, newest_first
from dashboard.views.milestones import milestones_for

FREQS = ["month", "quarter", "year"]


def value_counts(values: pd.Series, unknown: str) -> pd.Series:
    """How many of each value, most first, an empty value named ``unknown``: counted by category code when the
    column is categorical (as text, a theme's million passages took a second)."""
    vc = values.value_counts()
    vc = vc[vc > 0]
    vc.index = pd.Index([str(k) or unknown for k in vc.index], dtype=object)
    if vc.index.has_duplicates:  # a value named as the unknown one is
        vc = vc.groupby(level=0, sort=False).sum().sort_values(ascending=False, kind="stable")
    return vc


def counted(values: pd.Series, top: int = 5) -> str:
    """'Westminster Hall (128), Commons Chamber (13) and 2 more'."""
    vc = value_counts(values, "unknown")
    parts = [f"{k} ({v})" for k, v in vc.head(top).items()]
    more = f" and {len(vc) - top} more" if len(vc) > top else ""
    return (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 and not more else ", ".join(parts)) + more


def in_words(df: pd.DataFrame, label: str) -> str:
    """When, where and by whom a theme was raised, in a sentence or two."""
    if not len(df):
        return f"{label}: no passages match the filters."
    dated = np.flatnonzero((df["date"] != "").to_numpy())  # positions: no copy of the rows
    out = f"{label}: {plural(len(df), 'passages')} in {plural(df['document'].nunique(), 'documents')}."
    starts, ends = df["date_start"].to_numpy(), df["date_end"].to_numpy()
    placed = dated[~np.isnat(starts[dated])]
    if len(placed):  # the first row holding the earliest start (the latest end)
        first = df.iloc[int(placed[np.argmin(starts[placed])])]
        last = df.iloc[int(placed[np.argmax(ends[placed])])]
        out += (
            f" First raised {first['date']} ({first['venue'] or 'venue unknown'}), last raised {last['date']}"
            f" ({last['venue'] or 'venue unknown'})."
        )
    if len(dated) < len(df):
        out += f" {plural(len(df) - len(dated), 'passages')} undated."
    return out + f" Venues: {counted(df['venue'])}. Speakers: {counted(df['speaker'])}."


#: the columns the view reads of a theme's passages (with the theme's own)
SHOWN = ["document", "line", "date", "date_start", "date_end", "year", "_prec", "_m", "venue", "speaker"]


def theme_rows(data, state: FilterState, theme: str) -> pd.DataFrame:
    """The theme's passages matching the filters, only the columns the view reads, taken by position (a boolean
    index copied every column: 0.3 s of a rerun at 10 M passages); their ids are ``ids_of`` these rows, taken when
    needed (millions of them took 0.2 s)."""
    frame = data.passages
    pos = np.flatnonzero((mask(data, state) & frame[THEME_PREFIX + theme]).to_numpy())
    cols = [frame.columns.get_loc(c) for c in [*SHOWN, THEME_PREFIX + theme] if c in frame]
    rows = frame.iloc[pos, cols]
    rows.index = pos  # positions in the frame, whatever its own index (``ids_of`` reads them)
    return rows


def ids_of(data, rows: pd.DataFrame) -> pd.Series:
    """The passage ids of rows taken from the frame (its index is the rows' positions)."""
    return pd.Series(data.passages["passage_id"].array.take(rows.index.to_numpy()), index=rows.index)


@st.cache_resource(show_spinner=False, max_entries=16)
def _evidence(store: str, version: int, theme: str, state_key: str, _data, _df) -> pd.DataFrame:
    """What matched a theme in the passages of a filter state: worked out once per store version and state (on a
    large store it reads every tag of the theme; the view's own widgets rerun it otherwise)."""
    with reading(store) as s:  # grouped by DuckDB: the theme's tags are never read whole
        return queries.evidence(s, theme, ids_of(_data, _df), _data.review)


@st.cache_resource(show_spinner=False, max_entries=16)
def _evidence_ids(store: str, version: int, theme: str, evidence: str, _data) -> frozenset[str]:
    """The passages one row of what matched counts (all of the store's, before the filters)."""
    with reading(store) as s:
        return frozenset(queries.evidence_ids(s, theme, evidence, _data.review))


def render(data, state: FilterState) -> None:
    st.title("Themes")
    options = list(state.themes) or data.theme_ids
    bind("th_theme", "theme", options[0], options=options)
    theme = st.selectbox("Theme", options, format_func=lambda t: data.labels.get(t, t), key="th_theme")
    publish("theme", theme, options[0])
    t = data.taxonomy.theme(theme)
    st.caption(md_escape(t.description))
    df = theme_rows(data, state, theme)
    one = state.with_(themes=(theme,))
    caption(one, len(df), data.labels)
    st.markdown(md_escape(in_words(df, t.label)))
    timeline(data, df, theme)
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(
            charts.counts_bar(value_counts(df["venue"], "(unknown)"), "Venues"),
            key="th_venues",
        )
    with c2:
        st.plotly_chart(
            charts.counts_bar(value_counts(df["speaker"], "(unknown)"), "Speakers"),
            key="th_speakers",
        )
    st.subheader("What matched")
    evidence = _evidence(data.store, data.version, theme, repr(state), data, df)
    st.caption(
        "Each phrase, near-miss, context rule or section cue that tagged these passages, with the passages it "
        "tagged (a passage tagged by two counts in both). Choose one below to list just its passages."
    )
    st.dataframe(evidence, hide_index=True, key="th_evidence")
    with st.expander("How this theme is recognised (the taxonomy in use)"):
        st.dataframe(pd.DataFrame(t.definition(data.taxonomy.section_share)), hide_index=True, key="th_definition")
    st.subheader("Asks on this theme")
    asks = filtered(data, one, data.asks) if len(data.asks) else data.asks
    if len(asks):
        table(
            asks.sort_values("date_end", ascending=False, na_position="last"),
            "asks",
            "th_asks",
            first=("text", "response_status", "date", "venue", "speaker", "ask_group_label"),
            hide=[
                c
                for c in asks.columns
                if c not in ("text", "response_status", "date", "venue", "speaker", "ask_group_label")
            ],
        )
    else:
        st.caption("No asks on this theme match the filters.")
    passages(data, df, theme, evidence, one)


@st.fragment
def timeline(data, df, theme) -> None:
    bind("th_freq", "bins", "quarter", options=FREQS)
    freq = st.radio("Timeline bins", FREQS, horizontal=True, key="th_freq")
    publish("bins", freq, "quarter")
    counts, undated = theme_timeline(df, [theme], freq)
    if len(counts):
        st.plotly_chart(
            charts.add_milestones(
                charts.timeline(continuous(counts, freq), data.labels, freq), milestones_for(data, [theme]), freq
            ),
            key="th_timeline",
        )
    if undated.get(theme):
        st.caption(
            f"{plural(undated[theme], 'undated passages')} on this theme (or dated only to a coarser period "
            f"than a {freq}) counted but not placed on the timeline."
        )


@st.fragment
def passages(data, df, theme, evidence, state) -> None:
    st.subheader("Passages, newest first, with the words that matched")
    choices = ["any evidence", *evidence["evidence"]]
    bind("th_pick", "evidence", "any evidence", options=choices)
    pick = st.selectbox("Matched by", choices, key="th_pick")
    publish("evidence", pick, "any evidence")
    if pick != "any evidence":
        df = df[ids_in(ids_of(data, df), _evidence_ids(data.store, data.version, theme, pick, data))]
        df = df.assign(passage_id=ids_of(data, df))
        st.caption(md_escape(f"{plural(len(df), 'passages')} matched by {pick}"))
        ids = newest_first(df)["passage_id"].to_numpy()
    else:  # the theme's passages within the filters: sorted once per filter state
        ids = newest(data, state)
    download(
        passage_csv(data, ids),
        "passages",
        state,
        "dl_theme_passages",
        "Download this theme's passages (CSV)",
        data.labels,
        "passages",
        extra="" if pick == "any evidence" else "matched-by-" + pick,
        n=len(ids),
    )
    cards(data, ids, themes=(theme,), query=state.query, key="th_page", param="page")
