"""Sources: documents ingested and their data-quality flags, adding documents, and the taxonomy in use."""

from __future__ import annotations

import calendar
import json
from pathlib import Path

import pandas as pd
import streamlit as st

from core.pipeline import STORE_ENV
from core.schema import VENUES
from core.store import queries
from dashboard.data import reading
from core.sources import parse_bytes, suffixes
from core.sources.metadata import SUFFIX as SIDECAR
from core.sources.metadata import validate
from core.tagging import Tagger, compiled_taxonomy
from core.taxonomy import TaxonomyError, default_taxonomy
from core.taxonomy_edit import default_for_download
from core.workspace import WorkspaceError, default_workspace, safe_name
from dashboard.text import md_escape
from dashboard.views.common import read_only, table

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
FLAGGED_SHOWN = 1000
DEFAULT_SOURCE = default_taxonomy().source


def render(data, state) -> None:
    st.title("Sources")
    ws = default_workspace()
    st.caption(md_escape(which_store(data)))
    if data.note:
        st.warning(md_escape(data.note))
    docs = data.corpus.documents_frame()
    table(
        docs,
        "documents",
        "src_docs",
        first=("title", "date", "venue", "passages", "undated", "no_speaker", "flags", "url"),
        hide=("path", "content_hash"),
    )
    with reading(data.store) as store:
        q = queries.quality_counts(store)
        n_flagged, flagged = queries.flagged(store, FLAGGED_SHOWN)
    st.caption(
        f"{q['duplicates']:,} duplicate passages (counted once), {q['undated']:,} undated passages, "
        f"{q['plain_text']:,} passages from documents in no known layout."
    )
    if n_flagged:
        with st.expander(f"Flagged passages ({n_flagged:,})"):
            st.dataframe(
                flagged[["passage_id", "quality_flags", "duplicate_of", "text"]], hide_index=True, key="src_flags"
            )
            if n_flagged > len(flagged):
                st.caption(f"The first {len(flagged):,} by document and line.")
    for err in data.errors:
        st.error(md_escape(err))
    for ok, msg in st.session_state.pop("upload_messages", []):
        (st.success if ok else st.error)(md_escape(msg))
    for stem, shown, verb, name in st.session_state.pop("upload_added", []):  # what the store made of each
        found, warnings = found_in(data, stem)
        st.success(md_escape(f"{verb} {shown}: {found}"))
        for w in warnings:
            st.warning(md_escape(f"{shown}: {w}"))
        if warnings:
            st.session_state.setdefault("meta_pending", {})[name] = shown
    for name, shown in list(st.session_state.get("meta_pending", {}).items()):
        metadata_form(ws, name, shown)

    st.subheader("Add documents")
    if not read_only(data, "Adding documents"):
        add_documents(data, ws)
    taxonomy_part(data, ws)


def which_store(data) -> str:
    """Which store is open, in words."""
    if data.read_only:
        return (
            f"Store: {data.store} (your own, from ${STORE_ENV}), opened read-only: nothing is added to it or "
            "removed from it here."
        )
    return (
        f"Store: the workspace's ({data.store}): the bundled seeds and the documents you add here. To open a "
        f"store of your own (campaign-tracker ingest --store PATH), start the dashboard with {STORE_ENV}=PATH."
    )


def add_documents(data, ws) -> None:
    st.caption(
        "Added documents are kept in the workspace folder and read into the store with the seeds; "
        "a document already in the store is not read again."
    )
    n = st.session_state.setdefault("src_upload_n", 0)  # a new key after each ingest clears the uploader
    files = st.file_uploader(
        "Hansard XML (ParlParse, ParlaMint), Hansard API JSON, or text: Parallel Parliament, "
        "Hansard pages, MP archives, plain text",
        accept_multiple_files=True,
        type=sorted(s.lstrip(".") for s in suffixes() if s),
        key=f"src_upload_{n}",
    )
    replace = st.checkbox(
        "Replace documents I added before that have the same name",
        key="src_replace",
        help="Without this, a name already in the workspace is refused, never overwritten",
    )
    if files and st.button("Ingest uploaded files", key="src_ingest"):
        results = ingest_uploads(files, data, ws, replace=replace)
        st.session_state["upload_messages"] = [(ok, msg) for ok, msg, _ in results if not ok]
        st.session_state["upload_added"] = [added for ok, _, added in results if ok]
        st.session_state["src_upload_n"] = n + 1
        st.rerun()
    names = ws.document_names()
    stored = [n for n in names if not n.endswith(SIDECAR)]  # a date / venue set in the form: shown with its document
    if stored:
        with st.expander(f"Documents you added ({len(stored)})"):
            for name in stored:
                c1, c2 = st.columns([4, 1])
                c1.text(name + (" (date / venue set by you)" if name + SIDECAR in names else ""))
                if c2.button("Remove", key=f"src_rm_{name}"):
                    if name + SIDECAR in names:
                        ws.remove_document(name + SIDECAR)
                    _change(ws.remove_document, name)


def taxonomy_part(data, ws) -> None:
    st.subheader("Taxonomy")
    tax = data.taxonomy
    try:
        saved = ws.taxonomy_text()
    except WorkspaceError:  # not UTF-8: reported above (data.errors); the reset below stays reachable
        saved = None
    st.caption(
        f"In use: {'the default taxonomy' if tax.source == DEFAULT_SOURCE else 'your edited taxonomy (workspace)'} · "
        f"{len(tax.themes)} themes · {len(tax.asks)} named asks"
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "id": t.id,
                    "label": t.label,
                    "phrases": len(t.phrases),
                    "context rules": len(t.context),
                    "exclusions": "; ".join(t.exclusions),
                    "description": t.description,
                }
                for t in tax.themes
            ]
        ),
        hide_index=True,
        key="src_taxonomy",
    )
    st.download_button(
        "Download the default taxonomy (TOML) to edit: loaded again, it extends the default",
        default_for_download("extend").encode("utf-8"),
        file_name="taxonomy.toml",
        key="dl_taxonomy",
    )
    st.caption("Add or edit one theme in a form, and see what it would tag first: the Taxonomy page.")
    if saved and tax.source != DEFAULT_SOURCE:
        st.download_button(
            "Download the taxonomy in use (TOML)",
            saved.encode("utf-8"),
            file_name="my_taxonomy.toml",
            key="dl_my_taxonomy",
        )
    if read_only(data, "Loading a taxonomy (it re-tags the store)"):
        return
    up = st.file_uploader(
        'Load an edited taxonomy (TOML): it extends the default, or replaces it with mode = "replace"',
        type=["toml"],
        key="src_tax_upload",
    )
    if up is not None and st.button("Use this taxonomy", key="src_tax_apply"):
        try:
            text = up.getvalue().decode("utf-8")
            bar = st.progress(0.0, text=md_escape(f"Compiling {up.name}…"))
            steps = Tagger.STEPS
            new = compiled_taxonomy(
                text,
                up.name,
                progress=lambda step: bar.progress(
                    steps.index(step) / len(steps), text=md_escape(f"Compiling {up.name}: {step}…")
                ),
            )
            bar.empty()
        except (UnicodeDecodeError, TaxonomyError) as exc:
            st.error(md_escape(f"{up.name}: {exc} — the previous taxonomy is still in use."))
        else:
            if new.size_warning():
                st.session_state["upload_messages"] = [(True, new.size_warning())]
            _change(ws.save_taxonomy, text)
    if ws.taxonomy_path.is_file() and st.button("Back to the default taxonomy", key="src_tax_reset"):
        _change(ws.clear_taxonomy)


def _change(action, *args) -> None:
    """A workspace change, then a rerun to show it; a busy workspace is said, not raised."""
    try:
        action(*args)
    except WorkspaceError as exc:
        st.error(md_escape(exc))
    else:
        st.rerun()


def metadata_form(ws, name: str, shown: str) -> None:
    """Set the date and venue of a document that gives none: kept as its sidecar (``name.meta.toml``, read with
    the document at the next ingest: the values fill only what the document leaves empty, and are flagged)."""
    with st.form(key=f"src_meta_{name}"):
        st.markdown(md_escape(f"Set what {shown} does not say"))
        c1, c2 = st.columns(2)
        when = c1.text_input("Date", placeholder="2024-03-12, 2024-03 or 2024", key=f"src_meta_date_{name}")
        venue = c2.selectbox("Venue", ["(leave unknown)", *VENUES], key=f"src_meta_venue_{name}")
        if st.form_submit_button("Set date and venue"):
            raw = {"date": when.strip(), "venue": "" if venue == "(leave unknown)" else venue}
            try:
                meta = validate(raw, "the upload form")
            except ValueError as exc:
                st.error(md_escape(str(exc)))
                return
            if not meta:
                st.error("Give a date or a venue (or both).")
                return
            lines = [
                f"date = {json.dumps(meta['date'][0])}" if "date" in meta else "",
                f"venue = {json.dumps(meta['venue'])}" if "venue" in meta else "",
            ]
            try:
                ws.add_document(name + SIDECAR, ("\n".join(x for x in lines if x) + "\n").encode("utf-8"), replace=True)
            except WorkspaceError as exc:
                st.error(md_escape(exc))
                return
            st.session_state["meta_pending"].pop(name, None)
            st.session_state["upload_messages"] = [
                (
                    True,
                    f"{shown}: set "
                    + ", ".join(f"{k} {v[0] if k == 'date' else v}" for k, v in meta.items())
                    + " (read with the document)",
                )
            ]
            st.rerun()


def human_date(d: str) -> str:
    """'2024-03-12' -> '12 March 2024', '2019-10' -> 'October 2019', '2019' -> '2019'."""
    parts = [int(x) for x in d.split("-")] if d else []
    if len(parts) == 3:
        return f"{parts[2]} {calendar.month_name[parts[1]]} {parts[0]}"
    if len(parts) == 2:
        return f"{calendar.month_name[parts[1]]} {parts[0]}"
    return d


def found_in(data, document: str) -> tuple[str, list[str]]:
    """What the store found in a document: ('12 March 2024 · Press release · 3 themes · 1 ask · 14 passages',
    warnings about a missing date or venue)."""
    from core.summary import THEME_PREFIX, plural

    p = data.passages[data.passages["document"] == document]
    if not len(p):
        return "no passages found", []
    dated = p[p["date"] != ""]
    date_ = human_date(dated.loc[dated["date_start"].idxmin(), "date"]) if len(dated) else "no date"
    venues = p["venue"].astype(str).replace("", pd.NA).dropna()
    venue = venues.value_counts().index[0] if len(venues) else "no venue"
    themes = sum(bool(p[c].any()) for c in p.columns if str(c).startswith(THEME_PREFIX))
    asks = data.asks[(data.asks["document"] == document) & (data.asks["duplicate_of"] == "")] if len(data.asks) else []
    warnings = []
    if not len(dated):
        warnings.append("no date found: its passages are counted as undated and left out of date ranges")
    elif len(dated) < len(p):
        warnings.append(
            f"{len(p) - len(dated)} of {plural(len(p), 'passages')} have no date: counted as undated "
            "and left out of date ranges"
        )
    if not len(venues):
        warnings.append("no venue found: its passages show as venue unknown")
    parts = [date_, venue, plural(themes, "themes"), plural(len(asks), "asks"), plural(len(p), "passages")]
    return " · ".join(parts), warnings


def ingest_uploads(files, data, ws, replace: bool = False) -> list[tuple[bool, str, tuple | None]]:
    """Validate and store uploaded files; returns (stored?, message, (document, name shown, verb) when stored)
    per file. Bad files are never stored; a
    name already in the workspace is refused unless ``replace``; a seed's name is always refused. One file's
    failure never stops the rest of the batch."""
    mine = {Path(n).stem for n in ws.document_names()}
    others = {d.document for d in data.corpus.documents} - mine  # the seeds and other sources
    batch: set[str] = set()
    messages = []
    bar = st.progress(0.0, text="Ingesting…")
    for n, f in enumerate(files, start=1):
        messages.append(_ingest_one(f, ws, replace, others, batch))
        bar.progress(n / len(files), text=md_escape(f"Ingesting {f.name}"))
    return messages


def _ingest_one(f, ws, replace: bool, others: set[str], batch: set[str]) -> tuple[bool, str, tuple | None]:
    raw = f.getvalue()
    name = safe_name(f.name)
    stem = Path(name).stem
    shown = f.name if name == f.name else f"{f.name} (stored as {name})"
    if len(raw) > MAX_UPLOAD_BYTES:
        return (
            False,
            f"{shown}: file is too large ({len(raw) / 1e6:.1f} MB; limit {MAX_UPLOAD_BYTES / 1e6:.0f} MB)",
            None,
        )
    if stem in others:
        return (
            False,
            f"{shown}: a document called '{stem}' is already loaded (not one you added, so not replaced)",
            None,
        )
    if stem in batch:
        return False, f"{shown}: a file of the same name is earlier in this upload; only the first was used", None
    batch.add(stem)
    try:
        doc = parse_bytes(raw, name)
        existed = replace and any(Path(n).stem == stem for n in ws.document_names())
        ws.add_document(name, raw, replace=replace)
    except (ValueError, WorkspaceError, OSError) as exc:
        return False, f"{shown}: {exc}", None
    verb = "Replaced" if existed else "Added"
    return True, f"{verb} {shown}: {len(doc.passages)} passages ({doc.layout})", (stem, shown, verb, name)
