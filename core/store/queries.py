"""Reading the store a page at a time, for views over millions of passages (the dashboard; no Streamlit here).

- ``passage_frame``: one row per passage *without its text*, with what filtering and counting need, prepared as
  ``core.summary.prepare`` prepares a frame (date bounds, one boolean column per theme, ``_canonical``, ``_prec``,
  ``_m``, categorical venue / speaker / document). Built by DuckDB and handed over as Arrow: about 0.4 s at a
  million passages, against seconds for the whole table with its text.
- ``passage_rows`` / ``tag_rows``: whole rows (text included) of the passages a view shows, by id.
- ``reviewed``: the store's review decisions applied to that frame, the asks and the tags of reviewed passages,
  reading only the reviewed passages' rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..summary import PRECISION_ORDER, THEME_PREFIX

#: the passage columns kept for every row (the rest, text included, is read for the rows shown)
FRAME_COLUMNS = [
    "passage_id",
    "document",
    "date",
    "date_precision",
    "venue",
    "speaker",
    "duplicate_of",
    "line",
    "section_index",
]
#: few distinct values: categorical makes counting and filtering cheap
_CATEGORICAL = ("document", "date", "date_precision", "venue", "speaker", "duplicate_of")
_START = (
    "CASE length(date) WHEN 10 THEN try_cast(date AS DATE) WHEN 7 THEN try_cast(date || '-01' AS DATE) "
    "WHEN 4 THEN try_cast(date || '-01-01' AS DATE) END"
)
_END = (
    "CASE length(date) WHEN 10 THEN try_cast(date AS DATE) WHEN 7 THEN last_day(try_cast(date || '-01' AS DATE)) "
    "WHEN 4 THEN try_cast(date || '-12-31' AS DATE) END"
)


def _sql_str(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def passage_frame(store, theme_ids, ids=None) -> pd.DataFrame:
    """Every passage (or the passages ``ids``) without its text, prepared for ``core.summary``'s filters and counts
    (see the module)."""
    themes = ", ".join(f'list_contains(themes, {_sql_str(t)}) AS "{THEME_PREFIX}{t}"' for t in theme_ids)
    cols = ", ".join(
        f'coalesce("{c}", \'\') AS "{c}"' if c in _CATEGORICAL or c == "passage_id" else f'"{c}"' for c in FRAME_COLUMNS
    )
    # the year and month index worked out by DuckDB (pandas' datetime accessors took 0.8 s at 10 M passages)
    derived = (
        f"{_START} AS date_start, {_END} AS date_end, CAST(year({_START}) AS SMALLINT) AS year, "
        f"CAST(coalesce(year({_START}) * 12 + month({_START}) - 1, -1) AS INTEGER) AS _m"
    )
    sql = f"SELECT {cols}, {derived}{', ' + themes if themes else ''} FROM passages"
    if ids is not None:
        ids = [str(i) for i in ids]
        sql += " WHERE " + (_in("passage_id", ids) if ids else "FALSE")
    table = store.con.cursor().sql(sql, params=_args(ids) if ids else None).to_arrow_table()
    table = pa.table({c: pc.dictionary_encode(table[c]) if c in _CATEGORICAL else table[c] for c in table.column_names})
    df = table.to_pandas(date_as_object=False, types_mapper={pa.int16(): pd.Int64Dtype()}.get)  # year: Int64
    for c in _CATEGORICAL:  # categories in text order (as astype("category") gives them), so sorting is by text
        cats = df[c].cat.categories
        if len(cats):
            df[c] = df[c].cat.reorder_categories(sorted(cats))
    for c in ("date_start", "date_end"):
        df[c] = pd.to_datetime(df[c])
    for c in ("line", "section_index"):
        df[c] = df[c].astype("int64")
    df["_canonical"] = (df["duplicate_of"] == "").to_numpy()
    prec = df["date_precision"].cat.categories.map(lambda p: PRECISION_ORDER.get(p, 3))
    df["_prec"] = (
        np.asarray(prec, dtype="int8")[df["date_precision"].cat.codes.to_numpy()]
        if len(df)
        else pd.Series(dtype="int8")
    )
    for t in theme_ids:
        df[THEME_PREFIX + t] = df[THEME_PREFIX + t].fillna(False).astype(bool)
    return df


def documents_table(docs: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per document (``docs``: the documents table) with its passages, duplicates, undated passages and
    passages without a speaker counted from ``passage_frame``."""
    doc = frame["document"]
    flags = {
        "passages": None,
        "duplicates": (frame["duplicate_of"] != "").to_numpy(),
        "undated": (frame["date"] == "").to_numpy(),
        "no_speaker": (frame["speaker"] == "").to_numpy(),
    }
    if isinstance(doc.dtype, pd.CategoricalDtype):  # counted by code: a groupby took 1.2 s at 10 M passages
        codes, n = doc.cat.codes.to_numpy(), len(doc.cat.categories)
        counts = pd.DataFrame(
            {k: np.bincount(codes if v is None else codes[v], minlength=n) for k, v in flags.items()},
            index=doc.cat.categories,
        )
    else:
        counts = (
            pd.DataFrame({k: np.ones(len(frame), dtype="int64") if v is None else v for k, v in flags.items()})
            .groupby(doc.to_numpy())
            .sum()
        )
    counts.index = counts.index.astype(str)
    out = docs[["document", "layout", "title", "flags"]].merge(counts, how="left", left_on="document", right_index=True)
    cols = ["passages", "duplicates", "undated", "no_speaker"]
    out[cols] = out[cols].fillna(0).astype("int64")
    return out[["document", "layout", "title", *cols, "flags"]].sort_values("document").reset_index(drop=True)


#: up to this many values, ``column IN (?, ?, …)``: DuckDB looks them up (a few ms for a page of rows), where a
#: list parameter scans the column (tens of ms at a million rows)
IN_LIST = 1000


def _in(column: str, values: list | None = None) -> str:
    if values is not None and 0 < len(values) <= IN_LIST:
        return f"{column} IN ({', '.join('?' * len(values))})"
    return f"{column} IN (SELECT unnest(?::VARCHAR[]))"


def _args(values: list) -> list:
    """The parameters ``_in(column, values)`` takes."""
    return list(values) if 0 < len(values) <= IN_LIST else [list(values)]


def passage_rows(store, ids, columns: list[str] | None = None) -> pd.DataFrame:
    """The passages ``ids`` as whole rows (the schema's columns, or ``columns``; lists joined with ';'), in the
    order of ``ids`` (an id not in the store is left out)."""
    ids = [str(i) for i in ids]
    df = (
        store.frame("passages", where=_in("passage_id", ids), params=_args(ids))
        if ids
        else store.frame("passages", "FALSE")
    )
    if columns is not None:
        df = df[columns]
    order = {pid: i for i, pid in enumerate(ids)}
    return df.iloc[np.argsort([order[p] for p in df["passage_id"]], kind="stable")].reset_index(drop=True)


def tag_rows(store, ids, themes=()) -> pd.DataFrame:
    """The stored tags of the passages ``ids`` (of ``themes`` only, when given), as stored."""
    ids = [str(i) for i in ids]
    if not ids:
        return store.frame("tags", "FALSE")
    where, params = _in("passage_id", ids), _args(ids)
    if themes:
        where += " AND " + _in("theme")
        params.append([str(t) for t in themes])
    return store.frame("tags", where=where, params=params)


def section_rows(store, document: str, section_index: int) -> pd.DataFrame:
    """One section of a document, in line order."""
    df = store.frame("passages", where="document = ? AND section_index = ?", params=[document, int(section_index)])
    return df.sort_values("line", kind="stable").reset_index(drop=True)


def document_runs(store, size: int) -> list[tuple[str, str]]:
    """Runs of consecutive documents (by name) of about ``size`` passages each, as (first, last): work over the whole
    store a run at a time (``document BETWEEN first AND last``) holds whole documents, so no section is split."""
    counts = store.con.execute("SELECT document, count(*) FROM passages GROUP BY document ORDER BY document").fetchall()
    return runs(counts, size)


def runs(counts: list[tuple[str, int]], size: int) -> list[tuple[str, str]]:
    """(first, last) of runs of ``counts`` (name, passages) of about ``size`` passages (a run ends before the
    document that would take it over ``size``; a larger document is a run of its own).

    >>> runs([("a", 3), ("b", 3), ("c", 5), ("d", 1)], 6)
    [('a', 'b'), ('c', 'd')]
    """
    out: list[tuple[str, str]] = []
    first, last, n = None, "", 0
    for doc, k in counts:
        if first is not None and n + k > size:
            out.append((first, last))
            first, n = None, 0
        if first is None:
            first = doc
        last, n = doc, n + k
    if first is not None:
        out.append((first, last))
    return out


def document_batches(store, columns: list[str], size: int = 50_000):
    """Every passage's ``columns`` (text included), whole documents at a time (about ``size`` passages a batch,
    so a section is never split), for work over the whole store that must not hold it all."""
    for lo, hi in document_runs(store, size):
        yield store.frame("passages", where="document BETWEEN ? AND ?", params=[lo, hi])[columns]


def quality_counts(store) -> dict[str, int]:
    """Duplicates, undated passages and passages in no known layout."""
    dup, undated, plain = store.con.execute(
        "SELECT count(*) FILTER (WHERE duplicate_of <> ''), count(*) FILTER (WHERE date = ''), "
        "count(*) FILTER (WHERE layout = 'plain_text') FROM passages"
    ).fetchone()
    return {"duplicates": int(dup), "undated": int(undated), "plain_text": int(plain)}


def flagged(store, limit: int = 1000) -> tuple[int, pd.DataFrame]:
    """(how many passages carry a quality flag, the first ``limit`` of them)."""
    n = int(store.con.execute("SELECT count(*) FROM passages WHERE len(quality_flags) > 0").fetchone()[0])
    df = store.frame("passages", where=f"len(quality_flags) > 0 ORDER BY document, line LIMIT {int(limit)}")
    return n, df


# ---- the filters as SQL: counting in the store, without a frame ------------------------------------------------
def where(state, ids=None) -> tuple[str, list]:
    """``core.summary.filter_mask`` (canonical passages only) as a WHERE clause over ``passages`` and its
    parameters; ``ids``: the passages a search found (None: no search)."""
    parts, params = ["duplicate_of = ''"], []
    for column, values in (("venue", state.venues), ("speaker", state.speakers), ("document", state.documents)):
        if values:
            parts.append(_in(column, list(values)))
            params += _args(list(values))
    if state.themes:
        parts.append("list_has_any(themes, ?::VARCHAR[])")
        params.append(list(state.themes))
    # a date at its precision overlaps the range: compared as text with the bound cut to the date's length
    # ('2019-10' ends on or after 2019-10-05 because '2019-10' >= '2019-10'), no date parsed per row
    if state.has_range:
        rng = ["date <> ''"]
        if state.date_from:
            rng.append("date >= substr(?, 1, length(date))")
            params.append(state.date_from.isoformat())
        if state.date_to:
            rng.append("date <= substr(?, 1, length(date))")
            params.append(state.date_to.isoformat())
        undated = " OR date = ''" if state.keeps_undated else ""
        parts.append(f"(({' AND '.join(rng)}){undated})")
    elif not state.keeps_undated:
        parts.append("date <> ''")
    if ids is not None:
        ids = [str(i) for i in ids]
        parts.append(_in("passage_id", ids) if ids else "FALSE")
        params += _args(ids) if ids else []
    return " AND ".join(parts), params


def theme_counts(store, theme_ids, state, review: "Reviewed | None" = None, ids=None) -> dict[str, int]:
    """Canonical passages per theme matching the filters, counted by DuckDB in the store; the reviewed passages
    (few) are counted from their reviewed themes instead of their stored ones."""
    from ..summary import filter_mask

    sql, params = where(state, ids)
    done = sorted(review.passages) if review is not None and review.passages else []
    if done:
        sql += " AND NOT " + _in("passage_id", done)
        params += _args(done)
    rows = store.con.execute(
        f"SELECT t, count(*) FROM (SELECT unnest(list_distinct(themes)) AS t FROM passages WHERE {sql}) GROUP BY t",
        params,
    ).fetchall()
    found = dict(rows)
    out = {t: int(found.get(t, 0)) for t in theme_ids}
    if done:
        sub = review.frame[review.frame["passage_id"].isin(done)]
        if ids is not None:
            sub = sub[sub["passage_id"].isin(set(map(str, ids)))]
        m = filter_mask(sub, state)
        for t in theme_ids:
            out[t] += int((m & sub[THEME_PREFIX + t]).sum())
    return out


@dataclass
class Reviewed:
    frame: pd.DataFrame  # passage_frame with the reviewed themes
    asks: pd.DataFrame  # counted asks (reviews applied)
    detected_asks: pd.DataFrame  # the detector's asks
    decisions: pd.DataFrame  # every decision with its state
    tags: pd.DataFrame  # the tags of the reviewed passages, reviews applied
    passages: frozenset  # the reviewed passages' ids


def reviewed(store, frame: pd.DataFrame, asks: pd.DataFrame, theme_ids) -> Reviewed:
    """The store's review decisions (``core.review``) applied to ``frame`` (passage_frame), the asks and the tags,
    reading the whole rows of the reviewed passages only."""
    from ..review import apply, decisions

    dec = decisions(store)
    pids = list(dict.fromkeys(dec["passage_id"])) if len(dec) else []
    rows = passage_rows(store, pids)
    tags = tag_rows(store, pids)
    done = apply(rows, tags, asks, dec, set(theme_ids) | set(tags["theme"]))
    if len(done.passages):
        frame = frame.copy(deep=False)
        pos = pd.Series(np.arange(len(frame)), index=frame["passage_id"].to_numpy())
        at = pos.reindex(done.passages["passage_id"].to_numpy())
        keep = at.notna().to_numpy()
        where = at[keep].astype("int64").to_numpy()
        sets = [set(str(s).split(";")) for s in done.passages["themes"].to_numpy()[keep]]
        for t in theme_ids:
            col = frame[THEME_PREFIX + t].to_numpy().copy()
            col[where] = [t in s for s in sets]
            frame[THEME_PREFIX + t] = col
    return Reviewed(frame, done.asks, asks, done.decisions, done.tags, frozenset(pids))


def reviewed_tags(store, ids, review: Reviewed | None, themes=()) -> pd.DataFrame:
    """The tags as counted of the passages ``ids`` (None: of every passage; then ``themes`` must be given):
    the stored tags, those of reviewed passages taken from ``review``."""
    done = review.passages if review is not None else frozenset()
    if ids is None:
        out = store.frame("tags", where=_in("theme"), params=[[str(t) for t in themes]])
        out = out[~out["passage_id"].isin(done)] if done else out
        mine = review.tags if done else None
    else:
        ids = [str(i) for i in ids]
        out = tag_rows(store, [i for i in ids if i not in done], themes)
        mine = review.tags[review.tags["passage_id"].isin(set(ids) & done)] if done else None
    if mine is not None and len(mine):
        if themes:
            mine = mine[mine["theme"].isin(themes)]
        out = pd.concat([out, mine[out.columns]], ignore_index=True)
    return out.reset_index(drop=True)


def evidence(store, theme: str, ids, review: Reviewed | None) -> pd.DataFrame:
    """``core.summary.evidence_breakdown`` of the tags as counted (``reviewed_tags(store, None, review, (theme,))``)
    of the passages ``ids`` (an Arrow-backed column or a list), grouped by DuckDB in the store: the theme's tags are
    never read into Python (8 M rows for a theme of a 10 M-passage store took 17 s as objects). The reviewed
    passages' tags (few) are counted here and added; groups come in the order their first tag does, then the same
    sort as ``evidence_breakdown``."""
    import pyarrow as pa

    from ..summary import _SECTION_DETAIL, EVIDENCE_COLUMNS, evidence_key

    done = sorted(review.passages) if review is not None else []
    arr = ids.array if isinstance(ids, pd.Series) else ids
    wanted = pa.table({"id": pa.array(arr) if hasattr(arr, "__arrow_array__") else pa.array(list(arr), pa.string())})
    con = store.con.cursor()
    con.register("_wanted", wanted)
    try:
        stored = con.execute(
            "SELECT evidence, method, count(DISTINCT passage_id) AS passages, count(*) AS occurrences, "
            "arg_min(matched_text, r) AS example, min(r) AS first FROM ("
            "SELECT rowid AS r, passage_id, coalesce(method, '') AS method, coalesce(matched_text, '') AS matched_text, "
            "regexp_replace(coalesce(reason, ''), ?, '') AS evidence FROM tags "
            "WHERE theme = ? AND passage_id IN (SELECT id FROM _wanted)"
            + (" AND passage_id NOT IN (SELECT unnest(?::VARCHAR[]))" if done else "")
            + ") GROUP BY evidence, method ORDER BY first",
            [_SECTION_DETAIL, theme, *([done] if done else [])],
        ).df()
        reviewed_here = (
            [
                r[0]
                for r in con.execute(
                    "SELECT id FROM _wanted WHERE id IN (SELECT unnest(?::VARCHAR[]))", [done]
                ).fetchall()
            ]
            if done
            else []
        )
    finally:
        con.unregister("_wanted")
    stored = stored.drop(columns="first")
    stored["example"] = [" ".join(str(x).split()) for x in stored["example"]]
    if reviewed_here:  # the reviewed passages' tags, as counted, after the stored ones (as reviewed_tags has them)
        mine = review.tags[(review.tags["theme"] == theme) & review.tags["passage_id"].isin(reviewed_here)]
        if len(mine):
            mine = mine.assign(evidence=evidence_key(mine["reason"]), method=mine["method"].fillna(""))
            extra = (
                mine.groupby(["evidence", "method"], sort=False)
                .agg(
                    passages=("passage_id", "nunique"),
                    occurrences=("passage_id", "size"),
                    example=("matched_text", lambda x: " ".join(str(x.iloc[0]).split())),
                )
                .reset_index()
            )
            both = pd.concat([stored, extra], ignore_index=True).assign(_o=lambda d: range(len(d)))
            stored = (
                both.groupby(["evidence", "method"], sort=False)
                .agg(
                    passages=("passages", "sum"),
                    occurrences=("occurrences", "sum"),
                    example=("example", "first"),
                    _o=("_o", "min"),
                )
                .reset_index()
                .sort_values("_o", kind="stable")
                .drop(columns="_o")
            )
    if not len(stored):
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    return stored.sort_values(
        ["passages", "occurrences", "evidence"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)[EVIDENCE_COLUMNS]


def evidence_ids(store, theme: str, evidence: str, review: Reviewed | None) -> set[str]:
    """``core.summary.evidence_passages`` of the tags as counted: the passages one row of ``evidence`` counts, found
    by DuckDB in the store (plus the reviewed passages' own tags)."""
    from ..summary import _SECTION_DETAIL, evidence_key

    done = sorted(review.passages) if review is not None else []
    rows = (
        store.con.cursor()
        .execute(
            "SELECT DISTINCT passage_id FROM tags WHERE theme = ? AND regexp_replace(coalesce(reason, ''), ?, '') = ?"
            + (" AND passage_id NOT IN (SELECT unnest(?::VARCHAR[]))" if done else ""),
            [theme, _SECTION_DETAIL, evidence, *([done] if done else [])],
        )
        .fetchall()
    )
    out = {r[0] for r in rows}
    if done:
        mine = review.tags[review.tags["theme"] == theme]
        out |= set(mine["passage_id"][(evidence_key(mine["reason"]) == evidence).to_numpy()])
    return out
