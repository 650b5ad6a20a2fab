"""The ask ledger: canonical asks, when they were raised, where, by whom, and what the government said."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.asks import named_ask_toml
from core.highlight import highlight_html
from core.tagging import compiled_taxonomy
from core.taxonomy import TaxonomyError
from core.workspace import WorkspaceError, default_workspace
from core.schema import NO_RESPONSE, STATUSES
from core.summary import FilterState, plural
from dashboard import charts
from dashboard.data import filtered, ledger
from dashboard.state import bind, publish
from dashboard.cards import meta_line
from dashboard.text import md_escape
from dashboard.views.common import caption, download, show_html, table
from dashboard.views.milestones import milestones_for


KINDS = {"all": "All", "named": "Named", "suggested": "Suggested"}
QUIET = {"all": "All", "quiet": "Gone quiet", "active": "Still raised"}


def first_words(text: str, n: int = 14) -> str:
    words = str(text or "").split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def render(data, state: FilterState) -> None:
    st.title("Asks")
    if not len(data.asks):
        st.info("No asks found in these documents.")
        return
    asks = filtered(data, state, data.asks)
    ledger_part(data, state, asks)
    if len(asks):
        canon = asks[asks["duplicate_of"] == ""]
        bind("ask_tl_sugg", "suggested", False)
        show_suggested = st.checkbox("Include suggested (unnamed) asks in the timeline", key="ask_tl_sugg")
        publish("suggested", show_suggested, False)
        if not show_suggested:
            canon = canon[canon["group_source"] != "suggested"]
        if len(canon):
            st.plotly_chart(charts.add_milestones(charts.ask_timeline(canon), milestones_for(data)), key="ask_timeline")
    name_suggestions(data, asks)


def last_date(data):
    dated = data.passages["date_end"].dropna()
    return dated.max().date() if len(dated) else date.today()


@st.fragment
def ledger_part(data, state: FilterState, asks) -> None:
    """The ledger with its facets, the download and the drill-down: a change here reruns this part only."""
    c1, c2 = st.columns(2)
    end = last_date(data)
    bind("ask_asof", "asof", end)
    as_of = c1.date_input(
        "Gone quiet: measured to",
        key="ask_asof",
        format="YYYY-MM-DD",
        help="Default: the last date in the documents (not today)",
    )
    publish("asof", as_of, end)
    bind("ask_quiet", "quiet_days", 365)
    quiet = c2.number_input(
        "Gone quiet after (days without being raised)", min_value=7, max_value=3650, step=30, key="ask_quiet"
    )
    publish("quiet_days", int(quiet), 365)
    led = ledger(data, asks, int(quiet), as_of=as_of)
    led["response_text"] = led["response_text"].map(first_words)
    # facets, each option with its count (counted within the other facets' choices)
    f1, f2, f3 = st.columns([2, 1, 1])
    statuses = [s for s in STATUSES if s in set(led["status"])]
    kind = _facet(
        f2,
        "Named or suggested",
        KINDS,
        "ask_kind",
        "kind",
        {
            "all": len(led),
            "named": int((led["source"] == "named").sum()),
            "suggested": int((led["source"] == "suggested").sum()),
        },
    )
    if kind != "all":
        led = led[led["source"] == kind]
    quiet_sel = _facet(
        f3,
        "Gone quiet",
        QUIET,
        "ask_quiet_sel",
        "quiet",
        {"all": len(led), "quiet": int(led["gone_quiet"].sum()), "active": int((~led["gone_quiet"]).sum())},
    )
    if quiet_sel != "all":
        led = led[led["gone_quiet"] == (quiet_sel == "quiet")]
    counts = led["status"].value_counts()
    bind("ask_status", "status", [])
    st.session_state["ask_status"] = [s for s in st.session_state["ask_status"] if s in statuses]
    picked = f1.multiselect(
        "Status", statuses, key="ask_status", format_func=lambda s: f"{s} ({int(counts.get(s, 0))})"
    )
    publish("status", picked, [])
    if picked:
        led = led[led["status"].isin(picked)]
    caption(state, len(led), data.labels, noun="canonical asks")
    table(
        led,
        "ledger",
        "ask_ledger",
        first=(
            "label",
            "status",
            "response_text",
            "times_raised",
            "last_raised",
            "gone_quiet",
            "first_raised",
            "days_since_last",
            "venues",
            "speakers",
            "source",
        ),
        hide=("ask_group", "occurrences", "response_passage", "themes", "undated"),
        extra={
            "gone_quiet": st.column_config.CheckboxColumn("Gone quiet"),
            "response_text": st.column_config.TextColumn("Response (first words)", width="large"),
            "label": st.column_config.TextColumn("Ask", width="large"),
        },
    )
    facets = "_".join(
        x
        for x in [
            kind if kind != "all" else "",
            quiet_sel if quiet_sel != "all" else "",
            "-".join(picked),
            f"to-{as_of}" if quiet_sel != "all" else "",
        ]
        if x
    )
    download(
        led.drop(columns=["occurrences"]),
        "ask_ledger",
        state,
        "dl_ask_ledger",
        "Download ask ledger (CSV)",
        data.labels,
        "canonical asks",
        extra=facets,
    )
    drill_down(data, asks, led)


def _facet(where, label: str, options: dict[str, str], key: str, param: str, counts: dict[str, int]) -> str:
    bind(key, param, "all", options=list(options))
    value = where.radio(
        label, list(options), key=key, horizontal=True, format_func=lambda k: f"{options[k]} ({counts.get(k, 0)})"
    )
    publish(param, value, "all")
    return value


def drill_down(data, asks, led) -> None:
    st.subheader("Drill down")
    labels = dict(zip(led["ask_group"], led["label"]))
    if not labels:
        return
    bind("ask_pick", "ask", next(iter(labels)), options=list(labels))
    g = st.selectbox("Ask", list(labels), format_func=lambda k: labels[k], key="ask_pick")
    publish("ask", g, next(iter(labels)))
    row = led[led["ask_group"] == g].iloc[0]
    st.markdown(
        md_escape(
            f"Status: {row['status']} · raised {plural(int(row['times_raised']), 'times')} · "
            f"first {row['first_raised'] or 'undated'} · last {row['last_raised'] or 'undated'}"
        )
    )
    occ = asks[(asks["ask_group"] == g) & (asks["duplicate_of"] == "")].sort_values(
        "date_end", ascending=False, na_position="last"
    )
    texts = data.rows(occ["passage_id"].unique(), ["passage_id", "text"]).set_index("passage_id")["text"]
    for _, a in occ.iterrows():
        meta = meta_line(a)
        passage = texts.get(a["passage_id"], a["text"])
        start, end = (int(a["start"]), int(a["end"])) if passage != a["text"] else (0, len(passage))
        body = highlight_html(passage, [(start, end, "ask", f"the ask ({a['cue_reason']})")])
        if a["response_status"] != NO_RESPONSE:
            resp = (
                f"<div style='margin:4px 0 0 1em;font-size:0.9em'>↳ <b>{md_escape(a['response_status'])}</b> "
                f"({md_escape(a['response_passage'])}): {md_escape(a['response_text'])}</div>"
            )
        else:
            resp = "<div style='margin:4px 0 0 1em;font-size:0.9em;color:#777'>↳ no response found in these documents</div>"
        show_html(
            f"<div style='margin:10px 0;padding:4px 10px;border-left:3px solid #1f5f8b'>"
            f"<div style='font-size:0.8em;color:#555'>{meta} · why: {md_escape(a['cue_reason'])}</div>"
            f"<div>{body}</div>{resp}</div>"
        )


def name_suggestions(data, asks) -> None:
    """Name a suggested group, or merge several into one named ask (added to this session's taxonomy)."""
    sugg = asks[asks["group_source"] == "suggested"].drop_duplicates("ask_group")
    if not len(sugg) or data.read_only:  # naming one edits the taxonomy, which re-tags the store
        return
    with st.expander(f"Name or merge suggested asks ({len(sugg)} suggestions)"):
        options = dict(zip(sugg["ask_group"], sugg["ask_group_label"]))
        picked = st.multiselect(
            "Suggested asks to name (pick several to merge them)",
            list(options),
            format_func=lambda g: options[g],
            key="ask_merge_pick",
        )
        label = st.text_input("Name for the ask", key="ask_merge_label")
        if picked and label.strip():
            sentences = asks.loc[asks["ask_group"].isin(picked), "text"].tolist()
            block = named_ask_toml(label, sentences)
            st.code(block, language="toml")
            st.caption(
                "The button adds this to the workspace taxonomy (Sources view); the CLI needs it in the "
                "file you pass with --taxonomy."
            )
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
