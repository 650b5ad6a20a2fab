"""Taxonomy: add a theme or edit one in the browser (label, description, phrases, exclusions, cues, context rules),
checked as it is written, with how many passages it would tag before it is applied; a confirmation after; files to
download that extend the default taxonomy unless replacing it is chosen."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.store import queries
from dashboard.data import reading
from core.summary import THEME_PREFIX, plural
from core.tagging import Tagger, tag_passages
from core.taxonomy import TaxonomyError, parse_taxonomy
from core.taxonomy_edit import default_for_download, taxonomy_toml, theme_data, with_theme
from core.workspace import WorkspaceError, default_workspace
from dashboard.text import md_escape
from dashboard.views.common import read_only

NEW = "(a new theme)"
#: what the tagger reads of a passage
TAGGED_COLUMNS = ["passage_id", "document", "section_index", "section_title", "text"]
CONTEXT_COLUMNS = ["phrases", "near", "window"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _split(cell) -> list[str]:
    return [x.strip() for x in str(cell or "").split(";") if x.strip()] if not pd.isna(cell) else []


@st.cache_data(show_spinner="Counting the passages it would tag…", max_entries=16)
def would_tag(theme_toml: str, theme_id: str, store: str, version: int) -> int:
    """How many passages a theme (alone: themes are tagged independently) would tag; keyed on its definition and
    the store's version. The text is read from the store a batch of whole documents at a time."""
    one = parse_taxonomy(theme_toml, "this form")
    tagger = Tagger(one)  # not kept by tagger_for: the taxonomy in use stays there
    found: set[str] = set()
    with reading(store) as s:
        for batch in queries.document_batches(s, TAGGED_COLUMNS):
            tags = tag_passages(batch, one, tagger)
            if len(tags):
                found.update(tags.loc[tags["theme"] == theme_id, "passage_id"])
    return len(found)


def render(data, state) -> None:
    st.title("Taxonomy")
    for msg in st.session_state.pop("tx_messages", []):
        st.success(md_escape(msg))
    ws = default_workspace()
    tax = data.taxonomy
    try:
        saved = ws.taxonomy_text()
    except WorkspaceError as exc:
        st.error(md_escape(exc))
        return
    _files(saved)
    if read_only(data, "Editing the taxonomy (it re-tags the store)"):
        return
    pick = st.selectbox(
        "Theme", [NEW, *tax.ids], key="tx_pick", format_func=lambda t: t if t == NEW else f"{tax.labels[t]} ({t})"
    )
    current = tax.theme(pick) if pick != NEW else None
    base = theme_data(current) if current else {"id": "", "label": "", "phrases": []}
    k = f"tx_{pick}"  # each theme its own widgets, so choosing another fills the form with its definition
    tid = (
        current.id
        if current
        else st.text_input("Id (letters, digits and underscores; used in exports)", key=f"{k}_id").strip()
    )
    label = st.text_input("Label", value=base["label"], key=f"{k}_label")
    description = st.text_area("What counts (shown as help)", value=base.get("description", ""), key=f"{k}_desc")
    phrases = st.text_area(
        "Phrases, one a line: any one tags a passage", value="\n".join(base["phrases"]), key=f"{k}_phrases"
    )
    exclusions = st.text_area(
        "Exclusions, one a line: cancel a match they overlap",
        value="\n".join(base.get("exclusions", [])),
        key=f"{k}_excl",
    )
    cues = st.text_area(
        "Cues, one a line: count only in a section about the theme",
        value="\n".join(base.get("cues", [])),
        key=f"{k}_cues",
    )
    st.caption(
        "Context rules: a phrase that counts only when one of its near words is within the window (words); "
        "separate several phrases or near words with ';'."
    )
    rules = pd.DataFrame(
        [
            {"phrases": "; ".join(r["phrases"]), "near": "; ".join(r["near"]), "window": r["window"]}
            for r in base.get("context", [])
        ],
        columns=CONTEXT_COLUMNS,
    )
    edited = st.data_editor(
        rules,
        num_rows="dynamic",
        hide_index=True,
        key=f"{k}_ctx",
        column_config={
            "phrases": st.column_config.TextColumn("Phrases"),
            "near": st.column_config.TextColumn("Near words"),
            "window": st.column_config.NumberColumn("Window (words)", min_value=1, max_value=200, step=1, default=10),
        },
    )

    theme = {"id": tid, "label": label.strip()}
    if description.strip():
        theme["description"] = description.strip()
    theme["phrases"] = _lines(phrases)
    for key, value in (("exclusions", _lines(exclusions)), ("cues", _lines(cues))):
        if value:
            theme[key] = value
    context = [
        {
            "phrases": _split(r["phrases"]),
            "near": _split(r["near"]),
            "window": int(r["window"]) if not pd.isna(r["window"]) else 10,
        }
        for r in edited.to_dict("records")
        if _split(r["phrases"]) or _split(r["near"])
    ]
    if context:
        theme["context"] = context
    if not tid or not theme["label"] or not theme["phrases"]:
        st.info("A theme needs an id, a label and at least one phrase.")
        return
    try:
        with_theme(saved, theme)  # the whole taxonomy as it would be saved, validated
        one = taxonomy_toml({"mode": "replace", "section_share": tax.section_share, "theme": [theme]})
        n = would_tag(one, tid, data.store, data.version)
    except (TaxonomyError, WorkspaceError) as exc:
        st.error(md_escape(f"Not applied: {exc}"))
        return
    now = int(data.passages[THEME_PREFIX + tid].sum()) if THEME_PREFIX + tid in data.passages else 0
    st.info(
        md_escape(
            f"{theme['label']} would tag {plural(n, 'passages')} of {len(data.passages):,} "
            f"(now {plural(now, 'passages')})."
        )
    )
    if st.button("Apply to the taxonomy", type="primary", key="tx_apply"):
        try:
            ws.update_taxonomy(lambda text: with_theme(text, theme))
        except (TaxonomyError, WorkspaceError) as exc:
            st.error(md_escape(f"Not applied: {exc}"))
            return
        st.session_state["tx_messages"] = [
            f"Applied: {theme['label']} ({tid}) is in your taxonomy and tags "
            f"{plural(n, 'passages')}; every view counts it now."
        ]
        st.rerun()


def _files(saved: str | None) -> None:
    with st.expander("Taxonomy files to download"):
        mode = st.radio(
            "The default taxonomy, when loaded again,",
            ["extend", "replace"],
            horizontal=True,
            key="tx_mode",
            format_func=lambda m: {
                "extend": "adds to the default themes (a trimmed copy drops nothing)",
                "replace": "replaces them",
            }[m],
        )
        st.download_button(
            "Download the default taxonomy (TOML)",
            default_for_download(mode).encode("utf-8"),
            file_name=f"taxonomy_{mode}.toml",
            key="tx_dl_default",
        )
        if saved:
            st.download_button(
                "Download your taxonomy (TOML)", saved.encode("utf-8"), file_name="my_taxonomy.toml", key="tx_dl_saved"
            )
