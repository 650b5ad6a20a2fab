"""Review: confirm or reject the asks and theme tags the detector found, or move an ask to another group.

Each decision is written through ``core.review`` (the same functions as ``campaign-tracker review``) into the
store; the store's version goes up, so every view's counts are read again at the next rerun.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import schema
from core.highlight import highlight_html
from core.review import ReviewError, default_reviewer, review_ask, review_tag, tag_id
from core.store import Store, StoreError
from core.summary import FilterState, apply_filters
from core.workspace import default_workspace
from dashboard.data import release, store_path, wrote
from dashboard.cards import meta_line
from dashboard.text import md_escape
from dashboard.views.common import iso_dates, read_only, show_html

#: how many items a picker offers (the table above lists them all)
PICK_LIMIT = 500


def _decide(write) -> None:
    """Run ``write(store)`` on the workspace's store (one writer at a time); say what went wrong, else rerun."""
    ws = default_workspace()
    try:
        release(store_path(ws))
        with Store(store_path(ws), write=True) as store:
            version = write(store)
    except (ReviewError, StoreError) as exc:
        st.error(md_escape(f"Not recorded: {exc}"))
        return
    wrote(ws, version)
    st.rerun()


def _short(text: str, n: int = 110) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def ask_items(data) -> pd.DataFrame:
    """Every ask a reviewer can act on: the detector's (rejected ones included) and those only a reviewer found,
    with the current group and the decision."""
    c = data.corpus
    counted = c.asks
    detected = c.detected_asks if c.detected_asks is not None else counted
    dec = c.reviews if c.reviews is not None else pd.DataFrame(columns=["target", "item_id", "decision"])
    asks_dec = dec[dec["target"] == "ask"]
    decision = dict(zip(asks_dec["item_id"], asks_dec["decision"]))
    only_reviewed = counted[counted["detected_group"] == ""] if "detected_group" in counted else counted.iloc[0:0]
    items = pd.concat([detected, only_reviewed], ignore_index=True).drop_duplicates("ask_id", keep="last")
    now = counted.set_index("ask_id")
    items["group_now"] = items["ask_id"].map(now["ask_group_label"]).fillna("(not counted)")
    items["review"] = [decision.get(k, "") for k in items["ask_id"]]
    return items


def render(data, state: FilterState) -> None:
    st.title("Review")
    st.caption(
        "Confirm or reject what the detector found, or move an ask to another group. Decisions are kept in "
        "the store, survive re-reading documents and taxonomy changes, and change every count at once. "
        "`campaign-tracker review export --out FILE.jsonl` turns them into labelled data to measure the "
        "detector on your own text."
    )
    if read_only(data, "Recording decisions"):  # the decisions already in the store are still listed
        _log(data)
        return
    who = st.text_input("Your name (kept with each decision)", value=default_reviewer(), key="rv_who")
    note = st.text_input("Note (optional, kept with the next decision)", key="rv_note")
    tab_asks, tab_tags, tab_log = st.tabs(["Asks", "Theme tags", "Decisions"])
    with tab_asks:
        _asks(data, state, who, note)
    with tab_tags:
        _tags(data, state, who, note)
    with tab_log:
        _log(data)


def _log(data) -> None:
    dec = data.corpus.reviews
    if dec is None or not len(dec):
        st.info("No decisions yet.")
    else:
        labels = dict(schema.labels("reviews"), state="Applies")
        st.dataframe(
            iso_dates(
                dec[["target", "item_id", "decision", "group_label", "reviewer", "reviewed_at", "state", "note"]]
            ),
            hide_index=True,
            key="rv_log",
            column_config=labels,
        )


def _asks(data, state: FilterState, who: str, note: str) -> None:
    items = ask_items(data)
    if not len(items):
        st.info("No asks found in these documents.")
        return
    items = apply_filters(items, state, canonical_only=False)
    items = items.sort_values(["confidence", "ask_id"])  # least sure first: where a reviewer helps most
    cols = ["ask_id", "text", "confidence", "cue", "group_now", "review", "speaker", "date", "duplicate_of"]
    picked = _list_and_pick(
        items[cols],
        "ask_id",
        "text",
        "asks",
        "rv_ask",
        {
            "ask_id": "Ask id",
            "text": "Ask",
            "confidence": st.column_config.NumberColumn("Confidence", format="%.2f"),
            "cue": "Cue",
            "group_now": "Counted in",
            "review": "Decision",
            "speaker": "Speaker",
            "date": "Date",
            "duplicate_of": "Repeats (counted there)",
        },
    )
    if picked is None:
        return
    aid, pick = picked
    pick = items.loc[pick.index]
    a = pick[pick["ask_id"] == aid].iloc[0]
    meta = meta_line(a)
    body = highlight_html(a["text"], [(0, len(a["text"]), "ask", f"cue: {a['cue']}")])
    show_html(
        f"<div style='margin:8px 0'><div style='font-size:0.8em;color:#555'>{meta}</div>{body}"
        f"<div style='font-size:0.85em'>confidence {float(a['confidence']):.2f} · cue "
        f"{md_escape(a['cue'])}: {md_escape(a['cue_reason'])} · counted in: {md_escape(a['group_now'])}"
        f"{' · decision: ' + md_escape(a['review']) if a['review'] else ''}</div></div>"
    )
    groups = _groups(data)
    c1, c2, c3, c4 = st.columns(4)
    if c1.button("Confirm: it is an ask", key="rv_ask_confirm"):
        _decide(lambda s: review_ask(s, aid, "confirm", note=note, reviewer=who, taxonomy=data.taxonomy))
    if c2.button("Reject: not an ask", key="rv_ask_reject"):
        _decide(lambda s: review_ask(s, aid, "reject", note=note, reviewer=who, taxonomy=data.taxonomy))
    target = c3.selectbox(
        "Move to group", list(groups), format_func=lambda g: f"{_short(groups[g], 60)} ({g})", key="rv_group"
    )
    if c3.button("Move", key="rv_ask_move"):
        _decide(lambda s: review_ask(s, aid, "move", group=target, note=note, reviewer=who, taxonomy=data.taxonomy))
    if a["review"] and c4.button("Clear the decision", key="rv_ask_clear"):
        _decide(lambda s: review_ask(s, aid, "clear"))


def _list_and_pick(table: pd.DataFrame, id_col: str, text_col: str, noun: str, key: str, config: dict):
    """A 'Show' choice (not reviewed / reviewed / all), the table, and a picker over its first rows: (the picked
    id, the rows offered), or None when nothing is left."""
    show = st.radio("Show", ["not reviewed", "reviewed", "all"], horizontal=True, key=f"{key}_show")
    if show != "all":
        table = table[(table["review"] == "") == (show == "not reviewed")]
    st.markdown(f"**{len(table)} {noun}**")
    st.dataframe(iso_dates(table), hide_index=True, key=f"{key}_table", column_config=config)
    if not len(table):
        return None
    pick = table.head(PICK_LIMIT)
    texts = dict(zip(pick[id_col], pick[text_col]))
    # labels are unique (a repeated speech has the same words in two passages): Streamlit tells options by label
    picked = st.selectbox(
        f"{noun.capitalize()[:-1]} to review",
        list(texts),
        format_func=lambda k: f"{_short(texts[k], 90)} ({k})",
        key=key,
    )
    return picked, pick


def _groups(data) -> dict[str, str]:
    """Named asks first, then the groups the counted asks are in."""
    out = {a.id: a.label for a in data.taxonomy.asks}
    asks = data.corpus.asks
    for g, label in zip(asks["ask_group"], asks["ask_group_label"]):
        out.setdefault(g, label)
    return out


def _tags(data, state: FilterState, who: str, note: str) -> None:
    c = data.corpus
    theme = st.selectbox("Theme", data.theme_ids, format_func=lambda t: data.labels.get(t, t), key="rv_theme")
    other = st.text_input("Confirm the theme on a passage the tagger missed: its passage id", key="rv_tag_other")
    if other.strip() and st.button("Confirm on that passage", key="rv_tag_add"):
        _decide(
            lambda s: review_tag(s, other.strip(), theme, "confirm", note=note, reviewer=who, taxonomy=data.taxonomy)
        )
    tags = data.tags(None, (theme,))
    dec = c.reviews if c.reviews is not None else pd.DataFrame(columns=["target", "item_id", "decision", "passage_id"])
    mine = dec[(dec["target"] == "tag") & (dec["item_id"].str.endswith("|" + theme))]
    decision = dict(zip(mine["passage_id"], mine["decision"]))
    pids = list(dict.fromkeys(list(tags["passage_id"]) + list(mine["passage_id"])))
    passages = data.passages[data.passages["passage_id"].isin(set(pids))]
    passages = apply_filters(passages, state.with_(themes=()), canonical_only=False)
    if not len(passages):
        st.info("No passage tagged with this theme within the filters.")
        return
    table = passages[["passage_id", "speaker", "date"]].astype(str)
    table.insert(1, "text", data.rows(table["passage_id"], ["passage_id", "text"])["text"].to_numpy())
    matched = tags.groupby("passage_id")["matched_text"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    table["matched"] = table["passage_id"].map(matched).fillna("")
    table["review"] = [decision.get(k, "") for k in table["passage_id"]]
    picked = _list_and_pick(
        table,
        "passage_id",
        "text",
        "passages",
        "rv_tag",
        {
            "passage_id": "Passage id",
            "text": "Text",
            "speaker": "Speaker",
            "date": "Date",
            "matched": "Matched",
            "review": "Decision",
        },
    )
    if picked is None:
        return
    pid, pick = picked
    texts = dict(zip(pick["passage_id"], pick["text"]))
    spans = [
        (int(s), int(e), m, f"{m}: {r}")
        for s, e, m, r in tags.loc[tags["passage_id"] == pid, ["start", "end", "method", "reason"]].itertuples(
            index=False
        )
    ]
    show_html(
        f"<div style='margin:8px 0'><div style='font-size:0.8em;color:#555'>{md_escape(pid)}"
        f"{' · decision: ' + md_escape(decision[pid]) if pid in decision else ''}</div>"
        f"{highlight_html(texts[pid], spans)}</div>"
    )
    c1, c2, c3 = st.columns(3)
    if c1.button(f"Confirm: it is about {md_escape(data.labels.get(theme, theme))}", key="rv_tag_confirm"):
        _decide(lambda s: review_tag(s, pid, theme, "confirm", note=note, reviewer=who, taxonomy=data.taxonomy))
    if c2.button("Reject: it is not", key="rv_tag_reject"):
        _decide(lambda s: review_tag(s, pid, theme, "reject", note=note, reviewer=who, taxonomy=data.taxonomy))
    if tag_id(pid, theme) in set(mine["item_id"]) and c3.button("Clear the decision", key="rv_tag_clear"):
        _decide(lambda s: review_tag(s, pid, theme, "clear"))
