"""Theme tagging scored against the labelled dev set (core.evaluate and `campaign-tracker evaluate`)."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli


def test_evaluate_command_meets_target():
    r = run_cli("evaluate")
    assert r.returncode == 0, r.stderr
    micro = next(line for line in r.stdout.splitlines() if line.strip().startswith("micro")).split()
    precision, recall, f1 = map(float, micro[-3:])
    assert precision >= 0.92 and f1 >= 0.92


def test_evaluate_errors_list_each_miss_and_wrong_tag_with_its_evidence(corpus):
    """The error report agrees with the scores, row for row: every false negative is a 'yes' paragraph without
    the theme, every false positive a 'no' paragraph with it and with the evidence that tagged it (text that is
    in the passage); the CLI prints it with --errors."""
    from core.evaluate import align, errors, load_dev, theme_scores, SCORED_THEMES
    from tests.conftest import FIXTURES

    aligned = align(corpus, load_dev(FIXTURES / "dev.jsonl"))
    scores = theme_scores(aligned).set_index("theme")
    text_of = dict(zip(corpus.passages["passage_id"], corpus.passages["text"]))
    for theme in SCORED_THEMES:
        errs = errors(aligned, theme, corpus.tags)
        assert sum(e["kind"] == "FN" for e in errs) == scores.loc[theme, "fn"]
        assert sum(e["kind"] == "FP" for e in errs) == scores.loc[theme, "fp"]
        for e in errs:
            row = next(a for a in aligned if a.row["id"] == e["id"])
            assert row.row["themes"][theme] == ("yes" if e["kind"] == "FN" else "no")
            if e["kind"] == "FP":
                assert e["evidence"] and all(
                    ev.split("'")[1] in " ".join(text_of[e["passage_id"]].split()) for ev in e["evidence"]
                )
    r = run_cli("evaluate", "--errors")
    assert r.returncode == 0, r.stderr
    for theme in SCORED_THEMES:
        fn, fp = scores.loc[theme, "fn"], scores.loc[theme, "fp"]
        assert f"{theme}: {fn} missed (FN), {fp} wrongly tagged (FP)" in r.stdout
    assert r.stdout.count("because of '") >= scores.loc["micro", "fp"]


@pytest.mark.parametrize(
    "content,problem",
    [
        (b"", "no labelled paragraphs"),
        (b'{"bad json\n', "line 1 is not valid JSON"),
        (b'{"text": "county lines", "themes": {}}\n', "line 1 lacks source, line"),
        (b"[1, 2]\n", "line 1 is not a JSON object"),
        (b"\xff\xfe\n", "not UTF-8 text"),
    ],
)
def test_evaluate_refuses_a_bad_dev_file_with_a_message(tmp_path, content, problem):
    dev = tmp_path / "dev.jsonl"
    dev.write_bytes(content)
    r = run_cli("evaluate", "--dev", str(dev))
    assert r.returncode == 2 and f"dev.jsonl: {problem}" in r.stderr and "Traceback" not in r.stderr


def test_evaluate_with_nothing_to_score_says_n_a(tmp_path):
    dev = tmp_path / "dev.jsonl"
    dev.write_text(
        '{"source": "000_ab47939fa5a6ec24.txt", "line": 1, "text": "t", "themes": {"county_lines": "unsure"}}\n',
        encoding="utf-8",
    )
    r = run_cli("evaluate", "--dev", str(dev))
    assert r.returncode == 0, r.stderr
    micro = next(line for line in r.stdout.splitlines() if line.strip().startswith("micro")).split()
    assert micro[-3:] == ["n/a", "n/a", "n/a"]
