"""Sources: documents ingested and their data-quality flags, adding documents, and the taxonomy in use."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.sources import parse_bytes, suffixes
from core.tagging import compiled_taxonomy
from core.taxonomy import DEFAULT_PATH, TaxonomyError
from core.workspace import default_workspace, safe_name

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
        st.error(str(err))
    for msg in st.session_state.pop("upload_messages", []):
        (st.success if msg.startswith("Added") else st.error)(msg)

    st.subheader("Add documents")
    st.caption("Added documents are kept in the workspace folder and read into the store with the seeds; "
               "a document already in the store is not read again.")
    files = st.file_uploader("Hansard XML (ParlParse, ParlaMint), Hansard API JSON, or text: Parallel Parliament, "
                             "Hansard pages, MP archives, plain text",
                             accept_multiple_files=True, type=sorted(s.lstrip(".") for s in suffixes() if s),
                             key="src_upload")
    if files and st.button("Ingest uploaded files", key="src_ingest"):
        st.session_state["upload_messages"] = ingest_uploads(files, data, ws)
        st.rerun()
    stored = [name for name, _ in ws.documents()]
    if stored:
        with st.expander(f"Documents you added ({len(stored)})"):
            for name in stored:
                c1, c2 = st.columns([4, 1])
                c1.write(name)
                if c2.button("Remove", key=f"src_rm_{name}"):
                    ws.remove_document(name)
                    st.rerun()

    st.subheader("Taxonomy")
    tax = data.taxonomy
    saved = ws.taxonomy_text()
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
            compiled_taxonomy(text, up.name)
        except (UnicodeDecodeError, TaxonomyError) as exc:
            st.error(f"{up.name}: {exc} — the previous taxonomy is still in use.")
        else:
            ws.save_taxonomy(text)
            st.rerun()
    if saved and st.button("Back to the default taxonomy", key="src_tax_reset"):
        ws.clear_taxonomy()
        st.rerun()


def ingest_uploads(files, data, ws) -> list[str]:
    """Validate and store uploaded files; returns one message per file. Bad files are never stored."""
    existing = {d.document for d in data.corpus.documents}
    messages = []
    bar = st.progress(0.0, text="Ingesting…")
    for n, f in enumerate(files, start=1):
        raw = f.getvalue()
        name = safe_name(f.name)
        stem = name.rsplit(".", 1)[0]
        if len(raw) > MAX_UPLOAD_BYTES:
            messages.append(f"{f.name}: file is too large ({len(raw) / 1e6:.1f} MB; limit {MAX_UPLOAD_BYTES / 1e6:.0f} MB)")
        elif stem in existing:
            messages.append(f"{f.name}: a document called '{stem}' is already loaded")
        else:
            try:
                doc = parse_bytes(raw, name)
            except ValueError as exc:
                messages.append(f"{f.name}: {exc}")
            else:
                ws.add_document(name, raw)
                existing.add(stem)
                messages.append(f"Added {f.name}: {len(doc.passages)} passages ({doc.layout})")
        bar.progress(n / len(files), text=f"Ingesting {f.name}")
    return messages
