"""The unloading log's value types: the checklist's steps, an arrival, readings, the views, the stock report.

Also the input checks and small computations every part of the log shares (the difference against the note, a
share in basis points, the next step).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from station.ledger.errors import InvalidInput

# The checklist, in its safe order. ``started`` and ``ended`` carry readings; the rest are confirmations.
STEPS: tuple[str, ...] = (
    "arrived",
    "parked",  # guided in, attendant at the trailer's left side at the post, parked in place
    "engine_off",
    "handbrake",
    "chocks",
    "key_handed",  # the tractor key handed to the operator
    "ground_connected",  # static ground before ANY hose
    "spark_arrestor",
    "hoses_checked",  # hoses connected, hoses and valves checked
    "leak_check",
    "started",
    "ended",
    "hose_disconnected",  # the hose comes off before the ground
    "ground_disconnected",
    "key_returned",
    "departed",
)
CONFIRM_STEPS = frozenset(STEPS) - {"arrived", "started", "ended"}
HOSE_STEPS = frozenset({"hoses_checked", "leak_check", "started"})
INTERRUPT_REASONS: tuple[str, ...] = ("lightning", "leak", "abnormal_pressure", "other")

TEXT_FIELDS = ("trailer_plate", "tractor_plate", "driver_name", "supplier", "note_number")
READING_FIELDS = (
    "trailer_pressure_start_centi_mpa",
    "trailer_temp_start_deci_c",
    "storage_pressure_start_centi_mpa",
    "storage_temp_start_deci_c",
    "trailer_pressure_end_centi_mpa",
    "trailer_temp_end_deci_c",
    "storage_pressure_end_centi_mpa",
    "storage_temp_end_deci_c",
)
INT_FIELDS = ("declared_centi", "water_volume_l", "received_centi", *READING_FIELDS)
AMENDABLE = frozenset(TEXT_FIELDS + INT_FIELDS)

MAX_PRESSURE_CENTI_MPA = 35_00  # 35 MPa: above any trailer or storage bank
MIN_TEMP_DECI_C, MAX_TEMP_DECI_C = -500, 800
MAX_QUANTITY_CENTI = 20_000_00  # 20 t: larger than any tube trailer


@dataclass(frozen=True)
class Arrival:
    trailer_plate: str
    driver_name: str
    supplier: str
    note_number: str
    declared_centi: int
    tractor_plate: str = ""
    water_volume_l: int | None = None  # None: the configured default


@dataclass(frozen=True)
class Readings:
    """Trailer and storage pressure (0.01 MPa gauge) and temperature (0.1 °C)."""

    trailer_pressure_centi_mpa: int
    trailer_temp_deci_c: int
    storage_pressure_centi_mpa: int
    storage_temp_deci_c: int


@dataclass(frozen=True)
class EventView:
    seq: int
    kind: str
    reason: str
    detail: dict[str, Any]
    at: dt.datetime
    attendant: str


@dataclass(frozen=True)
class AmendmentView:
    field: str
    old_value: str
    new_value: str
    reason: str
    manager: str
    at: dt.datetime


@dataclass(frozen=True)
class UnloadingView:
    """An unloading with amendments applied; ``original`` holds the first-written value of amended fields."""

    id: int
    trailer_plate: str
    tractor_plate: str
    driver_name: str
    supplier: str
    note_number: str
    product_code: str
    declared_centi: int
    water_volume_l: int
    arrived_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    departed_at: dt.datetime | None
    readings: dict[str, int | None]
    received_centi: int | None
    measured_by: str
    meter_record_number: int | None
    difference_centi: int | None
    flagged: bool
    status: str
    last_step: str
    next_step: str | None
    attendant: str
    stock_movement_id: int | None
    events: tuple[EventView, ...] = ()
    amendments: tuple[AmendmentView, ...] = ()
    original: dict[str, str] = field(default_factory=dict)

    @property
    def interrupted(self) -> bool:
        return self.status == "interrupted"

    @property
    def signed_off(self) -> bool:
        return any(e.kind == "signed_off" for e in self.events)

    @property
    def needs_sign_off(self) -> bool:
        """Received outside the note's tolerance: a manager signs it off before the trailer may leave."""
        return self.flagged and self.received_centi is not None and not self.signed_off

    def done(self, step: str) -> bool:
        return STEPS.index(step) <= STEPS.index(self.last_step)


@dataclass(frozen=True)
class StockReport:
    """Opening + received − sold (± adjustments) = book, against a measured figure, over [start, end)."""

    product_code: str
    start: dt.datetime
    end: dt.datetime
    opening_centi: int
    received_centi: int
    sold_centi: int
    adjustments_centi: int
    book_centi: int
    measured_centi: int | None
    measured_at: dt.datetime | None
    variance_centi: int | None  # measured − book: negative is a loss
    throughput_centi: int  # received + sold
    variance_share_bp: int | None  # |variance| / throughput in 0.01 % (basis points), half up
    tolerance_bp: int
    flagged: bool


def step_after(last_step: str) -> str | None:
    i = STEPS.index(last_step)
    return STEPS[i + 1] if i + 1 < len(STEPS) else None


def difference_flag(declared: int, received: int, tolerance_bp: int) -> tuple[int, bool]:
    diff = received - declared
    if declared == 0:
        return diff, diff != 0
    return diff, abs(diff) * 10_000 > declared * tolerance_bp


def share_bp(part: int, whole: int) -> int:
    # round half up of |part| / whole in 0.01 %
    return (2 * abs(part) * 10_000 + whole) // (2 * whole)


def check_text(value: str, name: str, max_len: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput("unload_field_required", field=name)
    if len(value) > max_len:
        raise InvalidInput("input_too_long", field=name)
    return value


def check_readings(readings: Readings) -> None:
    for p in (readings.trailer_pressure_centi_mpa, readings.storage_pressure_centi_mpa):
        if not 0 <= p <= MAX_PRESSURE_CENTI_MPA:
            raise InvalidInput("unload_reading_invalid", what="pressure")
    for temp in (readings.trailer_temp_deci_c, readings.storage_temp_deci_c):
        if not MIN_TEMP_DECI_C <= temp <= MAX_TEMP_DECI_C:
            raise InvalidInput("unload_reading_invalid", what="temperature")


def readings_detail(readings: Readings) -> dict[str, int]:
    return {
        "trailer_pressure": readings.trailer_pressure_centi_mpa,
        "trailer_temp": readings.trailer_temp_deci_c,
        "storage_pressure": readings.storage_pressure_centi_mpa,
        "storage_temp": readings.storage_temp_deci_c,
    }


def checklist_position(view: UnloadingView) -> Sequence[tuple[str, str]]:
    """Each step with its state: ``done``, ``next`` or ``todo`` (for screens and printed records)."""
    out: list[tuple[str, str]] = []
    for step in STEPS:
        if view.done(step):
            out.append((step, "done"))
        elif step == view.next_step:
            out.append((step, "next"))
        else:
            out.append((step, "todo"))
    return out
