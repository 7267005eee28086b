"""Reports on paper and screen: a report as plain values, and its layout as text lines, CSV, or the receipt printer's
shift report.

A :class:`Report` is titled sections of rows whose cells are text already formatted (money in yuan with two
decimals, quantities with two decimals) or a :class:`Text` with a Chinese and an English form. The ledger's
report builders (:mod:`station.ledger.reports`) fill it; this module only lays it out.

CSV layout: the first row is ``report, <kind>, <title>, <subject>, <generated at>``; then, per section, a
header row ``<section key>, <column labels…>`` followed by data rows ``<section key>, <cells…>``. So
``[r for r in rows if r[0] == "cash"]`` is the cash section with its header first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Literal

from station.config import STATION_TZ
from station.printouts.receipt import ReportLine, ShiftReport

Lang = Literal["zh", "en", "both"]


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def render(self, lang: Lang = "both") -> str:
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        return self.zh if self.zh == self.en else f"{self.zh} {self.en}"


Cell = str | Text


@dataclass(frozen=True)
class Column:
    key: str
    label: Text


@dataclass(frozen=True)
class Section:
    key: str
    title: Text
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]

    @property
    def is_pairs(self) -> bool:
        return tuple(c.key for c in self.columns) == ("item", "value")


@dataclass(frozen=True)
class Report:
    kind: str  # shift, day, attendants, card, unpaid, overrides, invoices
    title: Text
    subject: str  # "#3", "2026-11-21", a card number…
    generated_at: dt.datetime
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


def local_time(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(STATION_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _cell(cell: Cell, lang: Lang) -> str:
    return cell.render(lang) if isinstance(cell, Text) else cell


def render_text(report: Report, lang: Lang = "both") -> list[str]:
    """Plain text lines for a screen or a terminal."""
    lines = [
        f"{report.title.render(lang)} {report.subject}".rstrip(),
        f"{Text('生成时间', 'Generated').render(lang)}: {local_time(report.generated_at)}",
    ]
    for section in report.sections:
        lines.append("")
        lines.append(f"== {section.title.render(lang)} ==")
        if section.is_pairs:
            for label, value in section.rows:
                lines.append(f"{_cell(label, lang)}: {_cell(value, lang)}")
        elif not section.rows:
            lines.append(Text("(无)", "(none)").render(lang))
        else:
            lines.append(" | ".join(c.label.render(lang) for c in section.columns))
            lines.extend(" | ".join(_cell(c, lang) for c in row) for row in section.rows)
    return lines


def to_csv(report: Report, lang: Lang = "both", lineterminator: str = "\n") -> str:
    """CSV text (see the module docstring for the layout)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(["report", report.kind, report.title.render(lang), report.subject, report.generated_at.isoformat()])
    for section in report.sections:
        writer.writerow([section.key, *(c.label.render(lang) for c in section.columns)])
        for row in section.rows:
            writer.writerow([section.key, *(_cell(c, lang) for c in row)])
    return buffer.getvalue()


def as_report_lines(report: Report, lang: Lang = "both") -> list[tuple[str, str]]:
    """(label, value) pairs for the receipt printer's shift report."""
    out: list[tuple[str, str]] = []
    for section in report.sections:
        out.append((f"[{section.title.render(lang)}]", ""))
        if section.is_pairs:
            out.extend((_cell(label, lang), _cell(value, lang)) for label, value in section.rows)
        else:
            for row in section.rows:
                cells = [_cell(c, lang) for c in row]
                out.append((cells[0], " ".join(c for c in cells[1:] if c)))
    return out


def to_printable(report: Report, station_name: str, station_code: str, lang: Lang = "both") -> ShiftReport:
    """The report as the receipt printer's :class:`station.printouts.receipt.ShiftReport`."""
    return ShiftReport(
        station_name=station_name,
        station_code=station_code,
        title=f"{report.title.render(lang)} {report.subject}".strip(),
        time=report.generated_at.astimezone(STATION_TZ),  # the station's clock on paper, as on every receipt
        lines=tuple(ReportLine(label, value) for label, value in as_report_lines(report, lang)),
    )
