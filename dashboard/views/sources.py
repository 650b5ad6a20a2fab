"""Sources: documents ingested and their data-quality flags, adding documents, and the taxonomy in use."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.sources import parse_bytes, suffixes
from core.tagging import compiled_taxonomy
from core.taxonomy import DEFAULT_PATH, TaxonomyError
from core.workspace import WorkspaceError, default_workspace, safe_name
from dashboard.text import md_escape

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def render(data, state) -> None:
    st.title("Sources")
    ws = default_workspace()
    docs = data.corpus.documents_frame()
    st.dataframe(docs, hide_index=True, key="src_docs")
    flagged = data.passages[data.passages["quality_flags"] != ""]
    st.caption(f"{(data.passages['duplicate_of'] != '').sum()} duplicate passages (counted once), "
               f"{(data.passages['date'] == '').sum()} undated passages, "
               f"{(data.passages['layout'] == 'plain_text').sum()} passages from documents in no known layout.")
    if len(flagged):
        with st.expander("Flagged passages"):
            st.dataframe(flagged[["passage_id", "quality_flags", "duplicate_of", "text"]], hide_index=True, key="src_flags")
    for err in data.errors:
        st.error(md_escape(err))
    for ok, msg in st.session_state.pop("upload_messages", []):
        (st.success if ok else st.error)(md_escape(msg))

    st.subheader("Add documents")
    st.caption("Added documents are kept in the workspace folder and read into the store with the seeds; "
               "a document already in the store is not read again.")
    files = st.file_uploader("Hansard XML (ParlParse, ParlaMint), Hansard API JSON, or text: Parallel Parliament, "
                             "Hansard pages, MP archives, plain text",
                             accept_multiple_files=True, type=sorted(s.lstrip(".") for s in suffixes() if s),
                             key="src_upload")
    replace = st.checkbox("Replace documents I added before that have the same name", key="src_replace",
                          help="Without this, a name already in the workspace is refused, never overwritten")
    if files and st.button("Ingest uploaded files", key="src_ingest"):
        st.session_state["upload_messages"] = ingest_uploads(files, data, ws, replace=replace)
        st.rerun()
    stored = ws.document_names()
    if stored:
        with st.expander(f"Documents you added ({len(stored)})"):
            for name in stored:
                c1, c2 = st.columns([4, 1])
                c1.text(name)
                if c2.button("Remove", key=f"src_rm_{name}"):
                    _change(ws.remove_document, name)

    st.subheader("Taxonomy")
    tax = data.taxonomy
    try:
        saved = ws.taxonomy_text()
    except WorkspaceError:  # not UTF-8: reported above (data.errors); the reset below stays reachable
        saved = None
    st.caption(f"In use: {'your edited taxonomy (workspace)' if saved else 'the default taxonomy'} · "
               f"{len(tax.themes)} themes · {len(tax.asks)} named asks")
    st.dataframe(pd.DataFrame([{"id": t.id, "label": t.label, "phrases": len(t.phrases), "context rules": len(t.context),
                                "exclusions": "; ".join(t.exclusions), "description": t.description} for t in tax.themes]),
                 hide_index=True, key="src_taxonomy")
    st.download_button("Download the default taxonomy (TOML) to edit", DEFAULT_PATH.read_bytes(),
                       file_name="taxonomy.toml", key="dl_taxonomy")
    if saved:
        st.download_button("Download the taxonomy in use (TOML)", saved.encode("utf-8"), file_name="my_taxonomy.toml",
                           key="dl_my_taxonomy")
    up = st.file_uploader("Load an edited taxonomy (TOML): it extends the default, or replaces it with mode = \"replace\"",
                          type=["toml"], key="src_tax_upload")
    if up is not None and st.button("Use this taxonomy", key="src_tax_apply"):
        try:
            text = up.getvalue().decode("utf-8")
            with st.spinner(md_escape(f"Compiling {up.name}…")):
                new = compiled_taxonomy(text, up.name)
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


def ingest_uploads(files, data, ws, replace: bool = False) -> list[tuple[bool, str]]:
    """Validate and store uploaded files; returns (stored?, message) per file. Bad files are never stored; a
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


def _ingest_one(f, ws, replace: bool, others: set[str], batch: set[str]) -> tuple[bool, str]:
    raw = f.getvalue()
    name = safe_name(f.name)
    stem = Path(name).stem
    shown = f.name if name == f.name else f"{f.name} (stored as {name})"
    if len(raw) > MAX_UPLOAD_BYTES:
        return False, f"{shown}: file is too large ({len(raw) / 1e6:.1f} MB; limit {MAX_UPLOAD_BYTES / 1e6:.0f} MB)"
    if stem in others:
        return False, f"{shown}: a document called '{stem}' is already loaded (not one you added, so not replaced)"
    if stem in batch:
        return False, f"{shown}: a file of the same name is earlier in this upload; only the first was used"
    batch.add(stem)
    try:
        doc = parse_bytes(raw, name)
        existed = replace and any(Path(n).stem == stem for n in ws.document_names())
        ws.add_document(name, raw, replace=replace)
    except (ValueError, WorkspaceError, OSError) as exc:
        return False, f"{shown}: {exc}"
    return True, f"{'Replaced' if existed else 'Added'} {shown}: {len(doc.passages)} passages ({doc.layout})"
