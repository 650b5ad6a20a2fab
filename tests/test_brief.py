"""Briefings (PDF and Word) on the seeds: the figures are core.summary's and core.asks' for the same filters, the
PDF renders to a page that is not blank, both files carry the quotations' speakers and dates, and document text
with markup characters is printed as written."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import shutil
import subprocess
from datetime import date

import pytest

from core.asks import ask_summary
from core.brief import BriefError, build_briefing, render
from core.milestones import Milestone
from core.summary import FilterState, filter_mask, prepare, theme_summary
from tests.conftest import run_cli
from tests.test_dashboard import run_view

MILESTONES = [
    Milestone(
        date(2018, 4, 9),
        "Serious Violence Strategy published",
        ("county_lines",),
        "https://www.gov.uk/government/publications/serious-violence-strategy",
    ),
    Milestone(date(2018, 1, 30), "Missing children report", ("missing_children",)),
    Milestone(date(2019, 7, 1), "Care review launched"),
]


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return " ".join(" ".join(parts).split())


@pytest.fixture(scope="module")
def theme_brief(corpus):
    state = FilterState(date_from=date(2017, 1, 1), date_to=date(2019, 12, 31))
    return state, build_briefing(corpus, state, theme="county_lines", milestones=MILESTONES, made_on=date(2026, 1, 5))


@pytest.fixture(scope="module")
def files(theme_brief):
    _state, b = theme_brief
    return render(b, "pdf"), render(b, "docx")


def test_headline_figures_are_the_theme_summary(corpus, theme_brief):
    state, b = theme_brief
    row = theme_summary(corpus, state.with_(themes=("county_lines",))).set_index("id").loc["county_lines"]
    figures = dict(b.figures)
    assert figures["Passages"] == f"{row['passages']:,}" and int(row["passages"]) > 100
    assert figures["Documents"] == str(row["documents"])
    assert (
        (figures["First raised"], figures["Last raised"])
        == (row["first_date"], row["last_date"])
        == ("2017-10-26", "2019-10")
    )
    asks = prepare(corpus.asks, corpus.taxonomy.ids)
    ledger = ask_summary(corpus, asks=asks[filter_mask(asks, state.with_(themes=("county_lines",)))])
    assert figures["Asks"] == f"{len(ledger)} (raised {ledger['times_raised'].sum()} times)"
    assert [a.label for a in b.asks] == list(ledger["label"].head(len(b.asks)))
    assert sum(n for _b, _s, n in b.timeline) == row["passages"] - row["undated"]


def test_milestones_follow_the_theme_and_the_timeline_has_no_gaps(theme_brief):
    _state, b = theme_brief
    assert [m.label for m in b.milestones] == ["Serious Violence Strategy published", "Care review launched"]
    bins = [t for t, _s, _n in b.timeline]
    assert b.freq == "quarter" and bins == sorted(bins) and len(bins) == 9  # 2017-Q4 … 2019-Q4, empty ones at 0
    assert [n for _t, _s, n in b.timeline][2:8] == [0] * 6


def test_quotations_rule_one_per_named_speaker_first(theme_brief):
    _state, b = theme_brief
    assert 5 <= len(b.quotes) <= 8
    named = [q.speaker for q in b.quotes if q.speaker != "(speaker unknown)"]
    assert {"Ann Coffey", "Joan Ryan"} <= set(named)
    assert all(q.why for q in b.quotes) and all(q.text in q.text for q in b.quotes)


@pytest.mark.skipif(
    not shutil.which("pdftoppm"),
    reason="pdftoppm (poppler-utils) is not installed: apt-get install poppler-utils to render the PDF in this test",
)
def test_pdf_renders_to_pages_that_are_not_blank(files, tmp_path):
    from PIL import Image

    pdf, _docx = files
    (tmp_path / "b.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(tmp_path / "b.pdf"), str(tmp_path / "page")], check=True, timeout=60
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2
    img = Image.open(pages[0]).convert("L")
    dark = sum(img.histogram()[:128])
    assert dark > 0.01 * img.width * img.height  # text, tables and the chart's bars, not an empty page


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_both_files_carry_figures_filters_quotations_and_milestones(files, theme_brief, fmt):
    _state, b = theme_brief
    text = pdf_text(files[0]) if fmt == "pdf" else docx_text(files[1])
    assert "Theme: County lines" in text and "2017-01-01 to 2019-12-31" in text
    for label, value in b.figures:
        assert label in text and value in text
    for q in b.quotes:
        assert f"{q.speaker} · {q.date} · {q.venue}" in text
    assert "Serious Violence Strategy published" in text and "2018-04-09" in text
    assert "committed" in text and "We have set up a national group" in text  # a response, with its status
    assert "Westminster Hall" in text and "Ann Coffey" in text


def test_ask_briefing_counts_the_ask_as_the_ledger_does(corpus):
    ledger = ask_summary(corpus).set_index("ask_group")
    b = build_briefing(corpus, ask_group="national_strategy")
    figures = dict(b.figures)
    assert figures["Times raised"] == str(ledger.loc["national_strategy", "times_raised"])
    assert figures["Response"] == ledger.loc["national_strategy", "status"] == "committed"
    assert b.title.startswith("Ask: A national strategy")
    asks = corpus.asks[(corpus.asks["ask_group"] == "national_strategy") & (corpus.asks["duplicate_of"] == "")]
    assert {q.text for q in b.quotes} <= {" ".join(t.split()) for t in asks["text"]}
    assert sum(n for _b, _s, n in b.timeline) == len(asks[asks["date"] != ""])


def test_unknown_theme_or_ask_is_refused_with_a_suggestion(corpus):
    with pytest.raises(BriefError, match="unknown theme 'countylines'; did you mean county_lines"):
        build_briefing(corpus, theme="countylines")
    with pytest.raises(BriefError, match="unknown ask 'national_strategi'; did you mean national_strategy"):
        build_briefing(corpus, ask_group="national_strategi")


def test_markup_in_documents_is_printed_as_written(corpus):
    """A speaker, quotation, milestone or link with reportlab / HTML / XML markup characters neither breaks the
    files nor changes them: the characters are printed; only http(s) links become links."""
    p = corpus.passages.copy()
    coffey = p["speaker"] == "Ann Coffey"
    p.loc[coffey, "speaker"] = "Ann <b>Coffey</b> & Co"
    first = p.index[coffey][0]
    p.loc[coffey, "url"] = 'javascript:alert("x")'
    p.loc[first, "url"] = "https://example.org/a?b=1&c=<2>"
    p.loc[coffey, "text"] = p.loc[coffey, "text"] + ' <font size="40">&amp; <a href="x">\x0b]]>'
    evil = dataclasses.replace(corpus, passages=p)
    ms = [Milestone(date(2018, 2, 1), '<para>Bill & "Act"</para> <br/>', (), "https://example.org/?x=1&y=2")]
    b = build_briefing(evil, theme="county_lines", milestones=ms)
    pdf, docx = render(b, "pdf"), render(b, "docx")
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "Ann <b>Coffey</b> & Co" in text
        assert '<para>Bill & "Act"</para> <br/>' in text
    from pypdf import PdfReader

    uris = [
        a.get_object()["/A"]["/URI"]
        for page in PdfReader(io.BytesIO(pdf)).pages
        for a in page.get("/Annots") or []
        if "/A" in a.get_object()
    ]
    assert "https://example.org/?x=1&y=2" in uris and not [u for u in uris if u.startswith("javascript")]
    assert not re.search(rb"javascript", docx)


def test_cli_brief_writes_pdf_and_refuses_bad_input(tmp_path):
    out = tmp_path / "county.pdf"
    ms = tmp_path / "milestones.csv"
    ms.write_text("date,label,themes,url\n2018-04-09,Serious Violence Strategy,county_lines,\n", encoding="utf-8")
    r = run_cli(
        "brief",
        "--theme",
        "county_lines",
        "--from",
        "2018-01-01",
        "--to",
        "2018-12-31",
        "--venue",
        "westminster hall",
        "--milestones",
        ms,
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert "1 milestones" in r.stdout and f"-> {out}" in r.stdout
    text = pdf_text(out.read_bytes())
    assert "Westminster Hall" in text and "Serious Violence Strategy" in text
    bad = run_cli("brief", "--theme", "countylines", "--out", tmp_path / "x.pdf")
    assert bad.returncode == 2 and "unknown theme 'countylines'; did you mean county_lines?" in bad.stderr
    assert not (tmp_path / "x.pdf").exists()
    ms.write_text("date,label\n2018-13-01,Bad\n", encoding="utf-8")
    bad = run_cli("brief", "--theme", "county_lines", "--milestones", ms, "--out", tmp_path / "y.docx")
    assert bad.returncode == 2 and "milestones.csv row 2: date '2018-13-01' is not a day" in bad.stderr
    bad = run_cli("brief", "--theme", "county_lines", "--out", tmp_path / "z.txt")
    assert bad.returncode == 2 and "must end in .pdf or .docx" in bad.stderr


def test_cli_brief_docx_for_an_ask(tmp_path):
    out = tmp_path / "ask.docx"
    r = run_cli("brief", "--ask", "national_strategy", "--out", out)
    assert r.returncode == 0, r.stderr
    text = docx_text(out.read_bytes())
    assert "Ask: A national strategy" in text and "Times raised" in text


# ---- the dashboard's Briefing and Milestones views (Streamlit AppTest) ----------------------------------------
# run_view: the view's render(data, state) under AppTest, as the other views are tested
@pytest.fixture
def deferred(monkeypatch):
    """Run a deferred download button's callable as a click would: read(at, key) -> (bytes, file name). AppTest
    drops its media manager after each run, so the managers it makes are recorded."""
    import streamlit.testing.v1.app_test as app_test_mod
    from streamlit.runtime.media_file_manager import MediaFileManager

    managers: list = []

    class Recorder(MediaFileManager):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            managers.append(self)

    monkeypatch.setattr(app_test_mod, "MediaFileManager", Recorder)

    def read(at, key):
        btn = next(b for b in at.get("download_button") if key in b.proto.id)
        entry = managers[-1]._deferred_callables[btn.proto.deferred_file_id]
        return entry["callable"](), entry["filename"]

    return read


def test_briefing_view_offers_pdf_and_word_with_the_same_figures(corpus, deferred):
    at = run_view("briefing", themes=("county_lines",), date_from=date(2017, 1, 1), date_to=date(2019, 12, 31))
    metrics = {m.label: m.value for m in at.metric}
    row = theme_summary(
        corpus, FilterState(themes=("county_lines",), date_from=date(2017, 1, 1), date_to=date(2019, 12, 31))
    ).iloc[0]
    assert metrics["Passages"] == str(row["passages"]) and metrics["First raised"] == row["first_date"]
    pdf, name = deferred(at, "br_pdf")
    assert pdf.startswith(b"%PDF") and name == "briefing_theme-county-lines.pdf"
    assert f"{row['passages']} passages · County lines" in pdf_text(pdf)
    docx, name = deferred(at, "br_docx")
    assert name == "briefing_theme-county-lines.docx" and "Theme: County lines" in docx_text(docx)
    at.radio(key="br_subject").set_value("ask").run()
    assert not at.exception
    assert at.selectbox(key="br_ask").value == "national_strategy"
    assert {m.label: m.value for m in at.metric}["Response"] == "committed"


def test_milestones_view_saves_to_the_workspace_and_reports_bad_rows(isolated_workspace):
    from core.milestones import load_milestones
    from core.workspace import Workspace

    (isolated_workspace / "milestones.csv").unlink(missing_ok=True)
    at = run_view("milestones")
    at.session_state["ms_editor"] = {
        "edited_rows": {},
        "added_rows": [
            {
                "date": "2018-04-09",
                "label": "Serious Violence Strategy <b>published</b>",
                "themes": ["county_lines"],
                "url": "https://www.gov.uk/x",
            }
        ],
        "deleted_rows": [],
    }
    at.button(key="ms_save").click().run()
    assert not at.exception, at.exception
    saved = load_milestones(Workspace(isolated_workspace))
    assert [(m.date, m.label, m.themes) for m in saved] == [
        (date(2018, 4, 9), "Serious Violence Strategy <b>published</b>", ("county_lines",))
    ]
    assert any("Saved 1 milestone" in s.value for s in at.success)
    at.session_state["ms_editor"] = {
        "edited_rows": {},
        "added_rows": [{"date": "2019-01-01", "label": "", "themes": [], "url": "javascript:alert(1)"}],
        "deleted_rows": [],
    }
    at.button(key="ms_save").click().run()
    errors = html.unescape(" ".join(e.value for e in at.error))  # (shown escaped: dashboard.text.md_escape)
    assert "the table row 2: no label" in errors and "'javascript:alert(1)' is not a web address" in errors
    assert len(load_milestones(Workspace(isolated_workspace))) == 1  # nothing written
    (isolated_workspace / "milestones.csv").unlink()  # the session's workspace is shared with other tests


def test_add_milestones_draws_them_on_the_dashboards_timelines(corpus):
    import pandas as pd

    from core.summary import theme_timeline
    from dashboard import charts

    counts, _undated = theme_timeline(prepare(corpus.passages, corpus.taxonomy.ids), ["county_lines"], "quarter")
    ms = [Milestone(date(2018, 2, 14), "<b>Strategy</b> & plan"), Milestone(date(2016, 1, 1), "Before the data")]
    fig = charts.add_milestones(charts.timeline(counts, corpus.taxonomy.labels, "quarter"), ms, "quarter")
    assert [s.x0 for s in fig.layout.shapes] == ["2018-Q1"]  # the period it falls in; one outside is left out
    assert fig.layout.annotations[0].text == "&lt;b&gt;Strategy&lt;/b&gt; &amp; plan"
    asks = prepare(corpus.asks, corpus.taxonomy.ids)
    fig = charts.add_milestones(charts.ask_timeline(asks), ms)
    assert [pd.Timestamp(s.x0) for s in fig.layout.shapes] == [pd.Timestamp(2018, 2, 14), pd.Timestamp(2016, 1, 1)]


def _briefing_page():
    from core.summary import FilterState
    from dashboard.data import load
    from dashboard.views import briefing

    briefing.render(load(), FilterState())


def test_briefing_view_choices_are_read_from_and_written_to_the_url():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_briefing_page, default_timeout=120)
    at.query_params["about"] = "ask"
    at.query_params["ask"] = "missing_persons_strategy"
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key="br_subject").value == "ask"
    assert at.selectbox(key="br_ask").value == "missing_persons_strategy"
    assert html.unescape(at.subheader[0].value).startswith("Ask: Update the missing persons strategy")
    at.radio(key="br_subject").set_value("theme").run()
    at.selectbox(key="br_theme").set_value("missing_children").run()
    assert "about" not in at.query_params  # the default is left out of the link
    assert at.query_params["theme"] in ("missing_children", ["missing_children"])


def test_milestones_for_a_timeline_follow_the_themes(isolated_workspace):
    from types import SimpleNamespace

    from core.milestones import save_milestones
    from core.workspace import Workspace
    from dashboard.views.milestones import milestones_for

    save_milestones(Workspace(isolated_workspace), MILESTONES)
    data = SimpleNamespace(theme_ids=["county_lines", "missing_children"])
    try:
        assert [m.label for m in milestones_for(data, ["county_lines"])] == [
            "Serious Violence Strategy published",
            "Care review launched",
        ]
        assert len(milestones_for(data)) == 3
        (isolated_workspace / "milestones.csv").write_text("date,label\nnot a date,x\n", encoding="utf-8")
        assert milestones_for(data) == []  # a broken file draws nothing; the Milestones page says why
    finally:
        (isolated_workspace / "milestones.csv").unlink()
