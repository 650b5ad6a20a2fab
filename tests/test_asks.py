"""Asks on real seed sentences: detection, sentence splitting, grouping, the ledger, response linking."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.asks import action_label, action_of, ask_summary, detect, target_of
from core.sentences import split
from tests.conftest import pid, run_cli, HANSARD, MONTHLY, PP, PRESS


@pytest.mark.parametrize(
    "sentence,cue",
    [
        (
            "I therefore urge the Government to commission comprehensive and rigorous research to pull together up-to-date police and local authority data to achieve that aim.",
            "urge",
        ),
        (
            "I call on the Government to establish a national, co-ordinated, inter-departmental and inter-agency strategy to tackle county lines.",
            "call_on",
        ),
        (
            "The Government must take action to support councils to reduce the number of children sent to live miles from home and ensure there are more local placements.",
            "actor_must",
        ),
        ("Our inquiry recommended that semi-independent accommodation should be regulated and inspected.", "recommend"),
        ("Will the Minister support such an approach?", "minister_question"),
        ("Will the Minister say when the missing persons strategy will be updated?", "minister_question"),
        (
            "We urgently require a national strategy to ensure that consistent practice in tackling county lines is applied across all local authorities and police forces in London and throughout the country.",
            "we_need",
        ),
        (
            "This accommodation is not inspected by Ofsted but it should be because many of these young people are very disadvantaged with few resources.",
            "but_it_should",
        ),
        (
            "I reiterate my call for a review of the Modern Slavery Act 2015 and the way it is applied to county lines.",
            "reiterate_call",
        ),
        (
            "That this House notes the rise in knife crime; and calls on the Government to publish a serious violence strategy.",
            "call_on",
        ),
    ],
)
def test_asks_detected_with_cue(sentence, cue):
    assert detect(sentence)[0] == cue


@pytest.mark.parametrize(
    "sentence",
    [
        "Before Easter, the Government will lay out a clear timetable for taking forward the 20 recommendations of the final IICSA report.",  # commitment
        "We must remember that this activity is associated with a lot of extreme violence.",  # rhetoric
        "We cannot continue to fail the most vulnerable children.",
        "The Government agreed to introduce measures in 2013 to reduce numbers.",  # report of the past
        "Does the Minister agree that this should not be a point of political division in this House?",
        "I am going to stand up for the security of our citizens and a responsible Government have to balance abstract, theoretical, minute probabilities with keeping our constituents safe.",
        "Campaigners called for a national strategy last year.",  # someone else's ask, not endorsed
    ],
)
def test_not_asks(sentence):
    assert detect(sentence) is None


def test_target_and_action():
    s = "I therefore urge the Government to commission comprehensive and rigorous research."
    assert target_of(s) == "Government"
    assert action_of(s) == "commission comprehensive rigorous research"
    assert target_of("This accommodation is not inspected by Ofsted but it should be.") == "Ofsted"


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "I thank my right hon. Friend the Member for Enfield North (Joan Ryan). She spoke well.",
            ["I thank my right hon. Friend the Member for Enfield North (Joan Ryan).", "She spoke well."],
        ),
        ("Dr Smith met No. 10 officials. They agreed.", ["Dr Smith met No. 10 officials.", "They agreed."]),
        (
            "She told me: “This is a national problem…there is still no national response.” Then she left.",
            ["She told me: “This is a national problem…there is still no national response.”", "Then she left."],
        ),
        (
            "Gangs are taking over homes—a process known as cuckooing—often through force. It is vile.",
            ["Gangs are taking over homes—a process known as cuckooing—often through force.", "It is vile."],
        ),
        (
            "The hon. Lady will have heard it. Will the Minister act?",
            ["The hon. Lady will have heard it.", "Will the Minister act?"],
        ),
    ],
)
def test_sentence_splitting(text, expected):
    assert split(text) == expected


def test_commitments_recorded_not_asks(corpus):
    com = corpus.commitments
    cooper = com[com.passage_id == pid(corpus.passages, "004_815e4f78c80070a6", 21)]
    assert len(cooper) and set(cooper.status) == {"committed"}
    assert not (corpus.asks.passage_id == pid(corpus.passages, "004_815e4f78c80070a6", 21)).any()


def test_national_strategy_grouped_across_speakers_and_sources(corpus):
    a = corpus.asks
    ns = a[a.ask_group == "national_strategy"]
    # raised several times in the 17 January 2018 debate, by different speakers, and in 2017
    assert (ns.date == "2018-01-17").sum() >= 5
    at = [(HANSARD, 52), (HANSARD, 128), (HANSARD, 208), (PP, 132)]
    assert {pid(corpus.passages, d, n) for d, n in at} <= set(ns.passage_id)
    assert set(ns.ask_group_label) == {"A national strategy and co-ordinated national response on county lines"}
    # a follow-up question joins the ask before it
    follow = a[a.text == "Will the Minister support such an approach?"]
    prev = a[a.text.str.startswith("However, there should be a notice")]
    assert set(follow.ask_group) == set(prev.ask_group) == {"new_notice_16_17"}


def test_ledger_counts_duplicate_speech_once(corpus):
    led = ask_summary(corpus, as_of=date(2026, 11, 23)).set_index("ask_group")
    # 000 (attributed) and 001 (its duplicate) hold the same Ann Coffey asks: counted once
    assert led.loc["missing_persons_strategy", "times_raised"] == 1
    assert led.loc["missing_persons_strategy", "speakers"] == "Ann Coffey: 1"
    ns = led.loc["national_strategy"]
    assert ns["first_raised"] == "2017-10-26" and ns["last_raised"] == "2018-01-17"
    assert ns["times_raised"] == len(
        corpus.asks[(corpus.asks.ask_group == "national_strategy") & (corpus.asks.duplicate_of == "")]
    )
    assert ns["gone_quiet"] and ns["days_since_last"] > 365
    assert led.loc["regulate_semi_independent", "venues"] == "Newspaper column: 2"
    # the undated press release ask is counted, as undated
    assert led.loc["rape_justice", "undated"] == 1 and led.loc["rape_justice", "first_raised"] == ""
    occ = led.loc["national_strategy", "occurrences"].split(";")
    assert occ[0].startswith(PP) and all(o in set(corpus.asks.ask_id) for o in occ)


def test_responses_linked_in_the_debate(corpus):
    r = corpus.asks[corpus.asks.passage_id == pid(corpus.passages, HANSARD, 52)].iloc[0]
    assert r.response_status == "committed" and r.response_passage == pid(corpus.passages, HANSARD, 290)
    assert "national group" in r.response_text
    mp = corpus.asks[corpus.asks.text.str.startswith("Will the Minister say when the missing persons strategy")]
    assert (
        set(mp.response_status) == {"committed"} and "forthcoming missing people strategy" in mp.response_text.iloc[0]
    )
    notice = corpus.asks[corpus.asks.text.str.startswith("However, there should be a notice")]
    assert set(notice.response_status) == {"under consideration"}
    # asks in press releases have no reply in the corpus: said so, not guessed
    press = corpus.asks[corpus.asks.document.isin([PRESS, MONTHLY])]
    assert set(press.response_status) == {"no response found"}
    # the attributed copy of the speech (000) shares the reply found next to its duplicate (001)
    coffey = corpus.asks[(corpus.asks.passage_id == pid(corpus.passages, PP, 60))]
    assert set(coffey.response_status) == {"committed"}


def test_evaluate_prints_ask_scores():
    r = run_cli("evaluate")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    det = lines[lines.index(next(l for l in lines if l.startswith("Ask detection"))) + 2].split()
    grp = lines[lines.index(next(l for l in lines if l.startswith("Ask grouping"))) + 2].split()
    assert float(det[-1]) >= 0.90 and float(grp[-1]) >= 0.85


def test_export_writes_asks_and_ledger(tmp_path):
    import csv

    r = run_cli("export", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    asks = list(csv.DictReader(open(tmp_path / "asks.csv", encoding="utf-8")))
    assert {
        "ask_id",
        "passage_id",
        "text",
        "ask_group",
        "ask_group_label",
        "target",
        "action",
        "themes",
        "date",
        "venue",
        "speaker",
    } <= set(asks[0])
    led = list(csv.DictReader(open(tmp_path / "ask_summary.csv", encoding="utf-8")))
    assert {
        "label",
        "first_raised",
        "last_raised",
        "times_raised",
        "venues",
        "speakers",
        "themes",
        "days_since_last",
        "gone_quiet",
        "status",
        "occurrences",
    } <= set(led[0])
    passages = {row["passage_id"] for row in csv.DictReader(open(tmp_path / "passages.csv", encoding="utf-8"))}
    assert {a["passage_id"] for a in asks} <= passages  # every ask traceable to a passage


@pytest.mark.parametrize(
    "sentence,is_ask",
    [
        # October 2009 Hansard (ParlParse, Open Parliament Licence): text the rules were not written on
        (
            "The Government must look urgently at reviewing the rate relief scheme to assist businesses that are being pushed over the threshold.",
            True,
        ),
        (
            "Will the Minister also commit to extending this process to the local authorities that are closest to their communities?",
            True,
        ),
        (
            "In the meantime, however, may I ask the Minister just to have a word with his ministerial colleague with responsibility for the HSE?",
            True,
        ),
        ("On that basis, I urge the hon. Gentleman to withdraw his amendment.", False),
        ("As someone famously never said, I am not convinced that we need a clause 4.", False),
        (
            "Clause 9(5) of the Bill provides that the UK Government must have regard to the Welsh strategy when preparing a UK child poverty strategy.",
            False,
        ),
        ("Will the Secretary of State give way?", False),
        ("I think that it is good that we can call on the TA in that way.", False),
        ("We are interested to hear what the Minister has to say about that.", False),
    ],
)
def test_asks_on_unseen_hansard(sentence, is_ask):
    assert (detect(sentence) is not None) == is_ask


def test_written_questions_are_asks_answered_by_their_reply():
    """A written question is an ask by structure, whatever its wording; its answer is linked by the source's
    structure (the reply's responds_to), and a minister's written answer makes no asks."""
    from core.pipeline import build_corpus
    from tests.conftest import FIXTURES
    from xml.etree import ElementTree as ET

    path = FIXTURES / "corpora" / "parlparse-twfy" / "wrans" / "answers2009-10-27c.xml"
    c = build_corpus([path])
    asks, p = c.asks, c.passages
    questions = p[p.kind == "question"]
    tabled = asks[asks.cue == "tabled_question"]
    assert set(tabled.passage_id) == set(questions.passage_id)
    answers = set(p.loc[p.kind == "answer", "passage_id"])
    assert not set(asks.passage_id) & answers
    linked = tabled[tabled.response_basis == "structure"]
    assert len(linked) == len(tabled) and set(linked.response_passage) <= answers
    # each link is the reply the XML puts after the question in the same group
    root = ET.fromstring(path.read_bytes())
    by_id = {pid: sid for pid, sid in zip(p.passage_id, p.source_id)}
    reply_of = {}
    last_q = []
    for el in root:
        if el.tag == "ques":
            last_q.append(el.get("id"))
        elif el.tag == "reply":
            for q in last_q:
                reply_of[q] = el.get("id")
            last_q = []
    for r in linked.itertuples():
        assert by_id[r.response_passage] == reply_of[by_id[r.passage_id]]


@pytest.mark.parametrize(
    "sentence,label",
    [  # real ask sentences (seeds, asks_2009) and the action they name
        (
            "I call on the Government to establish a national, co-ordinated, inter-departmental and inter-agency strategy to tackle county lines activity.",
            "Establish a national, co-ordinated, inter-departmental and inter-agency strategy…",
        ),
        (
            "Will the Minister say when the missing persons strategy will be updated?",
            "Say when the missing persons strategy will be updated",
        ),
        (
            "Our inquiry recommended that semi-independent accommodation should be regulated and inspected.",
            "Semi-independent accommodation to be regulated and inspected",
        ),
        ("There also needs to be a much stronger focus on prevention.", "A much stronger focus on prevention"),
        (
            "The Met must be given the resources it needs to tackle county lines in London.",
            "The Met to be given the resources it needs…",
        ),
        (
            "We absolutely support my hon. Friend’s call for a review of that legislation.",
            "A review of that legislation",
        ),
        (
            "Those cuts need to be restored at the same time as this problem is addressed.",
            "Those cuts to be restored at the same time…",
        ),
        (
            "What are the Government doing to review the effectiveness of all that expenditure, as well as the Prevent programmes?",
            "Review the effectiveness of all that expenditure",
        ),
        (
            "To ask the Secretary of State for Health what steps his Department is taking to reduce the incidence of swine influenza in Leeds West constituency.",
            "Reduce the incidence of swine influenza in Leeds West…",
        ),
        (
            "What assessment has the Minister made of the capacity of the Sri Lankan Government to afford the cost?",
            "Assess the capacity of the Sri Lankan Government…",
        ),
        (
            "I ask the Minister not to simply pass the buck to local authorities by telling us about raising the precept.",
            "Not pass the buck to local authorities by telling…",
        ),
    ],
)
def test_action_label_names_the_action(sentence, label):
    assert action_label(sentence) == label


def test_suggested_groups_are_labelled_by_action_not_sentence(corpus):
    sugg = corpus.asks[corpus.asks.group_source == "suggested"]
    assert len(sugg) > 20
    for label, text in zip(sugg.ask_group_label, sugg.text):
        assert label.startswith("Suggested: ") and len(label) <= 100
        assert not text.startswith(label[len("Suggested: ") :].rstrip("…"))  # not the sentence cut off
    support = sugg[sugg.text == "We have to do more to put support services in place."]
    assert set(support.ask_group_label) == {"Suggested: Do more to put support services in place"}


@pytest.mark.parametrize(
    "sentence",
    [  # a minister's statements in the seeds: never an ask, so never a suggested ask
        "We completely understand that we need a multi-agency response, and that is what we are trying to do through the national group.",
        "We have been clear that we need to reduce both legal and illegal migration because we have seen significant increases in both over the past five years.",
    ],
)
def test_government_statement_is_never_a_suggested_ask(corpus, sentence):
    assert (corpus.passages.text.str.contains(sentence, regex=False)).any()
    assert not corpus.asks.text.str.contains(sentence[:60], regex=False).any()


def test_store_ledger_keeps_a_ministers_office_through_the_debate(tmp_path):
    """Ingested into the store, a Minister's later speeches make no asks, as in one build over the file: the
    ledger's rebuild reads the speech that names the office too (a real 2009 ParlParse day)."""
    import duckdb

    from core.pipeline import build_corpus

    day = Path(__file__).parent / "fixtures" / "corpora" / "parlparse-twfy" / "debates" / "debates2009-10-26b.xml"
    built = build_corpus([day]).asks
    minister = "We need to ask how one defines a proposal."  # Huw Irranca-Davies; his office is named earlier
    assert not built.text.str.contains(minister, regex=False).any()
    store = tmp_path / "s.duckdb"
    r = run_cli("ingest", str(day), "--store", str(store))
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(store), read_only=True)
    try:
        stored = {row[0] for row in con.execute("SELECT ask_id FROM asks").fetchall()}
    finally:
        con.close()
    assert stored == set(built.ask_id) and len(stored) > 100


def test_the_member_answering_a_lords_oral_question_speaks_for_the_government():
    """Lords oral questions (sections "… — Question") carry no office in ParlParse: the member who answers "To ask
    Her Majesty's Government …" answers for the Government (real 2009 sittings), so their speeches in that sitting
    make no asks; the members asking still do, and a Question for Short Debate's opener is not a Minister."""
    from core.asks import question_answerers
    from core.pipeline import build_corpus
    from tests.conftest import FIXTURES

    lords = FIXTURES / "corpora" / "parlparse-twfy" / "lordspages" / "daylord2009-10-27a.xml"
    corpus = build_corpus([lords])
    p = corpus.passages
    names = dict(zip(p.speaker_id, p.speaker))
    answering = {names[sid] for _doc, sid in question_answerers(list(p.itertuples()))}
    assert answering == {
        "Lord Myners",
        "Lord Faulkner of Worcester",
        "Baroness Thornton",
        "Lord Young of Norwood Green",
    }
    speakers = set(corpus.asks.speaker)
    assert not speakers & answering
    assert {"Lord Vinson", "Lord Tyler"} <= speakers  # the questioners' supplementary questions are asks
    assert "Lord Harries of Pentregarth" in speakers  # a Question for Short Debate is a backbencher's debate
    assert set(corpus.commitments.speaker) & answering  # what the Ministers said is read for commitments


def test_a_member_answering_or_moving_amendments_for_the_government_speaks_for_it():
    """At a Bill's stages the Minister answers each amendment and invites its mover to withdraw it ("I invite the
    noble Lord to withdraw his amendment"): in the Lords, where no office is given, that makes them Government for
    the sitting (real 2009 Report stage). A mover withdrawing their own ("I beg to ask leave to withdraw the
    amendment", a 2009 Public Bill Committee) is not taken for a Minister."""
    from core.asks import withdrawal_inviters
    from core.pipeline import build_corpus
    from tests.conftest import FIXTURES

    pp = FIXTURES / "corpora" / "parlparse-twfy"
    lords = build_corpus([pp / "lordspages" / "daylord2009-10-27a.xml"])  # Report, 2nd day
    p = lords.passages
    names = dict(zip(p.speaker_id, p.speaker))
    inviting = {names[sid] for _doc, sid in withdrawal_inviters(list(p.itertuples()))}
    assert "Baroness Crawley" in inviting
    assert not set(lords.asks.speaker) & inviting and len(lords.asks) > 50
    # moving the Government's own amendments ("I will speak also to the other government amendment in this group")
    from core.asks import government_movers

    moving = {names[sid] for _doc, sid in government_movers(list(p.itertuples()))}
    assert moving == {"Lord McKenzie of Luton"} and "Lord McKenzie of Luton" not in set(lords.asks.speaker)
    committee = build_corpus([pp / "standing" / "standing2009-10-20_CHILDPOV_06-0_2009-10-27a.xml"]).passages
    assert committee.text.str.contains("ask leave to withdraw the amendment").sum() >= 4
    assert not withdrawal_inviters(list(committee.itertuples()))
