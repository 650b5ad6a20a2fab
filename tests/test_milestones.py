"""Campaign milestones kept in the workspace: validation with clear messages, atomic saves, concurrent edits."""

from __future__ import annotations

from datetime import date

import pytest

from core.milestones import (
    Milestone,
    MilestoneError,
    MilestonesChanged,
    between,
    load_milestones,
    parse_milestones,
    save_milestones,
    to_csv,
    validate,
)
from core.workspace import Workspace

THEMES = ["county_lines", "missing_children", "out_of_area_placements"]

GOOD = """date,label,themes,url
2018-04-09,Serious Violence Strategy published,county_lines,https://www.gov.uk/government/publications/serious-violence-strategy
2017-07-17,"Children's Commissioner: 'Care, a safe place?'",,
2019-11-01,Missing children report,missing_children;county_lines,
"""


def test_parse_sorts_by_date_and_reads_every_column():
    ms = parse_milestones(GOOD, theme_ids=THEMES)
    assert [m.date for m in ms] == [date(2017, 7, 17), date(2018, 4, 9), date(2019, 11, 1)]
    assert ms[0].label == "Children's Commissioner: 'Care, a safe place?'" and ms[0].themes == ()
    assert ms[1].url.startswith("https://www.gov.uk/") and ms[1].themes == ("county_lines",)
    assert ms[2].themes == ("missing_children", "county_lines")
    assert parse_milestones(to_csv(ms), theme_ids=THEMES) == ms  # round trip


def test_each_problem_named_with_row_and_fix():
    text = (
        "date,label,themes,url\n"
        "2018-13-01,Bad month,,\n"
        "2018-05,Month only,,\n"
        ",No date,,\n"
        "2018-05-01,,,\n"
        "2018-05-02,Typo theme,countylines,\n"
        "2018-05-03,Script link,,javascript:alert(1)\n"
    )
    with pytest.raises(MilestoneError) as err:
        parse_milestones(text, "milestones.csv", THEMES)
    msg = str(err.value)
    assert "milestones.csv row 2: date '2018-13-01' is not a day (write YYYY-MM-DD" in msg
    assert "row 3: date '2018-05' is not a day" in msg
    assert "row 4: no date" in msg and "row 5: no label" in msg
    assert "row 6: unknown theme 'countylines'; did you mean county_lines?" in msg
    assert "row 7: url 'javascript:alert(1)' is not a web address" in msg


def test_header_and_csv_shape_problems():
    with pytest.raises(MilestoneError, match="no 'date' column; the first line must be: date,label,themes,url"):
        parse_milestones("when,label\n2018-01-01,x\n", "m.csv")
    with pytest.raises(MilestoneError, match="unknown column 'notes'"):
        parse_milestones("date,label,notes\n2018-01-01,x,y\n", "m.csv")
    with pytest.raises(MilestoneError, match="row 2: more values than columns"):
        parse_milestones("date,label\n2018-01-01,Report, with a comma\n", "m.csv")
    with pytest.raises(MilestoneError, match="row 3: repeats row 2"):
        parse_milestones("date,label\n2018-01-01,Report\n2018-01-01,report\n", "m.csv")
    assert parse_milestones("") == [] and parse_milestones("\ufeffdate,label\n\n,\n") == []


def test_label_with_markup_is_kept_as_text():
    ms = validate([{"date": "2020-01-02", "label": "<b>Bill</b> & $5 [link](x)", "themes": "", "url": ""}])
    assert ms[0].label == "<b>Bill</b> & $5 [link](x)"


def test_save_and_load_in_the_workspace(tmp_path):
    ws = Workspace(tmp_path)
    assert load_milestones(ws) == []
    ms = parse_milestones(GOOD, theme_ids=THEMES)
    text = save_milestones(ws, ms, expected="")
    assert (tmp_path / "milestones.csv").read_text(encoding="utf-8") == text
    assert load_milestones(ws, THEMES) == ms
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_concurrent_change_is_not_overwritten(tmp_path):
    ws = Workspace(tmp_path)
    first = save_milestones(ws, [Milestone(date(2018, 1, 1), "First")])
    save_milestones(
        ws, [Milestone(date(2018, 1, 1), "First"), Milestone(date(2019, 1, 1), "Other tab")], expected=first
    )
    with pytest.raises(MilestonesChanged, match="changed in another tab"):
        save_milestones(ws, [Milestone(date(2020, 1, 1), "Stale tab")], expected=first)
    assert [m.label for m in load_milestones(ws)] == ["First", "Other tab"]


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "milestones.csv").write_bytes("date,label\n2018-01-01,Caf\xe9\n".encode("cp1252"))
    with pytest.raises(MilestoneError, match=r"milestones.csv: not valid UTF-8 \(byte 25 is 0xe9\)"):
        load_milestones(Workspace(tmp_path))


def test_concerns_and_between():
    general = Milestone(date(2018, 1, 1), "General")
    cl = Milestone(date(2019, 1, 1), "CL", ("county_lines",))
    assert general.concerns(["missing_children"]) and cl.concerns(["county_lines"]) and cl.concerns([])
    assert not cl.concerns(["missing_children"])
    assert between([general, cl], date(2018, 6, 1), None) == [cl]
    assert between([general, cl], None, date(2018, 6, 1)) == [general]
