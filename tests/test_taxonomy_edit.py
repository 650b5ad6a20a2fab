"""Editing a theme from a form: the workspace's taxonomy file rewritten with one theme added or replaced, checked
as it will be used; downloads that extend the default; the Taxonomy page under AppTest."""

from __future__ import annotations

import html
import tomllib

import pytest

from core.taxonomy import TaxonomyError, default_taxonomy, parse_taxonomy
from core.taxonomy_edit import default_for_download, taxonomy_toml, theme_data, with_theme

YOUTH = {
    "id": "youth_services",
    "label": "Youth services",
    "phrases": ["youth clubs", "youth workers"],
    "context": [{"phrases": ["detached work"], "near": ["young people"], "window": 8}],
}


def test_a_new_theme_extends_the_default_and_keeps_what_the_file_had():
    saved = (
        'mode = "extend"\n\n[[ask]]\nid = "national_strategy"\nlabel = "A national strategy"\n'
        'phrases = ["publish a national strategy on county lines"]\n'
    )
    tax = parse_taxonomy(with_theme(saved, YOUTH), base=default_taxonomy())
    assert tax.theme("youth_services").context[0].window == 8
    assert "county_lines" in tax.ids and [a.id for a in tax.asks][-1] == "national_strategy"


def test_editing_a_default_theme_replaces_it_by_id_in_place():
    theme = theme_data(default_taxonomy().theme("county_lines"))
    theme["phrases"] = theme["phrases"] + ["line holder"]
    first = with_theme(None, YOUTH)
    text = with_theme(first, theme)
    assert [t["id"] for t in tomllib.loads(text)["theme"]] == ["youth_services", "county_lines"]
    again = with_theme(text, dict(YOUTH, label="Youth work"))
    assert [t["label"] for t in tomllib.loads(again)["theme"]] == ["Youth work", "County lines"]
    assert "line holder" in parse_taxonomy(again, base=default_taxonomy()).theme("county_lines").phrases


@pytest.mark.parametrize(
    "theme, message",
    [
        (dict(YOUTH, phrases=["of the"]), "only of common words"),
        (dict(YOUTH, id="Youth Services"), "youth services"),
        (dict(YOUTH, context=[{"phrases": ["detached work"], "near": ["young people"], "window": 500}]), "window"),
    ],
)
def test_a_bad_theme_is_refused_with_the_reason(theme, message):
    with pytest.raises(TaxonomyError, match=f"(?i){message}"):
        with_theme(None, theme)


def test_strings_with_quotes_backslashes_and_unicode_survive():
    theme = dict(YOUTH, label='Say "hi" \\ to the café', description="line one\nline two")
    back = tomllib.loads(taxonomy_toml({"mode": "extend", "theme": [theme]}))["theme"][0]
    assert back["label"] == theme["label"] and back["description"] == theme["description"]


def test_the_default_downloads_as_an_extension_unless_replace_is_chosen():
    mine = '[[theme]]\nid = "youth_services"\nlabel = "Y"\nphrases = ["youth clubs"]\n'
    trimmed = default_for_download().split("\n[[theme]]\n")[0] + "\n" + mine  # every default theme cut out of the copy
    tax = parse_taxonomy(trimmed, base=default_taxonomy())
    assert "county_lines" in tax.ids and "youth_services" in tax.ids  # ... and none dropped
    replaced = default_for_download("replace").split("\n[[theme]]\n")[0] + "\n" + mine
    assert parse_taxonomy(replaced, base=default_taxonomy()).ids == ["youth_services"]


def test_taxonomy_page_adds_a_theme_after_showing_what_it_would_tag(isolated_workspace):
    from tests.test_dashboard import run_view

    path = isolated_workspace / "taxonomy.toml"
    try:
        at = run_view("taxonomy")
        at.text_input(key="tx_(a new theme)_id").input("cuckoo")
        at.text_input(key="tx_(a new theme)_label").input("Cuckooing")
        at.text_area(key="tx_(a new theme)_phrases").input("cuckooing\ncuckooed").run()
        info = html.unescape(" ".join(i.value for i in at.info))
        assert "Cuckooing would tag" in info and "(now 0 passages)" in info
        assert not path.exists()  # nothing saved before it is applied
        at.button(key="tx_apply").click().run()
        assert not at.exception
        assert "Applied: Cuckooing (cuckoo)" in html.unescape(" ".join(s.value for s in at.success))
        assert parse_taxonomy(path.read_text(encoding="utf-8"), base=default_taxonomy()).theme("cuckoo").phrases == (
            "cuckooing",
            "cuckooed",
        )
        at.text_area(key="tx_(a new theme)_phrases").input("of the").run()
        assert "only of common words" in html.unescape(" ".join(e.value for e in at.error))
    finally:
        path.unlink(missing_ok=True)
