"""Dashboard views with Streamlit's AppTest, figure builders, URL state, escaping."""

from __future__ import annotations

import html as html_mod
import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_cli
import streamlit.testing.v1.app_test as app_test_mod
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from core.summary import FilterState
from dashboard import charts
from dashboard.state import from_query, to_query

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


@pytest.fixture
def media(monkeypatch):
    """Capture download-button payloads (AppTest exposes no bytes through its public API): a file made when the
    page ran, or a deferred one (made when clicked: its callable is run as a click would)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    stores: list = []
    managers: list = []

    class Recorder(MemoryMediaFileStorage):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            stores.append(self)

    class Managers(MediaFileManager):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            managers.append(self)

    monkeypatch.setattr(app_test_mod, "MemoryMediaFileStorage", Recorder)
    monkeypatch.setattr(app_test_mod, "MediaFileManager", Managers)

    def read(at, key):
        url = at.get("download_button")
        btn = next(b for b in url if b.proto.id.endswith(key) or key in b.proto.id)
        if btn.proto.deferred_file_id:
            data = managers[-1]._deferred_callables[btn.proto.deferred_file_id]["callable"]()
            return (data.encode("utf-8") if isinstance(data, str) else data), btn
        file_id = btn.proto.url.rsplit("/", 1)[-1].split(".")[0]
        return stores[-1].get_file(file_id).content, btn

    return read


def shown(element) -> str:
    """What the browser shows for a Markdown element (user text arrives as character references)."""
    return html_mod.unescape(element.value)


def run_app(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _view(view, themes, venues, query, date_from, date_to, include_undated):
    import importlib

    from core.summary import FilterState
    from dashboard.data import load

    state = FilterState(
        themes=themes, venues=venues, query=query, date_from=date_from, date_to=date_to, include_undated=include_undated
    )
    importlib.import_module(f"dashboard.views.{view}").render(load(), state)


def run_view(view, themes=(), venues=(), query="", date_from=None, date_to=None, include_undated=None, **params):
    at = AppTest.from_function(
        _view,
        default_timeout=90,
        kwargs=dict(
            view=view,
            themes=tuple(themes),
            venues=tuple(venues),
            query=query,
            date_from=date_from,
            date_to=date_to,
            include_undated=include_undated,
        ),
    )
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_app_opens_on_the_seeds():
    at = run_app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Documents"] == "5" and metrics["Passages"] == "296" and metrics["Undated passages"] == "22"
    assert metrics["First date"] == "2017-10-26"


def test_sidebar_filters_change_tables_and_url():
    at = run_app()
    before = at.dataframe[0].value  # theme summary
    at.multiselect(key="f_themes").set_value(["rape_prosecutions"]).run()
    after = at.dataframe[0].value
    assert len(before) == 8 and list(after["id"]) == ["rape_prosecutions"]
    assert at.query_params["themes"] in ("rape_prosecutions", ["rape_prosecutions"])
    at.multiselect(key="f_venues").set_value(["Press release"]).run()
    assert at.dataframe[0].value.iloc[0]["venues"] == "Press release: 9"
    assert "Rape prosecutions · Press release" in at.markdown[0].value


def test_documents_are_picked_by_title_and_kept_in_the_url_by_id():
    from tests.conftest import PRESS

    at = run_app()
    picker = at.multiselect(key="f_docs")
    assert "County Lines Exploitation: London" in picker.options
    assert not [o for o in picker.options if o.startswith("00")]  # titles (or file names), never hash ids
    assert "f_docs_find" not in [t.key for t in at.text_input]  # five documents: no Find box
    picker.set_value([PRESS]).run()
    assert {m.label: m.value for m in at.metric}["Documents"] == "1"
    assert at.query_params["docs"] in (PRESS, [PRESS])


def test_a_long_list_is_found_by_typing_and_a_choice_survives_narrowing(monkeypatch):
    """Past MAX_CHOICES (here 2 of the seeds' 5 documents) a Find box comes first and the picker offers only what
    matches it: a store of all of Hansard would otherwise send tens of thousands of options at every rerun."""
    import dashboard.pickers
    from tests.conftest import HANSARD, PRESS

    monkeypatch.setattr(dashboard.pickers, "MAX_CHOICES", 2)
    at = run_app()
    assert len(at.multiselect(key="f_docs").options) == 2
    assert "Listing 2 of 5 documents: type in the box above to narrow" in [c.value for c in at.sidebar.caption]
    at.text_input(key="f_docs_find").input("county LINES").run()
    assert at.multiselect(key="f_docs").options == ["County Lines Exploitation: London"]
    at.multiselect(key="f_docs").set_value([HANSARD]).run()
    at.text_input(key="f_docs_find").input("press releases").run()
    picker = at.multiselect(key="f_docs")
    assert picker.value == [HANSARD] and picker.options == [
        "County Lines Exploitation: London",
        "Ann Coffey — Category archive: Press Releases",
    ]
    at.multiselect(key="f_docs").set_value([HANSARD, PRESS]).run()
    assert {m.label: m.value for m in at.metric}["Documents"] == "2"
    at.text_input(key="f_docs_find").input("no such words").run()
    assert at.multiselect(key="f_docs").value == [HANSARD, PRESS]
    assert "No documents match “no such words”" in [c.value for c in at.sidebar.caption]


def test_url_sets_filters():
    at = run_app(themes="county_lines", venues="Westminster Hall", **{"from": "2018-01-01", "to": "2018-12-31"})
    assert at.multiselect(key="f_themes").value == ["county_lines"]
    summary = at.dataframe[0].value.set_index("id")
    assert summary.loc["county_lines", "venues"].startswith("Westminster Hall")
    assert "2018-01-01 to 2018-12-31" in shown(at.markdown[0])


def test_theme_summary_download_carries_filtered_rows(media):
    at = run_app(themes="looked_after_children,out_of_area_placements", undated="0")
    data, btn = media(at, "dl_theme_summary")
    rows = data.decode("utf-8").splitlines()
    assert rows[0].startswith("id,label,passages")
    assert [r.split(",")[0] for r in rows[1:]] == ["looked_after_children", "out_of_area_placements"]
    assert btn.proto.label == "Download theme summary (CSV)"


def test_overview_view_timeline_counts_undated_separately():
    """Rape prosecutions appear in the seeds only in the undated press release: they are counted in the undated
    chart, never placed on an invented date; county lines (all dated) fill the timeline."""
    at = run_view("overview", themes=("rape_prosecutions", "county_lines"))
    specs = {
        json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec) for c in at.get("plotly_chart")
    }
    timeline = next(v for k, v in specs.items() if k.startswith("Theme mentions per"))
    assert {t["name"] for t in timeline["data"]} == {"County lines"}
    undated = specs["Undated (not placed on any date)"]["data"][0]
    assert list(undated["y"]) == ["Rape prosecutions"] and list(undated["x"]) == [9]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Undated theme mentions"] == "9"


def test_themes_view_shows_highlighted_evidence():
    at = run_view("themes", themes=("county_lines",), venues=("Westminster Hall",))
    html = "".join(m.value for m in at.markdown)
    assert "<mark" in html and "county lines" in html
    asks = next(d.value for d in at.dataframe if "ask_group_label" in d.value.columns)
    assert asks["ask_group_label"].str.contains("national strategy").any()


def test_themes_view_shows_what_matched_and_lists_each_evidence_passages():
    """The 'What matched' table counts passages per piece of evidence; choosing a row lists exactly those
    passages (traceable), and the theme's rules are shown as the taxonomy has them."""
    at = run_view("themes", themes=("county_lines",))
    ev = next(d.value for d in at.dataframe if "evidence" in d.value.columns)
    assert ev.iloc[0]["evidence"] == "phrase 'county lines'" and ev.iloc[0]["method"] == "exact"
    row = ev[ev["method"] == "section"].iloc[0]
    at.selectbox(key="th_pick").set_value(row["evidence"]).run()
    assert f"{row['passages']} passages matched by {row['evidence']}" in [shown(c) for c in at.caption]
    html = "".join(m.value for m in at.markdown)
    assert html.count("border-left:3px solid") == min(row["passages"], 25)  # one card per passage listed
    rules = next(d.value for d in at.dataframe if "rule" in d.value.columns)
    assert "cuckooing" in rules.iloc[0]["text"] and rules["rule"].str.startswith("context rule 1").any()


def test_asks_view_ledger_and_drilldown():
    at = run_view("asks")
    led = at.dataframe[0].value.set_index("ask_group")
    assert led.loc["national_strategy", "status"] == "committed"
    at.selectbox(key="ask_pick").set_value("missing_persons_strategy").run()
    html = "".join(m.value for m in at.markdown)
    assert "forthcoming missing people strategy" in html and "committed" in html


def test_passages_view_search_and_filters():
    at = run_view("passages", query="cuckooing")
    df = at.dataframe[0].value
    assert len(df) == 6 and df["text"].str.lower().str.contains("cuckooing").all()
    at2 = run_view("passages", date_from=date(2019, 10, 1), date_to=date(2019, 10, 31))
    df2 = at2.dataframe[0].value
    assert set(df2["document"]) == {"003_7143c52f970a1da7"}  # October 2019, month precision included
    assert (df2["date"] == "").sum() == 0  # a date range leaves undated passages out ...
    at3 = run_view("passages", date_from=date(2019, 10, 1), date_to=date(2019, 10, 31), include_undated=True)
    assert (at3.dataframe[0].value["date"] == "").sum() == 22  # ... unless asked


def test_passages_view_shows_a_passage_among_its_neighbours(passages):
    """The section around a chosen passage: the passage in bold, at most five passages either side of it, in line
    order, with a caption saying which part of the section is shown."""
    from dashboard.views.passages import AROUND

    at = run_view("passages", themes=["county_lines"])
    box = at.selectbox(key="pa_ctx")
    sizes = passages.groupby(["document", "section_index"]).size()
    by_id = passages.set_index("passage_id")
    pid = next(p for p in box.options if sizes[tuple(by_id.loc[p, ["document", "section_index"]])] > 2 * AROUND + 1)
    box.set_value(pid).run()
    doc, sec_i = by_id.loc[pid, ["document", "section_index"]]
    section = passages[(passages.document == doc) & (passages.section_index == sec_i)].sort_values("line")
    at_ = list(section.passage_id).index(pid)
    lo, hi = max(0, at_ - AROUND), min(len(section), at_ + AROUND + 1)
    exp = at.expander[-1]
    assert exp.label.endswith(f"{len(section)} passages")
    assert exp.caption[0].value == f"Passages {lo + 1}–{hi} of {len(section)} in this section, around the one chosen."
    html = exp.markdown[0].value
    assert html.count("<p>") == hi - lo and html.count("<b>") == 1
    from dashboard.text import md_escape

    positions = [html.index(md_escape(t)) for t in section.text.iloc[lo:hi]]  # each one shown, in line order
    assert positions == sorted(positions) and f"<b>{md_escape(by_id.loc[pid, 'text'])}</b>" in html


def test_sources_view_lists_documents_and_taxonomy():
    at = run_view("sources")
    docs = at.dataframe[0].value
    assert set(docs["layout"]) == {"parallel_parliament", "hansard_page", "mp_archive"}
    assert "county_lines" in set(at.dataframe[-1].value["id"]) or "county_lines" in set(
        at.dataframe[1].value.get("id", [])
    )


def test_state_round_trip():
    st = FilterState(
        themes=("county_lines",),
        venues=("Westminster Hall",),
        date_from=date(2018, 1, 1),
        include_undated=False,
        query="gangs",
    )
    allowed = {"themes": {"county_lines"}, "venues": {"Westminster Hall"}, "speakers": set(), "documents": set()}
    assert from_query(to_query(st), allowed) == st
    # values the corpus does not have (or hostile ones) are dropped
    assert from_query({"themes": "county_lines,<script>", "from": "not-a-date"}, allowed) == FilterState(
        themes=("county_lines",)
    )


def test_chart_builders_are_pure():
    import pandas as pd

    counts = pd.DataFrame({"bin": [pd.Timestamp(2018, 1, 1)], "theme": ["county_lines"], "passages": [3]})
    fig = charts.timeline(counts, {"county_lines": "County lines"}, "quarter")
    assert list(fig.data[0].x) == ["2018-Q1"] and list(fig.data[0].y) == [3]
    assert charts.bin_label(pd.Timestamp(2019, 10, 1), "month") == "2019-10"


def test_ask_timeline_plots_every_dated_ask_by_venue_with_markup_as_text(corpus):
    """The seeds' canonical asks: a trace a venue, one point a dated ask, the ask first raised on top; a speaker
    or label written as markup is shown as text in the hover and on the axis."""
    from core.summary import add_date_columns

    asks = add_date_columns(corpus.asks[corpus.asks.duplicate_of == ""])
    fig = charts.ask_timeline(asks)
    dated = asks[asks.date != ""]
    assert sorted(t.name for t in fig.data) == sorted(set(dated.venue.replace("", "(unknown)")))
    assert sum(len(t.x) for t in fig.data) == len(dated) > 20
    first = dated.loc[dated.date_start.idxmin(), "ask_group_label"]
    assert fig.layout.yaxis.categoryarray[-1] == first  # the last category is drawn on top
    hostile = asks.assign(speaker='<a href="http://x">Evil</a>', ask_group_label="<b>Fund</b> & act")
    fig = charts.ask_timeline(hostile)
    points = [row for t in fig.data for row in t.customdata]
    assert {p[1] for p in points} == {'&lt;a href="http://x"&gt;Evil&lt;/a&gt;'}
    assert set(fig.layout.yaxis.categoryarray) == {"&lt;b&gt;Fund&lt;/b&gt; &amp; act"}


def test_cards_escape_document_text():
    import pandas as pd

    from dashboard.cards import passage_card

    row = {
        "date": "",
        "venue": "",
        "speaker": "<b>x</b>",
        "section_title": "<img src=x onerror=alert(1)>",
        "passage_id": "p#L1",
        "duplicate_of": "",
        "text": "county lines <script>alert(1)</script>",
    }
    tags = pd.DataFrame(
        [
            {
                "theme": "county_lines",
                "matched_text": "county lines",
                "start": 0,
                "end": 12,
                "method": "exact",
                "score": 1.0,
                "reason": "phrase '<i>'",
            }
        ]
    )
    html = passage_card(row, tags)
    assert "<script>" not in html and "<img" not in html and "<b>x" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "<mark" in html


def test_naming_suggested_asks_creates_a_named_group():
    """What the Asks view's "Create named ask" button does: the TOML block, merged into the taxonomy."""
    from core.asks import named_ask_toml
    from core.pipeline import build_corpus
    from core.taxonomy import default_taxonomy, parse_taxonomy

    c = build_corpus()
    sugg = c.asks[c.asks.group_source == "suggested"]
    picked = sugg.ask_group.unique()[:2]
    sentences = sugg[sugg.ask_group.isin(picked)].text.tolist()
    tax = parse_taxonomy(
        'mode = "extend"\n' + named_ask_toml("Our merged ask", sentences), "t", base=default_taxonomy()
    )
    c2 = build_corpus(taxonomy=tax)
    merged = c2.asks[c2.asks.text.isin(sentences)]
    assert set(merged.ask_group) == {"our_merged_ask"} and set(merged.ask_group_label) == {"Our merged ask"}
    at = run_view("asks")
    at.multiselect(key="ask_merge_pick").set_value(list(picked)).run()
    at.text_input(key="ask_merge_label").set_value("Our merged ask").run()
    assert "our_merged_ask" in at.code[0].value
    from core.workspace import default_workspace

    ws = default_workspace()
    try:
        at.button(key="ask_merge_apply").click().run()
        assert 'id = "our_merged_ask"' in ws.taxonomy_text()
    finally:
        ws.clear_taxonomy()


def test_asks_view_facets_and_quiet_measured_to_a_chosen_date():
    """Facets carry their counts; 'gone quiet' is measured to the corpus's last date unless another is picked; the
    download's name says what was filtered."""
    at = run_view("asks")
    led = at.dataframe[0].value
    assert at.date_input(key="ask_asof").value == date(2025, 1, 16)  # the seeds' last date, not today
    kinds = at.radio(key="ask_kind")
    n_named = int((led["source"] == "named").sum())
    assert kinds.options == [f"All ({len(led)})", f"Named ({n_named})", f"Suggested ({len(led) - n_named})"]
    kinds.set_value("named").run()
    named = at.dataframe[0].value
    assert set(named["source"]) == {"named"} and len(named) == n_named
    at.radio(key="ask_quiet_sel").set_value("quiet").run()
    for days in (7, 3650):
        at.number_input(key="ask_quiet").set_value(days).run()
        quiet = at.dataframe[0].value
        assert (quiet["days_since_last"].astype(float) > days).all() and quiet["gone_quiet"].all()
        dated = named[named["last_raised"] != ""]
        expected = (dated["days_since_last"].astype(float) - 0 > days).sum()
        assert len(quiet) == expected
    at.number_input(key="ask_quiet").set_value(365).run()
    n_quiet = len(at.dataframe[0].value)
    at.date_input(key="ask_asof").set_value(date(2019, 12, 31)).run()  # measured to an earlier date: fewer quiet
    assert len(at.dataframe[0].value) < n_quiet
    name = "ask_ledger_all_named_quiet_to-2019-12-31.csv"
    assert any(shown(c).startswith(f"{name}: {len(at.dataframe[0].value)} canonical asks") for c in at.caption)
    assert at.query_params["kind"] in ("named", ["named"]) and at.query_params["asof"] in ("2019-12-31", ["2019-12-31"])


def test_asks_ledger_puts_status_and_response_first_and_marks_only_the_ask():
    at = run_view("asks", ask="missing_persons_strategy")
    table = at.dataframe[0]
    assert list(table.proto.column_order)[:3] == ["label", "status", "response_text"]
    row = table.value.set_index("ask_group").loc["missing_persons_strategy"]
    assert row["status"] == "committed"
    assert (
        row["response_text"]
        == "Missing people, in the context of county lines, will be highlighted in the forthcoming …"
    )
    assert at.selectbox(key="ask_pick").value == "missing_persons_strategy"  # from the URL
    cards = [m.value for m in at.markdown if "why:" in m.value]
    assert cards
    for html in cards:  # the ask sentence is marked, not the whole passage
        body = html.split("</div><div>", 1)[1].split("</div>", 1)[0]
        assert body.count("<mark") == 1
        outside = body.split("<mark", 1)[0] + body.split("</mark>", 1)[1]
        assert len(outside.strip()) > 20, body


def test_passages_download_matches_cli_export(media, tmp_path):
    import csv
    import io

    at = run_view("passages", themes=("out_of_area_placements",))
    data, btn = media(at, "dl_passages")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    r = run_cli("export", "--out", str(tmp_path))
    assert r.returncode == 0
    export = {row["passage_id"]: row for row in csv.DictReader(open(tmp_path / "passages.csv", encoding="utf-8"))}
    expected = {
        pid
        for pid, row in export.items()
        if "out_of_area_placements" in row["themes"].split(";") and not row["duplicate_of"]
    }
    assert {row["passage_id"] for row in rows} == expected
    assert all(row == export[row["passage_id"]] for row in rows)  # same columns, same values as the CLI


def test_upload_summary_says_what_was_found_and_warns_without_date_or_venue():
    import pandas as pd
    from dashboard.data import load
    from dashboard.views.sources import found_in, human_date
    from tests.conftest import MONTHLY, PRESS

    data = load()
    found, warnings = found_in(data, MONTHLY)
    assert found.startswith("October 2019 · Newspaper column · ") and warnings == []
    found, warnings = found_in(data, PRESS)  # the press release: a dated heading, then undated paragraphs
    assert found == "26 March 2018 · Press release · 7 themes · 2 asks · 42 passages"
    assert warnings == ["9 of 42 passages have no date: counted as undated and left out of date ranges"]
    import types

    undated = data.passages[data.passages["document"] == PRESS].assign(date="", date_start=pd.NaT, venue="")
    found, warnings = found_in(types.SimpleNamespace(passages=undated, asks=data.asks.iloc[0:0]), PRESS)
    assert found.startswith("no date · no venue · 7 themes · 0 asks · ")
    assert warnings == [
        "no date found: its passages are counted as undated and left out of date ranges",
        "no venue found: its passages show as venue unknown",
    ]
    assert human_date("2024-03-12") == "12 March 2024" and human_date("2019") == "2019"


def test_upload_form_sets_a_missing_date_and_venue():
    """A document with no date or venue: the form's values are checked, kept beside it and read with it."""
    from core.workspace import default_workspace
    from dashboard.data import load
    from dashboard.views.sources import found_in

    ws = default_workspace()
    ws.add_document("form_notes.txt", "Looked-after children are placed out of area, far from home.\n".encode())
    try:
        at = AppTest.from_function(
            _view,
            default_timeout=90,
            kwargs=dict(
                view="sources", themes=(), venues=(), query="", date_from=None, date_to=None, include_undated=None
            ),
        )
        at.session_state["meta_pending"] = {"form_notes.txt": "form_notes.txt"}
        at.run()
        assert not at.exception, at.exception
        submit = next(b for b in at.button if b.label == "Set date and venue")
        at.text_input(key="src_meta_date_form_notes.txt").set_value("30 February 2024")
        submit.click().run()
        assert any("the upload form: date '30 February 2024' is not a date" in shown(e) for e in at.error)
        at.text_input(key="src_meta_date_form_notes.txt").set_value("12 March 2024")
        at.selectbox(key="src_meta_venue_form_notes.txt").set_value("Press release")
        next(b for b in at.button if b.label == "Set date and venue").click().run()
        assert not at.exception, at.exception
        assert (
            ws.documents_dir / "form_notes.txt.meta.toml"
        ).read_text() == 'date = "2024-03-12"\nvenue = "Press release"\n'
        found, warnings = found_in(load(), "form_notes")
        assert found.startswith("12 March 2024 · Press release · ") and warnings == []
    finally:
        for name in ("form_notes.txt", "form_notes.txt.meta.toml"):
            ws.remove_document(name)


def test_search_with_broken_syntax_or_markup_is_read_as_words():
    """Brackets FTS5 cannot read ('![q](http://…)', 'a (b') are searched as plain words; a search with no words
    says so; no view fails."""
    at = run_app(q="![q](http://127.0.0.1:9/query.png)")
    assert at.metric[1].value == "0"  # no passage has all those words
    at = run_view("passages", query="(cuckooing")
    assert len(at.dataframe[0].value) == 6
    at = run_view("passages", query="((( )))")
    assert "no words in it" in shown(at.error[0]) and len(at.dataframe[0].value) == 0


def test_view_choices_come_from_and_go_to_the_url():
    """A view's own choices (bins, theme, toggles) are read from the address bar, written back when changed, and a
    value the view does not offer is ignored."""
    at = run_view("overview", bins="month")
    assert at.radio(key="ov_freq").value == "month"
    at.radio(key="ov_freq").set_value("quarter").run()
    assert at.query_params["bins"] in ("quarter", ["quarter"])
    at.radio(key="ov_freq").set_value("year").run()  # the default: left out of the link
    assert "bins" not in at.query_params
    at = run_view("overview", bins="<script>")
    assert at.radio(key="ov_freq").value == "year"
    at = run_view("themes", themes=("county_lines", "missing_children"), theme="missing_children", bins="year")
    assert at.selectbox(key="th_theme").value == "missing_children" and at.radio(key="th_freq").value == "year"
    at = run_view("asks", suggested="1")
    assert at.checkbox(key="ask_tl_sugg").value is True


def test_milestones_are_drawn_on_the_views_timelines(isolated_workspace):
    """A milestone about county lines is drawn on the Themes timeline of county lines and on the Overview's; one
    about another theme only on the Overview's (which shows every theme); its label as text."""
    path = isolated_workspace / "milestones.csv"
    path.write_text(
        "date,label,themes,url\n2018-04-09,Strategy <b>published</b>,county_lines,\n"
        "2019-03-01,Care review launched,looked_after_children,\n",
        encoding="utf-8",
    )
    try:

        def drawn(at, title):
            spec = next(
                json.loads(c.proto.spec)
                for c in at.get("plotly_chart")
                if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith(title)
            )
            return [a["text"] for a in spec["layout"].get("annotations", ())], len(spec["layout"].get("shapes", ()))

        labels, lines = drawn(run_view("themes", themes=("county_lines",)), "Theme mentions per")
        assert labels == ["Strategy &lt;b&gt;published&lt;/b&gt;"] and lines == 1
        labels, lines = drawn(run_view("overview"), "Theme mentions per")
        assert sorted(labels) == ["Care review launched", "Strategy &lt;b&gt;published&lt;/b&gt;"] and lines == 2
    finally:
        path.unlink()


def test_the_themes_views_counts_name_the_unknown_and_leave_out_absent_values():
    import pandas as pd

    from dashboard.views.themes import counted, value_counts

    venues = pd.Series(["Lords", "", "Commons", "Lords", "unknown"], dtype="category")
    venues = venues.cat.add_categories(["Westminster Hall"])  # a category no passage has
    vc = value_counts(venues, "unknown")
    assert vc.to_dict() == {"Lords": 2, "unknown": 2, "Commons": 1}
    assert counted(venues).startswith("Lords (2), unknown (2) and Commons (1)") or counted(venues).startswith(
        "unknown (2), Lords (2) and Commons (1)"
    )
    assert value_counts(venues.astype(object), "(unknown)").to_dict() == {
        "Lords": 2,
        "(unknown)": 1,
        "Commons": 1,
        "unknown": 1,
    }
