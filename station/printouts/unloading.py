"""The printed unloading record (卸气记录): label/value lines and the receipt printer's report layout.

It takes plain values: any object with an unloading view's fields (:class:`UnloadingRecord`, which the ledger's
``UnloadingView`` satisfies) — this package imports no ledger. The screen's detail view and its CSV share the
lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from station.i18n import Language, t
from station.money import format_centi
from station.printouts.receipt import ReportLine, ShiftReport

_CHINA = dt.timezone(dt.timedelta(hours=8))


class RecordEvent(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def detail(self) -> Mapping[str, Any]: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def attendant(self) -> str: ...


class RecordAmendment(Protocol):
    @property
    def field(self) -> str: ...
    @property
    def old_value(self) -> str: ...
    @property
    def new_value(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def manager(self) -> str: ...


class UnloadingRecord(Protocol):
    """What the record prints of an unloading (amendments applied; ``original`` the first-written values)."""

    @property
    def id(self) -> int: ...
    @property
    def trailer_plate(self) -> str: ...
    @property
    def tractor_plate(self) -> str: ...
    @property
    def driver_name(self) -> str: ...
    @property
    def supplier(self) -> str: ...
    @property
    def note_number(self) -> str: ...
    @property
    def declared_centi(self) -> int: ...
    @property
    def water_volume_l(self) -> int: ...
    @property
    def arrived_at(self) -> dt.datetime: ...
    @property
    def started_at(self) -> dt.datetime | None: ...
    @property
    def ended_at(self) -> dt.datetime | None: ...
    @property
    def departed_at(self) -> dt.datetime | None: ...
    @property
    def readings(self) -> Mapping[str, int | None]: ...
    @property
    def received_centi(self) -> int | None: ...
    @property
    def measured_by(self) -> str: ...
    @property
    def difference_centi(self) -> int | None: ...
    @property
    def flagged(self) -> bool: ...
    @property
    def attendant(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def events(self) -> Sequence[RecordEvent]: ...
    @property
    def amendments(self) -> Sequence[RecordAmendment]: ...
    @property
    def original(self) -> Mapping[str, str]: ...


def fmt_temp(value: int | None) -> str:
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 10}.{abs(value) % 10}"


def fmt_centi(value: int | None) -> str:
    return "-" if value is None else format_centi(value)


def record_lines(view: UnloadingRecord, lang: Language) -> list[tuple[str, str]]:
    """The unloading as label/value pairs: the printed record, the CSV and the detail view share them."""
    r = view.readings
    local = view.arrived_at.astimezone(_CHINA)

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


def unloading_report(view: UnloadingRecord, station_name: str, station_code: str, lang: Language) -> ShiftReport:
    """The printed unloading record, on the receipt printer's report layout."""
    return ShiftReport(
        station_name=station_name,
        station_code=station_code,
        title=t("unload.record_title", lang),
        time=(view.ended_at or view.arrived_at).astimezone(_CHINA).replace(tzinfo=None),
        lines=tuple(ReportLine(label, value) for label, value in record_lines(view, lang)),
    )
