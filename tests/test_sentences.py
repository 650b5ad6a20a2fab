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


def test_the_boundary_regex_finds_what_its_plain_form_finds():
    """The boundary pattern begins with the mark and checks the character before it afterwards (so the regex
    engine can skip from mark to mark): the same matches as its plain form, look-behind first, on random text made
    of marks, quotes, brackets, spaces and letters, and on the labelled sets."""
    import random
    import re

    from core import sentences
    from core.evaluate_asks import load_all

    plain = re.compile(r"""(?<![.?!…])[.?!…]+["”’'\)\]]*(?=\s+["“‘'(\[]?[A-Z0-9£])""")
    rng = random.Random(7)
    alphabet = list(".?!… \n\t\"”’'()[]“‘aZ9£b")
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(30_000)]
    texts += [r["text"] for r in load_all()]
    spans = lambda rx, t: [m.span() for m in rx.finditer(t)]  # noqa: E731
    assert all(spans(sentences._BOUNDARY, t) == spans(plain, t) for t in texts)
    assert sum(len(spans(plain, t)) for t in texts) > 1_500  # boundaries, not only texts without one
