"""An unloading as a record: its label/value lines, the CSV, the stock text, where exports go, and the printout."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from station.core.views import (
    StockReport,
    UnloadingView,
)
from station.i18n import Language, t
from station.money import format_centi
from station.printouts.unloading import record_lines
from station.tui.common import app_of


def write_csv(views: list[UnloadingView], path: Path, lang: Language) -> Path:
    """One row per unloading, the same columns as the printed record. UTF-8 with BOM for spreadsheets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        if views:
            base = record_lines(views[0], lang)
            writer.writerow([label for label, _ in base[:20]])
        for view in views:
            writer.writerow([value for _, value in record_lines(view, lang)[:20]])
    return path


def stock_text(report: StockReport, day: dt.date, lang: Language) -> str:
    lines = [
        f"[b]{t('unload.stock_title', lang, day=day.isoformat())}[/b]",
        t(
            "unload.stock_line",
            lang,
            opening=format_centi(report.opening_centi),
            received=format_centi(report.received_centi),
            sold=format_centi(report.sold_centi),
            adjust=format_centi(report.adjustments_centi),
            book=format_centi(report.book_centi),
        ),
    ]
    if report.measured_centi is None:
        lines.append(t("unload.stock_unmeasured", lang))
    else:
        share = "-" if report.variance_share_bp is None else format_centi(report.variance_share_bp)
        text = t(
            "unload.stock_measured",
            lang,
            measured=format_centi(report.measured_centi),
            variance=format_centi(report.variance_centi or 0),
            share=share,
            tolerance=format_centi(report.tolerance_bp),
        )
        lines.append(f"[red]✗ {text} {t('unload.flagged', lang)}[/]" if report.flagged else f"[green]✓ {text}[/]")
    return "\n".join(lines)


def export_dir(node: Any) -> Path:
    queue = app_of(node).core.print_queue
    return (queue.spool_dir.parent if queue is not None else Path.cwd()) / "exports"
