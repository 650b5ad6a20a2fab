"""ParlaMint TEI and Hansard API JSON through the registered readers, counted against the files themselves."""

from __future__ import annotations

import json
import shutil

import pytest
from lxml import etree

from core.sources import parse_file
from tests.conftest import FIXTURES

PM = FIXTURES / "corpora" / "parlamint-gb"
API = FIXTURES / "corpora" / "hansard-api-json"
TEI = "{http://www.tei-c.org/ns/1.0}"
SITTINGS = [
    PM / "2017" / "ParlaMint-GB_2017-09-07-commons.xml",
    PM / "2020" / "ParlaMint-GB_2020-02-12-lords.xml",
    PM / "2022" / "ParlaMint-GB_2022-07-21-commons.xml",
    PM / "legacy-v2.1" / "ParlaMint-GB_2017-01-24-lords.xml",
]


@pytest.mark.parametrize("path", SITTINGS, ids=lambda p: p.name)
def test_parlamint_one_passage_per_seg(path):
    root = etree.parse(str(path)).getroot()
    segs = [s for s in root.iter(f"{TEI}seg") if " ".join("".join(s.itertext()).split())]
    doc = parse_file(path)
    assert doc.layout == "parlamint"
    assert len(doc.passages) == len(segs)
    house = "Lords" if "lords" in path.name else "Commons"
    date = path.name.split("_")[1][:10]
    for p in doc.passages:
        assert p.house == house and p.venue == f"{house} Chamber"
        assert p.date == date and p.date_precision == "day"
        assert p.speaker_id and p.source_id
    tsv = path.with_name(path.stem + "-meta.tsv")
    if tsv.exists():  # no listPerson beside these sittings: named from ParlaMint's own meta.tsv beside each
        rows = [line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines()]
        col = {name: i for i, name in enumerate(rows[0])}
        named = {r[col["Speaker_ID"]]: (r[col["Speaker_name"]], r[col["Speaker_party_name"]]) for r in rows[1:]}
        for p in doc.passages:
            surname, forenames = named[p.speaker_id][0].split(", ")
            assert (p.speaker, p.party) == (f"{forenames} {surname}", named[p.speaker_id][1])
            assert "speaker_id_unresolved" not in p.quality_flags and p.speaker_basis == "source markup"
        assert doc.flags == [f"{len(set(named))} speaker(s) named from {tsv.name} (no listPerson names them)"]
    else:  # nothing names them: ids are shown as names and flagged, never guessed
        assert all(p.speaker == p.speaker_id and "speaker_id_unresolved" in p.quality_flags for p in doc.passages)


def test_parlamint_listperson_in_the_parent_folder_comes_before_the_meta_tsv(tmp_path):
    """The corpus keeps its listPerson beside the year folders: a person it lists is named from it (their party on
    the sitting's date), the others from the sitting's meta.tsv. AlanMak (in the real listPerson excerpt, a
    Conservative MP then) stands in for the first speaker of the real 2017 sitting."""
    (tmp_path / "2017").mkdir()
    shutil.copy(PM / "excerpts" / "ParlaMint-GB-listPerson.EXCERPT.xml", tmp_path / "ParlaMint-GB-listPerson.xml")
    src = PM / "2017" / "ParlaMint-GB_2017-09-07-commons.xml"
    sitting = tmp_path / "2017" / src.name
    sitting.write_bytes(src.read_bytes().replace(b'who="#StephenKinnock"', b'who="#AlanMak"'))
    shutil.copy(src.with_name(src.stem + "-meta.tsv"), sitting.with_name(src.stem + "-meta.tsv"))
    doc = parse_file(sitting)
    people = {(p.speaker_id, p.speaker, p.party) for p in doc.passages}
    assert ("AlanMak", "Alan Mak", "CON") in people and ("DavidDavis", "David Michael Davis", "Conservative") in people
    assert not any(p.quality_flags for p in doc.passages)
    assert doc.flags == [f"3 speaker(s) named from {src.stem}-meta.tsv (no listPerson names them)"]


def test_parlamint_truncated_xml_names_the_line(tmp_path):
    data = SITTINGS[0].read_bytes()
    bad = tmp_path / "ParlaMint-GB_2017-09-07-commons.xml"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="line"):
        parse_file(bad)


def test_hansard_api_debate_items_become_passages():
    path = API / "debate_with_speeches.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    doc = parse_file(path)
    assert doc.layout == "hansard_api"
    members = {str(i["MemberId"]) for i in data["Items"] if i.get("MemberId")}
    got = {p.speaker_id for p in doc.passages if p.speaker_id}
    assert got == members
    assert all(p.date == data["Overview"]["Date"][:10] and p.venue == "Commons Chamber" for p in doc.passages)
    assert all(p.section_title == data["Overview"]["Title"] for p in doc.passages)
    assert all("<" not in p.text for p in doc.passages)


def test_hansard_api_search_results_list_debates():
    from core.sources.hansard_api import debates_in_search

    path = API / "search_debates_day.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(debates_in_search(data)) == len(data["Results"]) > 0
    with pytest.raises(ValueError, match="search"):
        parse_file(path)


def test_parlamint_a_minister_marked_in_the_meta_tsv_gets_a_government_office(tmp_path):
    """ParlaMint's meta.tsv marks each utterance's speaker Speaker_minister = minister / notMinister. Baroness
    Barran answered for the Government in the real 2020 Lords sitting (utterance u174; the shipped file marks
    nobody): marked, her passages there carry the office the ask ledger reads; no one else's do."""
    from core.asks import is_government_role

    src = PM / "2020" / "ParlaMint-GB_2020-02-12-lords.xml"
    sitting = tmp_path / src.name
    shutil.copy(src, sitting)
    rows = src.with_name(src.stem + "-meta.tsv").read_text(encoding="utf-8").splitlines()
    col = rows[0].split("\t").index("Speaker_minister")
    marked = []
    for line in rows:
        cells = line.split("\t")
        if cells[1].endswith(".u174"):
            cells[col] = "minister"
        marked.append("\t".join(cells))
    sitting.with_name(src.stem + "-meta.tsv").write_text("\n".join(marked) + "\n", encoding="utf-8")
    doc = parse_file(sitting)
    office = {p.source_id: p.speaker_detail for p in doc.passages}
    assert office["ParlaMint-GB_2020-02-12-lords.u174"] == "Minister"
    assert is_government_role(office["ParlaMint-GB_2020-02-12-lords.u174"])
    assert not any(is_government_role(d) for u, d in office.items() if not u.endswith(".u174"))
    assert not any(is_government_role(p.speaker_detail) for p in parse_file(src).passages)  # as shipped


def test_parlamint_listperson_minister_affiliation_on_the_sitting_date(tmp_path):
    """A listPerson ``affiliation role="minister"`` names the office (its English roleName) on the dates it covers:
    the real excerpt's Alan Mak given a post from 2017-06-13 speaks as that minister in the 2017-09-07 sitting;
    a post that ended before the sitting gives nothing."""
    from core.asks import is_government_role

    people = (PM / "excerpts" / "ParlaMint-GB-listPerson.EXCERPT.xml").read_text(encoding="utf-8")
    anchor = '<affiliation from="2017-06-08" ref="#parliament.HC" role="member" to="2019-11-06"/>'
    assert anchor in people
    src = PM / "2017" / "ParlaMint-GB_2017-09-07-commons.xml"
    for post, expected in (
        ('from="2017-06-13"', "Parliamentary Under-Secretary of State for Exiting the EU"),
        ('from="2016-07-17" to="2017-06-12"', ""),
    ):
        folder = tmp_path / post.split('"')[1]
        (folder / "2017").mkdir(parents=True)
        aff = (
            f'<affiliation {post} ref="#GOV.GB" role="minister"><roleName xml:lang="en">Parliamentary '
            f"Under-Secretary of State for Exiting the EU</roleName></affiliation>"
        )
        (folder / "ParlaMint-GB-listPerson.xml").write_text(people.replace(anchor, anchor + aff), encoding="utf-8")
        sitting = folder / "2017" / src.name
        sitting.write_bytes(src.read_bytes().replace(b'who="#StephenKinnock"', b'who="#AlanMak"'))
        details = {p.speaker_detail for p in parse_file(sitting).passages if p.speaker_id == "AlanMak"}
        assert details == {expected}
        assert is_government_role(expected) == bool(expected)
