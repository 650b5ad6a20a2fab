"""Word and PDF documents for the tests, made with python-docx and a minimal PDF writer (no PDF library writes
text here: pypdf reads PDFs but does not lay out text). ``python -m tests.document_files`` rewrites the copies
in tests/fixtures/documents/; the tests also make variants on the fly."""

from __future__ import annotations

import io
from pathlib import Path

OUT = Path(__file__).resolve().parent / "fixtures" / "documents"

#: a briefing with no date: a Word title, headings, a bulleted ask and a table
BRIEFING = [
    ("Title", "Briefing: children missing from care"),
    ("Heading 1", "Summary"),
    (
        "Normal",
        "One in ten children in care went missing last year, and children placed out of their home area were "
        "three times as likely to go missing.",
    ),
    ("Heading 1", "What we are asking for"),
    ("List Bullet", "A statutory return home interview for every child who goes missing from care."),
    ("List Bullet", "Will the Government publish the missing children strategy before the summer?"),
]
TABLE = [("Region", "Children missing"), ("North West", "1,240")]

#: a press release over two pages: an embargo line, wrapped lines, a running footer and page numbers
RELEASE_PAGES = [
    [
        "PRESS RELEASE",
        "Embargoed until 00:01 Thursday 5 March 2020",
        "",
        "Councils must stop sending children hundreds of miles from home",
        "",
        "Safe Futures today published research showing that children in care are being placed in",
        "unregulated accommodation hundreds of miles from their families, where they are targeted by",
        "gangs.",
        "",
        "The research found that 800 children were placed more than 100 miles away last year.",
        "",
        "Safe Futures: Lines of Risk",
        "Page 1 of 2",
    ],
    [
        "Ann Example, Director of Policy at Safe Futures, said:",
        "",
        "“No child should be sent away from everyone they know. Ofsted must be given the power to",
        "inspect every setting where a child in care lives.”",
        "",
        "ENDS",
        "",
        "Notes to editors",
        "Media enquiries: press@example.org",
        "",
        "Safe Futures: Lines of Risk",
        "Page 2 of 2",
    ],
]


def make_docx(paragraphs=BRIEFING, table=TABLE, title_property: str = "") -> bytes:
    import docx

    d = docx.Document()
    if title_property:
        d.core_properties.title = title_property
    for style, text in paragraphs:
        d.add_paragraph(text, style=style)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def make_pdf(pages=RELEASE_PAGES) -> bytes:
    """A PDF whose pages hold the given lines in Helvetica (WinAnsi encoding; '' is an empty line)."""
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = 1 + 2 * len(pages) + 1
    kids = []
    for lines in pages:
        ops = [b"BT /F1 11 Tf 14 TL 56 780 Td"]
        for line in lines:
            esc = line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            ops.append(b"(" + esc + b") Tj T*")
        stream = b"\n".join(ops + [b"ET"])
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (pages_id, font, content)
            )
        )
    assert (
        add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids))
        == pages_id
    )
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    return bytes(out)


if __name__ == "__main__":
    (OUT / "briefing_missing.docx").write_bytes(make_docx())
    (OUT / "release_embargoed.pdf").write_bytes(make_pdf())
