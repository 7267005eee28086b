"""A report as a PDF (A4): a title, the station's name and code, the printed-at time on the station's clock, and
one table per section, drawn with reportlab's platypus.

Chinese is drawn with reportlab's built-in CID font STSong-Light (the PDF names the font, the reader supplies
its glyphs), so no font file ships with the station and the text stays selectable and searchable.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from station.i18n import t
from station.printouts.export_csv import write_atomic
from station.printouts.report import Cell, Lang, Report, Section, Text, local_time

FONT = "STSong-Light"

_registered = False


def _font() -> str:
    global _registered
    if not _registered:  # registering twice is harmless but costs a font lookup each time
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _word(key: str, lang: Lang) -> str:
    if lang == "both":
        zh, en = t(key, "zh"), t(key, "en")
        return zh if zh == en else f"{zh} {en}"
    return t(key, lang)


def _cell(cell: Cell, lang: Lang) -> str:
    return cell.render(lang) if isinstance(cell, Text) else cell


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)  # a cell's text is data, never markup


def pdf_bytes(
    report: Report,
    station_name: str,
    station_code: str,
    lang: Lang = "both",
    printed_at: dt.datetime | None = None,
) -> bytes:
    """The report as PDF bytes; ``printed_at`` (default: the report's own time) shown on the station's clock."""
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=19, spaceAfter=4)
    head = ParagraphStyle("head", fontName=font, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3)
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=10.5)
    story: list[Flowable] = [
        _para(f"{report.title.render(lang)} {report.subject}".strip(), title),
        _para(f"{_word('export.station', lang)}: {station_name} ({station_code})", body),
        _para(f"{_word('export.generated_at', lang)}: {local_time(report.generated_at)}", body),
        _para(f"{_word('export.printed_at', lang)}: {local_time(printed_at or report.generated_at)}", body),
    ]
    for section in report.sections:
        story.append(_para(section.title.render(lang), head))
        story.append(_table(section, lang, body))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"{report.title.render(lang)} {report.subject}".strip(),
        author=f"{station_name} ({station_code})",
        # A fixed creation date: the same report gives the same bytes (the printed-at line carries the time).
        invariant=1,
    )
    doc.build(story)
    return buffer.getvalue()


def _table(section: Section, lang: Lang, style: ParagraphStyle) -> Flowable:
    if not section.rows:
        return _para(_word("export.none", lang), style)
    rows = [[_para(_cell(c, lang), style) for c in row] for row in section.rows]
    header = [] if section.is_pairs else [[_para(c.label.render(lang), style) for c in section.columns]]
    table = Table(header + rows, repeatRows=len(header), hAlign="LEFT")
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")))
    table.setStyle(TableStyle(commands))
    return table


def write_pdf(
    report: Report,
    path: Path,
    station_name: str,
    station_code: str,
    lang: Lang = "both",
    printed_at: dt.datetime | None = None,
) -> Path:
    return write_atomic(path, pdf_bytes(report, station_name, station_code, lang, printed_at))


__all__ = ["pdf_bytes", "write_pdf"]
