"""Ingest of the five real seeds: layouts, sections, dates, venues, speakers, no loss, bad input."""

from __future__ import annotations

import csv

import pytest

from core.sources import detect_layout, load_documents, parse_text
from core.sources.common import parse_day_date
from core.model import COLUMNS, FIELDS, Passage
from tests.conftest import pid, run_cli, HANSARD, MONTHLY, PP, PP_2025, PRESS, SEEDS


def sections(passages, doc):
    df = passages[passages.document == doc]
    return (
        df.groupby("section_index", sort=True)
        .agg(
            title=("section_title", "first"),
            date=("date", "first"),
            precision=("date_precision", "first"),
            venue=("venue", "first"),
            speakers=("speaker", lambda s: sorted(set(s))),
        )
        .reset_index()
        .to_dict("records")
    )


def test_layouts_detected_by_content(docs):
    assert {d: docs[d].layout for d in docs} == {
        PP: "parallel_parliament",
        HANSARD: "hansard_page",
        PRESS: "mp_archive",
        MONTHLY: "mp_archive",
        PP_2025: "parallel_parliament",
    }
    # content, not the file name: the same text under another name is read the same way
    text = (SEEDS / f"{PRESS}.txt").read_text(encoding="utf-8")
    assert detect_layout(text) == "mp_archive"
    assert parse_text(text, "renamed").passages[0].venue == "Press release"


def test_parallel_parliament_2017_2019_sections(passages):
    got = [(s["title"], s["date"], s["precision"], s["venue"], s["speakers"]) for s in sections(passages, PP)]
    assert got == [
        (
            "Crime (Overseas Production Orders) Bill [Lords]",
            "2019-01-30",
            "day",
            "Commons Chamber",
            ["", "Ann Coffey", "Ben Wallace"],
        ),
        ("County Lines Exploitation: London", "2018-01-17", "day", "Westminster Hall", ["Ann Coffey", "Joan Ryan"]),
        ("Modern Slavery Act 2015", "2017-10-26", "day", "Commons Chamber", ["Ann Coffey"]),
    ]


def test_parallel_parliament_2024_sections_without_date_or_venue(passages, docs):
    # a page without a page title is named by its debates (pickers and tables show it, not the file's hash)
    assert docs[PP_2025].title == "Child Sexual Exploitation and Abuse and 3 other debates"
    got = [(s["title"], s["date"], s["precision"], s["venue"], s["speakers"]) for s in sections(passages, PP_2025)]
    assert got == [
        (
            "Child Sexual Exploitation and Abuse",
            "2025-01-16",
            "day",
            "Commons Chamber",
            ["Judith Cummins", "Yvette Cooper"],
        ),
        ("Border Security: Collaboration", "2024-12-11", "day", "Commons Chamber", ["Judith Cummins", "Yvette Cooper"]),
        ("Terrorism (Protection of Premises) Bill", "", "unknown", "", ["Judith Cummins", "Yvette Cooper"]),
        ("Violent Disorder", "2024-09-02", "day", "Commons Chamber", ["Judith Cummins", "Yvette Cooper"]),
    ]


def test_speaker_lines_give_name_and_detail(passages):
    by_id = passages.set_index("passage_id")
    assert by_id.loc[pid(passages, PP, 22), ["speaker", "speaker_detail"]].tolist() == ["Ann Coffey", "Stockport (Lab)"]
    assert by_id.loc[pid(passages, PP, 15), ["speaker", "speaker_detail"]].tolist() == ["Ben Wallace", ""]
    assert by_id.loc[pid(passages, PP_2025, 13), ["speaker", "speaker_detail"]].tolist() == [
        "Yvette Cooper",
        "The Secretary of State for the Home Department",
    ]
    assert by_id.loc[pid(passages, PP_2025, 54), ["speaker", "speaker_detail"]].tolist() == [
        "Judith Cummins",
        "Madam Deputy Speaker",
    ]
    # the stage line under a bill title has no speaker: explicit unknown, not a guess
    assert by_id.loc[pid(passages, PP, 7), "speaker"] == ""


def test_boilerplate_is_not_content(passages):
    texts = set(passages.text)
    for junk in [
        "- Hansard - -",
        "Ann Coffey Excerpts",
        "(6 years, 4 months ago)",
        "--- Later in debate ---",
        "Read Full debate Read Hansard Text Read Debate Ministerial Extracts",
        "Skip to main content",
    ]:
        assert not any(t.replace("\xa0", " ").startswith(junk) for t in texts), junk
    assert not passages.text.str.contains("Parallel Parliament and does not comprise").any()
    assert not passages.text.str.startswith("Westminster Hall is an alternative Chamber").any()


def test_hansard_page_date_title_and_inferred_venue(passages, docs):
    df = passages[passages.document == HANSARD]
    assert set(df.section_title) == {"County Lines Exploitation: London"}
    assert set(df.date) == {"2018-01-17"} and set(df.date_precision) == {"day"}
    assert set(df.venue) == {"Westminster Hall"}
    assert df.quality_flags.str.contains("venue_inferred").all()
    assert any("your chairmanship" in f for f in docs[HANSARD].flags)
    assert df.text.iloc[0] == "I beg to move,"


def test_hansard_venue_unknown_without_evidence():
    text = "Some Debate\n\nVolume 700: debated on Tuesday 5 March 2019\n\nI welcome the report.\n\nIt is useful.\n"
    doc = parse_text(text, "x")
    assert doc.layout == "hansard_page"
    assert {p.venue for p in doc.passages} == {""}
    assert {p.date for p in doc.passages} == {"2019-03-05"}


def test_press_release_archive_posts(passages):
    got = [(s["title"], s["date"], s["precision"], s["venue"]) for s in sections(passages, PRESS)]
    assert got == [
        ("Parliamentary inquiry into the scandal of ‘sent away’ children", "2018-03-26", "day", "Press release"),
        ("Major review into how rape cases are handled", "", "unknown", "Press release"),
        ("Stockport Express February 2019", "2019-02-27", "day", "Newspaper column"),
    ]
    by_id = passages.set_index("passage_id")
    # quoted paragraphs after "Name, role, said:" belong to that person
    assert by_id.loc[pid(passages, PRESS, 86), ["speaker", "speaker_basis"]].tolist() == ["Sam Royston", "attribution"]
    assert by_id.loc[pid(passages, PRESS, 66), "speaker"] == "Ann Coffey"
    assert by_id.loc[pid(passages, PRESS, 10), ["speaker", "speaker_basis"]].tolist() == ["Ann Coffey", "site author"]


def test_monthly_archive_month_precision_never_invents_a_day(passages):
    got = [(s["title"], s["date"], s["precision"], s["venue"]) for s in sections(passages, MONTHLY)]
    assert got == [
        ("Sexual and criminal exploitation of children who go missing from care", "2019-10", "month", "Blog post"),
        ("County Lines Conference Westminster Briefing", "2019-10", "month", "Conference"),
        ("Stockport Express, October 2019", "2019-10-16", "day", "Newspaper column"),
    ]


def test_duplicate_speech_marked_once_with_speaker_carried(passages, corpus):
    dups = passages[passages.duplicate_of != ""]
    assert len(dups) == 22
    assert set(dups.document) == {HANSARD}
    assert set(passages.set_index("passage_id").loc[list(dups.duplicate_of), "document"]) == {PP}
    by_id = passages.set_index("passage_id")
    assert by_id.loc[pid(passages, HANSARD, 162), ["speaker", "duplicate_of"]].tolist() == [
        "Ann Coffey",
        pid(passages, PP, 48),
    ]
    assert by_id.loc[pid(passages, HANSARD, 162), "speaker_basis"] == f"duplicate of {pid(passages, PP, 48)}"
    assert by_id.loc[pid(passages, HANSARD, 198), "speaker"] == "Joan Ryan"
    # the minister's reply, not in the attributed source, stays unknown
    assert by_id.loc[pid(passages, HANSARD, 290), "speaker"] == ""


def test_fuzzy_duplicate_with_small_edits(tmp_path):
    from core.pipeline import build_corpus

    text = (SEEDS / f"{PP}.txt").read_text(encoding="utf-8")
    line = text.split("\n")[49]  # a long Ann Coffey paragraph
    edited = line.replace("shocking", "shockng").replace("civilised", "civilized")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        f"County Lines\n\nVolume 634: debated on Wednesday 17 January 2018\n\n{edited}\n", encoding="utf-8"
    )
    c = build_corpus([tmp_path])
    b = c.passages[c.passages.document == "b"].iloc[0]
    assert b.duplicate_of == pid(c.passages, "a", 50) and b.speaker == "Ann Coffey"


@pytest.mark.parametrize("name", [PP, HANSARD, PRESS, MONTHLY, PP_2025])
def test_nothing_is_lost(name, docs):
    """Every non-blank line is boilerplate, a header captured in metadata, or the text of exactly one passage."""
    doc = docs[name]
    lines = (SEEDS / f"{name}.txt").read_text(encoding="utf-8").split("\n")
    by_line = {}
    for p in doc.passages:
        assert p.line not in by_line
        by_line[p.line] = p
    meta = {v for p in doc.passages for v in (p.section_title, p.speaker)} | {doc.title}
    for i, raw in enumerate(lines, start=1):
        if not raw.strip():
            assert i not in by_line
            continue
        kind = doc.line_kinds.get(i)
        assert kind in {"content", "header", "boilerplate"}, (i, raw)
        if kind == "content":
            assert by_line[i].text == raw.strip()
    assert len(by_line) == sum(1 for k in doc.line_kinds.values() if k == "content")
    # every title line found its way into the metadata
    titles = [lines[i - 1].strip() for i, k in doc.line_kinds.items() if k == "header" and lines[i - 1].strip() in meta]
    assert set(p.section_title for p in doc.passages) <= set(titles) | {""}


def test_passage_ids_stable_and_unique(passages):
    from core.pipeline import build_corpus

    again = build_corpus([SEEDS]).passages
    assert passages.passage_id.is_unique
    assert passages.passage_id.tolist() == again.passage_id.tolist()


def test_every_column_documented():
    assert list(FIELDS) == COLUMNS
    assert set(Passage.__dataclass_fields__) == set(COLUMNS)
    assert all(label and desc for _t, label, desc in FIELDS.values())


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Wed 30th Jan 2019", "2019-01-30"),
        ("Thursday 16th January 2025", "2025-01-16"),
        ("26th March 2018", "2018-03-26"),
        ("October 16th 2019", "2019-10-16"),
        ("Not a date", None),
    ],
)
def test_date_lines(text, expected):
    assert parse_day_date(text) == expected


def test_impossible_date_is_reported_not_invented():
    doc = parse_text(
        "Ann Coffey\n\nCategory Archives: Press Releases\n\nA post title\n\n31st February 2019\n\n"
        "Some paragraph about children in care.\n",
        "bad",
    )
    assert doc.passages[0].date == "" and doc.passages[0].date_precision == "unknown"
    assert any("does not parse" in f for f in doc.flags)


def test_unknown_layout_is_ingested_and_flagged(tmp_path):
    (tmp_path / "notes.txt").write_text("First paragraph of notes.\n\nSecond paragraph.\n", encoding="utf-8")
    docs, errors = load_documents([tmp_path])
    assert errors == []
    (doc,) = docs
    assert doc.layout == "plain_text" and [p.text for p in doc.passages] == [
        "First paragraph of notes.",
        "Second paragraph.",
    ]
    assert all("unknown_layout" in p.quality_flags and p.date == "" and p.venue == "" for p in doc.passages)


def _run_cli(*args):
    return run_cli(*args)


def test_export_csv(tmp_path):
    r = _run_cli("export", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(open(tmp_path / "passages.csv", encoding="utf-8")))
    assert {
        "passage_id",
        "document",
        "section_title",
        "date",
        "date_precision",
        "venue",
        "speaker",
        "text",
        "themes",
        "duplicate_of",
    } <= set(rows[0])
    assert len(rows) == 318
    row = next(r for r in rows if (r["document"], r["line"]) == (PRESS, "10"))
    assert (row["date"], row["date_precision"], row["venue"]) == ("2018-03-26", "day", "Press release")


def test_bad_inputs_reported_others_ingested_and_export_kept(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text((SEEDS / f"{MONTHLY}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (src / "cp1252.txt").write_bytes("Children’s homes — “sent away”\n".encode("cp1252"))
    locked = src / "locked.txt"
    locked.write_text("secret", encoding="utf-8")
    locked.chmod(0)
    out = tmp_path / "out"
    assert _run_cli("export", str(SEEDS), "--out", str(out)).returncode == 0
    before = (out / "passages.csv").read_bytes()

    r = _run_cli("export", str(src), "--out", str(out))
    assert r.returncode == 1
    assert "empty.txt: file is empty" in r.stderr
    assert "binary.txt: binary file" in r.stderr
    assert "cp1252.txt" not in r.stderr  # Windows-1252 is read (flagged), not refused
    import os

    if os.geteuid() != 0:  # root can read anything
        assert "locked.txt: permission denied" in r.stderr
    rows = list(csv.DictReader(open(out / "passages.csv", encoding="utf-8")))
    assert {r["document"] for r in rows} >= {"good", "cp1252"}
    cp = next(r for r in rows if r["document"] == "cp1252")
    assert cp["text"] == "Children’s homes — “sent away”" and "decoded_windows_1252" in cp["quality_flags"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert before  # the earlier export was replaced only by a complete file


def test_failed_write_keeps_previous_export(tmp_path, monkeypatch):
    import pandas as pd

    from core import export

    out = tmp_path / "out"
    export.write_tables(out, {"passages.csv": pd.DataFrame({"a": [1]})})
    before = (out / "passages.csv").read_text()
    real = export._write_csv

    def boom(df, path):
        if path.name == "tags.csv":
            raise OSError("disk full")
        real(df, path)

    monkeypatch.setattr(export, "_write_csv", boom)
    with pytest.raises(OSError):
        export.write_tables(out, {"passages.csv": pd.DataFrame({"a": [2]}), "tags.csv": pd.DataFrame({"b": [1]})})
    assert (out / "passages.csv").read_text() == before
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "passages.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_kill_between_renames_never_mixes_exports(tmp_path, monkeypatch):
    """A kill after the old export is moved aside and before the new one is in place: the next export (or
    recover) puts the previous set back whole; no passages.csv of one run sits beside tags.csv of another."""
    import pandas as pd

    from core import export

    out = tmp_path / "out"
    export.write_tables(out, {"passages.csv": pd.DataFrame({"a": [1]}), "tags.csv": pd.DataFrame({"b": [1]})})
    real = export.os.replace
    calls = []

    def killed(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the second rename of the swap
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(export.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        export.write_tables(out, {"passages.csv": pd.DataFrame({"a": [2]}), "tags.csv": pd.DataFrame({"b": [2]})})
    monkeypatch.setattr(export.os, "replace", real)
    export.recover(out)
    assert (out / "passages.csv").read_text() == "a\n1\n" and (out / "tags.csv").read_text() == "b\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_export_refuses_a_folder_of_other_files(tmp_path):
    import pandas as pd

    from core.export import ExportError, write_tables

    (tmp_path / "thesis.docx").write_text("mine")
    with pytest.raises(ExportError, match="thesis.docx"):
        write_tables(tmp_path, {"passages.csv": pd.DataFrame({"a": [1]})})
    assert (tmp_path / "thesis.docx").read_text() == "mine" and len(list(tmp_path.iterdir())) == 1


def test_formula_cells_neutralised_in_export_and_download(tmp_path):
    import pandas as pd

    from core.export import to_csv_bytes, write_tables

    df = pd.DataFrame(
        {
            "text": ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "-1+1", "plain"],
            "n": [-1, 2, 3, 4, 5, 6],
        }
    )
    write_tables(tmp_path / "o", {"t.csv": df})
    for body in ((tmp_path / "o" / "t.csv").read_text(encoding="utf-8"), to_csv_bytes(df).decode()):
        back = pd.read_csv(__import__("io").StringIO(body))
        assert all(v.startswith("'") for v in back["text"][:5]) and back["text"][5] == "plain"
        assert back["n"].tolist() == [-1, 2, 3, 4, 5, 6]


def test_missing_source_named():
    r = _run_cli("export", "no/such/dir", "--out", "/dev/null/x")
    assert r.returncode != 0
    assert "no/such/dir: no such file or directory" in r.stderr and "/dev/null/x: cannot write" in r.stderr


def test_core_has_no_ui_imports():
    import ast
    from tests.conftest import ROOT

    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not names & {"streamlit", "plotly"}, path


def test_docs_tables_match_the_schema():
    """docs/tables.md is generated from core.schema; every passage field is documented there."""
    from core.schema import tables_markdown
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert doc == tables_markdown(), "regenerate: python -m core.schema > docs/tables.md"
    for col in COLUMNS:
        assert f"| `{col}` |" in doc, col


def test_every_exported_csv_has_its_tables_columns(tmp_path):
    """`export` on the seeds: each CSV's header is its table's columns in core.schema (and so in docs/tables.md),
    in order; the theme summary's are followed by one column a year."""
    import csv
    import re

    from core.schema import names
    from tests.conftest import run_cli

    out = tmp_path / "out"
    assert run_cli("export", "--out", str(out)).returncode == 0
    tables = {
        "passages.csv": "passages",
        "tags.csv": "tags",
        "asks.csv": "reviewed_asks",
        "ask_summary.csv": "ledger",
        "theme_summary.csv": "theme_summary",
    }
    assert sorted(p.name for p in out.glob("*.csv")) == sorted(tables)
    for name, table in tables.items():
        with (out / name).open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        want = names(table)
        assert header[: len(want)] == want, name
        rest = header[len(want) :]
        assert all(re.fullmatch(r"\d{4}", c) for c in rest) and (rest != []) == (table == "theme_summary"), name


def test_workspace_stores_safely(tmp_path):
    from core.workspace import Workspace

    ws = Workspace(tmp_path)
    assert ws.documents() == [] and ws.taxonomy_text() is None
    name = ws.add_document("../../evil/../notes.txt", b"County lines.\n")
    assert name == "notes.txt" and (tmp_path / "documents" / "notes.txt").exists()
    assert ws.documents() == [("notes.txt", b"County lines.\n")]
    ws.save_taxonomy('mode = "extend"\n')
    assert ws.taxonomy_text() == 'mode = "extend"\n'
    ws.remove_document("notes.txt")
    ws.clear_taxonomy()
    assert ws.documents() == [] and ws.taxonomy_text() is None
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_text_layout_ids_survive_an_edit_elsewhere():
    """Ids of a text layout are the document + a hash of section and text: a paragraph added or removed elsewhere
    does not change the others' ids (their lines move); an exact repeat gets its own id."""
    text = (SEEDS / f"{PRESS}.txt").read_text(encoding="utf-8")
    before = parse_text(text, PRESS)
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if line.strip() == before.passages[0].text)
    edited = "\n".join(lines[: first + 1] + ["", "A paragraph added by an edit.", ""] + lines[first + 1 :])
    after = parse_text(edited, PRESS)
    old = {p.text: (p.passage_id, p.line) for p in before.passages}
    new = {p.text: (p.passage_id, p.line) for p in after.passages}
    moved = [t for t in old if new[t][1] != old[t][1]]
    assert len(moved) == len(old) - 1 and all(new[t][0] == old[t][0] for t in old)
    twice = parse_text("The same line.\n\nThe same line.\n", "n").passages
    assert twice[1].passage_id == twice[0].passage_id + "-2" and twice[0].passage_id.startswith("n#")


def test_text_layouts_fill_house_kind_party_and_constituency(passages):
    """Where the text says so: a speaker line's "(Stockport) (Lab)", the house of a named venue, what a post is."""
    pp = passages[passages.document == PP]
    coffey = pp[pp.speaker == "Ann Coffey"]
    assert {(r.speaker_detail, r.party, r.constituency, r.house, r.kind) for r in coffey.itertuples()} == {
        ("Stockport (Lab)", "Lab", "Stockport", "Commons", "speech"),
        ("", "", "", "Commons", "speech"),
    }
    assert set(pp[pp.speaker == "Ben Wallace"].party) == {""}  # "Mr Wallace": no party given, none guessed
    assert set(passages[passages.document == HANSARD].house) == {"Commons"}
    undated = passages[(passages.document == PP_2025) & (passages.venue == "")]
    assert len(undated) and set(undated.house) == {""}
    kinds = passages[passages.document.isin([PRESS, MONTHLY])].groupby("venue")["kind"].agg(set).to_dict()
    assert kinds == {
        "Press release": {"press release"},
        "Newspaper column": {"article"},
        "Blog post": {"post"},
        "Conference": {"speech"},
    }
