"""HTML for passage cards. Every piece of document text is escaped: the passage by core.highlight, names,
titles and reasons by md_escape (for Markdown as well as HTML)."""

from __future__ import annotations

import pandas as pd

from core.highlight import highlight_html
from dashboard.text import md_escape


def meta_line(row) -> str:
    """Date · venue · speaker · section (when the row has one) · passage id, each escaped."""
    parts = [
        row["date"] or "undated",
        row["venue"] or "venue unknown",
        row["speaker"] or "speaker unknown",
        row.get("section_title") or "",
        row["passage_id"],
    ]
    return " · ".join(md_escape(str(p)) for p in parts if p)


def passage_card(row, tags: pd.DataFrame, extra_spans=()) -> str:
    """A passage with its evidence highlighted and the reasons listed."""
    spans = [
        (int(t.start), int(t.end), t.method, f"{t.theme}: {t.method} ({t.score:.2f}) — {t.reason}")
        for t in tags.itertuples()
    ] + list(extra_spans)
    reasons = "".join(
        f"<li><code>{md_escape(t.theme)}</code> · {md_escape(t.method)} · “{md_escape(t.matched_text)}” — "
        f"{md_escape(t.reason)}</li>"
        for t in tags.drop_duplicates(["theme", "reason"]).head(8).itertuples()
    )
    dup = f" · duplicate of {md_escape(row['duplicate_of'])}" if row.get("duplicate_of") else ""
    return (
        f'<div style="border-left:3px solid #1f5f8b;padding:4px 10px;margin:8px 0">'
        f'<div style="font-size:0.8em;color:#555">{meta_line(row)}{dup}</div>'
        f"<div>{highlight_html(row['text'], spans)}</div>"
        f"{'<ul style=font-size:0.8em>' + reasons + '</ul>' if reasons else ''}</div>"
    )
