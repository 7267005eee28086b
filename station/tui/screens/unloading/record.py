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
from station.printouts.receipt import ReportLine, ShiftReport
from station.tui.common import app_of
from station.tui.screens.unloading.fields import fmt_centi, fmt_temp


def record_lines(view: UnloadingView, lang: Language) -> list[tuple[str, str]]:
    """The unloading as label/value pairs: the printed record, the CSV and the detail view share them."""
    r = view.readings
    local = view.arrived_at.astimezone(dt.timezone(dt.timedelta(hours=8)))

    def when(value: dt.datetime | None) -> str:
        return "-" if value is None else value.astimezone(local.tzinfo).strftime("%Y-%m-%d %H:%M")

    def amended(name: str, shown: str) -> str:
        if name in view.original:
            return f"{shown} ({t('unload.amended', lang)}; {t('unload.original', lang, value=view.original[name])})"
        return shown

    how = {"meter": t("unload.by_meter", lang), "computed": t("unload.by_computed", lang)}.get(view.measured_by, "")
    lines = [
        ("No.", str(view.id)),
        (t("unload.trailer_plate", lang), amended("trailer_plate", view.trailer_plate)),
        (t("unload.tractor_plate", lang), amended("tractor_plate", view.tractor_plate)),
        (t("unload.driver", lang), amended("driver_name", view.driver_name)),
        (t("unload.supplier", lang), amended("supplier", view.supplier)),
        (t("unload.note_number", lang), amended("note_number", view.note_number)),
        (t("unload.declared", lang), amended("declared_centi", fmt_centi(view.declared_centi))),
        (t("unload.water_volume", lang), amended("water_volume_l", str(view.water_volume_l))),
        (t("unload.step.arrived", lang), when(view.arrived_at)),
        (t("unload.step.started", lang), when(view.started_at)),
        (t("unload.step.ended", lang), when(view.ended_at)),
        (t("unload.step.departed", lang), when(view.departed_at)),
        (
            t("unload.trailer_p", lang),
            f"{fmt_centi(r['trailer_pressure_start_centi_mpa'])} → {fmt_centi(r['trailer_pressure_end_centi_mpa'])}",
        ),
        (
            t("unload.trailer_t", lang),
            f"{fmt_temp(r['trailer_temp_start_deci_c'])} → {fmt_temp(r['trailer_temp_end_deci_c'])}",
        ),
        (
            t("unload.storage_p", lang),
            f"{fmt_centi(r['storage_pressure_start_centi_mpa'])} → {fmt_centi(r['storage_pressure_end_centi_mpa'])}",
        ),
        (
            t("unload.storage_t", lang),
            f"{fmt_temp(r['storage_temp_start_deci_c'])} → {fmt_temp(r['storage_temp_end_deci_c'])}",
        ),
        (t("unload.received", lang), amended("received_centi", f"{fmt_centi(view.received_centi)} kg {how}")),
        (
            t("unload.difference", lang),
            fmt_centi(view.difference_centi) + (f" {t('unload.flagged', lang)}" if view.flagged else ""),
        ),
        (t("unload.attendant", lang), view.attendant),
        (t("unload.status", lang), t(f"unload.status.{view.status}", lang)),
    ]
    for e in view.events:
        if e.kind in ("interrupted", "resumed", "signed_off"):
            reason = t(f"unload.reason.{e.reason}", lang) if e.reason else ""
            who = e.attendant if e.kind == "signed_off" else ""  # the manager who signed the difference off
            lines.append(
                (t(f"unload.step.{e.kind}", lang), f"{when(e.at)} {reason} {who} {e.detail.get('note', '')}".strip())
            )
    for a in view.amendments:
        lines.append((t("unload.amended", lang), f"{a.field}: {a.old_value} → {a.new_value} ({a.reason}, {a.manager})"))
    return lines


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


def unloading_report(view: UnloadingView, station_name: str, station_code: str, lang: Language) -> ShiftReport:
    """The printed unloading record, on the receipt printer's report layout."""
    return ShiftReport(
        station_name=station_name,
        station_code=station_code,
        title=t("unload.record_title", lang),
        time=(view.ended_at or view.arrived_at).astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None),
        lines=tuple(ReportLine(label, value) for label, value in record_lines(view, lang)),
    )
