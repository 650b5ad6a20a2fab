"""Reading documents: pick a reader for each file by its content, parse it into passages, report bad input clearly.

Readers are listed once, in ``READERS`` (detection order: the first whose ``sniff`` accepts a file reads it).
Text files go to the text layouts (``LAYOUTS``), detected by content.

>>> from core.sources import LAYOUTS
>>> [name for name, _ in LAYOUTS]
['parallel_parliament', 'hansard_page', 'twfy_page', 'hansard_record', 'mp_archive', 'document']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

from ..model import Document, IngestError
from . import documents, hansard_api, metadata, parlamint, parlparse, text, web_pages
from .base import SNIFF_BYTES, Source
from .common import MAX_BYTES, check_dates
from .text import LAYOUTS, detect_layout, parse_text  # noqa: F401  (the text layouts' API)

#: Every reader, in detection order (the text reader last). Adding a format: one module, one line here.
READERS: list[Source] = [
    parlparse.SOURCE,
    parlamint.SOURCE,
    hansard_api.SOURCE,
    web_pages.SOURCE,
    documents.DOCX,
    documents.PDF,
    text.SOURCE,
]
#: documentation that sits beside documents in a folder is not a document
SKIP_NAMES = {"readme", "license", "licence", "sources", "copying"}
#: the tool's own files (a store kept beside the documents) are not documents
OWN_SUFFIXES = (".duckdb", ".duckdb.wal", ".duckdb.lock", ".duckdb.search", ".duckdb.search.lock")


def suffixes() -> set[str]:
    return {s for r in READERS for s in r.suffixes}


def reader_for(head: bytes, name: str) -> Source:
    """The reader for a file, by suffix then content; ValueError naming the problem when none fits."""
    suffix = Path(name).suffix.lower()
    candidates = [r for r in READERS if suffix in r.suffixes]
    if not candidates:
        known = ", ".join(sorted(s for s in suffixes() if s))
        raise ValueError(f"unsupported file type '{suffix or '(none)'}' (readable: {known})")
    for r in candidates:
        if r.sniff(head, name):
            return r
    if suffix == ".xml":
        from .base import xml_root

        root = xml_root(head)
        raise ValueError(
            f"unknown XML dialect (root element <{root or '?'}>): not ParlParse, ParlaMint TEI or a "
            "Hansard export this tool reads"
        )
    raise ValueError(f"not a {'/'.join(r.name for r in candidates)} file this tool recognises")


def parse_bytes(
    data: bytes, name: str, document: str | None = None, overrides: dict | None = None, source: str = "the user"
) -> Document:
    """Parse a file's bytes (uploads, tests); raises ValueError with a user-facing reason.

    ``overrides``: metadata the user sets where the document gives none (keys of ``metadata.FIELDS``: date, venue,
    title, speaker, speaker_id, house, kind, url), validated here (ValueError naming the problem); ``source`` says
    who set them in the flags ("the upload form", "--date")."""
    if not data.strip():
        raise ValueError("file is empty")
    if len(data) > MAX_BYTES:
        raise ValueError(f"file is too large ({len(data) / 1e6:.0f} MB; limit {MAX_BYTES / 1e6:.0f} MB)")
    meta = metadata.validate(overrides, source) if overrides else {}
    reader = reader_for(data[:SNIFF_BYTES], name)
    return metadata.apply(check_dates(reader.parse(data, document or Path(name).stem, name)), meta, source)


def document_metadata(path: Path, overrides: dict | None = None) -> tuple[dict, bytes]:
    """The metadata the user set for a file: its sidecar (``name.meta.toml``, validated) under ``overrides`` (the
    command line's, which win), and bytes that identify them (added to the content hash, so a changed sidecar or
    option reads the document again). ValueError naming the sidecar and the problem."""
    meta, raw = metadata.load_sidecar(path)
    if overrides:
        meta = {**meta, **overrides}
        raw += repr(sorted(overrides.items())).encode()
    return meta, raw


def parse_file(path: Path, overrides: dict | None = None) -> Document:
    """Parse one file, with its sidecar metadata and ``overrides`` (validated); raises ValueError naming the problem
    (the caller adds the file name)."""
    size = path.stat().st_size
    if size == 0:
        raise ValueError("file is empty")
    if size > MAX_BYTES:
        raise ValueError(f"file is too large ({size / 1e6:.0f} MB; limit {MAX_BYTES / 1e6:.0f} MB)")
    meta, _raw = document_metadata(path, overrides)
    return parse_bytes(path.read_bytes(), str(path), path.stem, meta, "the user (sidecar or options)")


def _skip_reason(p: Path) -> str | None:
    """Why a file found in a folder is not read as a document (None: it is read)."""
    if p.name.lower().endswith(OWN_SUFFIXES):
        return ""  # the tool's own store files: not mentioned
    if metadata.is_sidecar(p):  # a document's metadata: read with the document, or said to have none
        return "" if metadata.document_of(p) else "skipped: metadata file with no document beside it"
    if p.name.startswith("."):
        return "skipped: hidden file"
    if p.stem.lower() in SKIP_NAMES:
        return "skipped: documentation beside the documents (name the file itself to read it)"
    return None


def iter_files(
    sources: Iterable[Path | str], errors: list[IngestError], superseded: list[Path] | None = None
) -> list[Path]:
    """Files under ``sources`` (folders searched recursively, in name order). A file in a folder whose type no
    reader takes is listed in ``errors`` with the reason, never skipped silently; README/LICENCE files and
    hidden files are documentation, not documents."""
    files: list[Path] = []
    known = suffixes()
    for src in sources:
        src = Path(src)
        if src.is_dir():
            found: list[Path] = []
            for root, dirs, names in os.walk(
                src,
                onerror=lambda e: errors.append(IngestError(str(e.filename), f"cannot list directory ({e.strerror})")),
            ):
                for d in sorted(d for d in dirs if d.startswith(".")):
                    errors.append(IngestError(str(Path(root) / d), "skipped: hidden folder", notice=True))
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root) / n for n in names)
            for p in sorted(found):
                reason = _skip_reason(p)
                if reason is not None or not p.is_file():
                    if reason:
                        errors.append(IngestError(str(p), reason, notice=True))
                    continue
                if p.suffix.lower() in known:
                    files.append(p)
                else:
                    errors.append(IngestError(str(p), f"skipped: unsupported file type '{p.suffix or '(none)'}'"))
        elif src.is_file():
            files.append(src)
        else:
            errors.append(IngestError(str(src), "no such file or directory"))
    # several versions of one ParlParse day (debates2009-10-26a.xml, ...26b.xml): only the latest is read
    kept, old = parlparse.latest_versions(files)
    if superseded is not None:
        superseded.extend(old)
    return kept


def load_documents(
    sources: Iterable[Path | str],
    progress: Callable[[int, int, str], None] | None = None,
    overrides: dict | None = None,
) -> tuple[list[Document], list[IngestError]]:
    """Parse every file under ``sources``. Bad files are reported in the error list and skipped;
    the others are still ingested. Document ids must be unique: a second file with the same id is refused."""
    errors: list[IngestError] = []
    files = iter_files(sources, errors)
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for n, path in enumerate(files):
        if progress:
            progress(n, len(files), path.name)
        try:
            doc = parse_file(path, overrides)
        except PermissionError:
            errors.append(IngestError(str(path), "permission denied: the file cannot be read"))
            continue
        except (ValueError, OSError) as exc:
            errors.append(IngestError(str(path), str(exc)))
            continue
        if doc.document in seen:
            errors.append(IngestError(str(path), f"document id '{doc.document}' already used by {seen[doc.document]}"))
            continue
        seen[doc.document] = str(path)
        docs.append(doc)
    if progress:
        progress(len(files), len(files), "")
    return docs, errors
