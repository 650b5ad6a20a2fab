"""Briefings to take into a meeting: ``content.build_briefing`` makes the content once as plain data; ``pdf.to_pdf``
and ``docx.to_docx`` render it. ``render(briefing, "pdf" | "docx")`` picks the renderer."""

from __future__ import annotations

from .content import Briefing, BriefError, build_briefing

FORMATS = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def render(briefing: Briefing, fmt: str) -> bytes:
    if fmt == "pdf":
        from .pdf import to_pdf

        return to_pdf(briefing)
    if fmt == "docx":
        from .docx import to_docx

        return to_docx(briefing)
    raise BriefError(f"unknown briefing format {fmt!r}: use .pdf or .docx")


__all__ = ["FORMATS", "Briefing", "BriefError", "build_briefing", "render"]
