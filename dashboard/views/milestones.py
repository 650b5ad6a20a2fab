"""Milestones: the campaign's dated events (a report launched, a strategy published, royal assent), edited in a
table and kept in the workspace (milestones.csv). Briefings draw them on their timelines."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.milestones import (
    MilestoneError,
    MilestonesChanged,
    load_milestones,
    milestones_text,
    parse_milestones,
    save_milestones,
    validate,
)
from core.milestones import path as milestones_path
from core.workspace import WorkspaceError, default_workspace
from dashboard.text import md_escape

COLUMNS = ["date", "label", "themes", "url"]


def workspace_milestones(data) -> tuple[list, str | None]:
    """(the workspace's milestones, or [] with the problem when the file cannot be used)."""
    try:
        return load_milestones(default_workspace(), data.theme_ids), None
    except WorkspaceError as exc:
        return [], str(exc)


def milestones_for(data, themes=()) -> list:
    """The workspace's milestones that concern ``themes`` (all of them when none are given), for
    ``charts.add_milestones``; none when the file cannot be used (the Milestones page says why)."""
    return [m for m in workspace_milestones(data)[0] if m.concerns(themes)]


def _frame(milestones) -> pd.DataFrame:
    return pd.DataFrame(
        [{"date": m.date, "label": m.label, "themes": list(m.themes), "url": m.url} for m in milestones],
        columns=COLUMNS,
    )


def _rows(edited: pd.DataFrame) -> list[dict]:
    """The editor's rows as the file's fields (a date as YYYY-MM-DD, themes joined with ';')."""
    out = []
    for r in edited.to_dict("records"):
        d = r.get("date")
        themes = r.get("themes")
        out.append(
            {
                "date": d.isoformat() if isinstance(d, date) else ("" if d is None or pd.isna(d) else str(d)),
                "label": "" if r.get("label") is None or pd.isna(r.get("label")) else str(r["label"]),
                "themes": ";".join(themes) if isinstance(themes, (list, tuple)) else "",
                "url": "" if r.get("url") is None or pd.isna(r.get("url")) else str(r["url"]),
            }
        )
    return out


def render(data, state) -> None:
    st.title("Milestones")
    st.caption(
        "Dated events of the campaign: a report launched, a strategy published, a bill's royal assent. "
        "Briefings draw them on their timelines (a milestone with no themes applies to every theme)."
    )
    ws = default_workspace()
    if "ms_text" not in st.session_state:  # what the table was opened with: a save checks nobody changed it since
        try:
            st.session_state["ms_text"] = milestones_text(ws)
        except MilestoneError as exc:
            st.error(md_escape(str(exc)))
            st.session_state["ms_text"] = ""
    try:
        current = parse_milestones(st.session_state["ms_text"], str(milestones_path(ws)), data.theme_ids)
    except MilestoneError as exc:
        st.warning(md_escape(f"{exc} — the saved file is shown empty here; saving replaces it."))
        current = []
    edited = st.data_editor(
        _frame(current),
        num_rows="dynamic",
        hide_index=True,
        key="ms_editor",
        width="stretch",
        column_config={
            "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", required=True),
            "label": st.column_config.TextColumn("Milestone", max_chars=200, required=True, width="large"),
            "themes": st.column_config.MultiselectColumn(
                "Themes",
                options=data.theme_ids,
                format_func=lambda t: data.labels.get(t, t),
                help="The themes it concerns; none: every theme",
            ),
            "url": st.column_config.TextColumn("Link", help="A web address starting https://"),
        },
    )
    c1, c2 = st.columns([1, 4])
    if c1.button("Save milestones", type="primary", key="ms_save"):
        try:
            ms = validate(_rows(edited), "the table", data.theme_ids, first_row=1)
            st.session_state["ms_text"] = save_milestones(ws, ms, expected=st.session_state["ms_text"])
            st.session_state.pop("ms_editor", None)
            st.session_state["ms_saved"] = f"Saved {len(ms)} milestone{'s' if len(ms) != 1 else ''}."
            st.rerun()
        except MilestonesChanged as exc:
            st.error(md_escape(str(exc)))
        except WorkspaceError as exc:
            st.error(md_escape(str(exc)))
    if c2.button("Discard changes and reload", key="ms_reload"):
        st.session_state.pop("ms_text", None)
        st.session_state.pop("ms_editor", None)
        st.rerun()
    if msg := st.session_state.pop("ms_saved", None):
        st.success(msg)
    st.download_button(
        "Download milestones.csv",
        data=st.session_state["ms_text"] or "date,label,themes,url\n",
        file_name="milestones.csv",
        mime="text/csv",
        key="ms_download",
    )
