"""Text files (.txt, .md): the text layouts, detected by content (Parallel Parliament, Hansard page, TheyWorkForYou
page, publications.parliament.uk / historic Hansard page, MP archive, a press release or briefing), else plain
paragraphs."""

from __future__ import annotations

from ..model import Document
from . import documents, hansard_page, hansard_record, mp_archive, parallel_parliament, plain_text, twfy_text
from .base import Source
from .common import CP1252_FLAG, CP1252_NOTE, decode_bytes

#: (layout name, module) in detection order; the first whose ``looks_like`` accepts the text wins.
LAYOUTS = [
    (parallel_parliament.LAYOUT, parallel_parliament),
    (hansard_page.LAYOUT, hansard_page),
    (twfy_text.LAYOUT, twfy_text),
    (hansard_record.LAYOUT, hansard_record),
    (mp_archive.LAYOUT, mp_archive),
    (documents.LAYOUT, documents),
]
SUFFIXES = (".txt", ".text", ".md", "")


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


def _sniff(head: bytes, name: str) -> bool:
    return True  # the last reader: any file with a text suffix


def _parse(data: bytes, document: str, path: str) -> Document:
    notes: list[str] = []
    doc = parse_text(decode_bytes(data, notes), document, path)
    doc.flags[:0] = notes
    flag_windows_1252(doc)
    return doc


def flag_windows_1252(doc: Document) -> Document:
    """Every passage of a document decoded as Windows-1252 carries the data-quality flag."""
    if any(f.startswith(CP1252_NOTE) for f in doc.flags):
        for p in doc.passages:
            p.add_flag(CP1252_FLAG)
    return doc


SOURCE = Source("text", SUFFIXES, _sniff, _parse, "text pages and documents (.txt, .md)")
