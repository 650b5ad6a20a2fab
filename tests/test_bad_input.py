"""Unlucky input read by the core: nothing dropped without a word, no implausible date used, copies reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.sources import load_documents, parse_bytes
from tests.conftest import run_cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PP = (SEEDS / "000_ab47939fa5a6ec24.txt").read_text(encoding="utf-8")
QUESTION = "Will the Minister publish a national strategy on county lines?"

#: a Parallel Parliament page in the seed's layout, two sections opening with their date line, paragraphs from the
#: seed; the last paragraph of the first section is a short question, just before the next section's date line
TWO_SECTIONS = f"""Ann Coffey debates involving the Home Office during the 2017-2019 Parliament

Wed 30th Jan 2019
Crime (Overseas Production Orders) Bill [Lords]
Commons Chamber

Ann Coffey Portrait Ann Coffey (Stockport) (Lab)
- Hansard - -

Does the Minister agree that this should not be a point of political division in this House?

{QUESTION}

{{date}}
County Lines Exploitation: London
Westminster Hall

Ann Coffey Portrait Ann Coffey (Stockport) (Lab)
- Hansard - -

Recent media coverage has meant an increase in the awareness of the extent of exploitation of children.
"""


def _pp(date_line: str = "Wednesday 17th January 2018"):
    text = TWO_SECTIONS.format(date=date_line)
    return text, parse_bytes(text.encode(), "pp.txt")


def _headers_accounted(doc, text: str) -> None:
    """The no-loss check for header lines: each one's content is in the metadata (a title, a date, a venue, a
    speaker, the page title) or reported in the document's flags."""
    lines = text.split("\n")
    meta = {doc.title} | {v for p in doc.passages for v in (p.section_title, p.speaker, p.venue)}
    dates = {p.date for p in doc.passages}
    from core.sources.common import parse_date_line

    for i, kind in doc.line_kinds.items():
        s = " ".join(lines[i - 1].split())
        if kind != "header":
            continue
        try:
            parsed = parse_date_line(s)
        except ValueError:
            parsed = None
            assert any(f"line {i}:" in f for f in doc.flags), (i, s)
            continue
        if parsed:
            assert parsed[0] in dates, (i, s)
        elif " Portrait " in s:
            assert s.split(" Portrait ")[0] in meta, (i, s)
        else:
            assert s in meta or s.lower() in {m.lower() for m in meta if m}, (i, s)


def test_question_before_a_date_line_is_text_not_a_title():
    text, doc = _pp()
    by_text = {p.text: p for p in doc.passages}
    assert QUESTION in by_text, "the question must be a passage"
    q = by_text[QUESTION]
    assert (q.date, q.section_title, q.speaker) == (
        "2019-01-30",
        "Crime (Overseas Production Orders) Bill [Lords]",
        "Ann Coffey",
    )
    later = [p for p in doc.passages if p.venue == "Westminster Hall"]
    assert later and {(p.date, p.section_title) for p in later} == {("2018-01-17", "County Lines Exploitation: London")}
    _headers_accounted(doc, text)


def test_question_before_a_date_line_keeps_its_ask(tmp_path):
    from core.asks import build_asks
    from core.model import to_frame
    from core.tagging import tagger_for
    from core.taxonomy import default_taxonomy

    _text, doc = _pp()
    frame = to_frame(doc.passages)
    frame["themes"] = ""
    asks, _commitments = build_asks(frame, default_taxonomy(), tagger_for(default_taxonomy()))
    assert QUESTION in set(asks["text"])


def test_seed_headers_all_reach_the_metadata():
    for name in ("000_ab47939fa5a6ec24", "004_815e4f78c80070a6"):
        text = (SEEDS / f"{name}.txt").read_text(encoding="utf-8")
        _headers_accounted(parse_bytes(text.encode(), f"{name}.txt"), text)


def test_season_is_year_precision_not_a_title():
    text, doc = _pp("Spring 2018")
    later = [p for p in doc.passages if p.venue == "Westminster Hall"]
    assert {(p.date, p.date_precision, p.section_title) for p in later} == {
        ("2018", "year", "County Lines Exploitation: London")
    }
    assert "Spring 2018" not in {p.section_title for p in doc.passages}


def test_impossible_day_flags_the_passages_and_the_document():
    _text, doc = _pp("31st February 2018")
    later = [p for p in doc.passages if p.venue == "Westminster Hall"]
    assert later and all(p.date == "" and "date_invalid" in p.quality_flags for p in later)
    assert any("not a real date: 31 February 2018" in f for f in doc.flags)


@pytest.mark.parametrize("year", ["0001", "1650", "9999", "2091"])
def test_implausible_years_are_flagged_never_used(year):
    _text, doc = _pp(f"Wednesday 17th January {year}")
    later = [p for p in doc.passages if p.venue == "Westminster Hall"]
    assert later and all(p.date == "" and "implausible_date" in p.quality_flags for p in later)
    assert any(f"implausible date {year}-01-17" in f for f in doc.flags)
    assert {p.date for p in doc.passages} == {"2019-01-30", ""}


def test_truncated_last_character_is_reported_and_the_rest_read():
    data = PP.rstrip().encode("utf-8") + "’".encode("utf-8")[:2]
    doc = parse_bytes(data, "cut.txt")
    whole = parse_bytes(PP.encode("utf-8"), "whole.txt")
    assert len(doc.passages) == len(whole.passages)
    assert any(f.startswith("truncated file: the last character is cut off") for f in doc.flags)


def test_invalid_byte_in_the_middle_is_refused_naming_the_offset():
    data = PP.encode("utf-8")
    bad = data[:5000] + b"\x92" + data[5000:]
    with pytest.raises(ValueError, match="not valid UTF-8 \\(byte 0x92 at offset 5000\\)"):
        parse_bytes(bad, "bad.txt")


def test_nul_bytes_after_the_binary_check_are_removed_and_reported():
    data = PP.encode("utf-8")
    at = data.index(b"Recent media coverage")
    assert at > 8192
    doc = parse_bytes(data[:at] + b"\x00\x00" + data[at:], "nul.txt")
    assert not any("\x00" in p.text for p in doc.passages)
    assert any(f.startswith("2 NUL byte(s) removed") for f in doc.flags)


def test_folder_skips_are_listed_with_reasons(tmp_path):
    shutil.copy(SEEDS / "000_ab47939fa5a6ec24.txt", tmp_path / "a.txt")
    (tmp_path / "README.md").write_text("# About these files\n", encoding="utf-8")
    (tmp_path / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x\n", encoding="utf-8")
    docs, errors = load_documents([tmp_path])
    assert [d.document for d in docs] == ["a"]
    why = {Path(e.path).name: (e.problem, e.notice) for e in errors}
    assert why["README.md"][1] and "documentation" in why["README.md"][0]
    assert why[".hidden.txt"] == ("skipped: hidden file", True)
    assert why["table.csv"] == ("skipped: unsupported file type '.csv'", False)


def test_cli_lists_skips_as_notes_and_succeeds(tmp_path):
    shutil.copy(SEEDS / "000_ab47939fa5a6ec24.txt", tmp_path / "a.txt")
    (tmp_path / "README.md").write_text("# About\n", encoding="utf-8")
    r = run_cli("export", str(tmp_path), "--out", str(tmp_path.parent / "out"))
    assert r.returncode == 0, r.stderr
    assert "note: " in r.stderr and "README.md: skipped: documentation" in r.stderr


def test_same_content_under_a_new_name_is_reported_and_counted_once(tmp_path):
    from core.pipeline import ingest
    from core.store.db import Store

    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / "002_ef583611f3e786e0.txt", src / "press.txt")
    shutil.copy(SEEDS / "002_ef583611f3e786e0.txt", src / "press copy.txt")
    with Store(tmp_path / "s.duckdb", write=True) as store:
        counts, errors = ingest(store, [src])
        assert counts.new == 1 and counts.failed == 0
        assert [(Path(e.path).name, e.notice) for e in errors] == [("press.txt", True)]
        assert "the same content as document 'press copy'" in errors[0].problem
        assert store.count("documents") == 1
        n = store.count("passages")
    assert n == len(parse_bytes((SEEDS / "002_ef583611f3e786e0.txt").read_bytes(), "x.txt").passages)


@pytest.mark.parametrize("phrase", ["of", "the", "in the", "Of The", "and/or"])
def test_function_word_phrases_are_refused(phrase, tmp_path):
    from core.taxonomy import TaxonomyError, parse_taxonomy

    text = f'[[theme]]\nid = "grooming"\nlabel = "Grooming"\nphrases = ["grooming gangs", "{phrase}"]\n'
    with pytest.raises(TaxonomyError, match=r"theme 'grooming': phrases entry .* only of common words"):
        parse_taxonomy(text, "t.toml")
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    r = run_cli("summary", "--taxonomy", str(tmp_path / "t.toml"), str(SEEDS))
    assert r.returncode == 2 and "only of common words" in r.stderr


def test_a_phrase_with_one_content_word_is_accepted():
    from core.taxonomy import parse_taxonomy

    t = parse_taxonomy('[[theme]]\nid = "care"\nlabel = "Care"\nphrases = ["in care", "out of area"]\n', "t.toml")
    assert t.theme("care").phrases == ("in care", "out of area")


def test_large_taxonomy_warned(tmp_path):
    from core.taxonomy import FUNCTION_WORDS, LARGE_TAXONOMY, default_taxonomy, parse_taxonomy

    assert default_taxonomy().size_warning() is None
    words = [
        w.strip()
        for w in open(Path(__file__).resolve().parent.parent / "core" / "data" / "common_words.txt")
        if w.strip().isalpha() and len(w.strip()) > 3 and w.strip() not in FUNCTION_WORDS
    ][: LARGE_TAXONOMY + 10]
    phrases = ", ".join(f'"{a} {b}"' for a, b in zip(words, words[1:]))
    big = parse_taxonomy(f'mode = "replace"\n[[theme]]\nid = "big"\nlabel = "Big"\nphrases = [{phrases}]\n', "big.toml")
    assert big.size >= LARGE_TAXONOMY and "big.toml: a large taxonomy" in big.size_warning()


def test_compiling_a_taxonomy_reports_its_steps_once():
    """A taxonomy being compiled tells a progress callback each step in order (the CLI draws a bar for a large one,
    the dashboard a progress bar); an equal taxonomy compiled before is not compiled again."""
    from core.tagging import Tagger, tagger_for
    from core.taxonomy import parse_taxonomy

    tax = parse_taxonomy(
        '[[theme]]\nid = "youth_clubs"\nlabel = "Youth clubs"\nphrases = ["youth club closures"]\n', "t.toml"
    )
    seen: list[str] = []
    first = tagger_for(tax, progress=seen.append)
    assert seen == list(Tagger.STEPS)
    again = parse_taxonomy(
        '[[theme]]\nid = "youth_clubs"\nlabel = "Youth clubs"\nphrases = ["youth club closures"]\n', "t.toml"
    )
    assert tagger_for(again, progress=seen.append) is first and seen == list(Tagger.STEPS)
    assert first.tag_texts(["Youth club closures hit the town."])[0][0]["theme"] == "youth_clubs"
