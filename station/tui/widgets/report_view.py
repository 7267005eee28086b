"""A report laid out for the screen's width: no line wraps at 80 columns.

Label/value sections are one line each. A table whose columns fit is aligned in columns; one that does not is
shown row by row, each row as "column: value" pairs packed into lines that fit, the first marked with •.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from station.printouts.report import Cell, Lang, Report, Section, Text, local_time

GAP = "  "


def cell_text(cell: Cell, lang: Lang) -> str:
    return cell.render(lang) if isinstance(cell, Text) else cell


def packed(parts: list[str], width: int, first: str = "• ", more: str = "  ") -> list[str]:
    """Parts joined by " · ", a new (indented) line when the next part would pass ``width``."""
    lines: list[str] = []
    current = ""
    for part in parts:
        if not current:
            current = (more if lines else first) + part
        elif cell_len(f"{current} · {part}") <= width:
            current = f"{current} · {part}"
        else:
            lines.append(current)
            current = more + part
    if current:
        lines.append(current)
    return lines


def table_lines(section: Section, lang: Lang, width: int) -> list[str]:
    head = [column.label.render(lang) for column in section.columns]
    rows = [[cell_text(cell, lang) for cell in row] for row in section.rows]
    widths = [max(cell_len(text) for text in column) for column in zip(head, *rows, strict=False)]
    if sum(widths) + cell_len(GAP) * (len(widths) - 1) <= width:
        return [
            GAP.join(set_cell_size(text, w) for text, w in zip(line, widths, strict=False)).rstrip()
            for line in [head, *rows]
        ]
    out: list[str] = []
    for row in rows:
        parts = [f"{label}: {value}" for label, value in zip(head, row, strict=False) if value]
        out += packed(parts, width)
    return out


def report_lines(report: Report, lang: Lang, width: int) -> list[str]:
    """The report as lines of at most ``width`` cells (a single label/value too long for it still wraps)."""
    lines = [
        f"{report.title.render(lang)} {report.subject}".rstrip(),
        f"{Text('生成时间', 'Generated').render(lang)}: {local_time(report.generated_at)}",
    ]
    for section in report.sections:
        lines += ["", f"== {section.title.render(lang)} =="]
        if section.is_pairs:
            lines += [f"{cell_text(label, lang)}: {cell_text(value, lang)}" for label, value in section.rows]
        elif not section.rows:
            lines.append(Text("(无)", "(none)").render(lang))
        else:
            lines += table_lines(section, lang, width)
    return lines
