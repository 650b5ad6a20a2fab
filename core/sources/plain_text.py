"""Fallback for text in no known layout: every non-blank line is a passage with unknown metadata."""

from __future__ import annotations

from ..model import Document
from .common import DocBuilder, is_blank

LAYOUT = "plain_text"


def parse(text: str, document: str, path: str) -> Document:
    b = DocBuilder(document, path, LAYOUT)
    b.section_index = 0
    for i, raw in enumerate(text.split("\n")):
        if not is_blank(raw):
            b.add(i + 1, raw.strip()).add_flag("unknown_layout")
    b.doc.flags.append("unknown layout: ingested as plain paragraphs with no date, venue or speaker")
    return b.doc
