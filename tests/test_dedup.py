"""De-duplication: sitting-day blocks plus MinHash/LSH, on the seeds and on a copy made a week later."""
from __future__ import annotations

import shutil

import pytest

from core import dedup
from core.pipeline import build_corpus, ingest
from core.store import Store
from tests.conftest import HANSARD, PP, SEEDS

SPEECH = "County lines activity is having a terrible, damaging effect on young people"


def _speech_paragraph() -> str:
    lines = (SEEDS / f"{HANSARD}.txt").read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if line.startswith(SPEECH))


def _press_release(paragraph: str) -> str:
    """A press release dated a week after the Westminster Hall debate that quotes one of its speeches with a
    small edit (a word changed, the full stop made an exclamation mark)."""
    quoted = paragraph.replace("great distances", "long distances")[:-1] + "!"
    return ("Jane Example MP\n\nCategory Archives: Press Releases\n\n\n"
            "MP repeats her call on county lines a week after the debate\n\n24th January 2018\n\n"
            "Jane Example MP today repeated what she told Westminster Hall last week:\n\n \n\n"
            f"{quoted}\n\n \n\nShe will write to the Home Secretary.\n")


@pytest.fixture()
def folder(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    shutil.copy(SEEDS / f"{HANSARD}.txt", d)
    (d / "press_2018-01-24.txt").write_text(_press_release(_speech_paragraph()), encoding="utf-8")
    return d


def _copy_of_speech(passages):
    press = passages[passages.document == "press_2018-01-24"]
    quote = press[press.text.str.startswith(SPEECH)]
    assert len(quote) == 1 and quote.date.iloc[0] == "2018-01-24"
    return quote.iloc[0]


def _speech(passages):
    speech = passages[(passages.document == HANSARD) & passages.text.str.startswith(SPEECH)]
    assert len(speech) == 1 and speech.date.iloc[0] == "2018-01-17"
    return speech.iloc[0]


def test_a_copy_a_week_later_is_found(folder):
    c = build_corpus([folder])
    quote, speech = _copy_of_speech(c.passages), _speech(c.passages)
    # different sitting days, so only MinHash/LSH can have proposed the pair
    # the earlier speech is the original, though the press release names a speaker (the MP) and it does not
    assert quote.duplicate_of == speech.passage_id and "duplicate" in quote.quality_flags
    assert speech.duplicate_of == "" and quote.speaker and not speech.speaker
    others = c.passages[(c.passages.document == "press_2018-01-24") & (c.passages.passage_id != quote.passage_id)]
    assert (others.duplicate_of == "").all()


def test_a_copy_ingested_later_is_found_through_the_stored_band_keys(folder, tmp_path):
    db = tmp_path / "s.duckdb"
    with Store(db, write=True) as store:
        ingest(store, [folder / f"{HANSARD}.txt"])
        assert store.con.execute("SELECT count(*) FROM minhash_bands").fetchone()[0] > 0
        ingest(store, [folder])
        passages = store.frame("passages")
    quote, speech = _copy_of_speech(passages), _speech(passages)
    assert quote.duplicate_of == speech.passage_id and "duplicate" in quote.quality_flags
    # and when the speech goes, the copy is canonical again
    with Store(db, write=True) as store:
        ingest(store, [], remove=[HANSARD])
        passages = store.frame("passages")
    quote = _copy_of_speech(passages)
    assert quote.duplicate_of == "" and "duplicate" not in quote.quality_flags


def test_an_unrelated_passage_on_another_day_is_not_a_copy(folder):
    text = _press_release(_speech_paragraph()).replace(
        "County lines activity is having a terrible, damaging effect", "Knife crime is having a visible effect")
    (folder / "press_2018-01-24.txt").write_text(text.replace("young people, vulnerable adults and local",
                                                              "shop owners, bus drivers and rural"), encoding="utf-8")
    c = build_corpus([folder])
    assert (c.passages.duplicate_of == "").all()


def test_the_seeds_duplicates_hold_and_lsh_alone_finds_them(monkeypatch):
    """The seeds' Hansard page repeats 22 speeches of the Parallel Parliament page (same day): all 22 found, each
    pointing at the attributed copy; with the same-day comparison switched off, MinHash/LSH alone finds the 22."""
    c = build_corpus([SEEDS])
    pairs = sorted(c.duplicates)
    assert len(pairs) == 22 and (c.passages.duplicate_of != "").sum() == 22
    doc = dict(zip(c.passages.passage_id, c.passages.document))
    assert {(doc[a], doc[b]) for a, b, _s in pairs} == {(HANSARD, PP)}
    assert all(s >= dedup.SCORE_CUTOFF for _a, _b, s in pairs)
    monkeypatch.setattr(dedup, "MAX_BLOCK", 1)  # no same-day block is compared pair by pair
    assert [(a, b) for a, b, _s in build_corpus([SEEDS]).duplicates] == [(a, b) for a, b, _s in pairs]


def test_band_keys_are_a_function_of_the_text():
    p = _speech_paragraph()
    assert dedup.band_keys(p) == dedup.band_keys(p) and len(dedup.band_keys(p)) == dedup.BANDS
    # the same words in another case and spacing give the same keys; a short line gives none
    assert dedup.band_keys(p.upper().replace(" ", "  ")) == dedup.band_keys(p)
    assert dedup.band_keys("Question put and agreed to.") == []
