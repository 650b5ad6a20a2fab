"""De-duplication: sitting-day blocks plus MinHash/LSH, on the seeds and on a copy made a week later."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from core import dedup
from core.model import to_frame
from core.pipeline import build_corpus, ingest, passages_from
from core.sources import load_documents
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
    return (
        "Jane Example MP\n\nCategory Archives: Press Releases\n\n\n"
        "MP repeats her call on county lines a week after the debate\n\n24th January 2018\n\n"
        "Jane Example MP today repeated what she told Westminster Hall last week:\n\n \n\n"
        f"{quoted}\n\n \n\nShe will write to the Home Secretary.\n"
    )


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
        settings = "SELECT current_setting('checkpoint_threshold'), current_setting('memory_limit')"
        default = store.con.execute(settings).fetchall()
        ingest(store, [folder / f"{HANSARD}.txt"])
        assert store.con.execute("SELECT count(*) FROM minhash_bands").fetchone()[0] > 0
        ingest(store, [folder])
        passages = store.frame("passages")
        # the ingest checkpoints less often and caps DuckDB's memory while it runs, and leaves both as it found them
        assert store.con.execute(settings).fetchall() == default
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
        "County lines activity is having a terrible, damaging effect", "Knife crime is having a visible effect"
    )
    (folder / "press_2018-01-24.txt").write_text(
        text.replace("young people, vulnerable adults and local", "shop owners, bus drivers and rural"),
        encoding="utf-8",
    )
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


def _datasketch_keys(text: str) -> list[int]:
    """The band keys as datasketch's MinHash (affine32 over CRC32 of the word pairs) gives them, one text at a time."""
    import zlib

    import numpy as np
    from datasketch import MinHash

    words = dedup._norm(text).split()
    shingles = {f"{a} {b}".encode() for a, b in zip(words, words[1:])} or {w.encode() for w in words}
    m = MinHash(num_perm=dedup.NUM_PERM, hashfunc=zlib.crc32)
    m.update_batch(sorted(shingles))
    hv = np.asarray(m.hashvalues, dtype=np.uint64).reshape(dedup.BANDS, dedup.ROWS)
    key = np.zeros(dedup.BANDS, dtype=np.uint64)
    for r in range(dedup.ROWS):
        key = (key ^ hv[:, r]) * np.uint64(0x100000001B3)
    return (key ^ (np.arange(dedup.BANDS, dtype=np.uint64) << np.uint64(56))).view(np.int64).tolist()


def test_band_keys_of_a_batch_are_datasketchs_minhash_bands():
    """The whole batch's MinHash in NumPy (word pairs hashed through Arrow and CRC arithmetic) gives, text by text,
    the keys of datasketch's MinHash (so stored keys stay valid): for non-ASCII words, a one-word text (its word's
    hash), a text with no word; short texts get none."""
    texts = build_corpus([SEEDS]).passages["text"].tolist()[:400] + [
        "Antidisestablishmentarianism" * 3,
        "Too short.",
        "— … — " * 12,  # one long word; no word at all
        "Zoë’s café in Llanfairpwllgwyngyll: déjà vu for the señor at £3.50 — naïve façades, œuvre and jalapeños!",
    ]
    rows, keys = dedup.band_keys_many(texts)
    got: dict[int, list[int]] = {}
    for r, k in zip(rows.tolist(), keys.tolist()):
        got.setdefault(r, []).append(k)
    want = {i: _datasketch_keys(t) for i, t in enumerate(texts) if len(t) >= dedup.MIN_CHARS}
    assert len(want) > 250 and got == want
    assert [k for r, k in zip(rows.tolist(), keys.tolist()) if r == 5] == dedup.band_keys(texts[5])


def test_key_pairs_are_across_documents_and_each_once():
    #            rows 0 and 1 share key 7 but are in one document; 0, 2, 3 share key 9; 2 and 3 also share key 8
    rows, keys, docs = [0, 1, 0, 2, 3, 2, 3], [7, 7, 9, 9, 9, 8, 8], [0, 0, 0, 1, 2, 1, 2]
    assert dedup.key_pairs(rows, keys, docs).tolist() == [[0, 2], [0, 3], [2, 3]]
    assert dedup.key_pairs([0, 1], [1, 2], [0, 1]).shape == (0, 2)


def test_marking_returns_a_new_frame_and_leaves_the_passages_alone():
    """De-duplication is a function over columns: the frame given is unchanged, the returned one carries the marks
    (the duplicate, its flag and the borrowed speaker), and the pairs are those find_duplicates gives."""
    read = to_frame(passages_from(load_documents([SEEDS])[0]))
    before = read.copy()
    marked, pairs = dedup.mark_duplicates(read)
    pd.testing.assert_frame_equal(read, before)
    assert pairs == dedup.find_duplicates(read) and len(pairs) == 22
    copies = marked.set_index("passage_id").loc[[d for d, _c, _s in pairs]]
    assert (copies["duplicate_of"] == [c for _d, c, _s in pairs]).all()
    assert copies["quality_flags"].str.split(";").map(lambda f: "duplicate" in f).all()
    borrowed = copies[copies["speaker_basis"].str.startswith("duplicate of")]
    assert len(borrowed) and (borrowed["speaker"] != "").all()
    untouched = marked[~marked["passage_id"].isin(copies.index)]
    pd.testing.assert_frame_equal(untouched, read[~read["passage_id"].isin(copies.index)])


def test_candidates_given_as_ids_find_what_lsh_finds(folder):
    """The store's runner gives the band-key pairs as ids: the same pairs as computing them here; pairs that name
    a passage not given are ignored; without them the copy a week later is not found (only LSH proposes it)."""
    passages = build_corpus([folder]).passages
    quote, speech = _copy_of_speech(passages), _speech(passages)
    cands = dedup.lsh_pairs(passages) + [("no-such-passage", speech.passage_id)]
    found = dedup.find_duplicates(passages, cands)
    assert found == dedup.find_duplicates(passages) and (quote.passage_id, speech.passage_id) in [p[:2] for p in found]
    assert quote.passage_id not in [d for d, _c, _s in dedup.find_duplicates(passages, [])]


def test_a_new_document_reads_only_the_stored_passages_it_can_touch(folder, tmp_path, monkeypatch):
    """A batch that replaces nothing reads the stored passages that share its texts, band keys or sitting days with
    another source, not the whole store (an empty list of passages going out once matched every canonical one)."""
    import core.pipeline as pipeline

    read: list[int] = []
    frame, dedup_batch = Store.frame, pipeline._dedup

    def spy(self, table, where="", params=None):
        df = frame(self, table, where, params)
        if table == "passages" and read and read[-1] < 0:
            read[-1] = len(df)
        return df

    def marked(*args):
        read.append(-1)
        return dedup_batch(*args)

    with Store(tmp_path / "s.duckdb", write=True) as store:
        ingest(store, [folder / f"{HANSARD}.txt"])
        stored = store.count("passages")
        monkeypatch.setattr(Store, "frame", spy)
        monkeypatch.setattr(pipeline, "_dedup", marked)
        ingest(store, [folder])
        passages = store.frame("passages")
    assert _copy_of_speech(passages).duplicate_of == _speech(passages).passage_id
    assert stored > 100 and read == [1]  # the speech the press release quotes


def test_an_interrupted_ingest_rebuilds_the_band_keys_from_the_stored_text(folder, tmp_path):
    """After a kill (the pending mark left set) the next ingest makes every stored passage's band keys again from
    its text, reading and writing in one transaction, and they are those a worker made."""
    with Store(tmp_path / "s.duckdb", write=True) as store:
        ingest(store, [folder])
        made = sorted(store.con.execute("SELECT passage_id, key FROM minhash_bands").fetchall())
        with store.transaction():
            store.con.execute("DELETE FROM minhash_bands WHERE key % 2 = 0")
            store._set("ingest_pending", "1")
        ingest(store, [folder])
        assert sorted(store.con.execute("SELECT passage_id, key FROM minhash_bands").fetchall()) == made
        assert len(made) > 1_000 and store.meta("ingest_pending") == ""
