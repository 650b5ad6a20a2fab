"""Web pages saved as HTML: each site's date, venue, title, speakers (name, id, party, constituency), links, and what
is page furniture; the text copies still read as before."""

from __future__ import annotations

import pytest

from core.sources import parse_bytes, parse_text
from tests.conftest import FIXTURES, HANSARD, PP, SEEDS

PAGES = FIXTURES / "pages"


def read(name: str, data: bytes | None = None):
    return parse_bytes(data if data is not None else (PAGES / name).read_bytes(), name)


def who(doc):
    """(speaker, speaker_id, party, constituency) per passage."""
    return [(p.speaker, p.speaker_id, p.party, p.constituency) for p in doc.passages]


def test_hansard_site_page():
    doc = read("hansard_whall_2018-01-17.html")
    assert doc.layout == "hansard_html" and doc.title == "County Lines Exploitation: London"
    assert doc.url.startswith("https://hansard.parliament.uk/Commons/2018-01-17/debates/")
    assert {(p.date, p.date_precision, p.venue, p.house, p.section_title) for p in doc.passages} == {
        ("2018-01-17", "day", "Westminster Hall", "Commons", "County Lines Exploitation: London")
    }
    assert who(doc) == [("Joan Ryan", "165", "Lab", "Enfield North")] * 3 + [
        ("Ann Coffey", "390", "Lab", "Stockport"),
        ("Victoria Atkins", "4026", "", ""),
        ("", "", "", ""),
    ]
    minister = doc.passages[4]
    assert (
        minister.speaker_detail
        == "The Parliamentary Under-Secretary of State for the Home Department (Victoria Atkins)"
    )
    assert minister.url.endswith("#contribution-1F2E3D4C-5B6A-4798-8A9B-0C1D2E3F4A53")
    # "Question put and agreed to." has no member: explicit unknown
    assert (doc.passages[5].text, doc.passages[5].speaker_basis, doc.passages[5].kind) == (
        "Question put and agreed to.",
        "",
        "",
    )
    texts = " ".join(p.text for p in doc.passages)
    for furniture in (
        "Skip to main content",
        "Share this",
        "cookies",
        "in the Chair",
        "Download text",
        "Open Parliament",
    ):
        assert furniture not in texts


def test_hansard_html_and_its_text_copy_are_the_same_speeches():
    """The saved HTML and the seed's text copy of the same debate: its paragraphs are recognised as duplicates, and
    the text copy's unlabelled paragraphs get the HTML's speakers."""
    import shutil
    import tempfile
    from pathlib import Path

    from core.pipeline import build_corpus

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(PAGES / "hansard_whall_2018-01-17.html", Path(tmp) / "page.html")
        shutil.copy(SEEDS / f"{HANSARD}.txt", Path(tmp) / "copy.txt")
        c = build_corpus([tmp])
    p = c.passages
    text_copy = p[p.document == "copy"].set_index("text")
    html = p[p.document == "page"]
    # the five speeches of the HTML are in the text copy: one copy of each is canonical, the other marked
    assert (html.duplicate_of != "").sum() + (text_copy.duplicate_of != "").sum() == 5
    assert (html.duplicate_of == "").all()  # the attributed copy is the canonical one
    assert text_copy.loc[html.text.iloc[2], "speaker"] == "Joan Ryan"
    minister = text_copy.loc[html.text.iloc[4]]
    assert (minister.speaker, minister.duplicate_of) == ("Victoria Atkins", html.passage_id.iloc[4])


def test_theyworkforyou_page():
    doc = read("twfy_commons_2025-01-16.html")
    assert doc.layout == "twfy_html" and doc.title == "Child Sexual Exploitation and Abuse"
    assert {(p.date, p.venue, p.house) for p in doc.passages} == {("2025-01-16", "Commons Chamber", "Commons")}
    assert [p.speaker for p in doc.passages] == [
        "Yvette Cooper",
        "Yvette Cooper",
        "Judith Cummins",
        "Sarah Champion",
        "Yvette Cooper",
    ]
    champion = doc.passages[3]
    assert (champion.speaker_id, champion.party, champion.constituency) == (
        "uk.org.publicwhip/person/25812",
        "Labour",
        "Rotherham",
    )
    cooper = doc.passages[0]
    assert cooper.speaker_detail == "The Secretary of State for the Home Department" and cooper.party == ""
    # the ParlParse gid: the same speech read from TheyWorkForYou's XML has the same source id
    assert cooper.source_id == "uk.org.publicwhip/debate/2025-01-16b.1024.1"
    assert cooper.url == "https://www.theyworkforyou.com/debates/?id=2025-01-16b.1024.1"
    assert not any("Photo of" in p.text or "11:31" in p.text or "Citation" in p.text for p in doc.passages)


def test_theyworkforyou_photo_caption_names_the_speaker():
    data = (PAGES / "twfy_commons_2025-01-16.html").read_text(encoding="utf-8")
    data = data.replace('<strong class="debate-speech__speaker__name">Sarah Champion</strong>', "")
    doc = read("twfy.html", data.encode())
    assert doc.passages[3].speaker == "Sarah Champion"


def test_parallel_parliament_html_reads_as_its_text_copy():
    doc = read("parallel_parliament_coffey.html")
    assert doc.layout == "parallel_parliament_html"
    assert doc.title == "Ann Coffey debates involving the Home Office during the 2017-2019 Parliament"
    seed = {p.text: p for p in parse_bytes((SEEDS / f"{PP}.txt").read_bytes(), "pp.txt").passages}
    assert len(doc.passages) == 6
    for p in doc.passages:
        s = seed[p.text]
        assert (p.section_title, p.date, p.venue, p.speaker, p.speaker_detail) == (
            s.section_title,
            s.date,
            s.venue,
            s.speaker,
            s.speaker_detail,
        )
    coffey = [p for p in doc.passages if p.speaker == "Ann Coffey"]
    assert {(p.party, p.constituency, p.house) for p in coffey} == {("Lab", "Stockport", "Commons")}
    assert {p.venue for p in coffey} == {"Commons Chamber", "Westminster Hall"}
    texts = {p.text for p in doc.passages}
    assert not any(
        t.startswith(("Westminster Hall is an alternative", "Parliamentary content", "- Hansard")) for t in texts
    )


def test_publications_column_page():
    doc = read("publications_commons_2002-07-08.html")
    assert doc.layout == "publications_html"
    assert {(p.date, p.venue, p.house, p.section_title) for p in doc.passages} == {
        ("2002-07-08", "Commons Chamber", "Commons", "Children's Services")
    }
    assert [(p.speaker, p.constituency, p.party) for p in doc.passages] == [
        ("Mr. Simon Burns", "West Chelmsford", "")
    ] * 3 + [
        ("Jacqui Smith", "", ""),
        ("Mr. Simon Burns", "West Chelmsford", ""),
        ("Mr. Tim Loughton", "East Worthing and Shoreham", "Con"),
    ]
    first = doc.passages[0]
    assert (
        first.text.startswith("I beg to move, That this House")
        and first.speaker_detail == "Mr. Simon Burns (West Chelmsford)"
    )
    assert doc.passages[4].speaker_basis == "speaker line (short form 'Mr. Burns')"
    assert doc.passages[3].speaker_detail == "The Minister of State, Department of Health (Jacqui Smith)"
    assert first.url.endswith("20708-12.htm#20708-12_spnew0")
    texts = " ".join(p.text for p in doc.passages)
    for furniture in ("Column 601", "Previous Section", "Home Page", "4.10 pm", "Parliamentary copyright", "Prepared"):
        assert furniture not in texts


def test_publications_short_form_left_as_printed_when_ambiguous():
    data = (
        (PAGES / "publications_commons_2002-07-08.html")
        .read_text(encoding="utf-8")
        .replace(
            "<B>Mr. Tim Loughton (East Worthing and Shoreham) (Con):</B>", "<B>Mr. Peter Burns (Example North):</B>"
        )
    )
    data = data.replace('<A NAME="20708-12_spnew3"></A>', "").replace("</BODY>", "<P><B>Mr. Burns:</B> Yes.</P></BODY>")
    doc = read("p.html", data.encode())
    assert doc.passages[-1].speaker == "Mr. Burns" and doc.passages[-1].speaker_basis == "speaker line"


def test_historic_hansard_lords_page():
    doc = read("historic_lords_2002-07-08.html")
    assert doc.layout == "historic_hansard_html" and doc.title == "CHILDREN IN CARE: PLACEMENTS"
    assert {(p.date, p.venue, p.house) for p in doc.passages} == {("2002-07-08", "Lords Chamber", "Lords")}
    assert [(p.speaker, p.speaker_id) for p in doc.passages] == [
        ("Baroness Example of Kensington", "historic-hansard/people/baroness-example-of-kensington")
    ] * 2 + [("Lord Minister of Example", "historic-hansard/people/lord-minister-of-example"), ("", "")]
    # "Noble Lords" is no one person: unknown, the cry kept as detail
    assert doc.passages[3].speaker_detail == "Noble Lords" and doc.passages[3].text == "Hear, hear!"
    assert not any(p.text in {"912", "913", "3.7 p.m."} or "HL Deb" in p.text for p in doc.passages)


def test_historic_hansard_commons_citation_and_constituency():
    data = (PAGES / "historic_lords_2002-07-08.html").read_text(encoding="utf-8")
    data = data.replace("HL Deb 08 July 2002 vol 637 cc912-4", "HC Deb 08 July 2002 vol 388 cc1WH-4WH").replace(
        ">Baroness Example of Kensington</a></cite>", ">Mr. Simon Burns</a> (West Chelmsford)</cite>"
    )
    doc = read("h.html", data.encode())
    assert {(p.venue, p.house) for p in doc.passages} == {("Westminster Hall", "Commons")}
    assert (doc.passages[0].speaker, doc.passages[0].constituency) == (
        "Baroness Example of Kensington",
        "West Chelmsford",
    )


def test_a_single_my_lords_is_evidence_of_the_lords():
    """A page that does not say where it was said: one 'My Lords' is enough (flagged as inferred); with no such
    evidence the venue stays empty."""
    data = (PAGES / "historic_lords_2002-07-08.html").read_text(encoding="utf-8")
    for cut in (
        '<cite class="section">HL Deb 08 July 2002 vol 637 cc912-4</cite>',
        '<link rel="canonical" href="https://api.parliament.uk/historic-hansard/lords/2002/jul/08/children-in-care-placements" />',
    ):
        data = data.replace(cut, "")
    doc = read("h.html", data.encode())
    assert {(p.venue, p.date) for p in doc.passages} == {("Lords Chamber", "2002-07-08")}
    assert all("venue_inferred" in p.quality_flags for p in doc.passages)
    assert any("My Lords" in f for f in doc.flags)
    plain = read("h.html", data.replace("My Lords, the", "The").encode())
    assert {p.venue for p in plain.passages} == {""} and any("venue unknown" in f for f in plain.flags)
    text = parse_text("A debate\n\nVolume 700: debated on Tuesday 5 March 2019\n\nMy Lords, I beg to move.\n", "t")
    assert {p.venue for p in text.passages} == {"Lords Chamber"}


def test_minified_and_windows_1252_pages():
    raw = (PAGES / "twfy_commons_2025-01-16.html").read_text(encoding="utf-8")
    one_line = read("m.html", " ".join(raw.split()).encode())
    assert [p.text for p in one_line.passages] == [p.text for p in read("twfy_commons_2025-01-16.html").passages]
    cp = raw.replace('<meta charset="utf-8">', "").replace("7,000 personal", "7,000 “personal”").encode("cp1252")
    doc = read("cp.html", cp)
    assert "7,000 “personal” testimonies" in doc.passages[1].text
    assert all("decoded_windows_1252" in p.quality_flags for p in doc.passages)
    assert any(f.startswith("decoded as Windows-1252") for f in doc.flags)


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.html")))
def test_every_page_has_ids_that_are_unique_and_stable(name):
    a, b = read(name), read(name)
    ids = [p.passage_id for p in a.passages]
    assert len(set(ids)) == len(ids) == len(b.passages) and ids == [p.passage_id for p in b.passages]
    assert all(p.line > 0 and a.line_kinds.get(p.line) == "content" for p in a.passages)


@pytest.mark.parametrize(
    "name,layout,fields",
    [
        (
            "twfy_commons_2025-01-16",
            "twfy_page",
            ("text", "speaker", "speaker_detail", "party", "constituency", "date", "venue", "house", "section_title"),
        ),
        (
            "publications_commons_2002-07-08",
            "hansard_record",
            (
                "text",
                "speaker",
                "speaker_detail",
                "party",
                "constituency",
                "date",
                "venue",
                "house",
                "section_title",
                "speaker_basis",
            ),
        ),
        (
            "historic_lords_2002-07-08",
            "hansard_record",
            ("text", "speaker", "speaker_detail", "date", "venue", "house", "section_title"),
        ),
    ],
)
def test_text_copies_read_like_their_pages(name, layout, fields):
    """A page saved as text (its visible lines) gives the HTML's passages and metadata, without the ids the markup
    carries; the site's chrome (menus, breadcrumb, licence, column numbers) is not text."""
    text = parse_bytes((PAGES / f"{name}.txt").read_bytes(), f"{name}.txt")
    html = read(f"{name}.html")
    assert text.layout == layout
    assert [tuple(getattr(p, f) for f in fields) for p in text.passages] == [
        tuple(getattr(p, f) for f in fields) for p in html.passages
    ]
    assert not any(p.speaker_id for p in text.passages)
    if name.startswith("publications"):
        assert any("venue inferred as Commons Chamber" in f for f in text.flags)


def test_historic_text_copy_member_line_with_constituency():
    data = (
        (PAGES / "historic_lords_2002-07-08.txt")
        .read_text(encoding="utf-8")
        .replace("HL Deb 08 July 2002 vol 637 cc912-4", "HC Deb 08 July 2002 vol 388 cc600-1")
        .replace("Baroness Example of Kensington", "Mr. Simon Burns (West Chelmsford)")
    )
    doc = parse_bytes(data.encode(), "h.txt")
    first = doc.passages[0]
    assert (first.speaker, first.constituency, first.venue, first.house) == (
        "Mr. Simon Burns",
        "West Chelmsford",
        "Commons Chamber",
        "Commons",
    )


def test_seed_text_copies_keep_their_layouts():
    from core.sources import detect_layout

    for name, layout in [(PP, "parallel_parliament"), (HANSARD, "hansard_page")]:
        assert detect_layout((SEEDS / f"{name}.txt").read_text(encoding="utf-8")) == layout


def test_a_citation_quoted_in_a_speech_is_text_not_the_page_citation():
    quote = (
        "As the noble Lord said in this House (HL Deb 12 May 2001 vol 625 c12), the review of child protection "
        "procedures is long overdue."
    )
    data = (
        (PAGES / "publications_commons_2002-07-08.html")
        .read_text(encoding="utf-8")
        .replace("I am grateful to the Minister for that answer.", quote)
    )
    doc = read("p.html", data.encode())
    assert doc.passages[4].text == quote
    assert {(p.venue, p.house, p.date) for p in doc.passages} == {("Commons Chamber", "Commons", "2002-07-08")}
