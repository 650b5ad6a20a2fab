"""A briefing as a Word document (python-docx): the same sections as the PDF, in Word's own styles so it can be
edited before the meeting. Text is written as runs (python-docx escapes it for XML; control characters were
removed when the content was built), links as real hyperlinks to http(s) addresses only."""

from __future__ import annotations

import io

from .chart import milestone_positions, timeline_png
from .content import Briefing


def _hyperlink(paragraph, url: str, text: str) -> None:
    """A clickable link (python-docx has no API for it: a w:hyperlink element with an external relationship)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "0563C1")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.extend([style, colour, underline])
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _table(doc, header: list[str], rows: list[list[str]], widths_cm: list[float] | None = None):
    from docx.shared import Cm, Pt

    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for c, h in zip(t.rows[0].cells, header):
        c.text = ""
        c.paragraphs[0].add_run(h).bold = True
    for r in rows:
        cells = t.add_row().cells
        for c, v in zip(cells, r):
            c.text = str(v)
    for row in t.rows:
        for k, c in enumerate(row.cells):
            if widths_cm:
                c.width = Cm(widths_cm[k])
            for para in c.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(8.5)
    return t


def to_docx(b: Briefing) -> bytes:
    from docx import Document
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    sec = doc.sections[0]
    sec.left_margin = sec.right_margin = Cm(2)
    doc.core_properties.title = b.title[:250]
    doc.core_properties.subject = b.subtitle[:250]
    doc.core_properties.author = "Campaign Tracker"
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(b.title, level=0)
    made = doc.add_paragraph(f"Made on {b.made_on} with Campaign Tracker · {b.subtitle}")
    made.runs[0].font.size = Pt(8)
    _table(doc, ["Made with", ""], [[w, v] for w, v in b.filters], [4, 13])

    doc.add_heading("Headline figures", level=1)
    _table(doc, [label for label, _ in b.figures], [[v for _, v in b.figures]])

    doc.add_heading("When it was raised", level=1)
    png = timeline_png(b)
    if png:
        doc.add_picture(io.BytesIO(png), width=Cm(17))
    else:
        doc.add_paragraph("Nothing dated to place on a timeline.")
    if b.undated:
        doc.add_paragraph(f"{b.undated} undated mention(s) are counted above but not placed on the timeline.")
    if b.milestones:
        doc.add_heading("Milestones", level=2)
        on_chart = {n for n, _x in milestone_positions(b)}
        t = _table(
            doc,
            ["#", "Date", "Milestone"],
            [
                [str(n) + ("" if n in on_chart else " (outside the chart)"), m.date.isoformat(), m.label]
                for n, m in enumerate(b.milestones, start=1)
            ],
            [2.5, 2.5, 12],
        )
        for row, m in zip(t.rows[1:], b.milestones):
            if m.url:
                para = row.cells[2].paragraphs[0]
                para.add_run(" · ")
                _hyperlink(para, m.url, m.url)

    doc.add_heading("Where and who", level=1)
    _table(doc, ["Venue", "Passages"], [[v, n] for v, n in b.venues], [12, 3])
    doc.add_paragraph()
    speakers = [[s, n] for s, n in b.speakers] + ([[f"… and {b.more_speakers} more", ""]] if b.more_speakers else [])
    _table(doc, ["Speaker", "Passages"], speakers, [12, 3])

    doc.add_heading("Asks and the government's response", level=1)
    if b.asks:
        _table(
            doc,
            ["Ask", "Times", "Raised", "Status", "Response"],
            [
                [
                    a.label,
                    str(a.times_raised),
                    a.raised,
                    a.status,
                    (f"“{a.response}”" + (f" ({a.response_by})" if a.response_by else "")) if a.response else "—",
                ]
                for a in b.asks
            ],
            [5, 1.3, 2.8, 2.4, 5.5],
        )
        if b.more_asks:
            doc.add_paragraph(f"… and {b.more_asks} more asks (see the Asks view or the CSV export).")
    else:
        doc.add_paragraph("No asks match.")

    doc.add_heading("Quotations", level=1)
    for q in b.quotes:
        doc.add_paragraph(f"“{q.text}”", style="Quote")
        src = doc.add_paragraph(f"— {q.speaker} · {q.date} · {q.venue} · {q.document}")
        if q.url:
            src.add_run(" · ")
            _hyperlink(src, q.url, q.url)
        why = src.add_run(f" ({q.why})")
        why.font.color.rgb = RGBColor(0x77, 0x77, 0x77)
        for run in src.runs:
            run.font.size = Pt(8.5)
    if not b.quotes:
        doc.add_paragraph("No passages match.")
    for n in b.notes:
        para = doc.add_paragraph(n)
        para.runs[0].font.size = Pt(8)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
