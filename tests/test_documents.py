"""Campaigners' own documents (text, Word, PDF, HTML): furniture set aside, the release's date and venue, sections,
quoted speakers; Windows-1252 text; metadata the user sets (sidecar files, command-line options, overrides)."""

from __future__ import annotations

import csv
import shutil

import pytest

from core.sources import load_documents, parse_bytes
from tests.conftest import FIXTURES, run_cli
from tests.document_files import BRIEFING, RELEASE_PAGES, make_docx, make_pdf

DOCS = FIXTURES / "documents"
RELEASE = (DOCS / "press_release.txt").read_text(encoding="utf-8")


def read(name: str, data: bytes | None = None, **kw):
    return parse_bytes(data if data is not None else (DOCS / name).read_bytes(), name, **kw)


def test_text_press_release():
    doc = read("press_release.txt")
    assert doc.layout == "document" and doc.title == "Charity calls for a national strategy on county lines"
    assert {(p.date, p.date_precision, p.venue, p.kind) for p in doc.passages} == {
        ("2020-03-03", "day", "Press release", "press release")
    }
    texts = [p.text for p in doc.passages]
    assert texts[0] == "New figures show thousands of children criminally exploited by gangs"  # the standfirst is text
    # lines wrapped mid-sentence are one paragraph
    assert texts[1].startswith("Children’s charity Safe Futures") and texts[1].endswith("possible victims last year.")
    assert len(texts) == 7
    for furniture in (
        "PRESS RELEASE",
        "For immediate release",
        "ENDS",
        "Notes to editors",
        "registered charity",
        "www.example.org",
        "press office",
    ):
        assert not any(furniture in t for t in texts), furniture
    quoted = [p for p in doc.passages if p.text.startswith("“")]
    assert [(p.speaker, p.speaker_basis) for p in quoted] == [("Jane Example", "attribution")] * 2
    assert {p.speaker for p in doc.passages if p not in quoted} == {""}  # no one else is named: unknown
    # no loss: every non-blank line is in a passage, the metadata or set aside as furniture
    lines = RELEASE.split("\n")
    joined = " ".join(texts)
    for i, raw in enumerate(lines, start=1):
        if raw.strip() and doc.line_kinds.get(i) not in ("header", "boilerplate"):
            assert " ".join(raw.split()) in joined, (i, raw)


def test_press_release_makes_dated_asks():
    from core.pipeline import build_corpus

    c = build_corpus([DOCS / "press_release.txt"])
    asks = c.asks
    assert len(asks) and set(asks.date) == {"2020-03-03"} and set(asks.venue) == {"Press release"}
    assert any("national strategy" in t for t in asks.text)


def test_windows_1252_text_is_read_with_a_flag_and_a_mixed_file_is_refused(tmp_path):
    doc = read("release.txt", RELEASE.encode("cp1252"))
    assert [p.text for p in doc.passages] == [p.text for p in read("press_release.txt").passages]
    assert all("decoded_windows_1252" in p.quality_flags for p in doc.passages)
    assert any(f.startswith("decoded as Windows-1252 (not valid UTF-8: byte 0x92") for f in doc.flags)
    (tmp_path / "mixed.txt").write_bytes(RELEASE.encode("utf-8") + "Children’s".encode("cp1252"))
    (tmp_path / "undefined.txt").write_bytes(b"PRESS RELEASE\n\nA \x81 byte.\n")
    docs, errors = load_documents([tmp_path])
    assert docs == []
    why = {e.path.rsplit("/", 1)[-1]: e.problem for e in errors}
    assert "nor Windows-1252 (it mixes UTF-8 characters with other bytes)" in why["mixed.txt"]
    assert "byte 0x81 at offset 17 is not a Windows-1252 character" in why["undefined.txt"]


def test_word_briefing():
    doc = read("briefing_missing.docx")
    assert doc.title == "Briefing: children missing from care"
    assert {(p.venue, p.kind) for p in doc.passages} == {("Briefing", "briefing")}
    by_section = {}
    for p in doc.passages:
        by_section.setdefault(p.section_title, []).append(p.text)
    assert list(by_section) == ["Summary", "What we are asking for"]
    assert by_section["What we are asking for"][:2] == [BRIEFING[4][1], BRIEFING[5][1]]
    assert by_section["What we are asking for"][2:] == ["Region | Children missing", "North West | 1,240"]
    # no date in the document: undated and said so, never guessed (not the file's creation date either)
    assert {p.date for p in doc.passages} == {""} and any(f.startswith("no date in the document") for f in doc.flags)
    assert [p.line for p in doc.passages] == [3, 5, 6, 7, 8]  # Word paragraph numbers


def test_word_document_that_says_neither_release_nor_briefing_has_no_venue():
    data = make_docx(
        [("Heading 1", "Children in care"), ("Normal", "Our annual report on children in care.")], table=None
    )
    doc = read("report.docx", data)
    assert {(p.venue, p.kind) for p in doc.passages} == {("", "")}
    assert any(f.startswith("venue unknown") for f in doc.flags)


def test_damaged_word_and_pdf_files_are_named(tmp_path):
    (tmp_path / "cut.docx").write_bytes(make_docx()[:2000])
    (tmp_path / "cut.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (tmp_path / "scan.pdf").write_bytes(make_pdf([[""]]))
    docs, errors = load_documents([tmp_path])
    why = {e.path.rsplit("/", 1)[-1]: e.problem for e in errors}
    assert docs == [] and why["cut.docx"].startswith("not a Word document python-docx can read")
    assert why["cut.pdf"].startswith("not a PDF pypdf can read") or "no text in the PDF" in why["cut.pdf"]
    assert "no text in the PDF (1 page(s)): a scanned image?" in why["scan.pdf"]


def test_pdf_press_release_over_two_pages():
    doc = read("release_embargoed.pdf")
    assert doc.title == "Councils must stop sending children hundreds of miles from home"
    # the embargo is the day it may be published: the release's date
    assert {(p.date, p.venue, p.kind) for p in doc.passages} == {("2020-03-05", "Press release", "press release")}
    texts = [p.text for p in doc.passages]
    assert texts[0] == (
        "Safe Futures today published research showing that children in care are being placed in "
        "unregulated accommodation hundreds of miles from their families, where they are targeted by "
        "gangs."
    )
    assert texts[-1].startswith("“No child should be sent away") and texts[-1].endswith("where a child in care lives.”")
    assert doc.passages[-1].speaker == "Ann Example"
    assert not any("Lines of Risk" in t or "Page " in t or "enquiries" in t for t in texts)
    assert any("running header/footer" in f for f in doc.flags)
    assert make_pdf(RELEASE_PAGES) == (DOCS / "release_embargoed.pdf").read_bytes()  # the fixture is reproducible


def test_html_briefing():
    doc = read("briefing.html")
    assert doc.layout == "document"
    assert doc.title == "Parliamentary briefing: Children's Wellbeing Bill, Second Reading"
    assert {(p.date, p.date_precision, p.venue) for p in doc.passages} == {("2025-01", "month", "Briefing")}
    assert [(p.section_title, p.text[:24]) for p in doc.passages] == [
        ("Summary", "Safe Futures welcomes th"),
        ("Summary", "We urge Members to amend"),
        ("Our asks", "Will the Minister commit"),
        ("Our asks", "A national standard for "),
    ]
    assert not any("Donate" in p.text or "sam@example.org" in p.text or "©" in p.text for p in doc.passages)


# ---- metadata the user sets ------------------------------------------------------------------------------------
def test_sidecar_sets_what_the_document_lacks(tmp_path):
    shutil.copy(DOCS / "briefing_missing.docx", tmp_path / "brief.docx")
    (tmp_path / "brief.docx.meta.toml").write_text(
        'date = 2021-06-30\nvenue = "briefing"\nurl = "https://example.org/brief"\n', encoding="utf-8"
    )
    docs, errors = load_documents([tmp_path])
    assert errors == []  # the sidecar is read with its document, not listed as a file of its own
    (doc,) = docs
    assert {(p.date, p.date_precision, p.venue, p.url) for p in doc.passages} == {
        ("2021-06-30", "day", "Briefing", "https://example.org/brief")
    }  # the document's own venue agrees
    assert all("date_set_by_user" in p.quality_flags and "undated" not in p.quality_flags for p in doc.passages)
    assert not any(f.startswith("no date in the document") for f in doc.flags)
    assert any("venue set by the user" in f and "not used for 5 passage(s)" in f for f in doc.flags)


def test_sidecar_named_without_the_extension_and_a_speaker(tmp_path):
    (tmp_path / "notes.txt").write_text("Our response to the consultation.\n", encoding="utf-8")
    (tmp_path / "notes.meta.toml").write_text(
        'date = "March 2019"\nvenue = "Briefing"\nspeaker = "Jane Example"\ntitle = "Consultation response"\n',
        encoding="utf-8",
    )
    (doc,), _ = load_documents([tmp_path / "notes.txt"])
    p = doc.passages[0]
    assert (p.date, p.date_precision, p.venue, p.speaker, p.speaker_basis, p.section_title, doc.title) == (
        "2019-03",
        "month",
        "Briefing",
        "Jane Example",
        "set by the user (sidecar or options)",
        "Consultation response",
        "Consultation response",
    )
    assert "venue_set_by_user" in p.quality_flags and "unknown_layout" in p.quality_flags


@pytest.mark.parametrize(
    "body,message",
    [
        ('venue = "Pres release"', "notes.meta.toml: venue 'Pres release' is not one of: Commons Chamber"),
        ('venue = "Pres release"', "(did you mean 'Press release'?)"),
        ('date = "31 February 2020"', "notes.meta.toml: date '31 February 2020' is not a date"),
        ("date = 2091-01-01", "date 2091-01-01 is before 1803 or after next year"),
        ('dat = "2020-01-01"', "unknown key 'dat' (did you mean 'date'?)"),
        ('url = "example.org"', "url 'example.org' must start with http:// or https://"),
        ("date = [2020]", "date '[2020]' is not a date"),
        ('venue = "Briefing', "notes.meta.toml: not valid TOML"),
    ],
)
def test_bad_sidecar_named_with_the_problem(tmp_path, body, message):
    (tmp_path / "notes.txt").write_text("Our response.\n", encoding="utf-8")
    (tmp_path / "notes.meta.toml").write_text(body + "\n", encoding="utf-8")
    docs, errors = load_documents([tmp_path])
    assert docs == [] and len(errors) == 1 and errors[0].path.endswith("notes.txt")
    assert message in errors[0].problem


def test_overrides_for_an_upload():
    """What the dashboard's upload form calls: parse_bytes with the user's values, validated."""
    doc = parse_bytes(
        b"Our response to the consultation.\n",
        "notes.txt",
        overrides={"date": "2019-03-04", "venue": "Press release"},
        source="the upload form",
    )
    assert (doc.passages[0].date, doc.passages[0].venue) == ("2019-03-04", "Press release")
    assert "set by the upload form: date 2019-03-04, venue Press release" in doc.flags
    with pytest.raises(ValueError, match="the upload form: venue 'Twitter' is not one of"):
        parse_bytes(b"Text.\n", "notes.txt", overrides={"venue": "Twitter"}, source="the upload form")


def test_cli_date_and_venue_options(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "notes.txt").write_text(
        "We call on the Government to publish a national strategy on county lines.\n", encoding="utf-8"
    )
    r = run_cli("export", str(src), "--out", str(tmp_path / "out"), "--date", "2019-03-04", "--venue", "Briefing")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(open(tmp_path / "out" / "passages.csv", encoding="utf-8")))
    assert [(r["date"], r["venue"]) for r in rows] == [("2019-03-04", "Briefing")]
    bad = run_cli("export", str(src), "--out", str(tmp_path / "out2"), "--venue", "Twiter")
    assert bad.returncode == 2 and "--venue: venue 'Twiter' is not one of" in bad.stderr
    assert not (tmp_path / "out2").exists()


def test_ingest_reads_a_document_again_when_its_sidecar_changes(tmp_path):
    from core.pipeline import ingest
    from core.store.db import Store

    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(DOCS / "briefing_missing.docx", src / "brief.docx")
    with Store(tmp_path / "s.duckdb", write=True) as store:
        counts, _ = ingest(store, [src])
        assert counts.new == 1
        assert set(store.frame("passages")["date"]) == {""}
        (src / "brief.meta.toml").write_text('date = "2021-06-30"\n', encoding="utf-8")
        counts, _ = ingest(store, [src])
        assert counts.changed == 1 and set(store.frame("passages")["date"]) == {"2021-06-30"}
        counts, _ = ingest(store, [src])
        assert counts.unchanged == 1
        counts, _ = ingest(store, [src], overrides={"venue": "Press release"})
        assert counts.changed == 1 and set(store.frame("passages")["venue"]) == {"Briefing"}  # its own venue kept


def test_summary_venue_filter_is_not_metadata():
    r = run_cli("summary", str(DOCS / "press_release.txt"), "--venue", "Press release")
    assert r.returncode == 0, r.stderr
    assert "county_lines" in r.stdout or "County lines" in r.stdout


def test_a_sidecar_without_its_document_is_reported(tmp_path):
    (tmp_path / "notes.txt").write_text("Our response.\n", encoding="utf-8")
    (tmp_path / "notes.meta.toml").write_text('date = "2019"\n', encoding="utf-8")
    (tmp_path / "old.docx.meta.toml").write_text('date = "2019"\n', encoding="utf-8")
    docs, errors = load_documents([tmp_path])
    assert [d.document for d in docs] == ["notes"]
    assert [(e.path.rsplit("/", 1)[-1], e.problem, e.notice) for e in errors] == [
        ("old.docx.meta.toml", "skipped: metadata file with no document beside it", True)
    ]


def test_upload_types_include_documents_and_pages():
    from core.sources import suffixes

    assert {".html", ".htm", ".docx", ".pdf", ".txt", ".xml", ".json"} <= suffixes()
