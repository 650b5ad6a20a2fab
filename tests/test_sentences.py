"""Sentence splitting on long single-line text (an upload with no line breaks) and on runs of marks."""

from core.sentences import split_spans


def test_a_200_kb_line_splits_into_its_sentences():
    one = "Mr. Smith asked the Minister about county lines in Kent, and she replied at length. "
    text = one * (200_000 // len(one))
    spans = split_spans(text)
    assert len(spans) == 200_000 // len(one)  # "Mr." does not end a sentence
    assert all(text[a:b].strip() == one.strip() for a, b in spans)


def test_a_long_run_of_marks_is_one_boundary():
    text = "Will the Minister act" + "!" * 50_000 + " She will."
    spans = split_spans(text)
    assert [text[a:b].strip()[-1] for a, b in spans] == ["!", "."] and len(spans) == 2
