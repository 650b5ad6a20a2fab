"""The Overview's counts of any filter mask over a big frame, in a few passes instead of one pass per theme.

``core.summary``'s ``headline``, ``theme_timeline`` and ``theme_venue_matrix`` count a frame already filtered: the
caller copies the matching rows, then each function walks them once per theme. At 10 M passages the copy alone took
0.16 s and the three functions 0.25 s a rerun. ``FrameCounts`` works out, once per frame, each row's *combination of
themes* as one small number (a frame of 8 themes holds a few dozen combinations), then one key per row for each
count: (time slot, combination) and (venue, combination). Counting a mask (``tally``) is then one gather and one
``bincount`` per key; a (key, combination) table times the (combination, theme) membership matrix gives the counts
per theme. The theme summary (``theme_summary``'s table) reads three more keys, built when first asked for:
(date, combination), (document, combination) and (speaker, combination); where one of those tables would pass
``_MAX_TABLE`` cells (very many combinations of themes), the caller counts the rows instead. No row is copied.
The results equal ``core.summary``'s on ``frame[mask]`` (``tests/test_counts.py``).

Time slots: one per month from the frame's first to its last; one per year for year-only dates (placed in a year
chart, counted as undated in month and quarter charts, as ``theme_timeline`` does); one for passages that cannot be
placed (no date, or a precision coarser than a year).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from .schema import names
from .summary import THEME_PREFIX, Headline, _bin_start, counts_text, duplicates, most_precise

_DENSE_BITS = 24  # up to this many themes, combinations are found by counting, past it by sorting
_MAX_TABLE = 20_000_000  # a (value x combination) table larger than this is not built: the rows are counted instead


class TooLarge(ValueError):
    """The frame's combinations of themes are too many for these tables: count its rows instead."""


class FrameCounts:
    def __init__(self, frame: pd.DataFrame, theme_ids: list[str]):
        self.frame = frame
        self.theme_ids = [t for t in theme_ids if THEME_PREFIX + t in frame]
        self.col = {t: i for i, t in enumerate(self.theme_ids)}
        n = len(frame)
        combo, self.member = _combinations(frame, self.theme_ids)  # row -> combination; (K, T) 0/1
        K = self.k = max(len(self.member), 1)

        prec = frame["_prec"].to_numpy()
        m = frame["_m"].to_numpy()
        dated = m >= 0
        self.mlo = int(np.where(dated, m, np.iinfo(m.dtype).max).min()) if dated.any() else 0
        mhi = int(m.max()) if dated.any() else 0  # undated rows hold -1
        self.nm = mhi - self.mlo + 1
        self.ylo = self.mlo // 12
        self.ny = mhi // 12 - self.ylo + 1
        self.slots = self.nm + self.ny + 1
        if max(self.slots, len(frame["venue"].cat.categories)) * K > _MAX_TABLE:
            raise TooLarge(f"{K:,} combinations of themes over {self.slots:,} time slots")
        wide = np.int32 if max(self.slots, len(frame["venue"].cat.categories)) * K < 2**31 else np.int64
        m = m.astype(wide, copy=False)
        slot = np.where(dated & (prec <= 1), m - self.mlo, self.nm + self.ny).astype(wide, copy=False)  # a month
        year = dated & (prec == 2)
        if year.any():  # a year, for year-only dates; the rest cannot be placed
            slot[year] = self.nm + m[year] // 12 - self.ylo
        combo = self.combo = combo.astype(wide, copy=False)
        self.time_key = slot * K + combo

        venue = frame["venue"]
        self.venue_codes = venue.cat.codes.to_numpy()
        self.venues = list(venue.cat.categories)
        self.venue_key = self.venue_codes.astype(wide) * K + combo

        date = frame["date"]  # categorical: a date's start and end are its string's
        self.date_codes = date.cat.codes.to_numpy()
        self.dates = date.cat.categories
        self._every: dict[int, np.ndarray] = {}
        some_row = np.zeros(len(self.dates), dtype=np.int64)  # a row holding each date (any: they agree)
        some_row[self.date_codes] = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
        held = self.every(self.date_codes, len(self.dates)) > 0
        starts, ends = frame["date_start"].to_numpy(), frame["date_end"].to_numpy()
        self.date_start = np.where(held, starts[some_row] if n else np.datetime64("NaT"), np.datetime64("NaT"))
        self.date_end = np.where(held, ends[some_row] if n else np.datetime64("NaT"), np.datetime64("NaT"))
        self.doc_codes = frame["document"].cat.codes.to_numpy()
        self.n_docs = len(frame["document"].cat.categories)

    @staticmethod
    def usable(frame: pd.DataFrame) -> bool:
        """True when the frame has what these counts read: the store's frame (``queries.passage_frame``), whose
        venue, date and document are categorical with no missing value."""
        cats = ("venue", "date", "document")
        if not all(c in frame for c in (*cats, "_prec", "_m", "date_start", "date_end")):
            return False
        return all(
            isinstance(frame[c].dtype, pd.CategoricalDtype) and not (frame[c].cat.codes.to_numpy() < 0).any()
            for c in cats
        )

    def _key(self, codes: np.ndarray, n_values: int) -> np.ndarray | None:
        """(value x combination) for each row, or None when that table would be too large."""
        if n_values * self.k > _MAX_TABLE:
            return None
        return codes.astype(np.int32) * self.k + self.combo

    @cached_property
    def date_key(self):
        return self._key(self.date_codes, len(self.dates))

    @cached_property
    def doc_key(self):
        return self._key(self.doc_codes, self.n_docs)

    @cached_property
    def speaker_key(self):
        speaker = self.frame["speaker"]
        if not isinstance(speaker.dtype, pd.CategoricalDtype) or (speaker.cat.codes.to_numpy() < 0).any():
            return None
        self.speakers = speaker.cat.categories
        return self._key(speaker.cat.codes.to_numpy(), len(self.speakers))

    def tally(self, rows) -> Tally:
        """The counts of the rows where the boolean mask ``rows`` holds."""
        return Tally(self, np.asarray(rows, dtype=bool))

    def every(self, codes: np.ndarray, n_keys: int) -> np.ndarray:
        """``bincount(codes)`` over every row of the frame, worked out once per key."""
        held = self._every.get(id(codes))
        if held is None:
            held = self._every[id(codes)] = np.bincount(codes, minlength=n_keys)
        return held


class Tally:
    """The counts of one set of rows of a ``FrameCounts``' frame, each table worked out once, when first needed.
    Rows are taken by position (a boolean mask's gather took 40 ms at 10 M rows, positions 5). When the set holds
    more than half the frame, the rows left out are counted and taken from the whole frame's counts: no filter
    (every canonical passage) costs what its few duplicates cost."""

    def __init__(self, fc: FrameCounts, rows: np.ndarray):
        self.fc, self.rows = fc, rows
        self.n = int(np.count_nonzero(rows))
        self.complement = self.n > len(rows) // 2
        self.pos = np.flatnonzero(~rows if self.complement else rows)  # the rows counted

    def _count(self, codes: np.ndarray, n_keys: int) -> np.ndarray:
        got = np.bincount(codes.take(self.pos), minlength=n_keys)
        return self.fc.every(codes, n_keys) - got if self.complement else got

    def _per_theme(self, key: np.ndarray, n_keys: int) -> np.ndarray:
        """(n_keys, themes) counts of the rows."""
        fc = self.fc
        return self._count(key, n_keys * fc.k).reshape(n_keys, fc.k) @ fc.member

    @cached_property
    def per_date(self) -> np.ndarray:
        return self._count(self.fc.date_codes, len(self.fc.dates))

    @cached_property
    def per_venue(self) -> np.ndarray:
        return self._per_theme(self.fc.venue_key, len(self.fc.venues))

    @cached_property
    def per_slot(self) -> np.ndarray:
        return self._per_theme(self.fc.time_key, self.fc.slots)

    # the Overview's counts ---------------------------------------------------------------------------------------

    def headline(self, corpus) -> Headline:
        """``core.summary.headline(corpus, frame[rows])``."""
        fc = self.fc
        present = self.per_date > 0
        has = present & ~np.isnat(fc.date_start)
        first = last = ""
        if has.any():
            first = _extreme(fc.dates, has, fc.date_start, last=False)
            last = _extreme(fc.dates, has, fc.date_end, last=True)
        return Headline(
            documents=int(np.count_nonzero(self._count(fc.doc_codes, fc.n_docs))),
            passages=self.n,
            duplicates=duplicates(corpus.passages),
            first_date=first,
            last_date=last,
            undated=int(self.per_date[present & np.isnat(fc.date_start)].sum()),
            themes=int(np.count_nonzero(self.per_venue.sum(axis=0))),
        )

    def timeline(self, theme_ids: list[str], freq: str = "month"):
        """``core.summary.theme_timeline(frame[rows], theme_ids, freq)``: (counts per bin and theme, undated)."""
        fc, c = self.fc, self.per_slot
        months, years, unplaced = c[: fc.nm], c[fc.nm : fc.nm + fc.ny], c[fc.nm + fc.ny]
        if freq == "month":
            bins, codes, undated = months, np.arange(fc.nm) + fc.mlo, years.sum(axis=0) + unplaced
        elif freq == "quarter":
            q = (np.arange(fc.nm) + fc.mlo) // 3
            codes = np.unique(q)
            bins = np.zeros((len(codes), c.shape[1]), dtype=np.int64)
            np.add.at(bins, q - codes[0], months)
            undated = years.sum(axis=0) + unplaced
        else:
            y = (np.arange(fc.nm) + fc.mlo) // 12 - fc.ylo
            bins = years.copy()
            np.add.at(bins, y, months)
            codes, undated = np.arange(fc.ny) + fc.ylo, unplaced
        out, gaps = [], {}
        for t in theme_ids:
            if t not in fc.col:
                continue
            j = fc.col[t]
            gaps[t] = int(undated[j])
            for i in np.flatnonzero(bins[:, j]):
                out.append({"bin": _bin_start(int(codes[i]), freq), "theme": t, "passages": int(bins[i, j])})
        counts = pd.DataFrame(out, columns=["bin", "theme", "passages"])
        return counts.sort_values(["bin", "theme"]).reset_index(drop=True), gaps

    def venue_matrix(self, theme_ids: list[str]) -> pd.DataFrame:
        """``core.summary.theme_venue_matrix(frame[rows], theme_ids)``."""
        fc = self.fc
        ids = [t for t in theme_ids if t in fc.col]
        if not ids:
            return pd.DataFrame()
        present = self._count(fc.venue_codes, len(fc.venues)) > 0
        order = np.flatnonzero(present)
        names = [str(fc.venues[i]) or "(unknown)" for i in order]
        table = self.per_venue[np.ix_(order, [fc.col[t] for t in ids])].T.astype(int)
        return pd.DataFrame(table.reshape(len(ids), len(order)), index=ids, columns=pd.Index(names, dtype=str))

    def since(self, day) -> np.ndarray:
        """Positions of the rows dated on or after ``day`` at their precision (their date's end on or after it)."""
        recent = self.fc.date_end >= np.datetime64(day, "D")  # NaT compares false
        if not self.per_date[recent].any():
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.rows & recent[self.fc.date_codes])

    def theme_summary(self, taxonomy, state) -> pd.DataFrame | None:
        """``core.summary.theme_summary(corpus, state, passages=frame, mask=rows)``; None when a table it needs
        would be too large (a taxonomy with very many combinations of themes), to be counted on the rows."""
        fc = self.fc
        keys = (fc.date_key, fc.doc_key, fc.speaker_key)
        if any(k is None for k in keys) or not set(taxonomy.ids) <= set(fc.col):
            return None
        by_date = self._count(fc.date_key, len(fc.dates) * fc.k).reshape(len(fc.dates), fc.k)
        per_date = by_date @ fc.member  # (date, theme)
        per_doc = self._per_theme(fc.doc_key, fc.n_docs)
        per_speaker = self._per_theme(fc.speaker_key, len(fc.speakers))
        nat = np.isnat(fc.date_start)
        year_of = np.where(nat, 0, fc.date_start.astype("datetime64[Y]").astype(np.int64) + 1970)
        lo = int(year_of[~nat].min()) if (~nat).any() else 0
        n_years = int(year_of[~nat].max()) - lo + 1 if (~nat).any() else 0
        per_year = np.zeros((n_years, per_date.shape[1]), dtype=np.int64)
        np.add.at(per_year, year_of[~nat] - lo, per_date[~nat])
        anywhere = np.zeros(n_years, dtype=np.int64)  # rows holding any theme, by year: the years shown
        np.add.at(anywhere, year_of[~nat] - lo, by_date[~nat][:, fc.member.sum(axis=1) > 0].sum(axis=1))
        years = [lo + i for i in np.flatnonzero(anywhere)]
        rows = []
        for t in taxonomy.themes:
            if state.themes and t.id not in state.themes:
                continue
            j = fc.col[t.id]
            held = per_date[:, j] > 0
            dated = held & ~nat
            row = {
                "id": t.id,
                "label": t.label,
                "passages": int(per_date[:, j].sum()),
                "documents": int(np.count_nonzero(per_doc[:, j])),
                "first_date": _extreme(fc.dates, dated, fc.date_start, last=False) if dated.any() else "",
                "last_date": _extreme(fc.dates, dated, fc.date_end, last=True) if dated.any() else "",
                "undated": int(per_date[nat, j].sum()),
                "venues": counts_text(self.per_venue[:, j], fc.venues),
                "speakers": counts_text(per_speaker[:, j], fc.speakers),
            }
            for y in years:
                row[str(y)] = int(per_year[y - lo, j])
            rows.append(row)
        return pd.DataFrame(rows, columns=names("theme_summary") + [str(y) for y in years])

    def latest_end(self):
        """The greatest date end among the rows (NaT when none is dated)."""
        ends = self.fc.date_end[self.per_date > 0]
        ends = ends[~np.isnat(ends)]
        return pd.Timestamp(ends.max()) if len(ends) else pd.NaT


def _extreme(dates, has: np.ndarray, bound: np.ndarray, last: bool) -> str:
    """Of the dates ``has`` (a mask over the date categories), the one whose bound is least (greatest); the most
    precise of those tied (``core.summary.most_precise``)."""
    i8 = bound.view("i8")
    best = i8[has].max() if last else i8[has].min()
    return most_precise([str(dates[k]) for k in np.flatnonzero(has & (i8 == best))])


def _combinations(frame: pd.DataFrame, theme_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's combination of themes as a number 0..K-1, and the (K, themes) 0/1 matrix of what each holds."""
    n, T = len(frame), len(theme_ids)
    if T == 0 or n == 0:
        return np.zeros(n, dtype=np.int64), np.zeros((1, T), dtype=np.int64)
    cols = [frame[THEME_PREFIX + t].to_numpy(dtype=bool) for t in theme_ids]
    if T > 64:  # the rows' bits as bytes, sorted as a void type
        packed = np.packbits(np.column_stack(cols), axis=1, bitorder="little")
        _, combo = np.unique(packed.view(np.dtype((np.void, packed.shape[1]))).ravel(), return_inverse=True)
        first = np.unique(combo, return_index=True)[1]
        held = np.unpackbits(packed[first], axis=1, bitorder="little", count=T)
        return combo.astype(np.int64), held.astype(np.int64)
    kind = next(k for k in (np.uint8, np.uint16, np.uint32, np.uint64) if np.dtype(k).itemsize * 8 >= T)
    bits, tmp = np.zeros(n, dtype=kind), np.empty(n, dtype=kind)
    for i, col in enumerate(cols):  # in place, one theme at a time (packbits across columns took 4x as long)
        np.left_shift(col.view(np.uint8), kind(i), out=tmp, dtype=kind)
        np.bitwise_or(bits, tmp, out=bits)
    if T <= _DENSE_BITS:
        seen = np.flatnonzero(np.bincount(bits, minlength=1 << T))
        lut = np.full(1 << T, -1, dtype=np.int64)
        lut[seen] = np.arange(len(seen))
        combo = lut[bits]
    else:
        seen, combo = np.unique(bits, return_inverse=True)
    member = ((seen.astype(np.uint64)[:, None] >> np.arange(T, dtype=np.uint64)) & np.uint64(1)).astype(np.int64)
    return combo, member
