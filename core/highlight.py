"""Escaped HTML with highlighted evidence spans. Everything from a document is escaped: a passage
containing <script> or <img onerror=...> renders as text."""

from __future__ import annotations

import html

#: one colour per method so the reason is visible at a glance
METHOD_STYLE = {
    "exact": "background:#ffe58a",
    "fuzzy": "background:#ffc9a8",
    "context": "background:#c9e7ff",
    "section": "background:#e2e2e2",
    "ask": "border-bottom:2px solid #1f5f8b",
    "search": "outline:2px solid #d9534f",
}


def highlight_html(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """``spans``: (start, end, method, title). Overlaps are merged into the earliest span.

    >>> highlight_html("<b>county lines</b>", [(3, 15, "exact", "phrase 'county lines'")])
    '&lt;b&gt;<mark style="background:#ffe58a" title="phrase &#x27;county lines&#x27;">county lines</mark>&lt;/b&gt;'
    """
    out: list[str] = []
    pos = 0
    for start, end, method, title in sorted(spans, key=lambda s: (s[0], -s[1])):
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out.append(html.escape(text[pos:start]))
        style = METHOD_STYLE.get(method, METHOD_STYLE["exact"])
        out.append(f'<mark style="{style}" title="{html.escape(title)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)
