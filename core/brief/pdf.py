"""A briefing as PDF (reportlab's Platypus: flowing pages, tables whose cells wrap, links).

reportlab's Paragraph reads a small XML markup (``<b>``, ``<a href>``, ``&amp;``): every piece of text from
documents, the taxonomy or the user goes through ``esc`` first, so a speaker called ``<b>x</b>`` or a quotation
with ``&`` is printed as written and never read as markup. Text is set in DejaVu Sans (shipped with matplotlib)
so names and quotations in any Latin, Greek or Cyrillic script print; Helvetica is the fallback.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from .chart import milestone_positions, timeline_png
from .content import Briefing

_FONTS: tuple[str, str] | None = None


def esc(value) -> str:
    """Text as literal characters in reportlab's Paragraph markup.

    >>> esc('<b>Bold</b> & "co"')
    '&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;co&quot;'
    """
    return escape("" if value is None else str(value), {'"': "&quot;"})


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans when matplotlib's copy is there, else Helvetica."""
    global _FONTS
    if _FONTS is None:
        try:
            import matplotlib
            from reportlab.lib.fonts import addMapping
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(ttf / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(ttf / "DejaVuSans-Bold.ttf")))
            addMapping("DejaVuSans", 0, 0, "DejaVuSans")
            addMapping("DejaVuSans", 1, 0, "DejaVuSans-Bold")
            addMapping("DejaVuSans", 0, 1, "DejaVuSans")
            addMapping("DejaVuSans", 1, 1, "DejaVuSans-Bold")
            _FONTS = ("DejaVuSans", "DejaVuSans-Bold")
        except Exception:  # noqa: BLE001 - any failure to find or read the font: the built-in one still works
            _FONTS = ("Helvetica", "Helvetica-Bold")
    return _FONTS


def to_pdf(b: Briefing) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _fonts()
    ss = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=ss["BodyText"], fontName=regular, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#444444"))
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    quote = ParagraphStyle("quote", parent=body, fontSize=9.5, leading=13, leftIndent=8, borderPadding=(0, 0, 0, 6))
    h1 = ParagraphStyle("h1", parent=ss["Title"], fontName=bold, fontSize=17, leading=21, alignment=0, spaceAfter=4)
    h2 = ParagraphStyle(
        "h2",
        parent=ss["Heading2"],
        fontName=bold,
        fontSize=11.5,
        leading=14,
        spaceBefore=8,
        spaceAfter=4,
        textColor=colors.HexColor("#1f3f5f"),
    )
    grid = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), regular),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.grey),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dddddd")),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )

    def p(text, style=cell) -> Paragraph:
        return Paragraph(esc(text), style)

    def table(header, rows, widths) -> Table:
        t = Table(
            [[p(h) for h in header]] + [[p(c) for c in r] for r in rows],
            colWidths=[w * mm for w in widths],
            repeatRows=1,
        )
        t.setStyle(grid)
        return t

    story = [
        Paragraph(esc(b.title), h1),
        Paragraph(f"Made on {esc(b.made_on)} with Campaign Tracker · {esc(b.subtitle)}", small),
        Spacer(1, 4),
        table(["Made with", ""], b.filters, [40, 130]),
        Spacer(1, 6),
    ]
    # columns as wide as their values need (a date must not be cut inside: '2017-10-2' / '6')
    weights = [max(7, min(len(v), 16)) for _, v in b.figures]
    figs = Table(
        [
            [p(label, small) for label, _ in b.figures],
            [
                Paragraph(f"<b>{esc(v)}</b>", ParagraphStyle("fig", parent=body, fontSize=10, leading=13))
                for _, v in b.figures
            ],
        ],
        colWidths=[170 * w / sum(weights) * mm for w in weights],
    )
    figs.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f6f8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [Paragraph("Headline figures", h2), figs]

    story.append(Paragraph("When it was raised", h2))
    png = timeline_png(b)
    if png:
        story.append(Image(io.BytesIO(png), width=170 * mm, height=170 * mm * 2.8 / 7.0))
    else:
        story.append(p("Nothing dated to place on a timeline.", body))
    if b.undated:
        story.append(p(f"{b.undated} undated mention(s) are counted above but not placed on the timeline.", small))
    if b.milestones:
        on_chart = {n for n, _x in milestone_positions(b)}
        rows = [
            [str(n) + ("" if n in on_chart else " (outside the chart)"), m.date.isoformat(), m.label, m.url]
            for n, m in enumerate(b.milestones, start=1)
        ]
        story += [Paragraph("Milestones", h2), _link_table(rows, cell, grid)]

    story.append(Paragraph("Where and who", h2))
    speakers = b.speakers + ([(f"… and {b.more_speakers} more", "")] if b.more_speakers else [])
    side = Table(
        [
            [
                table(["Venue", "Passages"], [(v, n) for v, n in b.venues], [55, 22]),
                table(["Speaker", "Passages"], [(s, n) for s, n in speakers], [55, 22]),
            ]
        ],
        colWidths=[85 * mm, 85 * mm],
    )
    side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(side)

    story.append(Paragraph("Asks and the government's response", h2))
    if b.asks:
        rows = [
            (
                a.label,
                str(a.times_raised),
                a.raised,
                a.status,
                (f"“{a.response}”" + (f" ({a.response_by})" if a.response_by else "")) if a.response else "—",
            )
            for a in b.asks
        ]
        story.append(table(["Ask", "Times", "Raised", "Status", "Response"], rows, [52, 12, 28, 22, 56]))
        if b.more_asks:
            story.append(p(f"… and {b.more_asks} more asks (see the Asks view or the CSV export).", small))
    else:
        story.append(p("No asks match.", body))

    story.append(Paragraph("Quotations", h2))
    for q in b.quotes:
        source = f"{esc(q.speaker)} · {esc(q.date)} · {esc(q.venue)} · {esc(q.document)}"
        if q.url:
            source += f' · <a href="{esc(q.url)}" color="blue">{esc(q.url)}</a>'
        story.append(
            KeepTogether(
                [
                    Paragraph(f"“{esc(q.text)}”", quote),
                    Paragraph(f"— {source} <font color='#777777'>({esc(q.why)})</font>", small),
                    Spacer(1, 5),
                ]
            )
        )
    if not b.quotes:
        story.append(p("No passages match.", body))
    story += [Spacer(1, 6)] + [p(n, small) for n in b.notes]

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(20 * mm, 10 * mm, b.title[:110])
        canvas.drawRightString(190 * mm, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=b.title,
        author="Campaign Tracker",
        subject=b.subtitle,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _link_table(rows, cell, grid):
    """Milestones: number, date, label, and the label's link when it has one."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table

    data = [[Paragraph(h, cell) for h in ("#", "Date", "Milestone")]]
    for n, d, label, url in rows:
        text = esc(label) + (f' · <a href="{esc(url)}" color="blue">{esc(url)}</a>' if url else "")
        data.append([Paragraph(esc(n), cell), Paragraph(esc(d), cell), Paragraph(text, cell)])
    t = Table(data, colWidths=[22 * mm, 22 * mm, 126 * mm], repeatRows=1)
    t.setStyle(grid)
    return t
