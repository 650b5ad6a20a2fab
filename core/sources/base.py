"""What a reader is, and the registry that picks one for a file.

A reader (one module per format) exposes ``SOURCE = Source(...)``: a name, the file suffixes it reads, a
``sniff(head, name)`` test on the file's first bytes, and ``parse(data, document, path)`` that returns a
:class:`core.model.Document` or raises ``ValueError`` with a reason in words (the caller adds the file
name). Adding a format is one module and one line in ``core.sources.READERS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ..model import Document

SNIFF_BYTES = 4096


@dataclass(frozen=True)
class Source:
    name: str
    suffixes: tuple[str, ...]
    sniff: Callable[[bytes, str], bool]
    parse: Callable[[bytes, str, str], Document]
    description: str = ""


_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)[\s>/]")


def xml_root(head: bytes) -> str:
    """The name of the first element in an XML file's first bytes ('' when none).

    >>> xml_root(b'<?xml version="1.0"?>\\n<!DOCTYPE publicwhip>\\n<publicwhip scraperversion="a">')
    'publicwhip'
    """
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S)
    m = _ROOT.search(body)
    return m.group(1).decode("ascii", "replace") if m else ""
