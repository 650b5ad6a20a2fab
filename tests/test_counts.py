"""core.counts.FrameCounts: the Overview's counts of a filter mask equal core.summary's on the filtered rows."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.counts import FrameCounts
from core.pipeline import ingest
from core.store import Store, queries
from core.summary import (
    THEME_PREFIX,
    FilterState,
    filter_mask,
    headline,
    prepare,
    theme_summary,
    theme_timeline,
    theme_venue_matrix,
)
from core.taxonomy import default_taxonomy
from tests.conftest import FIXTURES, SEEDS
from tests.test_store_queries import STATES as QUERY_STATES

TAX = default_taxonomy()
STATES = [
    *QUERY_STATES,  # the filter states the store's own counts are tested with
    FilterState(themes=("rape_prosecutions",), venues=("Press release",)),  # nothing, or next to nothing
]


class _Theme:
    def __init__(self, id_: str):
        self.id, self.label = id_, id_.upper()


class _Taxonomy:
    def __init__(self, ids: list[str]):
        self.ids, self.themes = ids, [_Theme(t) for t in ids]


class _Corpus:
    def __init__(self, passages, taxonomy):
        self.passages, self.taxonomy = passages, taxonomy


def _same(frame: pd.DataFrame, theme_ids: list[str], masks, states=None, taxonomy=None) -> None:
    fc = FrameCounts(frame, theme_ids)
    corpus = _Corpus(frame, taxonomy or _Taxonomy(theme_ids))
    for k, m in enumerate(masks):
        m = np.asarray(m, dtype=bool)
        sub, tally = frame[m], fc.tally(m)
        state = states[k] if states else FilterState(themes=tuple(theme_ids[:1]) if k % 3 == 2 else ())
        want = theme_summary(corpus, state, passages=frame, mask=pd.Series(m))
        pd.testing.assert_frame_equal(tally.theme_summary(corpus.taxonomy, state), want, check_dtype=False)
        assert tally.headline(corpus) == headline(corpus, sub)
        for themes in (theme_ids, theme_ids[:1], theme_ids[::-1][:3]):
            for freq in ("month", "quarter", "year"):
                got, got_undated = tally.timeline(themes, freq)
                want, want_undated = theme_timeline(sub, themes, freq)
                pd.testing.assert_frame_equal(got, want, check_dtype=False)
                assert got_undated == want_undated
            pd.testing.assert_frame_equal(
                tally.venue_matrix(themes), theme_venue_matrix(sub, themes), check_dtype=False
            )
        for day in (date(2010, 1, 1), date(2018, 6, 1), date(2019, 10, 16)):
            assert frame.index[tally.since(day)].tolist() == sub.index[sub["date_end"] >= pd.Timestamp(day)].tolist()
        ends = sub["date_end"].dropna()
        assert (tally.latest_end() == ends.max()) if len(ends) else pd.isna(tally.latest_end())


@pytest.fixture(scope="module")
def store_frame(tmp_path_factory):
    path = tmp_path_factory.mktemp("counts") / "s.duckdb"
    with Store(path, write=True) as store:
        ingest(store, [SEEDS, FIXTURES / "corpora" / "parlparse-twfy"])
    with Store(path) as store:
        return queries.passage_frame(store, TAX.ids)


def test_the_stores_frame_is_counted_as_the_filtered_rows_are(store_frame):
    assert FrameCounts.usable(store_frame)
    assert store_frame["venue"].nunique() >= 4 and (store_frame["date"] == "").any()
    _same(store_frame, TAX.ids, [filter_mask(store_frame, s) for s in STATES], STATES, TAX)


def _frame(dates: list[str], themes: list[list[str]], theme_ids: list[str], venues: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "passage_id": [f"p{i}" for i in range(len(dates))],
            "document": [f"d{i % 3}" for i in range(len(dates))],
            "date": dates,
            "date_precision": [
                {10: "day", 7: "month", 4: "year"}.get(len(d), "unknown") if d else "unknown" for d in dates
            ],
            "venue": venues,
            "speaker": "",
            "duplicate_of": "",
            "themes": ["; ".join(t) for t in themes],
        }
    )
    df = prepare(df, theme_ids)
    df["date"] = df["date"].astype("category")
    return df


def test_year_only_dates_ties_and_empty_masks():
    ids = ["a", "b", "c"]
    # "2018", "2018-01" and "2018-01-01" all start on 1 January 2018: the first row's string is the headline's
    dates = ["2018-01", "2018", "2018-01-01", "", "2019-03-04", "2019", "2017-12-31", "2019-12", ""]
    themes = [["a"], ["b"], ["a", "b"], ["c"], [], ["a", "c"], ["c"], ["b"], ["a"]]
    venues = ["Commons", "Lords", "Commons", "", "Lords", "Commons", "Press release", "Lords", "Lords"]
    df = _frame(dates, themes, ids, venues)
    assert FrameCounts.usable(df)
    gap = df.copy()
    gap["venue"] = gap["venue"].cat.set_categories(["Commons", "Lords"])  # others become missing: not this path
    assert not FrameCounts.usable(gap) and not FrameCounts.usable(df.drop(columns="_m"))
    rng = np.random.default_rng(7)
    masks = [np.ones(len(df), bool), np.zeros(len(df), bool)] + [rng.random(len(df)) < 0.5 for _ in range(20)]
    _same(df, ids, masks)
    # of dates tied on their start (end), the most precise, whatever the rows' order
    no_2017 = df.index != 6
    for order in (df.index, df.index[::-1]):
        h = headline(_Corpus(df, None), df.loc[order][no_2017[order]])
        assert (h.first_date, h.last_date) == ("2018-01-01", "2019-12")


@pytest.mark.parametrize("n_themes", [30, 70])
def test_many_themes_are_combined_by_sorting(n_themes):
    rng = np.random.default_rng(n_themes)
    ids = [f"t{i}" for i in range(n_themes)]
    n = 400
    dates = [f"20{rng.integers(10, 20)}-{rng.integers(1, 13):02d}" if rng.random() < 0.8 else "" for _ in range(n)]
    themes = [[t for t in ids if rng.random() < 0.05] for _ in range(n)]
    venues = [str(rng.choice(["Commons", "Lords", "Westminster Hall"])) for _ in range(n)]
    df = _frame(dates, themes, ids, venues)
    assert FrameCounts.usable(df)
    _same(df, ids, [np.ones(n, bool)] + [df[THEME_PREFIX + ids[i]].to_numpy() for i in range(3)])


def test_an_empty_frame_and_too_many_combinations(store_frame, monkeypatch):
    import core.counts as counts

    empty = store_frame.iloc[:0]
    tally = FrameCounts(empty, TAX.ids).tally(np.zeros(0, bool))
    assert tally.headline(_Corpus(empty, TAX)) == headline(_Corpus(empty, TAX), empty)
    assert tally.timeline(TAX.ids)[0].empty and tally.venue_matrix(TAX.ids).shape == (len(TAX.ids), 0)
    monkeypatch.setattr(counts, "_MAX_TABLE", 100)  # as a taxonomy of very many combinations over many months would
    with pytest.raises(counts.TooLarge):
        FrameCounts(store_frame, TAX.ids)


def test_the_passages_views_order_is_newest_first_by_document_and_line(store_frame):
    from dashboard.views.passages import newest_first, newest_first_ids

    plain = store_frame.assign(document=store_frame["document"].astype(object))  # not categorical: pandas sorts
    for state in STATES:
        m = filter_mask(store_frame, state).to_numpy()
        want = newest_first(store_frame[m])["passage_id"].tolist()
        assert list(newest_first_ids(store_frame, m)) == want
        assert list(newest_first_ids(plain, m)) == want
    assert len(want) < len(store_frame)  # (the last state leaves rows out)
