"""Campaigners' own documents (press releases, briefings, reports): placeholder until the document reader lands."""
from __future__ import annotations

from ..model import Document
from .common import DocBuilder


def parse_html(root, document: str, path: str, url: str = "") -> Document:
    from .web_pages import page_lines
    b = DocBuilder(document, path, "document")
    b.doc.url = url
    for line, text in page_lines(root):
        b.add(line, text).add_flag("unknown_layout")
    return b.doc
