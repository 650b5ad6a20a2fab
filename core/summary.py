"""Filters and summaries shared by the CLI and the dashboard.

Counts are over canonical passages only: a passage with ``duplicate_of`` set is the same speech seen in a
second source and is never counted twice. Undated passages are counted and shown as undated.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from .schema import names


@dataclass(frozen=True)
class FilterState:
    """The filters. ``include_undated``: None (the default) keeps undated passages when no date range is set and
    leaves them out of a date range; True keeps them in a range too; False leaves them out always."""

    themes: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    venues: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    include_undated: bool | None = None
    query: str = ""

    def with_(self, **kw) -> "FilterState":
        return replace(self, **kw)

    @property
    def has_range(self) -> bool:
        return bool(self.date_from or self.date_to)

    @property
    def keeps_undated(self) -> bool:
        """Whether undated passages are in the result."""
        return self.include_undated if self.include_undated is not None else not self.has_range


def plural(n: int, noun: str) -> str:
    """'1 passage', '2 passages', '1 canonical ask', '3 theme mentions'.

    >>> plural(1, "passages"), plural(2, "passage"), plural(1, "canonical asks"), plural(0, "ask")
    ('1 passage', '2 passages', '1 canonical ask', '0 asks')
    """
    head, _, last = noun.rpartition(" ")
    singular = last[:-1] if last.endswith("s") and not last.endswith("ss") else last
    word = singular if n == 1 else (last if last != singular else last + "s")
    return f"{n:,} {head + ' ' if head else ''}{word}"


def date_bounds(d: str) -> tuple[date | None, date | None]:
    """'2019-10' -> (2019-10-01, 2019-10-31); '' -> (None, None)."""
    if not d:
        return None, None
    parts = [int(x) for x in d.split("-")]
    if len(parts) == 3:
        x = date(*parts)
        return x, x
    if len(parts) == 2:
        return date(parts[0], parts[1], 1), date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


def add_date_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Adds date_start / date_end / year used for filtering and timelines (once, at load)."""
    uniq = pd.unique(df["date"])  # few distinct dates: parse each once
    bounds = {d: date_bounds(d) for d in uniq}
    df = df.copy()
    df["date_start"] = pd.to_datetime(df["date"].map(lambda d: bounds[d][0]))
    df["date_end"] = pd.to_datetime(df["date"].map(lambda d: bounds[d][1]))
    df["year"] = df["date_start"].dt.year.astype("Int64")
    return df


THEME_PREFIX = "th:"
PRECISION_ORDER = {"day": 0, "month": 1, "year": 2, "unknown": 3}


def prepare(df: pd.DataFrame, theme_ids: list[str]) -> pd.DataFrame:
    """Date columns plus one boolean column per theme (``th:<id>``) so filters and counts are vectorised."""
    out = add_date_columns(df)
    sets = out["themes"].map(lambda s: set(theme_list(s)))
    for t in theme_ids:
        out[THEME_PREFIX + t] = sets.map(lambda x, t=t: t in x).astype(bool)
    out["_canonical"] = out["duplicate_of"] == ""
    out["_prec"] = out["date_precision"].map(PRECISION_ORDER).fillna(3).astype("int8")
    months = out["date_start"].dt.year * 12 + out["date_start"].dt.month - 1
    out["_m"] = months.fillna(-1).astype("int32")  # month code; -1 when undated
    for c in ("venue", "speaker", "document"):  # few distinct values: categorical makes counts cheap
        out[c] = out[c].astype("category")
    return out


def theme_list(themes: str) -> list[str]:
    return [t for t in themes.split(";") if t]


def apply_filters(passages: pd.DataFrame, state: FilterState, canonical_only: bool = True) -> pd.DataFrame:
    """Passages matching every filter. Date range keeps passages whose date (at its precision) overlaps it."""
    df = passages if "date_start" in passages else add_date_columns(passages)
    return df[filter_mask(df, state, canonical_only)]


AGG_COLUMNS = [
    "passage_id",
    "date",
    "date_precision",
    "date_start",
    "date_end",
    "year",
    "venue",
    "speaker",
    "document",
    "_canonical",
    "_prec",
    "_m",
]


def slim(df: pd.DataFrame) -> pd.DataFrame:
    """The columns aggregation needs (no text): selecting rows from it is cheap at millions of passages."""
    return df[AGG_COLUMNS + [c for c in df.columns if str(c).startswith(THEME_PREFIX)]]


def filter_mask(df: pd.DataFrame, state: FilterState, canonical_only: bool = True) -> pd.Series:
    """Boolean mask of the rows of a prepared frame that match every filter (no rows are copied). Worked out on
    numpy arrays and category codes (pandas' own operators took about 70 ms at 10 M rows; this, 20-40)."""
    n = len(df)
    mask = np.ones(n, dtype=bool)
    if canonical_only:
        mask &= df["_canonical"].to_numpy(dtype=bool) if "_canonical" in df else (df["duplicate_of"] == "").to_numpy()
    if state.themes:
        cols = [THEME_PREFIX + t for t in state.themes]
        if all(c in df for c in cols):
            mask &= np.logical_or.reduce([df[c].to_numpy(dtype=bool) for c in cols])
        else:
            wanted = set(state.themes)
            mask &= df["themes"].map(lambda s: bool(wanted.intersection(theme_list(s)))).to_numpy(dtype=bool)
    for column, values in (("venue", state.venues), ("speaker", state.speakers), ("document", state.documents)):
        if values:
            mask &= _among(df[column], values)
    starts = df["date_start"].to_numpy()
    undated = np.isnat(starts)
    if state.has_range:
        in_range = np.ones(n, dtype=bool)  # NaT compares false: an undated passage is in no range
        if state.date_from:
            in_range &= df["date_end"].to_numpy() >= np.datetime64(state.date_from, "D")
        if state.date_to:
            in_range &= starts <= np.datetime64(state.date_to, "D")
        mask &= in_range | (undated & state.keeps_undated)
    elif not state.keeps_undated:
        mask &= ~undated
    if state.query:
        mask &= df["text"].str.contains(state.query, case=False, regex=False).to_numpy(dtype=bool)
    return pd.Series(mask, index=df.index)


def _among(column: pd.Series, values) -> np.ndarray:
    """``column.isin(values)`` as a numpy mask: by category code when the column is categorical."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        held = np.append(column.cat.categories.isin(list(values)), False)  # a missing value (-1) is in no set
        return held[column.cat.codes.to_numpy()]
    return column.isin(list(values)).to_numpy(dtype=bool)


def undated_left_out(df: pd.DataFrame, state: FilterState) -> int:
    """How many undated (canonical) passages match every other filter but are left out by the date filter."""
    if state.keeps_undated:
        return 0
    df = df if "date_start" in df else add_date_columns(df)
    mask = filter_mask(df, state.with_(include_undated=True, date_from=None, date_to=None))
    return int((mask & df["date_start"].isna()).sum())


def describe(state: FilterState, n: int, labels: dict[str, str] | None = None, noun: str = "passages") -> str:
    """'42 passages · County lines · Westminster Hall · 2018-01-01 to 2018-12-31 (dated only)'."""
    labels = labels or {}
    parts = [plural(n, noun)]
    if state.themes:
        parts.append(", ".join(labels.get(t, t) for t in state.themes))
    if state.venues:
        parts.append(", ".join(state.venues))
    if state.speakers:
        parts.append(", ".join(state.speakers))
    if state.documents:
        parts.append(plural(len(state.documents), "documents"))
    if state.has_range:
        parts.append(
            f"{state.date_from or '…'} to {state.date_to or '…'}"
            + (" (undated included)" if state.keeps_undated else " (dated only)")
        )
    elif not state.keeps_undated:
        parts.append("dated only")
    if state.query:
        parts.append(f'"{state.query}"')
    return " · ".join(parts)


def slug(state: FilterState) -> str:
    """A file-name-safe description of the filters: 'county_lines_Westminster-Hall_2018-01-01_2018-12-31'."""
    parts = (
        list(state.themes) + [v.replace(" ", "-") for v in state.venues] + [s.replace(" ", "-") for s in state.speakers]
    )
    if state.has_range:
        parts += [str(state.date_from or "start"), str(state.date_to or "end")]
    if state.has_range and state.keeps_undated:
        parts.append("with-undated")
    elif not state.has_range and not state.keeps_undated:
        parts.append("dated")
    if state.query:
        parts.append("q-" + "".join(c for c in state.query if c.isalnum())[:20])
    parts = [re.sub(r"[^\w.-]+", "", p) for p in parts]
    return "_".join(p for p in parts if p)[:150] or "all"


def fit_table(df: pd.DataFrame, width: int = 100) -> str:
    """``df`` as text no wider than ``width``: the widest text columns are cut (with '…') until it fits, left
    aligned; numbers are never cut."""
    df = df.astype(object).where(df.notna(), "").astype(str)
    text_cols = [c for c in df.columns if df[c].map(len).max() > 12 and not df[c].str.fullmatch(r"[\d.,-]*").all()]
    limits = {c: max(len(str(c)), int(df[c].map(len).max() or 0)) for c in df.columns}
    while sum(limits.values()) + 2 * (len(limits) - 1) > width and text_cols:
        c = max(text_cols, key=lambda k: limits[k])
        if limits[c] <= max(8, len(str(c))):
            break
        limits[c] -= 1
    cut = {c: df[c].map(lambda v, n=limits[c]: v if len(v) <= n else v[: n - 1] + "…") for c in df.columns}
    lines = ["  ".join(str(c).ljust(limits[c]) if c in text_cols else str(c).rjust(limits[c]) for c in df.columns)]
    for i in range(len(df)):
        lines.append(
            "  ".join(
                cut[c].iat[i].ljust(limits[c]) if c in text_cols else cut[c].iat[i].rjust(limits[c]) for c in df.columns
            )
        )
    return "\n".join(line.rstrip() for line in lines)


class UnknownValue(ValueError):
    """A theme, venue or speaker the corpus does not have (the message suggests the nearest one)."""


def resolve(values, known, what: str) -> tuple[str, ...]:
    """``values`` as the corpus spells them: an exact or case-insensitive match, else UnknownValue naming the
    nearest known value ("unknown theme 'countylines'; did you mean county_lines?").

    >>> resolve(["westminster hall"], ["Westminster Hall", "Commons Chamber"], "venue")
    ('Westminster Hall',)
    """
    from rapidfuzz import fuzz, process, utils

    known = [k for k in known if k]
    by_fold = {k.casefold(): k for k in known}
    out = []
    for v in values:
        if v in known or v.casefold() in by_fold:
            out.append(v if v in known else by_fold[v.casefold()])
            continue
        best = process.extractOne(v, known, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=60)
        hint = (
            f"; did you mean {best[0]}?"
            if best
            else f" (known: {', '.join(sorted(known)[:8])}{' …' if len(known) > 8 else ''})"
        )
        raise UnknownValue(f"unknown {what} {v!r}{hint}")
    return tuple(out)


def _counts(values: pd.Series) -> str:
    vc = values.value_counts()
    return "; ".join(f"{k or '(unknown)'}: {v}" for k, v in vc.items() if v)


class _Codes:
    """A column as integer codes (a categorical's own, else factorised once), to count the values of any set of
    rows without copying them."""

    def __init__(self, column: pd.Series):
        self.column = column
        arr = column.array
        if isinstance(column.dtype, pd.CategoricalDtype):
            self.codes, self.values = column.cat.codes.to_numpy(), column.cat.categories
        elif isinstance(arr, pd.arrays.IntegerArray) and len(arr):
            # small integers (years): offsets from the least, no hashing (factorize took 60 ms at 10 M rows;
            # pandas' own masked min, max and where each took longer than that)
            values, missing = arr._data, arr._mask
            present = values[~missing] if missing.any() else values
            if len(present) and int(present.max()) - int(present.min()) < 100_000:
                lo = int(present.min())
                self.codes = values - lo
                self.codes[missing] = -1
                self.values = pd.Index(range(lo, int(present.max()) + 1))
                return
            self.codes, self.values = pd.factorize(column)
        else:
            self.codes, self.values = pd.factorize(column)

    def distinct(self, rows: np.ndarray) -> int:
        codes = self.codes[rows]
        return int((np.bincount(codes[codes >= 0], minlength=len(self.values)) > 0).sum())

    def tally(self, rows: np.ndarray) -> dict:
        """value -> how many of the rows at these positions (or where this boolean mask holds) have it (missing
        values left out)."""
        codes = self.codes[rows]
        n = np.bincount(codes[codes >= 0], minlength=len(self.values))
        return dict(zip(self.values, n.tolist()))

    def counts(self, rows: np.ndarray) -> str:
        """``_counts`` of the rows at these positions (the same text, ties in the same order)."""
        if not isinstance(self.column.dtype, pd.CategoricalDtype):
            return _counts(self.column.iloc[rows])
        codes = self.codes[rows]
        return counts_text(np.bincount(codes[codes >= 0], minlength=len(self.values)), self.values)


def counts_text(n: np.ndarray, values) -> str:
    """'Commons: 12; Lords: 3' from counts ``n`` of ``values``: most first, ties in the values' order (as pandas'
    ``value_counts`` gives them), '(unknown)' for an empty value, values counted 0 left out."""
    vc = pd.Series(n, index=values).sort_values(ascending=False, kind="stable")
    return "; ".join(f"{k or '(unknown)'}: {v}" for k, v in vc.items() if v)


def explode_themes(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (passage, theme)."""
    out = df.assign(theme=df["themes"].map(theme_list)).explode("theme")
    return out[out["theme"].notna()]


def theme_summary(
    corpus, state: FilterState = FilterState(), passages: pd.DataFrame | None = None, mask: pd.Series | None = None
) -> pd.DataFrame:
    """One row per theme (its ``id`` and label): passages, documents, first/last date, venues and speakers with
    counts, per-year counts (undated shown as its own column). Canonical passages only. ``passages`` may be a
    prepared (or slim) frame and ``mask`` its precomputed filter mask."""
    tax = corpus.taxonomy
    src = passages if passages is not None else corpus.passages
    if THEME_PREFIX + tax.ids[0] not in src:
        src = prepare(src, tax.ids)
    if mask is None:
        mask = filter_mask(src, state)
    # positions and codes, never a copy of the rows: a million passages are summed in tens of milliseconds
    m = np.asarray(mask, dtype=bool)
    anywhere = np.zeros(len(src), dtype=bool)
    theme_rows = {}
    for t in tax.themes:
        sel = m & src[THEME_PREFIX + t.id].to_numpy(dtype=bool)
        anywhere |= sel
        theme_rows[t.id] = np.flatnonzero(sel)
    year = _Codes(src["year"])
    starts, ends = src["date_start"].to_numpy(), src["date_end"].to_numpy()
    doc, venue, speaker = _Codes(src["document"]), _Codes(src["venue"]), _Codes(src["speaker"])
    years = sorted(int(y) for y, n in year.tally(anywhere).items() if n)
    rows = []
    for t in tax.themes:
        if state.themes and t.id not in state.themes:
            continue
        idx = theme_rows[t.id]
        has = ~np.isnat(starts[idx])
        dated = idx[has]
        row = {
            "id": t.id,
            "label": t.label,
            "passages": len(idx),
            "documents": doc.distinct(idx),
            "first_date": extreme_date(src["date"], dated, starts) if len(dated) else "",
            "last_date": extreme_date(src["date"], dated, ends, last=True) if len(dated) else "",
            "undated": int((~has).sum()),
            "venues": venue.counts(idx),
            "speakers": speaker.counts(idx),
        }
        per_year = year.tally(idx)
        for y in years:
            row[str(y)] = int(per_year.get(y, 0))
        rows.append(row)
    return pd.DataFrame(rows, columns=names("theme_summary") + [str(y) for y in years])


@dataclass
class Headline:
    documents: int
    passages: int
    duplicates: int
    first_date: str
    last_date: str
    undated: int
    themes: int


def date_extreme(values, last: bool = False) -> pd.Timestamp:
    """The earliest (or latest) of datetime64 ``values`` (an array or Series), NaT left out; NaT when there is none.
    Numpy on the integers: pandas' own min and max of a datetime column took 20-40 ms a million rows.

    >>> d = pd.to_datetime(pd.Series(["2019-01-02", None, "2018-05-01"]))
    >>> str(date_extreme(d).date()), str(date_extreme(d, last=True).date()), date_extreme(d[1:2])
    ('2018-05-01', '2019-01-02', NaT)
    """
    a = np.asarray(values)
    if not len(a):
        return pd.NaT
    i8 = a.view("i8")
    if last:  # NaT is the least int64: the maximum ignores it unless there is nothing else
        v = i8.max()
        return pd.NaT if v == np.iinfo("i8").min else pd.Timestamp(a[int(np.argmax(i8))])
    nat = np.iinfo("i8").min
    dated = i8 != nat
    if not dated.any():
        return pd.NaT
    return pd.Timestamp(a[int(np.argmin(np.where(dated, i8, np.iinfo("i8").max)))])


def most_precise(dates) -> str:
    """Of date strings that start (or end) on the same day, the most precise: '2018-01-01' before '2018-01' before
    '2018' (the longest), so the first and last dates never depend on the order passages are stored in."""
    return max(dates, key=lambda d: (len(d), d))


def extreme_date(dates: pd.Series, rows: np.ndarray, bounds: np.ndarray, last: bool = False) -> str:
    """The date string of the rows (positions, all dated) whose bound (start, or end when ``last``) is least
    (greatest), the most precise one when several are."""
    vals = bounds[rows].view("i8")
    tied = rows[vals == (vals.max() if last else vals.min())]
    col = dates.iloc[tied]
    return most_precise(col.cat.remove_unused_categories().cat.categories if hasattr(col, "cat") else pd.unique(col))


def _distinct(column: pd.Series) -> int:
    if isinstance(column.dtype, pd.CategoricalDtype):  # by code: nunique hashed every row
        codes = column.cat.codes.to_numpy()
        return int(np.count_nonzero(np.bincount(codes[codes >= 0], minlength=len(column.cat.categories))))
    return int(column.nunique())


def duplicates(passages: pd.DataFrame) -> int:
    """How many passages are duplicates of another (by the prepared frame's ``_canonical`` when it has one)."""
    if "_canonical" in passages:
        return len(passages) - int(np.count_nonzero(passages["_canonical"].to_numpy()))
    return int((passages["duplicate_of"] != "").sum())


def headline(corpus, df: pd.DataFrame) -> Headline:
    cols = [c for c in df.columns if str(c).startswith(THEME_PREFIX)]
    themes = sum(bool(df[c].to_numpy().any()) for c in cols) if cols else int(explode_themes(df)["theme"].nunique())
    starts = df["date_start"].to_numpy() if "date_start" in df else np.array([], dtype="datetime64[ns]")
    has = ~np.isnat(starts)
    first = last = ""
    if has.any():  # positions only: the date strings themselves are read for the rows at the extremes
        dated = np.flatnonzero(has)
        first = extreme_date(df["date"], dated, starts)
        last = extreme_date(df["date"], dated, df["date_end"].to_numpy(), last=True)
    return Headline(
        documents=_distinct(df["document"]),
        passages=len(df),
        duplicates=duplicates(corpus.passages),
        first_date=first,
        last_date=last,
        undated=int((~has).sum()) if len(starts) else int((df["date"] == "").sum()),
        themes=themes,
    )


FREQS = {"month": "M", "quarter": "Q", "year": "Y"}


def theme_timeline(df: pd.DataFrame, theme_ids: list[str], freq: str = "month") -> tuple[pd.DataFrame, dict[str, int]]:
    """(counts per time bin and theme, undated counts per theme) for already-filtered, prepared passages.

    A passage counts in the bin that contains its date at its precision: a month-precision passage sits in
    its month (and so in its quarter and year). A passage whose precision is coarser than the bin (a
    year-only date in a month chart) cannot be placed and is counted with the undated, never on an
    invented date."""
    limit = {"month": 1, "quarter": 1, "year": 2}[freq]
    if "_m" not in df:
        df = prepare(df, theme_ids)
    prec = df["_prec"].to_numpy()
    placeable = prec <= limit
    m = df["_m"].to_numpy()
    if freq == "year":  # a year-precision date starts on 1 January: its month code's year is its year
        code = np.where(m >= 0, m // 12, -1)
    elif freq == "quarter":
        code = np.where(m >= 0, m // 3, -1)
    else:
        code = m
    rows = []
    undated: dict[str, int] = {}
    lo = int(code[placeable].min()) if placeable.any() else 0
    for t in theme_ids:
        col = THEME_PREFIX + t
        if col not in df:
            continue
        sel = df[col].to_numpy()
        undated[t] = int((sel & ~placeable).sum())
        per_bin = np.bincount(code[sel & placeable] - lo)  # counting, not sorting: linear in the passages
        for v in np.flatnonzero(per_bin):
            rows.append({"bin": _bin_start(int(v) + lo, freq), "theme": t, "passages": int(per_bin[v])})
    out = pd.DataFrame(rows, columns=["bin", "theme", "passages"])
    return out.sort_values(["bin", "theme"]).reset_index(drop=True), undated


def continuous(counts: pd.DataFrame, freq: str) -> pd.DataFrame:
    """A timeline from ``theme_timeline`` with every period between its first and last present, at zero where
    nothing was said (so 2017-Q4 and 2018-Q2 never sit side by side as if consecutive)."""
    if not len(counts):
        return counts
    bins = pd.date_range(
        counts["bin"].min(), counts["bin"].max(), freq={"month": "MS", "quarter": "QS", "year": "YS"}[freq]
    )
    full = pd.MultiIndex.from_product([bins, sorted(counts["theme"].unique())], names=["bin", "theme"])
    out = counts.set_index(["bin", "theme"])["passages"].reindex(full, fill_value=0).reset_index()
    return out.astype({"passages": int})


def _bin_start(code: int, freq: str) -> pd.Timestamp:
    if freq == "year":
        return pd.Timestamp(code, 1, 1)
    if freq == "quarter":
        return pd.Timestamp(code // 4, (code % 4) * 3 + 1, 1)
    return pd.Timestamp(code // 12, code % 12 + 1, 1)


def theme_venue_matrix(df: pd.DataFrame, theme_ids: list[str]) -> pd.DataFrame:
    """Passages per theme (rows) and venue (columns); unknown venue shown as '(unknown)'."""
    cols = [THEME_PREFIX + t for t in theme_ids if THEME_PREFIX + t in df]
    if not cols:
        return pd.DataFrame()
    venue = _Codes(df["venue"])
    ok = venue.codes >= 0
    k = len(venue.values)
    present = np.bincount(venue.codes[ok], minlength=k) > 0  # venues with a passage here, even with no theme
    names = np.array([str(v) or "(unknown)" for v in venue.values], dtype=object)
    order = [
        i
        for i in (
            range(k) if isinstance(df["venue"].dtype, pd.CategoricalDtype) else sorted(range(k), key=lambda i: names[i])
        )
        if present[i]
    ]
    rows = [np.bincount(venue.codes[ok & df[c].to_numpy(dtype=bool)], minlength=k)[order] for c in cols]
    return pd.DataFrame(
        np.array(rows, dtype=int).reshape(len(cols), len(order)),
        index=[c[len(THEME_PREFIX) :] for c in cols],
        columns=pd.Index(names[order].tolist(), dtype=str),
    )


def new_since(
    df: pd.DataFrame, theme_ids: list[str], since: date, labels: dict[str, str] | None = None
) -> pd.DataFrame:
    """Per theme: passages dated on or after ``since`` (at their precision) and the latest date."""
    labels = labels or {}
    recent = df[df["date_end"] >= pd.Timestamp(since)]
    rows = []
    for t in theme_ids:
        col = THEME_PREFIX + t
        sub = recent[recent[col]] if col in recent else recent.iloc[0:0]
        if len(sub):
            rows.append(
                {
                    "theme": labels.get(t, t),
                    "new passages": len(sub),
                    "latest": sub.sort_values("date_end")["date"].iloc[-1],
                    "venues": _counts(sub["venue"]),
                }
            )
    return pd.DataFrame(rows, columns=["theme", "new passages", "latest", "venues"])


EVIDENCE_COLUMNS = ["evidence", "method", "passages", "occurrences", "example"]
_SECTION_DETAIL = r" \((?:section title '.*' matches|\d+ of \d+ passages in section match)\)$"


def evidence_key(reasons: pd.Series) -> pd.Series:
    """The piece of the taxonomy behind each tag's reason: the phrase, near-miss, context rule or section cue,
    without which section it was in ("cue 'gangs' in a section about County lines (12 of 40 passages ...)" ->
    "cue 'gangs' in a section about County lines")."""
    codes, values = pd.factorize(reasons, use_na_sentinel=False)  # few distinct reasons: each rewritten once
    keys = pd.Series(values).astype(str).str.replace(_SECTION_DETAIL, "", regex=True).to_numpy(dtype=object)
    return pd.Series(keys[codes], index=reasons.index, dtype=object)


def evidence_breakdown(tags: pd.DataFrame, passage_ids, theme: str) -> pd.DataFrame:
    """What tagged one theme in the given passages: one row per piece of evidence (a phrase, a near-miss of
    one, a context rule, a section cue) with its method, the passages it tagged, its occurrences and an example
    of the text it matched; most passages first. A passage tagged by two pieces counts in both rows, so the
    rows can add up to more than the theme's passages; ``evidence_passages`` lists each row's passages."""
    if tags is None or not len(tags):
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    mine = tags[tags["theme"] == theme]
    mine = mine[ids_in(mine["passage_id"], passage_ids)]
    if not len(mine):
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    mine = pd.DataFrame(
        {
            "evidence": evidence_key(mine["reason"]).to_numpy(),
            "method": mine["method"].astype(object).to_numpy(),
            "passage_id": mine["passage_id"].to_numpy(),
            "matched_text": mine["matched_text"].to_numpy(),
        }
    )
    by = mine.groupby(["evidence", "method"], sort=False)
    first = by.head(1).set_index(["evidence", "method"])["matched_text"]  # each group's first row, as it comes
    occurrences = by.size()  # groups in the order they first occur
    distinct = mine.drop_duplicates(["evidence", "method", "passage_id"])
    out = pd.DataFrame(
        {
            "passages": distinct.groupby(["evidence", "method"], sort=False).size().reindex(occurrences.index),
            "occurrences": occurrences,
        },
        index=occurrences.index,
    )
    out["example"] = [" ".join(str(first.loc[k]).split()) for k in out.index]
    out = out.reset_index()
    return out.sort_values(
        ["passages", "occurrences", "evidence"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)[EVIDENCE_COLUMNS]


def ids_in(column: pd.Series, ids) -> np.ndarray:
    """``column.isin(ids)`` for a column of string ids (``ids``: a set, a list or a column), by Arrow's is_in: a
    million ids against 320,000 in ~0.2 s (pandas' isin on its Arrow-backed strings took 2 s); a column much
    shorter than the ids by set lookups (the asks of 10 M passages against a search's 3 M matches: 0.5 s by is_in,
    which hashes every id, at each rerun)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(column) < len(ids) // 4:  # a few rows (the asks) against many ids: is_in would hash all the ids
        held = ids if isinstance(ids, (set, frozenset)) else set(ids)
        return np.fromiter((i in held for i in column.tolist()), dtype=bool, count=len(column))
    arr = column.array
    col = pa.array(arr) if hasattr(arr, "__arrow_array__") else pa.array(column.to_numpy(dtype=object), pa.string())
    vals = ids.array if isinstance(ids, pd.Series) else ids
    value_set = pa.array(vals) if hasattr(vals, "__arrow_array__") else pa.array(list(vals), pa.string())
    if value_set.type != col.type:
        value_set = value_set.cast(col.type)
    return pc.is_in(col, value_set=value_set).to_numpy(zero_copy_only=False)


def evidence_passages(tags: pd.DataFrame, theme: str, evidence: str) -> set[str]:
    """The passages a row of ``evidence_breakdown`` counts."""
    mine = tags[tags["theme"] == theme]
    return set(mine["passage_id"][evidence_key(mine["reason"]) == evidence])
