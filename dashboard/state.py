"""The whole view in the URL, so a copied link opens the same view.

* The sidebar's filters <-> query parameters (``from_query`` / ``to_query``: pure, no Streamlit).
* Each view's own choices (the theme picked, the bins, the ask drilled into, toggles, the page of results):
  ``bind`` seeds a widget's value from the URL the first time it is drawn in a session (a value the view does not
  offer is ignored), ``publish`` writes the value back (left out while it is the default, so links stay short).

Streamlit clears the query parameters when the user changes page; the sidebar and the new page write theirs again.
"""

from __future__ import annotations

from datetime import date

from core.summary import FilterState

KEYS = {"themes": "themes", "venues": "venues", "speakers": "speakers", "documents": "docs"}
#: every parameter the sidebar owns (the views' parameters are the others)
FILTER_PARAMS = (*KEYS.values(), "from", "to", "undated", "q")


def _split(v) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, (list, tuple)):
        v = ",".join(v)
    return tuple(x for x in str(v).split(",") if x)


def _date(v) -> date | None:
    try:
        return date.fromisoformat(str(v)) if v else None
    except ValueError:
        return None


def from_query(params, allowed: dict[str, set[str]]) -> FilterState:
    """Read filters from query parameters, dropping values this corpus does not have."""
    kw = {}
    for field, key in KEYS.items():
        kw[field] = tuple(x for x in _split(params.get(key)) if x in allowed.get(field, set()))
    undated = {"1": True, "0": False}.get(str(params.get("undated", "")))
    return FilterState(
        date_from=_date(params.get("from")),
        date_to=_date(params.get("to")),
        include_undated=undated,
        query=str(params.get("q", "") or ""),
        **kw,
    )


def to_query(state: FilterState) -> dict[str, str]:
    q: dict[str, str] = {}
    for field, key in KEYS.items():
        v = getattr(state, field)
        if v:
            q[key] = ",".join(v)
    if state.date_from:
        q["from"] = state.date_from.isoformat()
    if state.date_to:
        q["to"] = state.date_to.isoformat()
    if state.include_undated is not None:
        q["undated"] = "1" if state.include_undated else "0"
    if state.query:
        q["q"] = state.query
    return q


def encode(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def decode(text: str, like):
    """``text`` from the URL as the type of ``like`` (the widget's default); None when it cannot be read."""
    try:
        if isinstance(like, list):
            return [x for x in text.split(",") if x]
        if isinstance(like, bool):
            return {"1": True, "0": False}[text]
        if isinstance(like, int):
            return int(text)
        if isinstance(like, date):
            return date.fromisoformat(text)
    except (KeyError, ValueError):
        return None
    return text


def bind(key: str, param: str, default, options=None) -> None:
    """Before drawing the widget ``key``: the first time in a session, its value from the URL's ``param`` (when it
    is one of ``options``, if given), else ``default``. The widget is then drawn without a value of its own."""
    import streamlit as st

    if key in st.session_state:
        if options is not None and st.session_state[key] not in options:  # e.g. a theme filtered out since
            st.session_state[key] = default
        return
    raw = st.query_params.get(param)
    value = decode(raw, default) if raw is not None else None
    ok = value is not None and (options is None or value in options)
    st.session_state[key] = value if ok else default


def publish(param: str, value, default) -> None:
    """The widget's value into the URL (removed when it is the default)."""
    import streamlit as st

    if value == default or value is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != encode(value):
        st.query_params[param] = encode(value)


def publish_filters(state: FilterState) -> None:
    """The sidebar's filters into the URL, leaving the view's own parameters as they are."""
    import streamlit as st

    q = to_query(state)
    for p in FILTER_PARAMS:
        if p in q:
            if st.query_params.get(p) != q[p]:
                st.query_params[p] = q[p]
        elif p in st.query_params:
            del st.query_params[p]
