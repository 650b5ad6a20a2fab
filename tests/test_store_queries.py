"""core.store.queries: the text-less frame, rows by id, and the filters as SQL counting what the frame counts."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core.pipeline import corpus_from_store, ingest
from core.review import review_tag
from core.store import Store, queries
from core.summary import THEME_PREFIX, FilterState, filter_mask, prepare
from core.taxonomy import default_taxonomy
from tests.conftest import FIXTURES, SEEDS

TAX = default_taxonomy()


@pytest.fixture(scope="module")
def reviewed_store(tmp_path_factory):
    """The seeds and a ParlParse file, with two tag decisions: one confirming a theme the tagger missed, one
    rejecting a tag it made."""
    path = tmp_path_factory.mktemp("q") / "s.duckdb"
    with Store(path, write=True) as store:
        ingest(store, [SEEDS, FIXTURES / "corpora" / "parlparse-twfy" / "wms"])
        p = store.frame("passages")
        tagged = p[p["themes"].str.contains("county_lines") & (p["duplicate_of"] == "")]["passage_id"].iloc[0]
        untagged = p[~p["themes"].str.contains("missing_children") & (p["duplicate_of"] == "") & (p["date"] != "")][
            "passage_id"
        ].iloc[0]
        review_tag(store, tagged, "county_lines", "reject", taxonomy=TAX)
        review_tag(store, untagged, "missing_children", "confirm", taxonomy=TAX)
    return path


def test_the_frame_is_the_prepared_corpus_without_text(reviewed_store):
    with Store(reviewed_store) as store:
        corpus = corpus_from_store(store, TAX)
        frame = queries.passage_frame(store, TAX.ids)
        review = queries.reviewed(store, frame, store.frame("asks"), TAX.ids)
    old = prepare(corpus.passages, TAX.ids).set_index("passage_id")
    new = review.frame.set_index("passage_id").loc[old.index]
    assert "text" not in new
    for c in ["date", "venue", "speaker", "document", "year", "_prec", "_m", "_canonical"] + [
        THEME_PREFIX + t for t in TAX.ids
    ]:
        assert old[c].astype(object).fillna(-1).tolist() == new[c].astype(object).fillna(-1).tolist(), c
    assert old["date_start"].isna().tolist() == new["date_start"].isna().tolist()
    assert (old["date_start"].dropna() == new["date_start"].dropna()).all()
    assert len(review.passages) == 2 and len(review.decisions) == 2


STATES = [
    FilterState(),
    FilterState(themes=("county_lines",)),
    FilterState(themes=("missing_children", "county_lines")),
    FilterState(venues=("Westminster Hall",), date_from=date(2018, 1, 1)),
    FilterState(date_from=date(2009, 10, 1), date_to=date(2019, 12, 31), include_undated=True),
    FilterState(include_undated=False),
    FilterState(speakers=("Ann Coffey",), date_to=date(2018, 6, 30)),
    FilterState(documents=("002_ef583611f3e786e0",)),
]


@pytest.mark.parametrize("state", STATES, ids=range(len(STATES)))
def test_sql_counts_equal_the_frames_counts_with_reviews_applied(reviewed_store, state):
    with Store(reviewed_store) as store:
        frame = queries.passage_frame(store, TAX.ids)
        review = queries.reviewed(store, frame, store.frame("asks"), TAX.ids)
        search = frame["passage_id"].iloc[::3].tolist()  # what a search found
        for ids in (None, search):
            m = filter_mask(review.frame, state)
            if ids is not None:
                m &= review.frame["passage_id"].isin(ids)
            expected = {t: int((m & review.frame[THEME_PREFIX + t]).sum()) for t in TAX.ids}
            assert queries.theme_counts(store, TAX.ids, state, review, ids) == expected
    assert sum(expected.values()) > 0 or state.documents


def test_rows_come_in_the_order_asked_with_their_text(reviewed_store, monkeypatch):
    monkeypatch.setattr(queries, "IN_LIST", 100)
    with Store(reviewed_store) as store:
        ids = store.frame("passages")["passage_id"].iloc[[40, 3, 17]].tolist()
        rows = queries.passage_rows(store, ids + ["no such passage"])
        assert rows["passage_id"].tolist() == ids and rows["text"].str.len().gt(0).all()
        many = store.frame("passages")["passage_id"].tolist()[::-1]  # past IN_LIST: a list parameter
        assert len(many) > queries.IN_LIST
        assert queries.passage_rows(store, many, ["passage_id"])["passage_id"].tolist() == many


def test_what_matched_is_grouped_in_the_store_as_on_the_tags(reviewed_store):
    """queries.evidence / evidence_ids (DuckDB) equal core.summary's evidence_breakdown / evidence_passages on the
    tags as counted, reviews applied (one theme's tag confirmed on a passage, one rejected)."""
    from core.summary import evidence_breakdown, evidence_passages

    with Store(reviewed_store) as store:
        frame = queries.passage_frame(store, TAX.ids)
        review = queries.reviewed(store, frame, store.frame("asks"), TAX.ids)
        f = review.frame
        checked = 0
        for theme in TAX.ids:
            tags = queries.reviewed_tags(store, None, review, (theme,))
            for state in STATES:
                ids = f["passage_id"][(filter_mask(f, state) & f[THEME_PREFIX + theme]).to_numpy()]
                want = evidence_breakdown(tags, ids, theme)
                got = queries.evidence(store, theme, ids, review)
                pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_dtype=False)
                checked += len(want)
            for ev in want["evidence"]:
                assert queries.evidence_ids(store, theme, ev, review) == evidence_passages(tags, theme, ev)
        reviewed_in = set(review.passages) & set(f["passage_id"][f[THEME_PREFIX + "missing_children"]])
    assert checked > 100 and reviewed_in  # the confirmed passage's own tag is among those counted
