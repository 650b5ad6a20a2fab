"""FilterState <-> the URL's query parameters, so a filtered view can be bookmarked and shared."""
from __future__ import annotations

from datetime import date

from core.summary import FilterState

KEYS = {"themes": "themes", "venues": "venues", "speakers": "speakers", "documents": "docs"}


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
    return FilterState(
        date_from=_date(params.get("from")), date_to=_date(params.get("to")),
        include_undated=str(params.get("undated", "1")) != "0", query=str(params.get("q", "") or ""), **kw)


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
    if not state.include_undated:
        q["undated"] = "0"
    if state.query:
        q["q"] = state.query
    return q
