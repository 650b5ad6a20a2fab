"""ParlaMint TEI XML (root ``<TEI>`` in the TEI namespace): one sitting of the UK Parliament, ParlaMint 2.x-4.x,
plain or linguistically annotated (``.ana``).

One passage per ``<seg>`` (a paragraph of the transcript) of an utterance ``<u>``; ``note``, ``gap`` (the samples'
"SAMPLING" gaps), ``kinesic``, ``vocal`` and ``incident`` are not passages, and their words are left out of a
segment's text. In the ``.ana`` variant a segment's text is rebuilt from its ``w`` / ``pc`` tokens, a space after
each token except one marked ``join="right"``; the syntactic links (``linkGrp``) are not text.

* passage_id: the seg's ``xml:id`` (in an ``.ana`` file, which repeats the plain file's seg ids, the id + "/ana",
  so that both versions of a sitting can be stored); source_id: the u's ``xml:id``; line: the seg's line in the file;
* speaker_id: the person id in ``who`` without the ``#`` (``StephenKinnock``); speaker: the person's name from a
  ``listPerson``: the file's own (``teiHeader//particDesc/listPerson``), else a ``ParlaMint-*listPerson*.xml`` in
  the file's folder or its parent folder (where the corpus keeps it), else the sitting's own ``<sitting>-meta.tsv``
  beside it (ParlaMint's per-utterance metadata: ``Speaker_ID``, ``Speaker_name`` "Kinnock, Stephen Nathan" read
  as "Stephen Nathan Kinnock", ``Speaker_party_name``); speaker_basis "source markup". A person none of these
  names is kept as the id (speaker = ``StephenKinnock``) and flagged ``speaker_id_unresolved``;
* party: the person's ``#party.X`` affiliation on the sitting's date, named from a ``ParlaMint-*listOrg*.xml`` found
  the same way (else the abbreviation X), or the meta.tsv's party name;
* kind: speech (``ana`` #chair, #regular, #guest); speaker_detail: "chair" / "guest" for those roles, and the
  government office of a speaker the source marks as a minister on the sitting's date: a listPerson
  ``affiliation role="minister"`` (its English ``roleName``, else its text; "Minister" when it names none), else
  ``Speaker_minister = minister`` in the meta.tsv row of that utterance ("Minister"); the ask ledger reads a
  government office there (a Lords minister answering has no other sign of it);
* venue / house: the setting's place (``Commons Chamber``, ``Lords Chamber``), else the meetings'
  ``#parla.lower`` / ``#parla.upper`` (``#parliament.HC`` / ``.HL``), else the title or file name (commons, lords);
* date (day precision): ``settingDesc/setting/date/@when``, else the sitting ``meeting/@n``, else the source
  description's date, else a date in the title or file name;
* section: each ``head`` (or ``note type="head"``) starts a section and so does each ``div``: section_title is the
  nearest heading, empty for a div whose heading the source does not give (the samples cut it); section_path is
  the enclosing divs' headings joined with " > "; section_index goes up by one per section;
* Document.title: the main TEI title; url: the source description's Hansard address, where given.

A corpus root (``<teiCorpus>``, which ``xi:include``s the sittings) and the corpus' metadata files (``<listPerson>``,
``<listOrg>``, ``<taxonomy>`` in the TEI namespace) have no speech: each is read as a Document with no passages and a
flag saying so, so a folder holding a whole corpus is ingested without errors. Malformed or truncated XML raises
``ValueError("malformed XML at line N: ...")``.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

from ..model import Document, Passage
from .base import Source, xml_root

LAYOUT = "parlamint"
TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
NS = {"t": TEI_NS}
T = "{%s}" % TEI_NS

#: elements that are not speech: not passages, and their words are not a segment's text
NOT_TEXT = {T + n for n in ("note", "gap", "kinesic", "vocal", "incident", "linkGrp", "link", "desc")}
_HEADS = {T + "head"}
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_HOUSE = {"Commons": "Commons Chamber", "Lords": "Lords Chamber"}
_ROLE_DETAIL = {"chair": "chair", "guest": "guest"}

CORPUS_ROOT_FLAG = "ParlaMint corpus root: lists the sittings, has no speech; ingest the sitting files"


def _error(exc: etree.XMLSyntaxError) -> ValueError:
    line = exc.lineno or (exc.position[0] if exc.position else 0)
    msg = re.sub(r",? \(?line \d+,? column \d+\)?$", "", exc.msg or str(exc)).strip()
    return ValueError(f"malformed XML at line {line}: {msg}")


def parse_xml(data: bytes) -> etree._Element:
    """The root element; ValueError naming the line when the XML is malformed or truncated."""
    parser = etree.XMLParser(
        resolve_entities=False, remove_comments=True, remove_pis=True, no_network=True, load_dtd=False, huge_tree=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _error(exc) from None
    if root is None:
        raise ValueError("malformed XML at line 1: no root element")
    return root


def _norm(text: str) -> str:
    return " ".join(text.split())


def _plain_text(el: etree._Element) -> str:
    """Text of an element without the words of notes, gaps, vocal/kinesic/incident descriptions."""
    parts: list[str] = []

    def walk(e: etree._Element) -> None:
        if e.text:
            parts.append(e.text)
        for child in e:
            if isinstance(child.tag, str) and child.tag not in NOT_TEXT:
                walk(child)
            else:
                parts.append(" ")
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return _norm("".join(parts))


def _token_text(seg: etree._Element) -> str:
    """An annotated segment's text from its tokens (top-level ``w`` and ``pc``), honouring ``join="right"``."""
    out: list[str] = []
    for tok in seg.iter(T + "w", T + "pc"):
        if any(a.tag in NOT_TEXT for a in tok.iterancestors()) or tok.getparent().tag == T + "w":
            continue
        word = "".join(tok.itertext()) if tok.tag == T + "w" else (tok.text or "")
        word = word.strip()
        if not word:
            continue
        out.append(word)
        out.append("" if tok.get("join") == "right" else " ")
    return _norm("".join(out))


def seg_text(seg: etree._Element) -> str:
    """A segment's text, whitespace-normalised (plain or annotated)."""
    if next(seg.iter(T + "w", T + "pc"), None) is not None:
        return _token_text(seg)
    return _plain_text(seg)


# ---- people and parties -------------------------------------------------------------------------------------


def _person_name(person: etree._Element, on: str) -> str:
    names = person.findall(T + "persName")
    if not names:
        return ""
    chosen = names[0]
    if on and len(names) > 1:  # names with from/to: the one valid on the sitting's date
        for n in names:
            if (n.get("from") or "") <= on and (not n.get("to") or on <= n.get("to")):
                chosen = n
                break
    parts = [
        _norm("".join(c.itertext()))
        for c in chosen
        if isinstance(c.tag, str) and c.tag in (T + "forename", T + "surname", T + "nameLink")
    ]
    return " ".join(p for p in parts if p) or _norm("".join(chosen.itertext()))


def _party(person: etree._Element, on: str) -> str:
    """The ``party.X`` id of the person's party affiliation on the date (the latest one if no date)."""
    best = ""
    for aff in person.findall(T + "affiliation"):
        ref = (aff.get("ref") or "").lstrip("#")
        if not ref.startswith("party.") or aff.get("role", "member") != "member":
            continue
        if on and not ((aff.get("from") or "") <= on and (not aff.get("to") or on <= aff.get("to"))):
            continue
        best = ref
    return best


def _office(person: etree._Element, on: str) -> str:
    """The government office of a person whose ``affiliation role="minister"`` covers the date (ParlaMint 3+:
    ``<roleName xml:lang="en">``; 2.x: the affiliation's own text), "Minister" when it is not named; "" for none."""
    for aff in person.findall(T + "affiliation"):
        if aff.get("role") != "minister":
            continue
        if on and not ((aff.get("from") or "") <= on and (not aff.get("to") or on <= aff.get("to"))):
            continue
        names = aff.findall(T + "roleName")
        english = [n for n in names if n.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"]
        text = _norm("".join((english or names)[0].itertext())) if names else _norm(aff.text or "")
        if not text:
            return "Minister"
        return (
            text
            if re.search(r"\b(?:Minister|Secretary|Chancellor|General|Whip|in Waiting)\b", text)
            else f"Minister ({text})"
        )
    return ""


def _people(list_person: etree._Element) -> dict[str, etree._Element]:
    return {p.get(XML_ID): p for p in list_person.iter(T + "person") if p.get(XML_ID)}


def _party_names(list_org: etree._Element) -> dict[str, str]:
    out = {}
    for org in list_org.iter(T + "org"):
        oid = org.get(XML_ID) or ""
        if not oid.startswith("party."):
            continue
        full = org.find(T + "orgName[@full='yes']")
        if full is None:
            full = org.find(T + "orgName")
        if full is not None and _norm("".join(full.itertext())):
            out[oid] = _norm("".join(full.itertext()))
    return out


@lru_cache(maxsize=8)
def _load_side_file(path: str, mtime: float, size: int) -> etree._Element | None:
    try:
        return parse_xml(Path(path).read_bytes())
    except (OSError, ValueError):
        return None


def _side_file(path: str, kind: str) -> etree._Element | None:
    """The corpus' ``ParlaMint-*<kind>*.xml`` in the file's folder, else its parent folder (the first by name)."""
    if not path:
        return None
    folder = Path(path).resolve().parent
    for d in (folder, folder.parent):
        try:
            found = sorted(p for p in d.glob(f"ParlaMint-*{kind}*.xml") if p.is_file())
        except OSError:
            continue
        for p in found:
            st = p.stat()
            root = _load_side_file(str(p), st.st_mtime, st.st_size)
            if root is not None and etree.QName(root).localname == kind:
                return root
    return None


def _meta_tsv(path: str) -> tuple[str, dict[str, tuple[str, str]], set[str]]:
    """(file name, speaker id -> (name, party name), the ids of the utterances whose speaker it marks as a
    minister) from the ``<sitting>-meta.tsv`` beside a sitting (also for its ``.ana`` version); ('', {}, set())
    when there is none."""
    if not path:
        return "", {}, set()
    p = Path(path)
    stem = p.name[: -len(".xml")] if p.name.lower().endswith(".xml") else p.stem
    stem = stem[: -len(".ana")] if stem.endswith(".ana") else stem
    for name in (f"{stem}-meta.tsv", f"{stem}-meta-en.tsv"):
        try:
            with open(p.parent / name, encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
        out: dict[str, tuple[str, str]] = {}
        ministers = {
            _norm(row.get("ID") or "") for row in rows if _norm(row.get("Speaker_minister") or "") == "minister"
        }
        for row in rows:
            sid, name_, party = (_norm(row.get(k) or "") for k in ("Speaker_ID", "Speaker_name", "Speaker_party_name"))
            if sid in ("", "-") or sid in out:
                continue
            surname, _, forenames = name_.partition(",")
            name_ = f"{forenames.strip()} {surname.strip()}".strip() if forenames.strip() else surname.strip()
            out[sid] = ("" if name_ == "-" else name_, "" if party == "-" else party)
        if out:
            return name, out, ministers
    return "", {}, set()


# ---- header -------------------------------------------------------------------------------------------------


def _iso_in(text: str) -> str:
    m = _ISO.search(text or "")
    return m.group(0) if m else ""


def _sitting_date(header: etree._Element, title: str, path: str) -> str:
    for when in header.xpath("t:profileDesc/t:settingDesc/t:setting/t:date/@when", namespaces=NS):
        if _iso_in(when):
            return _iso_in(when)
    for m in header.xpath("t:fileDesc/t:titleStmt/t:meeting", namespaces=NS):
        if "#parla.sitting" in (m.get("ana") or "").split() and _iso_in(m.get("n") or ""):
            return _iso_in(m.get("n"))
    for when in header.xpath("t:fileDesc/t:sourceDesc//t:date/@when", namespaces=NS):
        if _iso_in(when):
            return _iso_in(when)
    return _iso_in(title) or _iso_in(Path(path).name)


def _house(header: etree._Element, title: str, path: str) -> tuple[str, str]:
    """(venue, house) from the setting, the meetings, the title, the file name; ('', '') when none says."""
    for place in header.xpath("t:profileDesc/t:settingDesc/t:setting/t:name[@type='place']", namespaces=NS):
        name = _norm(place.text or "")
        for house, venue in _HOUSE.items():
            if name == venue:
                return venue, house
        if name == "Westminster Hall":
            return name, "Commons"
    houses = set()
    for m in header.xpath("t:fileDesc/t:titleStmt/t:meeting", namespaces=NS):
        words = (m.get("ana") or "").split() + (m.get("corresp") or "").split()
        if "#parla.lower" in words or "#parliament.HC" in words:
            houses.add("Commons")
        if "#parla.upper" in words or "#parliament.HL" in words:
            houses.add("Lords")
    if len(houses) == 1:
        house = houses.pop()
        return _HOUSE[house], house
    for text in (title, Path(path).stem):
        low = text.lower()
        if "commons" in low and "lords" not in low:
            return _HOUSE["Commons"], "Commons"
        if "lords" in low and "commons" not in low:
            return _HOUSE["Lords"], "Lords"
    return "", ""


def _title(header: etree._Element) -> str:
    titles = header.xpath("t:fileDesc/t:titleStmt/t:title", namespaces=NS)
    main = [t for t in titles if t.get("type") == "main"] or titles
    return _norm("".join(main[0].itertext())) if main else ""


def _source_url(header: etree._Element) -> str:
    for idno in header.xpath("t:fileDesc/t:sourceDesc/t:bibl/t:idno", namespaces=NS):
        url = _norm(idno.text or "")
        if url.startswith("http"):
            return url
    return ""


# ---- the reader ---------------------------------------------------------------------------------------------


def _no_speech(root: etree._Element, document: str, path: str, flag: str) -> Document:
    header = root.find(T + "teiHeader")
    title = _title(header) if header is not None else ""
    return Document(document=document, path=path, layout=LAYOUT, title=title, flags=[flag])


def _is_head(el: etree._Element) -> bool:
    return el.tag in _HEADS or (el.tag == T + "note" and el.get("type") == "head")


def _inline_then_side(header, path: str, name: str, read) -> dict:
    """Entries of the header's own list (listPerson / listOrg), then those of a file beside the sitting."""
    out: dict = {}
    inline = header.find(f"{T}profileDesc/{T}particDesc/{T}{name}")
    if inline is not None:
        out.update(read(inline))
    external = _side_file(path, name)
    if external is not None:
        for k, v in read(external).items():
            out.setdefault(k, v)
    return out


def parse(data: bytes, document: str, path: str) -> Document:
    root = parse_xml(data)
    qn = etree.QName(root)
    if qn.namespace != TEI_NS:
        raise ValueError(f"not ParlaMint TEI (root element <{qn.localname}> is not in the TEI namespace)")
    if qn.localname == "teiCorpus":
        n = sum(
            1
            for el in root.iter("{http://www.w3.org/2001/XInclude}include", T + "TEI")
            if el.tag == T + "TEI" or _ISO.search(el.get("href") or "")
        )
        return _no_speech(root, document, path, CORPUS_ROOT_FLAG + f" ({n} sittings listed)")
    if qn.localname != "TEI":
        return _no_speech(
            root,
            document,
            path,
            f"ParlaMint corpus metadata (<{qn.localname}>): not a sitting, has no speech"
            + (
                "; names the speakers of the sittings in this folder and its subfolders"
                if qn.localname == "listPerson"
                else ""
            ),
        )
    header = root.find(T + "teiHeader")
    if header is None:
        raise ValueError("not a ParlaMint sitting: the TEI file has no <teiHeader>")
    title = _title(header)
    date = _sitting_date(header, title, path)
    venue, house = _house(header, title, path)
    url = _source_url(header)
    doc = Document(document=document, path=path, layout=LAYOUT, title=title, url=url)

    people = _inline_then_side(header, path, "listPerson", _people)
    org_names = _inline_then_side(header, path, "listOrg", _party_names)
    meta_name, meta_people, meta_ministers = _meta_tsv(path)
    if not people and not meta_people:
        doc.flags.append(
            "no listPerson found (in the file, its folder or the parent folder): speakers are ParlaMint person ids"
        )
    if not venue:
        doc.flags.append("venue unknown: the header names no house")

    body = root.find(f"{T}text/{T}body")
    if body is None:
        doc.flags.append("no <text><body>: no speech")
        return doc

    #: the annotated file repeats the plain file's seg ids: its passage ids get "/ana" so both can be stored
    annotated = (root.get(XML_ID) or "").endswith(".ana") or next(body.iter(T + "w"), None) is not None
    id_suffix = "/ana" if annotated else ""
    state = {"index": -1, "title": "", "path": ""}
    unresolved: set[str] = set()
    from_meta: set[str] = set()

    def first_head(div: etree._Element) -> etree._Element | None:
        return next((h for h in div if isinstance(h.tag, str) and _is_head(h)), None)

    def walk(el: etree._Element, outer: list[str], own_head: etree._Element | None) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag == T + "div":
                head = first_head(child)
                title = _norm("".join(head.itertext())) if head is not None else ""
                state["index"] += 1
                state["title"] = title
                parts = outer + ([title] if title else [])
                state["path"] = " > ".join(parts)
                walk(child, parts, head)
                continue
            if _is_head(child):
                doc.line_kinds[child.sourceline] = "header"
                if child is own_head:
                    continue  # the div's own heading: its section has begun
                text = _norm("".join(child.itertext()))
                state["index"] += 1
                state["title"] = text
                state["path"] = " > ".join(outer + [text])
                continue
            if child.tag == T + "u":
                utterance(child)

    def utterance(u: etree._Element) -> None:
        who = (u.get("who") or "").strip().split()
        pid = who[0].lstrip("#") if who else ""
        person = people.get(pid)
        speaker, party, office = pid, "", ""
        if person is not None:
            speaker = _person_name(person, date) or pid
            party_id = _party(person, date)
            party = org_names.get(party_id, party_id[len("party.") :]) if party_id else ""
            office = _office(person, date)
        elif pid in meta_people:
            name, party = meta_people[pid]
            speaker = name or pid
            from_meta.add(pid)
        roles = [r.lstrip("#") for r in (u.get("ana") or "").split()]
        if not office and (u.get(XML_ID) or "") in meta_ministers:
            office = "Minister"
        detail = "; ".join([_ROLE_DETAIL[r] for r in roles if r in _ROLE_DETAIL] + ([office] if office else []))
        for seg in u.iter(T + "seg"):
            text = seg_text(seg)
            if not text:
                continue
            p = Passage(
                passage_id=(seg.get(XML_ID) or f"{u.get(XML_ID) or document}#L{seg.sourceline}") + id_suffix,
                document=document,
                layout=LAYOUT,
                section_title=state["title"],
                section_path=state["path"],
                date=date,
                date_precision="day" if date else "unknown",
                venue=venue,
                house=house,
                kind="speech",
                speaker=speaker,
                speaker_id=pid,
                speaker_detail=detail,
                speaker_basis="source markup" if pid else "",
                party=party,
                text=text,
                line=seg.sourceline or 0,
                section_index=max(state["index"], 0),
                source_id=u.get(XML_ID) or "",
                url=url,
            )
            if not date:
                p.add_flag("undated")
            if pid and person is None and pid not in meta_people:
                p.add_flag("speaker_id_unresolved")
                unresolved.add(pid)
            doc.passages.append(p)
            if seg.sourceline:
                doc.line_kinds[seg.sourceline] = "content"

    walk(body, [], None)
    if unresolved and (people or meta_people):
        doc.flags.append(
            f"{len(unresolved)} speaker id(s) not in the listPerson"
            + (f" nor {meta_name}" if meta_name else "")
            + ": kept as ids"
        )
    if from_meta:
        doc.flags.append(f"{len(from_meta)} speaker(s) named from {meta_name} (no listPerson names them)")
    return doc


def sniff(head: bytes, name: str) -> bool:
    root = xml_root(head)
    local = root.split(":")[-1]
    if TEI_NS.encode() not in head:
        return False
    return local in ("TEI", "teiCorpus", "listPerson", "listOrg", "taxonomy")


SOURCE = Source(LAYOUT, (".xml",), sniff, parse, "ParlaMint TEI sittings (plain and .ana), ParlaMint 2.x-4.x")
