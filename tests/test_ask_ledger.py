"""The ask ledger at scale: grouping by an inverted index of word pairs and blocked response linking give what
comparing every ask with every other (and with every Government commitment) gives, on real text."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz

from core.asks import (
    _content,
    action_of,
    content_words,
    detect,
    extract,
    group,
    link_responses,
    similar_clusters,
    similar_clusters_quadratic,
)
from core.sentences import split
from tests.conftest import FIXTURES, ROOT

PARLPARSE = FIXTURES / "corpora" / "parlparse-twfy"


@pytest.fixture(scope="module")
def real_actions(corpus) -> list[str]:
    """The actions of every ask in the seeds, the 289 labelled 2009 paragraphs and the 4,244 bundled 2009 Hansard
    paragraphs (ParlParse, Open Parliament Licence), in reading order."""
    texts = [json.loads(line)["text"] for line in (FIXTURES / "asks_2009.jsonl").open(encoding="utf-8")]
    bundled = ROOT / "benchmarks" / "fixtures" / "hansard_2009_paragraphs.txt.gz"
    texts += gzip.decompress(bundled.read_bytes()).decode("utf-8").splitlines()
    return corpus.asks["action"].tolist() + [action_of(s) for t in texts for s in split(t) if detect(s)]


def test_blocked_clusters_are_the_quadratic_clusters_on_real_asks(real_actions):
    assert len(real_actions) > 1500
    blocked = similar_clusters(real_actions)
    assert blocked.tolist() == similar_clusters_quadratic(real_actions).tolist()
    sizes = np.bincount(blocked)
    assert (sizes > 1).sum() >= 50  # many clusters to get right, not a list of singletons
    assert (blocked <= np.arange(len(blocked))).all()  # each named after its first action


def test_a_word_pair_shared_too_widely_is_no_key(real_actions):
    """'secretary state' (every tabled question's) is the commonest word pair: with it left out as a key, asks that
    only have it in common are no longer compared, and some clusters split; the rest are the same."""
    full = similar_clusters(real_actions)
    capped = similar_clusters(real_actions, max_block=20)
    assert (capped != full).any()
    assert (full[capped] == full).all()  # a capped cluster lies within one full cluster: fewer links, none new
    tabled = [i for i, a in enumerate(real_actions) if {"secretary", "state"} <= content_words(a)]
    assert len(tabled) > 20


def test_new_asks_grouped_against_known_clusters(real_actions):
    """Clusters found before (``known``) and only the new asks compared: the clusters of grouping all at once."""
    full = similar_clusters(real_actions)
    cut = len(real_actions) * 2 // 3
    before = similar_clusters(real_actions[:cut])
    known = [f"g{r}" for r in before.tolist()] + [""] * (len(real_actions) - cut)
    assert similar_clusters(real_actions, known=known).tolist() == full.tolist()
    assert len(set(full[cut:].tolist()) & set(full[:cut].tolist())) > 10  # new asks did join old clusters


def test_suggested_groups_named_after_their_first_ask(corpus):
    a = corpus.asks
    sugg = a[a.group_source == "suggested"]
    firsts = sugg.groupby("ask_group", sort=False)["ask_id"].first()
    assert (firsts.index == "auto_" + firsts).all()
    assert (sugg.groupby("ask_group").size() > 1).sum() >= 2


def _responses_by_trying_every_commitment(asks, commitments, min_score: int = 60) -> list[tuple]:
    """The rule of ``link_responses`` applied to every (ask, commitment) pair: same debate after the ask by someone
    else, or a Government speaker's elsewhere dated after it; two shared content words; the best token_set_ratio,
    the first of equals (the debate's own first)."""
    from core.asks import GOVERNMENT_ROLE

    com = commitments.reset_index(drop=True)
    rows = list(enumerate(com.itertuples()))
    words, content = [content_words(t) for t in com.text], [_content(t) for t in com.text]
    out = []
    for a in asks.itertuples():
        aw = content_words(a.action + " " + a.text)
        same = [
            j
            for j, c in rows
            if (c.document, c.section_index) == (a.document, a.section_index)
            and c.line > a.line
            and (c.speaker != a.speaker or c.speaker == "")
        ]
        gov = [
            j
            for j, c in rows
            if a.date
            and GOVERNMENT_ROLE.search(c.speaker_detail or "")
            and c.date > a.date
            and c.document != a.document
        ]
        best, score = None, 0.0
        for j in same + gov:
            s = fuzz.token_set_ratio(_content(a.action), content[j], score_cutoff=min_score)
            if s >= min_score and s > score and len(aw & words[j]) >= 2:
                best, score = j, s
        out.append(
            ("", "no response found", 0.0)
            if best is None
            else (com.passage_id[best], com.status[best], round(float(np.float32(score)), 1))
        )
    return out


def test_blocked_responses_are_those_of_trying_every_commitment():
    """A real week of ParlParse (Commons, Lords, Westminster Hall, committee, written answers and statements):
    Ministers answer in the debate and elsewhere later."""
    from core.pipeline import build_corpus

    c = build_corpus(sorted(Path(PARLPARSE).glob("*/*.xml")))
    asks, com = extract(c.passages)
    linked = link_responses(asks, com, c.passages)
    got = list(zip(linked.response_passage, linked.response_status, linked.response_score))
    assert got == _responses_by_trying_every_commitment(asks, com)
    doc_of = dict(zip(c.passages.passage_id, c.passages.document))
    answered = linked[linked.response_status != "no response found"]
    elsewhere = answered[[doc_of[p] != d for p, d in zip(answered.response_passage, answered.document)]]
    assert len(answered) >= 20 and len(elsewhere) >= 3  # both kinds of candidate are found


def test_asks_added_to_a_ledger_get_the_groups_of_a_rebuild():
    """The seeds and a real week of ParlParse grouped, then asks from later files added with ``known``: the groups
    are those of grouping every ask at once."""
    from core.pipeline import build_corpus
    from core.taxonomy import default_taxonomy

    c = build_corpus([ROOT / "seeds", *sorted(Path(PARLPARSE).glob("*/*.xml"))])
    asks, _com = extract(c.passages)
    full = group(asks, default_taxonomy())
    cut = len(asks) // 2
    earlier = group(asks.iloc[:cut], default_taxonomy())["ask_group"].tolist()
    added = group(asks, default_taxonomy(), known=earlier + [""] * (len(asks) - cut))
    assert added["ask_group"].tolist() == full["ask_group"].tolist()
    assert added["ask_group_label"].tolist() == full["ask_group_label"].tolist()
    later = full["ask_group"].iloc[cut:]
    assert later[later.str.startswith("auto_")].isin(set(earlier)).sum() > 5  # new asks joined earlier groups


def test_an_ingest_extends_the_stored_ledger_to_the_groups_of_a_rebuild(tmp_path, monkeypatch):
    """Documents added to a store, then one of them changed: the ledger is extended from the stored groups (the
    earlier asks are not compared again) and ends as grouping everything in one ingest would."""
    import shutil

    import core.asks
    from core.pipeline import ingest
    from core.store import Store

    folder = tmp_path / "docs"
    shutil.copytree(ROOT / "seeds", folder / "seeds", ignore=shutil.ignore_patterns("README*"))
    shutil.copytree(PARLPARSE / "westminhall", folder / "westminhall")
    later = [
        PARLPARSE / "debates" / "debates2009-10-28c.xml",
        PARLPARSE / "standing" / ("standing2009-10-20_CHILDPOV_07-0_2009-10-29a.xml"),
    ]
    seen: list = []
    real_group = core.asks.group
    monkeypatch.setattr(
        core.asks,
        "group",
        lambda asks, tax, threshold=70, known=None: seen.append(known) or real_group(asks, tax, threshold, known),
    )

    def ledger(path):
        with Store(path) as store:
            a = store.frame("asks")[["ask_id", "ask_group", "ask_group_label", "group_source"]]
        return a.sort_values("ask_id").reset_index(drop=True)

    grown = tmp_path / "grown.duckdb"
    with Store(grown, write=True) as store:
        ingest(store, [folder])
        for f in later:
            shutil.copy(f, folder / f.name)
        ingest(store, [folder])
    assert seen[0] is None and sum(str(g).startswith("auto_") for g in seen[-1]) > 20  # extended, not rebuilt
    fresh = tmp_path / "fresh.duckdb"
    with Store(fresh, write=True) as store:
        ingest(store, [folder])
    assert ledger(grown).equals(ledger(fresh))
    # a stored document changes: its groups are worked out afresh, the others kept
    changed = folder / later[0].name  # an ask of a group reworded, and the last third of its speeches cut
    text = changed.read_bytes()
    with Store(fresh) as store:
        asks = store.frame("asks")
    sizes = asks[asks.group_source == "suggested"].groupby("ask_group").size()
    mine = asks[asks.ask_group.isin(sizes[sizes > 1].index) & (asks.document == changed.stem)]
    said = next(t for t in mine.text if t.encode("latin-1") in text[: len(text) // 2])
    text = text.replace(said.encode("latin-1"), b"Will the Minister fund the youth clubs of Wigan and Leigh?", 1)
    changed.write_bytes(text[: len(text) * 2 // 3].rsplit(b"<speech", 1)[0] + b"</publicwhip>\n")
    (folder / "westminhall" / "westminster2009-10-28a.xml").unlink()  # and a day taken out
    with Store(grown, write=True) as store:
        ingest(store, [folder], remove=["westminster2009-10-28a"])
    fresh2 = tmp_path / "fresh2.duckdb"
    with Store(fresh2, write=True) as store:
        ingest(store, [folder])
    assert ledger(grown).equals(ledger(fresh2)) and len(ledger(fresh2)) < len(ledger(fresh))


def _ledger_one_group_at_a_time(asks: pd.DataFrame, as_of: date, quiet_days: int = 365) -> pd.DataFrame:
    """The ledger worked out group by group with pandas (each group sorted, its values counted): what
    ``ask_summary`` computes from one sort of every ask."""
    from collections import Counter

    from core.asks import NO_RESPONSE, STATUS_ORDER
    from core.summary import add_date_columns, theme_list

    a = add_date_columns(asks[asks["duplicate_of"] == ""])
    rows = []
    for g, sub in a.groupby("ask_group", sort=False):
        sub = sub.sort_values(["date_start", "document", "line", "sentence_index"], na_position="last")
        dated = sub[sub["date"] != ""]
        last_end = dated["date_end"].max() if len(dated) else None
        days = (pd.Timestamp(as_of) - last_end).days if last_end is not None else None
        statuses = [s for s in sub["response_status"] if s != NO_RESPONSE]
        status = min(statuses, key=STATUS_ORDER.index) if statuses else NO_RESPONSE
        resp = sub.loc[sub["response_status"] == status, "response_passage"]
        themes = Counter(t for ts in sub["themes"] for t in theme_list(ts))
        rows.append(
            {
                "ask_group": g,
                "label": sub["ask_group_label"].iloc[0],
                "source": sub["group_source"].iloc[0],
                "first_raised": dated["date"].iloc[0] if len(dated) else "",
                "last_raised": dated.sort_values("date_end", kind="stable")["date"].iloc[-1] if len(dated) else "",
                "times_raised": len(sub),
                "undated": int((sub["date"] == "").sum()),
                "venues": "; ".join(f"{k or '(unknown)'}: {v}" for k, v in sub["venue"].value_counts().items()),
                "speakers": "; ".join(f"{k or '(unknown)'}: {v}" for k, v in sub["speaker"].value_counts().items()),
                "themes": ";".join(t for t, _ in themes.most_common()),
                "days_since_last": days if days is not None else pd.NA,
                "gone_quiet": bool(days is not None and days > quiet_days),
                "status": status,
                "response_passage": resp.iloc[0] if status != NO_RESPONSE and len(resp) else "",
                "response_text": (
                    sub.loc[sub["response_status"] == status, "response_text"].iloc[0] if status != NO_RESPONSE else ""
                ),
                "occurrences": ";".join(sub["ask_id"]),
            }
        )
    out = pd.DataFrame(rows)
    out["_named"] = out["source"] == "named"
    out = out.sort_values(["_named", "times_raised"], ascending=[False, False]).drop(columns="_named")
    return out.reset_index(drop=True)


def test_the_ledger_is_that_of_working_out_each_group_alone(corpus):
    """On the seeds' asks and those of a real ParlParse week (many groups, statuses, venues and speakers), with
    and without the duplicates: every row and column as a group-by-group pandas computation gives."""
    from core.asks import ask_summary, build_asks
    from core.model import to_frame
    from core.sources import parlparse
    from core.taxonomy import default_taxonomy

    files = sorted((PARLPARSE / "westminhall").glob("*.xml")) + sorted((PARLPARSE / "wrans").glob("*.xml"))
    parsed = [parlparse.parse(f.read_bytes(), f.stem, str(f)) for f in files]
    week, _commitments = build_asks(to_frame([p for d in parsed for p in d.passages]), default_taxonomy())
    assert len(week) > 150 and week["ask_group"].nunique() > 100 and (week["response_status"] != "").any()
    for asks in (corpus.asks, week, pd.concat([corpus.asks, week], ignore_index=True)):
        want = _ledger_one_group_at_a_time(asks, date(2026, 11, 23))
        got = ask_summary(None, as_of=date(2026, 11, 23), asks=asks)
        assert len(got) == asks.loc[asks.duplicate_of == "", "ask_group"].nunique()
        pd.testing.assert_frame_equal(got.astype(str), want[got.columns].astype(str))
