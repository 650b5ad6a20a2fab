"""Theme summaries and filters (core.summary), in the library and through `campaign-tracker summary`."""

from __future__ import annotations

import pandas as pd

from core.summary import FilterState, apply_filters, theme_summary
from tests.conftest import MONTHLY, PRESS, run_cli


def test_theme_summary_counts_duplicate_once(corpus):
    s = theme_summary(corpus).set_index("id")
    cl = corpus.passages[corpus.passages.themes.str.contains("county_lines")]
    assert s.loc["county_lines", "passages"] == (cl.duplicate_of == "").sum() < len(cl)
    assert s.loc["rape_prosecutions", "undated"] == 9  # the undated press release, counted and shown as undated
    assert s.loc["rape_prosecutions", "first_date"] == s.loc["rape_prosecutions", "last_date"] == ""  # no invented date
    assert "Westminster Hall" in s.loc["county_lines", "venues"]
    assert {"2017", "2018", "2019"} <= set(s.columns)
    assert (
        s.loc["county_lines", ["2017", "2018", "2019"]].sum()
        + s.loc["county_lines", "undated"]
        + s.loc["county_lines"].get("2024", 0)
        + s.loc["county_lines"].get("2025", 0)
        == s.loc["county_lines", "passages"]
    )


def test_summary_filters(corpus):
    from datetime import date

    st = FilterState(venues=("Westminster Hall",), date_from=date(2018, 1, 1), date_to=date(2018, 12, 31))
    s = theme_summary(corpus, st).set_index("id")
    assert s.loc["county_lines", "venues"].startswith("Westminster Hall")
    assert s.loc["rape_prosecutions", "passages"] == 0
    # month-precision passages fall in their month; undated can be excluded
    oct19 = apply_filters(
        corpus.passages, FilterState(date_from=date(2019, 10, 1), date_to=date(2019, 10, 31), include_undated=False)
    )
    assert set(oct19.document) == {MONTHLY}
    assert len(apply_filters(corpus.passages, FilterState(documents=(PRESS,), include_undated=False))) == 33


def test_evidence_breakdown_is_traceable_to_passages(corpus):
    """Every row of a theme's evidence breakdown counts exactly the canonical passages it lists, and together
    the rows cover every passage of the theme (filters applied); section reasons are grouped by cue, not by
    section."""
    from core.summary import apply_filters, evidence_breakdown, evidence_passages

    for theme in ("county_lines", "looked_after_children"):
        df = apply_filters(corpus.passages, FilterState(themes=(theme,)))
        ev = evidence_breakdown(corpus.tags, df["passage_id"], theme)
        ids = set(df["passage_id"])
        covered = set()
        for row in ev.itertuples():
            mine = evidence_passages(corpus.tags, theme, row.evidence) & ids
            assert len(mine) == row.passages and row.occurrences >= row.passages
            covered |= mine
        assert covered == ids
        assert not ev["evidence"].str.contains(r"passages in section match|section title '").any()
    assert evidence_breakdown(corpus.tags, [], "county_lines").empty


def test_cli_summary_filters(tmp_path):
    out = tmp_path / "s.csv"
    r = run_cli(
        "summary",
        "--theme",
        "county_lines",
        "--venue",
        "Westminster Hall",
        "--from",
        "2018-01-01",
        "--to",
        "2018-12-31",
        "--csv",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("128 theme mentions · County lines · Westminster Hall")
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("county_lines,County lines,128,")


def test_cli_summary_unknown_names_are_errors_with_a_suggestion():
    r = run_cli("summary", "--theme", "countylines")
    assert r.returncode == 2 and "unknown theme 'countylines'; did you mean county_lines?" in r.stderr
    r = run_cli("summary", "--venue", "Westminser Hall")
    assert r.returncode == 2 and "unknown venue 'Westminser Hall'; did you mean Westminster Hall?" in r.stderr
    r = run_cli("summary", "--speaker", "Nobody Atall")
    assert r.returncode == 2 and "unknown speaker 'Nobody Atall'" in r.stderr


def test_cli_summary_venue_any_case_dates_exclude_undated_and_fits_100_columns():
    r = run_cli("summary", "--venue", "press release", "--theme", "looked_after_children")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("21 theme mentions · Looked-after children · Press release")
    r = run_cli("summary", "--from", "2018-01-01", "--to", "2018-12-31")
    lines = r.stdout.splitlines()
    assert lines[0].endswith("2018-01-01 to 2018-12-31 (dated only)")
    assert lines[1] == "+22 undated passages, not placed in this range (--include-undated to count them)"
    assert max(len(line) for line in lines) <= 100
    assert (
        run_cli("summary", "--from", "2018-01-01", "--include-undated")
        .stdout.splitlines()[0]
        .endswith("2018-01-01 to … (undated included)")
    )


def test_theme_timeline_counts_each_passage_in_the_period_of_its_date(passages):
    """Per theme and period: the passages dated within it at day or month precision (and, for years, year
    precision too), counted one by one from their dates; the rest of the theme's passages are undated there."""
    from core.summary import prepare, theme_timeline

    ids = sorted({t for s in passages.themes for t in s.split(";") if t})
    df = prepare(passages, ids)
    for freq, fine in (("month", ("day", "month")), ("quarter", ("day", "month")), ("year", ("day", "month", "year"))):
        counts, undated = theme_timeline(df, ids, freq)
        expected, left = {}, {}
        for row in passages.itertuples():
            for t in (t for t in row.themes.split(";") if t):
                if row.date_precision in fine:
                    y, m = int(row.date[:4]), int(row.date[5:7]) if len(row.date) >= 7 else 1
                    start = {"month": (y, m), "quarter": (y, 3 * ((m - 1) // 3) + 1), "year": (y, 1)}[freq]
                    key = (pd.Timestamp(*start, 1), t)
                    expected[key] = expected.get(key, 0) + 1
                else:
                    left[t] = left.get(t, 0) + 1
        got = {(r.bin, r.theme): r.passages for r in counts.itertuples()}
        assert got == expected and {t: n for t, n in undated.items() if n} == left, freq
        assert len(got) > 10


def test_cli_summary_piped_into_a_reader_that_stops_writes_its_csv_and_no_traceback(tmp_path):
    """`campaign-tracker summary --csv F | head -1`: the reader closes the pipe early; the CSV is written anyway and
    the command stops without a traceback (a real process and pipe: the in-process runner has no pipe to break)."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = tmp_path / "summary.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "summary", "--csv", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode == 1
    assert out.read_text(encoding="utf-8").startswith("id,label,passages")
