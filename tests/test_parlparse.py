"""The ParlParse / TheyWorkForYou XML reader on the real 2009 files (tests/fixtures/corpora/parlparse-twfy)."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from core.sources import parse_bytes, parse_file, reader_for
from core.sources.base import SNIFF_BYTES
from core.sources.parlparse import SOURCE, latest_versions
from tests.conftest import FIXTURES

CORPUS = FIXTURES / "corpora" / "parlparse-twfy"
FILES = sorted(CORPUS.glob("*/*.xml"))

VENUE = {
    "debates": ("Commons Chamber", "Commons"),
    "westminhall": ("Westminster Hall", "Commons"),
    "lordspages": ("Lords Chamber", "Lords"),
    "wrans": ("Written answers", "Commons"),
    "wms": ("Written statements", "Commons"),
    "standing": ("Public Bill Committee", "Commons"),
}
DATES = {
    "debates2009-10-26b": "2009-10-26",
    "debates2009-10-28c": "2009-10-28",
    "daylord2009-10-27a": "2009-10-27",
    "daylord2009-10-28a": "2009-10-28",
    "standing2009-10-20_CHILDPOV_06-0_2009-10-27a": "2009-10-27",
    "standing2009-10-20_CHILDPOV_07-0_2009-10-29a": "2009-10-29",
    "standing2009-10-20_CHILDPOV_08-0_2009-10-29a": "2009-10-29",
    "standing2009-10-20_CHILDPOV_10-0_2009-11-03a": "2009-11-03",
    "westminster2009-10-27a": "2009-10-27",
    "westminster2009-10-28a": "2009-10-28",
    "westminster2009-10-29a": "2009-10-29",
    "ministerial2009-10-29a": "2009-10-29",
    "answers2009-10-27c": "2009-10-27",
}

#: ParlParse committee files write Windows-1252 codes as character references (&#151; for an em dash)
CP1252 = {}
for _c in range(0x80, 0xA0):
    try:
        CP1252[_c] = bytes([_c]).decode("cp1252")
    except UnicodeDecodeError:
        pass


def _expected(path: Path) -> list[dict]:
    """Independently of the reader: every non-empty paragraph (element child) of speech/ques/reply, in order,
    with its element's attributes (the stdlib parser, which reads the files' internal DTD entities)."""
    root = ET.parse(path).getroot()
    out = []
    for el in root:
        if el.tag not in ("speech", "ques", "reply"):
            continue
        for n, block in enumerate(el, 1):
            text = " ".join("".join(block.itertext()).split()).translate(CP1252)
            if text:
                out.append(
                    {
                        "tag": el.tag,
                        "gid": el.get("id"),
                        "n": n,
                        "name": el.get("speakername") or "",
                        "sid": el.get("speakerid") or "",
                        "block": block.tag,
                        "text": text,
                    }
                )
    return out


def test_thirteen_files_in_six_series():
    assert len(FILES) == 13
    assert {f.parent.name for f in FILES} == set(VENUE)
    assert {f.stem for f in FILES} == set(DATES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_paragraph_is_a_passage(path):
    doc = parse_file(path)  # through the registry
    assert doc.layout == "parlparse" and doc.document == path.stem
    expected = _expected(path)
    assert len(expected) > 50
    assert len(doc.passages) == len(expected)
    venue, house = VENUE[path.parent.name]
    day = DATES[path.stem]
    assert doc.title.startswith(venue + ",") or doc.title.startswith(venue + " (")
    for p, e in zip(doc.passages, expected):
        assert p.passage_id == f"{e['gid']}/p{e['n']}"
        assert p.source_id == e["gid"]
        if e["block"] == "p":
            # text: same words (the reader adds a space at <br/>)
            assert p.text.replace(" ", "") == e["text"].replace(" ", "")
        else:
            assert e["block"] == "table"
            assert re.sub(r"[|;\s]", "", p.text) == re.sub(r"[|;\s]", "", e["text"])
        assert p.venue == venue and p.house == house
        assert p.date == day and p.date_precision == "day"
        assert p.section_title, p.passage_id
        assert p.section_path.endswith(p.section_title)
        assert p.speaker == e["name"]
        if e["name"]:
            assert p.speaker_basis == "source markup"
        else:
            assert p.speaker_basis == "" and p.speaker_id == "" and p.speaker_detail == ""
        if e["sid"] and e["sid"] != "unknown":
            assert p.speaker_id == e["sid"] and re.fullmatch(r"uk\.org\.publicwhip/(member|lord)/\d+", p.speaker_id)
        else:
            assert p.speaker_id == ""
        assert p.kind == {"ques": "question", "reply": "answer"}.get(
            e["tag"], "statement" if path.parent.name == "wms" else "speech"
        )
        assert p.line > 60  # after the DTD
    # no passage lost its words to an entity: counting characters of all text
    paragraphs = [(p, e) for p, e in zip(doc.passages, expected) if e["block"] == "p"]
    assert sum(len(p.text.replace(" ", "")) for p, _ in paragraphs) == sum(
        len(e["text"].replace(" ", "")) for _, e in paragraphs
    )


def test_text_entities_and_windows_references():
    doc = parse_file(CORPUS / "lordspages" / "daylord2009-10-27a.xml")
    assert any("£7.9 billion" in p.text for p in doc.passages)
    doc = parse_file(CORPUS / "standing" / "standing2009-10-20_CHILDPOV_06-0_2009-10-27a.xml")
    text = " ".join(p.text for p in doc.passages)
    assert "\x97" not in text and "\x92" not in text
    assert "insert—" in text and "people’s front rooms" in text and "“anoraky”" in text


def test_sections_and_urls():
    doc = parse_file(CORPUS / "debates" / "debates2009-10-26b.xml")
    first = doc.passages[0]
    assert first.passage_id == "uk.org.publicwhip/debate/2009-10-26b.1.2/p1"
    assert first.section_title == "Committee of Selection"
    assert first.section_path == "BUSINESS BEFORE QUESTIONS > Committee of Selection"
    assert first.url == "https://www.theyworkforyou.com/debates/?id=2009-10-26b.1.2"
    assert doc.title == "Commons Chamber, 26 October 2009"
    idx = [p.section_index for p in doc.passages]
    assert idx == sorted(idx) and idx[-1] > 40
    whall = parse_file(CORPUS / "westminhall" / "westminster2009-10-27a.xml")
    assert whall.passages[0].section_title == "Biofuels"  # "[David Taylor in the Chair] — " dropped
    assert whall.passages[0].url.startswith("https://www.theyworkforyou.com/whall/?id=2009-10-27a.")
    lords = parse_file(CORPUS / "lordspages" / "daylord2009-10-27a.xml")
    assert all(p.url.startswith("https://www.theyworkforyou.com/lords/?id=2009-10-27a.") for p in lords.passages)
    wms = parse_file(CORPUS / "wms" / "ministerial2009-10-29a.xml")
    p = wms.passages[0]
    assert p.section_path == "TREASURY > Corporate Taxation" and p.kind == "statement"
    assert p.speaker_detail == "The Financial Secretary to the Treasury"
    assert p.url == "https://www.theyworkforyou.com/wms/?id=2009-10-29a.21WS.1"


def test_committee_members_detail():
    doc = parse_file(CORPUS / "standing" / "standing2009-10-20_CHILDPOV_06-0_2009-10-27a.xml")
    assert doc.title == "Public Bill Committee (Child Poverty Bill), 27 October 2009"
    webb = [p for p in doc.passages if p.speaker == "Steve Webb"]
    assert webb and all(p.constituency == "Northavon" and p.party == "LD" for p in webb)
    goodman = [p for p in doc.passages if p.speaker == "Helen Goodman"]
    # from speakeroffice where given, else from the committee's member list; never both repeated
    assert {p.speaker_detail.removeprefix("The ") for p in goodman} == {
        "Parliamentary Under-Secretary of State for Work and Pensions"
    }
    assert all(p.url.startswith("http://www.publications.parliament.uk/") for p in doc.passages)


def test_written_answers_link_to_their_questions():
    doc = parse_file(CORPUS / "wrans" / "answers2009-10-27c.xml")
    by_id = {p.passage_id: p for p in doc.passages}
    questions = [p for p in doc.passages if p.kind == "question"]
    answers = [p for p in doc.passages if p.kind == "answer"]
    assert len(questions) == 344 and len(answers) > 800
    assert doc.structural_asks == [p.passage_id for p in questions]
    sources = {p.source_id for p in questions}
    first = next(p for p in answers if p.source_id == "uk.org.publicwhip/wrans/2009-10-27c.295019.r0")
    assert first.responds_to == "uk.org.publicwhip/wrans/2009-10-27c.295019.q0"
    assert by_id[doc.structural_asks[0]].source_id == first.responds_to
    assert "Child Poverty Bill" == first.section_title
    for a in answers:
        assert a.responds_to, a.passage_id
        for q in a.responds_to.split(";"):
            assert q in sources
            # the question sits under the same heading, answered by this reply's number
            assert q.rsplit(".", 1)[0] == a.source_id.rsplit(".", 1)[0]
    assert sum(1 for a in answers if ";" in a.responds_to) >= 1  # two questions, one answer
    assert any(p.text.startswith("holding answer") for p in answers)
    # tables inside replies are one passage each, cells joined with ' | '
    assert any("2002-03 | 1" in p.text for p in answers)


def test_sniff():
    head = (CORPUS / "wms" / "ministerial2009-10-29a.xml").read_bytes()[:SNIFF_BYTES]
    assert SOURCE.sniff(head, "x.xml")
    assert ".xml" in SOURCE.suffixes
    assert not SOURCE.sniff(b'<?xml version="1.0"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/>', "x.xml")
    with pytest.raises(ValueError, match="unknown XML dialect"):
        reader_for(b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "feed.xml")


def test_malformed_and_truncated_xml_name_the_line():
    data = (CORPUS / "wms" / "ministerial2009-10-29a.xml").read_bytes()
    cut = data[: len(data) // 2]
    line = cut.count(b"\n") + 1
    with pytest.raises(ValueError, match=r"malformed XML at line \d+") as exc:
        parse_bytes(cut, "wms/ministerial2009-10-29a.xml")
    assert abs(int(re.search(r"line (\d+)", str(exc.value)).group(1)) - line) <= 1
    bad = data.replace(b"</speech>", b"</speach>", 1)
    bad_line = bad[: bad.index(b"</speach>")].count(b"\n") + 1
    with pytest.raises(ValueError, match=rf"malformed XML at line {bad_line}\b"):
        parse_bytes(bad, "wms/ministerial2009-10-29a.xml")


def test_html_entities_without_the_dtd():
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<publicwhip>\n'
        '<major-heading id="uk.org.publicwhip/debate/2010-01-05a.1.0">Money</major-heading>\n'
        '<speech id="uk.org.publicwhip/debate/2010-01-05a.1.1" speakername="A B" '
        'person_id="uk.org.publicwhip/person/10001">\n'
        "<p>It cost &pound;5&nbsp;million &mdash; caf\xe9 &amp; more.</p>\n<p> </p>\n</speech>\n</publicwhip>\n"
    ).encode("latin-1")
    doc = parse_bytes(xml, "debates2010-01-05a.xml")
    assert [p.text for p in doc.passages] == ["It cost £5 million — café & more."]
    p = doc.passages[0]
    assert p.speaker_id == "uk.org.publicwhip/person/10001" and p.line == 5
    assert p.passage_id == "uk.org.publicwhip/debate/2010-01-05a.1.1/p1"
    with pytest.raises(ValueError, match=r"malformed XML at line 5"):
        parse_bytes(xml.replace(b"&pound;", b"&nosuchthing;"), "debates2010-01-05a.xml")


def test_latest_versions(tmp_path):
    src = CORPUS / "debates" / "debates2009-10-26b.xml"
    folder = tmp_path / "debates"
    folder.mkdir()
    names = ["debates2009-10-26a.xml", "debates2009-10-26b.xml", "debates2009-10-28c.xml", "README.xml"]
    for n in names:
        shutil.copy(src, folder / n)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(src, other / "debates2009-10-26a.xml")
    paths = sorted(folder.iterdir()) + [other / "debates2009-10-26a.xml"]
    kept, superseded = latest_versions(paths)
    assert superseded == [folder / "debates2009-10-26a.xml"]
    assert kept == [
        folder / "README.xml",
        folder / "debates2009-10-26b.xml",
        folder / "debates2009-10-28c.xml",
        other / "debates2009-10-26a.xml",
    ]
    k2, s2 = latest_versions([str(p) for p in paths])
    assert s2 == [str(folder / "debates2009-10-26a.xml")] and len(k2) == 4
    z = latest_versions(["x/answers2009-10-27z.xml", "x/answers2009-10-27aa.xml"])
    assert z == (["x/answers2009-10-27aa.xml"], ["x/answers2009-10-27z.xml"])


def test_whitespace_squeezed_as_split_and_join():
    """The reader's fast whitespace squeeze gives what " ".join(text.split()) gives, for every whitespace character
    that XML text can hold (XML 1.0 has no other control characters: the parser refuses them, as below)."""
    import random

    from core.sources.parlparse import _squeeze

    pieces = [
        "word",
        "é",
        "—",
        "x.y",
        " ",
        "  ",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "\xa0",
        "\x85",
        "\u2009",
        "\u200a",
        "\u202f",
        "\u3000",
        "\u2028",
        "\u1680",
        "\xad",
        "£5",
    ]
    rnd = random.Random(14)
    texts = ["", " ", "a", " a", "a ", "a  b", "a\xa0b"] + [
        "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12))) for _ in range(5000)
    ]
    for text in texts:
        assert _squeeze(text) == " ".join(text.split()), repr(text)
    for ref in ("&#11;", "&#12;", "&#28;", "&#31;"):
        xml = f'<publicwhip><speech id="uk.org.publicwhip/debate/2010-01-05a.1.1"><p>a{ref}b</p></speech></publicwhip>'
        with pytest.raises(ValueError, match="malformed XML at line 1"):
            parse_bytes(xml.encode(), "debates2010-01-05a.xml")


def test_line_breaks_and_spacing_in_paragraphs_headings_and_tables():
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<publicwhip>\n'
        '<major-heading id="uk.org.publicwhip/wrans/2010-01-05a.1.0">Care<br/>Leavers</major-heading>\n'
        '<minor-heading id="uk.org.publicwhip/wrans/2010-01-05a.1.1"> Children\n  in Care </minor-heading>\n'
        '<ques id="uk.org.publicwhip/wrans/2010-01-05a.1.2" speakername=" A \n B " speakerid="unknown">\n'
        "<p>  one<br/>two<br />three   four\t </p>\n<p>&#160;</p>\n<p>\xa0five\xa0 six<i>seven</i>eight<br/></p>\n"
        '</ques>\n<reply id="uk.org.publicwhip/wrans/2010-01-05a.1.3" speakername="C D" '
        'speakerid="uk.org.publicwhip/member/1">\n'
        "<table><tr><th>Year</th><td> </td><th>Number<br/>(1)</th></tr><tr><td/></tr>"
        "<tr><td>2009</td><td>1<b>2</b></td><td>x<br/>y</td></tr></table>\n</reply>\n</publicwhip>\n"
    ).encode("latin-1")
    doc = parse_bytes(xml, "answers2010-01-05a.xml")
    assert [(p.passage_id.rsplit(".", 1)[-1], p.text) for p in doc.passages] == [
        ("2/p1", "one two three four"),
        ("2/p3", "five sixseveneight"),
        ("3/p1", "Year | Number (1); 2009 | 12 | x y"),
    ]
    q, _, r = doc.passages
    assert q.section_path == "Care Leavers > Children in Care" and q.section_title == "Children in Care"
    assert q.speaker == "A B" and q.speaker_id == "" and q.quality_flags == "speaker_id_unresolved"
    assert r.speaker_id == "uk.org.publicwhip/member/1" and r.responds_to == q.source_id and r.line == 13
    assert doc.structural_asks == [q.passage_id, doc.passages[1].passage_id]
