"""Review decisions on a real store made from the seeds: they change the counts at once, survive re-ingest and
re-tagging, export as labelled JSONL that `evaluate --dev` scores, and bad ids are errors naming the id."""

from __future__ import annotations

import html as html_mod
import json
import shutil

import pytest

from core import review
from core.asks import ask_summary
from core.pipeline import corpus_from_store, ingest
from core.sentences import split
from core.store import Store, StoreError
from core.summary import theme_summary
from core.taxonomy import default_taxonomy, parse_taxonomy
from tests.conftest import SEEDS, run_cli


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A store made from a copy of the seeds (made once; each test gets its own copy of both)."""
    root = tmp_path_factory.mktemp("review")
    docs = root / "docs"
    shutil.copytree(SEEDS, docs, ignore=shutil.ignore_patterns("README*"))
    with Store(root / "s.duckdb", write=True) as store:
        ingest(store, [docs])
    return root


@pytest.fixture()
def db(built, tmp_path):
    shutil.copytree(built / "docs", tmp_path / "docs")
    shutil.copy(built / "s.duckdb", tmp_path / "s.duckdb")
    return tmp_path / "s.duckdb"


def read(db):
    with Store(db) as store:
        return corpus_from_store(store)


def ledger(corpus):
    return ask_summary(corpus).set_index("ask_group")["times_raised"].to_dict()


def canonical_asks(corpus, group):
    a = corpus.asks
    return a[(a["ask_group"] == group) & (a["duplicate_of"] == "")].sort_values("ask_id")


def a_missed_sentence(corpus):
    """(ask id, sentence) of a sentence the detector does not take for an ask, in a canonical passage that has
    asks (so a reviewer could add it as a miss)."""
    asks = corpus.asks
    p = corpus.passages.set_index("passage_id")
    for pid in sorted(set(asks.loc[asks["duplicate_of"] == "", "passage_id"])):
        taken = set(asks.loc[asks["passage_id"] == pid, "sentence_index"])
        for n, s in enumerate(split(p.loc[pid, "text"])):
            if n not in taken and len(s) > 40:
                return review.ask_id(pid, n), s
    raise AssertionError("no sentence to add")


def test_reject_confirm_move_change_the_ledger_at_once(db):
    before = read(db)
    led = ledger(before)
    strategy = canonical_asks(before, "national_strategy")
    assert led["national_strategy"] == len(strategy) >= 3 and "more_resources" in led
    first, second, third = strategy["ask_id"].iloc[:3]
    with Store(db, write=True) as store:
        v0 = store.version
        v1 = review.review_ask(store, first, "reject", note="a comment on the past, not a request")
        v2 = review.review_ask(store, second, "move", group="more_resources", reviewer="Ann")
        v3 = review.review_ask(store, third, "confirm")
    assert v0 < v1 < v2 < v3  # every decision bumps the store's version: caches keyed on it refresh
    after = read(db)
    led2 = ledger(after)
    assert led2["national_strategy"] == led["national_strategy"] - 2
    assert led2["more_resources"] == led["more_resources"] + 1
    a = after.asks.set_index("ask_id")
    assert first not in a.index and first in set(after.detected_asks["ask_id"])
    assert (a.loc[second, "ask_group"], a.loc[second, "detected_group"], a.loc[second, "review"]) == (
        "more_resources",
        "national_strategy",
        "moved",
    )
    assert a.loc[second, "ask_group_label"] == next(
        x.label for x in default_taxonomy().asks if x.id == "more_resources"
    )
    assert a.loc[third, "review"] == "confirmed" and a.loc[third, "ask_group"] == "national_strategy"
    dec = after.reviews.set_index("item_id")
    assert (dec.loc[second, "reviewer"], dec.loc[first, "note"]) == ("Ann", "a comment on the past, not a request")
    assert set(dec["state"]) == {"applied"}
    # taking a decision back restores the detector's count
    with Store(db, write=True) as store:
        review.review_ask(store, first, "clear")
    assert ledger(read(db))["national_strategy"] == led["national_strategy"] - 1


def test_a_missed_ask_confirmed_by_a_reviewer_is_counted(db):
    before = read(db)
    aid, sentence = a_missed_sentence(before)
    with Store(db, write=True) as store:
        review.review_ask(store, aid, "move", group="early_intervention")
    after = read(db)
    row = after.asks.set_index("ask_id").loc[aid]
    assert (row["text"], row["cue"], row["detected_group"], row["ask_group"]) == (
        sentence,
        "review",
        "",
        "early_intervention",
    )
    assert ledger(after)["early_intervention"] == ledger(before)["early_intervention"] + 1


def test_tag_decisions_change_theme_counts_and_evidence(db):
    before = read(db)
    tags = before.tags
    tagged = sorted(
        set(tags.loc[tags["theme"] == "county_lines", "passage_id"])
        & set(before.passages.loc[before.passages["duplicate_of"] == "", "passage_id"])
    )[0]
    untagged = before.passages[
        (before.passages["duplicate_of"] == "") & ~before.passages["themes"].str.contains("county_lines")
    ].iloc[0]["passage_id"]
    counts = theme_summary(before).set_index("id")["passages"]
    with Store(db, write=True) as store:
        review.review_tag(store, tagged, "county_lines", "reject")
        review.review_tag(store, untagged, "county_lines", "confirm", reviewer="Ann")
        review.review_tag(store, untagged, "missing_children", "confirm")
        review.review_tag(store, untagged, "missing_children", "reject")  # the later decision replaces the earlier
    after = read(db)
    counts2 = theme_summary(after).set_index("id")["passages"]
    assert counts2["county_lines"] == counts["county_lines"]  # one off, one on
    assert counts2["missing_children"] == counts["missing_children"] - (
        "missing_children" in before.passages.set_index("passage_id").loc[untagged, "themes"]
    )
    t = after.tags
    assert not len(t[(t["passage_id"] == tagged) & (t["theme"] == "county_lines")])
    added = t[(t["passage_id"] == untagged) & (t["theme"] == "county_lines")]
    assert list(added["method"]) == ["review"] and list(added["reason"]) == ["confirmed by Ann"]
    p = after.passages.set_index("passage_id")
    assert "county_lines" not in p.loc[tagged, "themes"].split(";")
    assert "county_lines" in p.loc[untagged, "themes"].split(";")
    assert len(after.reviews) == 3


def test_decisions_survive_reingest_and_a_taxonomy_change(db):
    docs = db.parent / "docs"
    c = read(db)
    aid = canonical_asks(c, "national_strategy")["ask_id"].iloc[0]
    pid = aid.rsplit("/s", 1)[0]
    doc = c.passages.set_index("passage_id").loc[pid, "document"]
    moved = canonical_asks(c, "national_strategy")["ask_id"].iloc[1]
    with Store(db, write=True) as store:
        review.review_ask(store, aid, "reject")
        review.review_ask(store, moved, "move", group="more_resources")
        review.review_tag(store, pid, "county_lines", "reject")
    expected = ledger(read(db))
    # the reviewed document changes elsewhere: it is read again, its asks and tags replaced
    f = docs / f"{doc}.txt"
    f.write_text(
        f.read_text(encoding="utf-8") + "\nA paragraph added later about something else entirely.\n", encoding="utf-8"
    )
    with Store(db, write=True) as store:
        counts, _ = ingest(store, [docs])
    assert counts.changed == 1
    after = read(db)
    assert ledger(after) == expected and set(after.reviews["state"]) == {"applied"}
    # a taxonomy change re-tags every passage: the rejected tag stays rejected
    text = (
        'mode = "extend"\n[[theme]]\nid = "gangs"\nlabel = "Gangs"\ndescription = "Gangs."\n'
        'phrases = ["gang", "gangs"]\n'
    )
    taxonomy = parse_taxonomy(text, "t.toml", base=default_taxonomy())
    with Store(db, write=True) as store:
        ingest(store, [docs], taxonomy=taxonomy)
        retagged = corpus_from_store(store, taxonomy)
    assert ledger(retagged) == expected and set(retagged.reviews["state"]) == {"applied"}
    assert "county_lines" not in retagged.passages.set_index("passage_id").loc[pid, "themes"]
    assert (retagged.tags["theme"] == "gangs").any()


def test_a_confirmed_ask_counts_while_its_sentence_is_there_and_stale_decisions_say_why(db):
    c = read(db)
    asks = canonical_asks(c, "national_strategy")
    aid = asks["ask_id"].iloc[0]
    with Store(db, write=True) as store:
        review.review_ask(store, aid, "confirm")
        dec = review.decisions(store)
    # the detector stops finding it (e.g. a changed cue): the confirmed ask is still counted, as a reviewer's
    detector_now = c.detected_asks[c.detected_asks["ask_id"] != aid]
    done = review.apply(c.passages, c.tags, detector_now, dec, default_taxonomy().ids)
    row = done.asks.set_index("ask_id").loc[aid]
    assert (row["cue"], row["review"], row["ask_group"]) == ("review", "confirmed", "national_strategy")
    assert (done.asks["duplicate_of"] == "").sum() == (c.asks["duplicate_of"] == "").sum()
    # its passage gone (the paragraph edited: a text layout's passage id is a hash of its text): kept, not applied
    pid = aid.rsplit("/s", 1)[0]
    gone = c.passages[c.passages["passage_id"] != pid]
    done = review.apply(gone, c.tags, detector_now, dec, default_taxonomy().ids)
    assert aid not in set(done.asks["ask_id"])
    assert done.decisions["state"].iloc[0] == "not applied: the passage is no longer in the store"
    # a theme taken out of the taxonomy: its tag decisions are kept, not applied
    with Store(db, write=True) as store:
        review.review_tag(store, pid, "county_lines", "reject")
        dec = review.decisions(store)
    done = review.apply(c.passages, c.tags, c.detected_asks, dec, ["missing_children"])
    assert (
        dict(zip(done.decisions["target"], done.decisions["state"]))["tag"]
        == "not applied: the theme is no longer in the taxonomy"
    )


def test_export_then_evaluate_scores_the_detector_on_the_decisions(db, tmp_path):
    c = read(db)
    asks = c.asks[c.asks["duplicate_of"] == ""].sort_values("ask_id")
    agree = asks["ask_id"].iloc[:3].tolist()
    tags = c.tags.sort_values(["passage_id", "theme"]).drop_duplicates(["passage_id", "theme"])
    tag_ok = list(zip(tags["passage_id"], tags["theme"]))[:2]
    with Store(db, write=True) as store:
        for a in agree:
            review.review_ask(store, a, "confirm")
        for pid, theme in tag_ok:
            review.review_tag(store, pid, theme, "confirm")
        # rejected where the tagger agrees (it does not tag it): a true negative
        clean = c.passages[~c.passages["themes"].str.contains("rape_prosecutions")].iloc[-1]["passage_id"]
        review.review_tag(store, clean, "rape_prosecutions", "reject")
    out = tmp_path / "mine.jsonl"
    r = run_cli("review", "export", "--out", str(out), "--store", str(db))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {k for row in rows for k in row} >= {
        "id",
        "source",
        "line",
        "text",
        "themes",
        "asks",
        "optional_asks",
        "speaker",
    }
    assert sum(len(row["asks"]) for row in rows) == 3
    assert {"no"} == {v for row in rows for t, v in row["themes"].items() if t == "rape_prosecutions"}
    r = run_cli("evaluate", "--dev", str(out), "--store", str(db))
    assert r.returncode == 0, r.stderr
    # where the detector agrees with every decision: perfect scores
    assert _micro(r.stdout) == ("2", "0", "0", "1.000", "1.000", "1.000")
    assert _detection(r.stdout) == ("3", "0", "0", "1.000", "1.000", "1.000")
    # a rejected ask the detector finds (a false positive), a missed ask confirmed (a false negative), a tag
    # rejected (false positive) and a tag confirmed where the tagger finds none (false negative)
    missed, _ = a_missed_sentence(c)
    untagged = c.passages[~c.passages["themes"].str.contains("county_lines")].iloc[0]["passage_id"]
    with Store(db, write=True) as store:
        review.review_ask(store, asks["ask_id"].iloc[3], "reject")
        review.review_ask(store, missed, "confirm")
        review.review_tag(store, tag_ok[0][0], tag_ok[0][1], "reject")
        review.review_tag(store, untagged, "county_lines", "confirm")
    assert run_cli("review", "export", "--out", str(out), "--store", str(db)).returncode == 0
    r = run_cli("evaluate", "--dev", str(out), "--store", str(db))
    assert r.returncode == 0, r.stderr
    assert _micro(r.stdout)[:3] == ("1", "1", "1")
    assert _detection(r.stdout)[:3] == ("3", "1", "1")


def _micro(stdout: str) -> tuple[str, ...]:
    """tp, fp, fn, precision, recall, f1 of the themes' micro average."""
    line = next(x for x in stdout.splitlines() if x.strip().startswith("micro"))
    return tuple(line.split()[1:7])


def _detection(stdout: str) -> tuple[str, ...]:
    """tp, fp, fn, precision, recall, f1 of ask detection."""
    return tuple(stdout.split("Ask detection")[1].splitlines()[2].split()[:6])


def test_cli_review_ask_tag_list_and_errors(db):
    c = read(db)
    aid = canonical_asks(c, "national_strategy")["ask_id"].iloc[0]
    pid = aid.rsplit("/s", 1)[0]
    s = ["--store", str(db)]
    r = run_cli("review", "ask", aid, "reject", "--note", "rhetoric", "--by", "Ann", *s)
    assert r.returncode == 0 and f"ask {aid}: rejected" in r.stdout
    r = run_cli("review", "ask", f"{pid}/s999", "confirm", *s)
    assert r.returncode == 2 and f"{pid}/s999: no such ask" in r.stderr
    r = run_cli("review", "ask", "no-such-passage/s1", "confirm", *s)
    assert r.returncode == 2 and "no-such-passage/s1" in r.stderr
    r = run_cli("review", "ask", "not-an-ask-id", "confirm", *s)
    assert r.returncode == 2 and "not-an-ask-id: not an ask id" in r.stderr
    r = run_cli("review", "ask", aid, "move", *s)
    assert r.returncode == 2 and "move needs the group" in r.stderr
    r = run_cli("review", "ask", aid, "move", "no_such_group", *s)
    assert r.returncode == 2 and "no_such_group: no such group" in r.stderr
    r = run_cli("review", "ask", aid, "move", "my_group", "--label", "Fund youth workers", *s)
    assert r.returncode == 0
    assert ask_summary(read(db)).set_index("ask_group").loc["my_group", "label"] == "Fund youth workers"
    r = run_cli("review", "tag", pid, "county_lines", "reject", "--note", "about drugs, not county lines", *s)
    assert r.returncode == 0
    r = run_cli("review", "tag", "no-such-passage", "county_lines", "reject", *s)
    assert r.returncode == 2 and "no-such-passage: no such passage" in r.stderr
    r = run_cli("review", "tag", pid, "no_such_theme", "confirm", *s)
    assert r.returncode == 2 and "no_such_theme: no such theme" in r.stderr
    r = run_cli("review", "tag", pid, "missing_children", "clear", *s)
    assert r.returncode == 2 and "no decision" in r.stderr
    r = run_cli("review", "list", *s)
    assert r.returncode == 0 and aid in r.stdout and f"{pid}|county_lines" in r.stdout
    assert "my_group" in r.stdout and "about drugs, not county lines" in r.stdout and "applied" in r.stdout
    r = run_cli("review", "list", "--store", str(db.parent / "none.duckdb"))
    assert r.returncode == 2 and "no store here" in r.stderr
    assert not (db.parent / "none.duckdb").exists()


def test_one_writer_at_a_time(db, monkeypatch):
    from core.store import db as dbmod

    monkeypatch.setattr(dbmod, "LOCK_TIMEOUT_S", 0.2)
    aid = canonical_asks(read(db), "national_strategy")["ask_id"].iloc[0]
    with Store(db, write=True):
        r = run_cli("review", "ask", aid, "reject", "--store", str(db))
        assert r.returncode == 2 and "is writing to this store" in r.stderr
        with pytest.raises(StoreError):
            Store(db, write=True)
    assert run_cli("review", "ask", aid, "reject", "--store", str(db)).returncode == 0


def test_a_store_from_before_reviews_is_migrated(db):
    with Store(db, write=True) as store:
        with store.transaction():
            store.con.execute("DROP TABLE reviews")
            store._set("schema_version", "1")
    with pytest.raises(StoreError, match="older release"):
        Store(db)
    with Store(db, write=True) as store:
        assert "reviews" in store._tables() and store.meta("schema_version") == "2"
        review.review_ask(store, canonical_asks(read_store(store), "national_strategy")["ask_id"].iloc[0], "reject")
        assert store.count("reviews") == 1


def read_store(store):
    return corpus_from_store(store)


def test_review_view_records_a_decision_and_the_counts_follow(db, monkeypatch):
    """The dashboard's Review view (AppTest) on its own workspace: rejecting an ask writes the decision through
    core.review, and the ledger the Asks view shows has one fewer."""
    from streamlit.testing.v1 import AppTest

    ws = db.parent / "workspace"
    ws.mkdir()
    monkeypatch.setenv("CAMPAIGN_TRACKER_DATA", str(ws))
    at = AppTest.from_function(_review_app, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.radio(key="rv_ask_show").set_value("all").run()
    table = _frame(at, "group_now")
    assert {"text", "confidence", "cue", "group_now", "review"} <= set(table.columns)
    aid = canonical_asks(read(db), "national_strategy")["ask_id"].iloc[0]  # the workspace's store: the seeds too
    at.selectbox(key="rv_ask").set_value(aid).run()
    group = table.set_index("ask_id").loc[aid, "group_now"]
    before = _times(at, group)
    at.text_input(key="rv_note").set_value("<b>not</b> an ask").run()
    at.button(key="rv_ask_reject").click().run()
    assert not at.exception, at.exception
    assert _times(at, group) == before - 1
    log = _frame(at, "state")
    assert list(log["item_id"]) == [aid] and list(log["note"]) == ["<b>not</b> an ask"]
    shown = " ".join(m.value for m in at.markdown)
    assert "<b>not</b>" not in shown  # document and user text is escaped
    # theme tags: reject one the tagger found, confirm one it missed (an unknown id is an error naming it)
    at.selectbox(key="rv_theme").set_value("county_lines").run()
    pid = at.selectbox(key="rv_tag").value
    at.button(key="rv_tag_reject").click().run()
    at.text_input(key="rv_tag_other").set_value("no-such-passage").run()
    at.button(key="rv_tag_add").click().run()
    assert "no-such-passage: no such passage" in html_mod.unescape(at.error[0].value)
    log = _frame(at, "state")
    assert log.set_index("item_id").loc[f"{pid}|county_lines", "decision"] == "rejected"
    with Store(ws / "campaign.duckdb") as store:
        assert review.decisions(store)["decision"].tolist() == ["rejected", "rejected"]


def _frame(at, column: str):
    """The first table showing ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _times(at, label) -> int:
    table = _frame(at, "times_raised")
    hit = table[table["label"] == label]
    return int(hit["times_raised"].iloc[0]) if len(hit) else 0


def _review_app():
    import streamlit as st

    from core.asks import ask_summary
    from core.summary import FilterState
    from dashboard.data import load
    from dashboard.views import review as view

    data = load()
    view.render(data, FilterState())
    st.dataframe(ask_summary(data.corpus), key="rv_ledger")
