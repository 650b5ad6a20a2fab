"""Ingest: detect each file's layout by its content, parse it into passages, report bad input clearly.

>>> from core.ingest import LAYOUTS
>>> [name for name, _ in LAYOUTS]
['parallel_parliament', 'hansard_page', 'mp_archive']
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from ..model import Document, IngestError
from . import hansard_page, mp_archive, parallel_parliament, plain_text
from .common import decode_bytes, read_text

#: (layout name, module) in detection order; the first whose ``looks_like`` accepts the text wins.
LAYOUTS = [
    (parallel_parliament.LAYOUT, parallel_parliament),
    (hansard_page.LAYOUT, hansard_page),
    (mp_archive.LAYOUT, mp_archive),
]
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
#: documentation that sits beside documents in a folder is not a document
SKIP_NAMES = {"readme", "license", "licence", "sources"}


def detect_layout(text: str) -> str:
    for name, module in LAYOUTS:
        if module.looks_like(text):
            return name
    return plain_text.LAYOUT


def parse_text(text: str, document: str, path: str = "") -> Document:
    """Parse already-decoded text (used by uploads and tests)."""
    layout = detect_layout(text)
    module = dict(LAYOUTS).get(layout, plain_text)
    return module.parse(text, document, path or document)


def parse_bytes(data: bytes, name: str) -> Document:
    """Parse an uploaded file's bytes; raises ValueError with a user-facing reason."""
    return parse_text(decode_bytes(data), Path(name).stem, name)


def parse_file(path: Path) -> Document:
    """Parse one file; raises ValueError naming the problem (the caller adds the file name)."""
    return parse_text(read_text(path), path.stem, str(path))


def iter_files(sources: Iterable[Path | str], errors: list[IngestError]) -> list[Path]:
    files: list[Path] = []
    for src in sources:
        src = Path(src)
        if src.is_dir():
            try:
                children = sorted(p for p in src.iterdir() if not p.name.startswith("."))
            except OSError as exc:
                errors.append(IngestError(str(src), f"cannot list directory ({exc.strerror})"))
                continue
            files.extend(p for p in children if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
                         and p.stem.lower() not in SKIP_NAMES)
        elif src.is_file():
            files.append(src)
        else:
            errors.append(IngestError(str(src), "no such file or directory"))
    return files


def load_documents(sources: Iterable[Path | str], progress: Callable[[int, int, str], None] | None = None
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
            doc = parse_file(path)
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
