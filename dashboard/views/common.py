"""Small helpers shared by the views (layout only)."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from core.export import to_csv_bytes
from core.schema import labels as schema_labels
from core.summary import FilterState, describe, plural, slug
from dashboard.state import bind, publish
from dashboard.text import html_block, md_escape

PER_PAGE = 25


def caption(state: FilterState, n: int, labels: dict[str, str], noun: str = "passages") -> None:
    """The filters in words (labels, venues, speakers and the search text are the user's or a document's)."""
    st.markdown(f"**{md_escape(describe(state, n, labels, noun))}**")


def read_only(data, what: str) -> bool:
    """True (with a line saying why and what to do instead) when the store shown is the user's own, opened
    read-only: ``what`` would write to it or re-tag it."""
    if not data.read_only:
        return False
    st.info(
        md_escape(
            f"{what} is turned off: this is your own store ({data.store}), opened read-only. "
            f"Change it with the command line instead (campaign-tracker ingest / review --store "
            f"{data.store}); the dashboard shows the change at its next rerun."
        )
    )
    return True


def show_html(markup: str) -> None:
    """Escaped HTML (document text escaped with md_escape or core.highlight), on one line: see html_block."""
    st.markdown(html_block(markup), unsafe_allow_html=True)


def download(
    df,
    what: str,
    state: FilterState,
    key: str,
    label: str,
    labels: dict[str, str] | None = None,
    noun: str = "rows",
    extra: str = "",
    n: int | None = None,
) -> None:
    """A CSV download whose file name and caption say what it holds (the filters, undated in or out). ``df``: a
    frame, or a function making it (of ``n`` rows) only when the button is clicked (rows read from the store)."""
    extra = re.sub(r"[^\w.-]+", "-", extra).strip("-")[:40]
    name = f"{what}_{slug(state)}{'_' + extra if extra else ''}.csv"
    payload = (lambda: to_csv_bytes(df())) if callable(df) else to_csv_bytes(df)
    st.download_button(label, data=payload, file_name=name, mime="text/csv", key=key)
    st.caption(md_escape(f"{name}: {describe(state, len(df) if n is None else n, labels, noun)}"))


def passage_csv(data, ids):
    """The passages ``ids`` as the CLI's export writes them (read from the store when the download is clicked)."""
    from core.model import COLUMNS

    return lambda: data.rows(list(ids), COLUMNS)


#: columns a reader needs first, in this order; then the rest as they come
FIRST = ("text", "label", "status", "response_text", "date", "title", "venue", "speaker")


def table(df: pd.DataFrame, schema: str, key: str, first=FIRST, hide=(), extra: dict | None = None) -> None:
    """``st.dataframe`` with the schema's column labels, the text first, links as links, ``hide`` not shown (but
    kept in the data). ``extra``: column -> a label or a column config."""
    cols = [c for c in first if c in df] + [
        c for c in df.columns if c not in first and c not in hide and not str(c).startswith(("th:", "_"))
    ]
    lab = schema_labels(schema)
    config = {c: st.column_config.Column(lab.get(c, str(c).replace("_", " ").capitalize())) for c in cols}
    for c in ("text", "response_text"):
        if c in cols:
            config[c] = st.column_config.TextColumn(lab.get(c, c), width="large")
    if "url" in cols:
        config["url"] = st.column_config.LinkColumn(lab.get("url", "Source link"), display_text="open ↗")
    if "title" in cols:
        config["title"] = st.column_config.TextColumn("Document")
    config.update({c: st.column_config.Column(v) if isinstance(v, str) else v for c, v in (extra or {}).items()})
    keep = [c for c in df.columns if not str(c).startswith(("th:", "_"))]  # hidden ones stay in the data
    shown = iso_dates(df[keep].astype({c: str for c in keep if isinstance(df[c].dtype, pd.CategoricalDtype)}))
    st.dataframe(shown, hide_index=True, key=key, column_order=cols, column_config=config)


def iso_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Date and time columns as ISO text: a day as YYYY-MM-DD, a moment as YYYY-MM-DD HH:MM (a table would show a
    timestamp, or a day at midnight); a missing one as empty text."""
    out = df
    for c in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[c]):
            v = df[c]
            days = bool(((v.dt.normalize() == v) | v.isna()).all())
            out = out.assign(**{c: v.dt.strftime("%Y-%m-%d" if days else "%Y-%m-%d %H:%M").fillna("")})
    return out


def query_terms(query: str) -> list[str]:
    """The words and phrases a search looks for (operators and NOT-ed terms left out), for highlighting."""
    tokens = re.findall(r'"[^"]*"?|[^\s()"]+', query or "")
    out, skip = [], False
    for t in tokens:
        if t in ("AND", "OR"):
            continue
        if t == "NOT":
            skip = True
            continue
        if not skip:
            out.append(t.strip('"').strip())
        skip = False
    return [t for t in out if t.strip("*")]


def query_spans(text: str, query: str) -> list[tuple[int, int, str, str]]:
    """Where the search's words occur (any case, word starts: the index stems, so 'inspect' finds 'inspected')."""
    out = []
    for term in query_terms(query):
        words = [re.escape(w) for w in re.findall(r"\w+", term)]
        if not words:
            continue
        pattern = r"\b" + r"\W+".join(words) + r"\w*"
        out += [(m.start(), m.end(), "search", f"search: {term}") for m in re.finditer(pattern, text, re.I)]
    return out


def pager(n: int, key: str, param: str, per_page: int = PER_PAGE) -> int:
    """A page picker for ``n`` rows (its page in the URL); returns the first row of the page."""
    pages = max(1, -(-n // per_page))
    if pages == 1:
        return 0
    bind(key, param, 1, options=range(1, pages + 1))
    page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, step=1, key=key)
    publish(param, int(page), 1)
    return (int(page) - 1) * per_page


def cards(
    data, df, themes: tuple[str, ...] = (), query: str = "", key: str = "", param: str = "", noun: str = "passages"
) -> None:
    """Passage cards, a page at a time (with a pager when ``key`` is given, else the first page). ``df``: the
    passages in order, as a frame or their ids."""
    from dashboard.cards import passage_card

    ids = df["passage_id"].to_numpy() if isinstance(df, pd.DataFrame) else df
    start = pager(len(ids), key, param) if key else 0
    page = list(ids[start : start + PER_PAGE])
    shown = data.rows(page)  # the page's text, read from the store
    tags = data.tags(page, themes)
    by_pid = {pid: g for pid, g in tags.groupby("passage_id")}
    for _, row in shown.iterrows():
        show_html(passage_card(row, by_pid.get(row["passage_id"], tags.iloc[0:0]), query_spans(row["text"], query)))
    if len(ids) > len(shown):
        st.caption(
            f"Showing {start + 1}–{start + len(shown)} of {plural(len(ids), noun)}"
            + ("; the CSV has them all." if key else "; narrow the filters or download the CSV for all.")
        )
