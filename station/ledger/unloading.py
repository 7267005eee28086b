"""The tube-trailer unloading log (卸气记录, SPEC §7) and the gas-stock reconciliation.

:class:`UnloadingLog` enforces the unloading checklist in its safe order (seed 002: the attendant guides the
trailer to the post and stands at its left side until it is parked safely; then the engine is off, the
handbrake on, the wheels chocked, the key handed to the operator, the static ground connected before any
hose ...). A step out of order is refused with a specific code and nothing is written. Ending an unloading
posts a ``delivery`` to the gas-stock quantity ledger in the same transaction. Corrections are manager
amendments that keep the original value visible. Every method commits all its effects or raises a
:class:`~station.ledger.errors.LedgerError` with nothing changed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from station.gas import GasError, delivered_centi
from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.models import Attendant, Product, Shift, StockMovement
from station.ledger.models_unloading import StockCount, Unloading, UnloadingAmendment, UnloadingEvent
from station.ledger.services import Ledger
from station.ledger.staff import Actor
from station.ledger.vehicles import normalise_plate

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


def _next_step(last_step: str) -> str | None:
    i = STEPS.index(last_step)
    return STEPS[i + 1] if i + 1 < len(STEPS) else None


def _difference_flag(declared: int, received: int, tolerance_bp: int) -> tuple[int, bool]:
    diff = received - declared
    if declared == 0:
        return diff, diff != 0
    return diff, abs(diff) * 10_000 > declared * tolerance_bp


def _share_bp(part: int, whole: int) -> int:
    # round half up of |part| / whole in 0.01 %
    return (2 * abs(part) * 10_000 + whole) // (2 * whole)


def _check_text(value: str, name: str, max_len: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput("unload_field_required", field=name)
    if len(value) > max_len:
        raise InvalidInput("input_too_long", field=name)
    return value


def _check_readings(readings: Readings) -> None:
    for p in (readings.trailer_pressure_centi_mpa, readings.storage_pressure_centi_mpa):
        if not 0 <= p <= MAX_PRESSURE_CENTI_MPA:
            raise InvalidInput("unload_reading_invalid", what="pressure")
    for temp in (readings.trailer_temp_deci_c, readings.storage_temp_deci_c):
        if not MIN_TEMP_DECI_C <= temp <= MAX_TEMP_DECI_C:
            raise InvalidInput("unload_reading_invalid", what="temperature")


class UnloadingLog:
    """The unloading log's services over a :class:`Ledger` (same database, same transactions and audit)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self.ledger._tx() as session:
            yield session

    @property
    def _settings_tolerance_bp(self) -> int:
        return self.ledger.settings.unloading.declared_tolerance_percent

    def _zone(self) -> dt.tzinfo:
        zone = getattr(self.ledger.settings.station, "zone", None)
        return zone if isinstance(zone, dt.tzinfo) else ZoneInfo("Asia/Shanghai")

    def _row(self, session: Session, unloading_id: int) -> Unloading:
        row = session.scalar(select(Unloading).where(Unloading.id == unloading_id).with_for_update())
        if row is None:
            raise NotFound("unload_not_found", id=unloading_id)
        return row

    def _event(
        self,
        session: Session,
        row: Unloading,
        actor_id: int,
        kind: str,
        *,
        reason: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        seq = session.scalar(
            select(func.coalesce(func.max(UnloadingEvent.seq), 0)).where(UnloadingEvent.unloading_id == row.id)
        )
        session.add(
            UnloadingEvent(
                unloading_id=row.id,
                seq=int(seq or 0) + 1,
                kind=kind,
                reason=reason,
                detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
                at=self.ledger.now(),
                attendant_id=actor_id,
            )
        )
        session.flush()

    @staticmethod
    def _check_order(row: Unloading, step: str) -> None:
        if row.status == "departed":
            raise Refused("unload_departed")
        if row.status == "interrupted":  # even the end: it is resumed (and the reason cleared) first
            raise Refused("unload_interrupted")
        done = STEPS.index(row.last_step)
        wanted = STEPS.index(step)
        if wanted == done + 1:
            return
        if wanted <= done:
            raise Refused("unload_step_done", step=step)
        expected = STEPS[done + 1]
        if step in HOSE_STEPS and done < STEPS.index("ground_connected"):
            raise Refused("unload_hose_before_ground", expected=expected)
        if step == "ground_disconnected" and done < STEPS.index("hose_disconnected"):
            raise Refused("unload_ground_before_hose", expected=expected)
        if step == "departed" and done < STEPS.index("key_returned"):
            raise Refused("unload_key_not_returned", expected=expected)
        raise Refused("unload_step_out_of_order", step=step, expected=expected)

    # ------------------------------------------------------------------ the checklist

    def arrive(self, actor: Actor, arrival: Arrival) -> int:
        """Log a trailer's arrival (the first step); return the unloading's id."""
        plate = normalise_plate(_check_text(arrival.trailer_plate, "trailer_plate", 16))
        tractor = normalise_plate(_check_text(arrival.tractor_plate, "tractor_plate", 16, required=False))
        driver = _check_text(arrival.driver_name, "driver_name", 64)
        supplier = _check_text(arrival.supplier, "supplier", 64)
        note = _check_text(arrival.note_number, "note_number", 32)
        if not 0 <= arrival.declared_centi <= MAX_QUANTITY_CENTI:
            raise InvalidInput("quantity_invalid")
        volume = arrival.water_volume_l or self.ledger.settings.unloading.default_water_volume_l
        if not 0 < volume <= 100_000:
            raise InvalidInput("unload_water_volume_invalid")
        product = self.ledger.settings.unloading.product
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            if session.get(Product, product) is None:
                raise NotFound("product_unknown", product=product)
            row = Unloading(
                trailer_plate=plate,
                tractor_plate=tractor,
                driver_name=driver,
                supplier=supplier,
                note_number=note,
                product_code=product,
                declared_centi=arrival.declared_centi,
                water_volume_l=volume,
                arrived_at=self.ledger.now(),
                measured_by="",
                flagged=False,
                status="open",
                last_step="arrived",
                attendant_id=person.id,
            )
            session.add(row)
            session.flush()
            self._event(session, row, person.id, "arrived", detail={"plate": plate, "note": note})
            self.ledger._audit(session, person.id, "unloading_arrived", unloading=row.id, trailer=plate, note=note)
            return row.id

    def confirm(self, actor: Actor, unloading_id: int, step: str, note: str = "") -> UnloadingView:
        """Confirm one checklist step (not ``arrived``, ``started`` or ``ended``, which carry data)."""
        if step not in CONFIRM_STEPS:
            raise InvalidInput("unload_step_unknown", step=step)
        note = _check_text(note, "note", 200, required=False)
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            self._check_order(row, step)
            if step == "departed":
                view = self._view(session, row)
                if view.needs_sign_off:
                    raise Refused(
                        "unload_signoff_required",
                        difference=view.difference_centi,
                        tolerance=self._settings_tolerance_bp,
                    )
            row.last_step = step
            if step == "departed":
                row.status = "departed"
                row.departed_at = self.ledger.now()
            self._event(session, row, person.id, step, detail={"note": note} if note else None)
            if step == "departed":
                self.ledger._audit(session, person.id, "unloading_departed", unloading=row.id)
            return self._view(session, row)

    def start(
        self, actor: Actor, unloading_id: int, readings: Readings, meter_record: int | None = None
    ) -> UnloadingView:
        """Start unloading: the start readings of trailer and storage."""
        _check_readings(readings)
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            self._check_order(row, "started")
            row.last_step = "started"
            row.status = "unloading"
            row.started_at = self.ledger.now()
            row.trailer_pressure_start_centi_mpa = readings.trailer_pressure_centi_mpa
            row.trailer_temp_start_deci_c = readings.trailer_temp_deci_c
            row.storage_pressure_start_centi_mpa = readings.storage_pressure_centi_mpa
            row.storage_temp_start_deci_c = readings.storage_temp_deci_c
            if meter_record is not None:
                row.meter_record_number = meter_record
            self._event(session, row, person.id, "started", detail=_readings_detail(readings))
            return self._view(session, row)

    def interrupt(self, actor: Actor, unloading_id: int, reason: str, note: str = "") -> UnloadingView:
        """Interrupt a running unloading (lightning, leak, abnormal pressure, other)."""
        if reason not in INTERRUPT_REASONS:
            raise InvalidInput("unload_reason_invalid", reason=reason)
        note = _check_text(note, "note", 200, required=reason == "other")
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            if row.status == "interrupted":
                raise Refused("unload_interrupted")
            if row.status != "unloading":
                raise Refused("unload_not_running")
            row.status = "interrupted"
            self._event(session, row, person.id, "interrupted", reason=reason, detail={"note": note})
            self.ledger._audit(session, person.id, "unloading_interrupted", unloading=row.id, reason=reason)
            return self._view(session, row)

    def resume(self, actor: Actor, unloading_id: int, note: str = "") -> UnloadingView:
        note = _check_text(note, "note", 200, required=False)
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            if row.status != "interrupted":
                raise Refused("unload_not_interrupted")
            row.status = "unloading"
            self._event(session, row, person.id, "resumed", detail={"note": note})
            return self._view(session, row)

    def end(
        self,
        actor: Actor,
        unloading_id: int,
        readings: Readings,
        *,
        meter_centi: int | None = None,
        meter_record: int | None = None,
    ) -> UnloadingView:
        """End unloading with the end readings; the quantity is the meter's when given, else computed.

        Posts a ``delivery`` of the quantity received to the gas stock in the same transaction.
        """
        _check_readings(readings)
        if meter_centi is not None and not 0 <= meter_centi <= MAX_QUANTITY_CENTI:
            raise InvalidInput("quantity_invalid")
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            self._check_order(row, "ended")
            if meter_centi is not None:
                received, how = meter_centi, "meter"
            else:
                assert row.trailer_pressure_start_centi_mpa is not None and row.trailer_temp_start_deci_c is not None
                try:
                    received = delivered_centi(
                        self.ledger.settings.gas.composition,
                        row.water_volume_l,
                        row.trailer_pressure_start_centi_mpa,
                        row.trailer_temp_start_deci_c,
                        readings.trailer_pressure_centi_mpa,
                        readings.trailer_temp_deci_c,
                    )
                except GasError as exc:
                    raise InvalidInput("unload_reading_invalid", what="state", detail=str(exc)[:80]) from exc
                how = "computed"
            diff, flagged = _difference_flag(row.declared_centi, received, self._settings_tolerance_bp)
            row.last_step = "ended"
            row.status = "ended"
            row.ended_at = self.ledger.now()
            row.trailer_pressure_end_centi_mpa = readings.trailer_pressure_centi_mpa
            row.trailer_temp_end_deci_c = readings.trailer_temp_deci_c
            row.storage_pressure_end_centi_mpa = readings.storage_pressure_centi_mpa
            row.storage_temp_end_deci_c = readings.storage_temp_deci_c
            row.received_centi = received
            row.measured_by = how
            if meter_record is not None:
                row.meter_record_number = meter_record
            row.difference_centi = diff
            row.flagged = flagged
            if received > 0:
                move = StockMovement(
                    kind="delivery",
                    product_code=row.product_code,
                    quantity_centi=received,
                    reference=f"unload:{row.id} {row.note_number}"[:64],
                    created_at=self.ledger.now(),
                    actor_id=person.id,
                )
                session.add(move)
                session.flush()
                row.stock_movement_id = move.id
            self._event(
                session, row, person.id, "ended", detail={**_readings_detail(readings), "received": received, "by": how}
            )
            self.ledger._audit(
                session,
                person.id,
                "unloading_ended",
                unloading=row.id,
                received_centi=received,
                measured_by=how,
                declared_centi=row.declared_centi,
                flagged=flagged,
            )
            return self._view(session, row)

    def sign_off(self, manager: Actor, unloading_id: int, note: str) -> UnloadingView:
        """A manager signs off a received quantity outside the note's tolerance, with a note (audited)."""
        note = note.strip()
        if not note:
            raise InvalidInput("reason_required")
        if len(note) > 200:
            raise InvalidInput("input_too_long", field="note")
        with self._tx() as session:
            person = self.ledger._actor(session, manager, manager=True)
            row = self._row(session, unloading_id)
            if row.status == "departed":
                raise Refused("unload_departed")
            view = self._view(session, row)
            if view.received_centi is None:
                raise Refused("unload_not_ended")
            if view.signed_off:
                raise Refused("unload_signed_off")
            if not view.flagged:
                raise Refused("unload_signoff_not_needed")
            detail: dict[str, Any] = {
                "note": note,
                "declared": view.declared_centi,
                "received": view.received_centi,
                "difference": view.difference_centi,
            }
            self._event(session, row, person.id, "signed_off", detail=detail)
            self.ledger._audit(session, person.id, "unloading_signed_off", unloading=row.id, **detail)
            return self._view(session, row)

    # ------------------------------------------------------------------ corrections

    def amend(self, manager: Actor, unloading_id: int, field_name: str, new_value: str, reason: str) -> UnloadingView:
        """A manager's correction of one field. The original row is untouched; the amendment is audited.

        Correcting ``received_centi`` of an ended unloading posts the difference to the gas stock as an
        ``adjustment``.
        """
        if field_name not in AMENDABLE:
            raise InvalidInput("unload_field_not_amendable", field=field_name)
        reason = reason.strip()
        if not reason:
            raise InvalidInput("reason_required")
        if len(reason) > 200:
            raise InvalidInput("input_too_long", field="reason")
        new_text = new_value.strip()
        if field_name in INT_FIELDS:
            try:
                number = int(new_text)
            except ValueError:
                raise InvalidInput("input_not_number", field=field_name) from None
            if field_name in ("declared_centi", "received_centi") and not 0 <= number <= MAX_QUANTITY_CENTI:
                raise InvalidInput("quantity_invalid")
            if field_name == "water_volume_l" and not 0 < number <= 100_000:
                raise InvalidInput("unload_water_volume_invalid")
            if "pressure" in field_name and not 0 <= number <= MAX_PRESSURE_CENTI_MPA:
                raise InvalidInput("unload_reading_invalid", what="pressure")
            if "temp" in field_name and not MIN_TEMP_DECI_C <= number <= MAX_TEMP_DECI_C:
                raise InvalidInput("unload_reading_invalid", what="temperature")
            new_text = str(number)
        else:
            new_text = _check_text(new_text, field_name, 64)
            if field_name.endswith("plate"):
                new_text = normalise_plate(new_text)
        with self._tx() as session:
            person = self.ledger._actor(session, manager, manager=True)
            row = self._row(session, unloading_id)
            current = self._effective(session, row)
            old_text = "" if current.get(field_name) is None else str(current[field_name])
            if field_name == "received_centi" and row.received_centi is None:
                raise Refused("unload_not_ended")
            if old_text == new_text:
                raise Refused("unload_amend_same", field=field_name)
            move_id: int | None = None
            if field_name == "received_centi":
                delta = int(new_text) - int(old_text)
                move = StockMovement(
                    kind="adjustment",
                    product_code=row.product_code,
                    quantity_centi=delta,
                    reference=f"unload:{row.id} amend"[:64],
                    created_at=self.ledger.now(),
                    actor_id=person.id,
                )
                session.add(move)
                session.flush()
                move_id = move.id
            session.add(
                UnloadingAmendment(
                    unloading_id=row.id,
                    field=field_name,
                    old_value=old_text[:64],
                    new_value=new_text[:64],
                    reason=reason,
                    manager_id=person.id,
                    at=self.ledger.now(),
                    stock_movement_id=move_id,
                )
            )
            session.flush()
            self.ledger._audit(
                session,
                person.id,
                "unloading_amended",
                unloading=row.id,
                field=field_name,
                old=old_text,
                new=new_text,
                reason=reason,
            )
            return self._view(session, row)

    # ------------------------------------------------------------------ reading

    def get(self, unloading_id: int) -> UnloadingView:
        with self.ledger._read() as session:
            row = session.get(Unloading, unloading_id)
            if row is None:
                raise NotFound("unload_not_found", id=unloading_id)
            return self._view(session, row)

    def open_unloadings(self) -> list[UnloadingView]:
        with self.ledger._read() as session:
            rows = session.scalars(select(Unloading).where(Unloading.status != "departed").order_by(Unloading.id))
            return [self._view(session, r) for r in rows]

    def search(
        self,
        *,
        day_from: dt.date | None = None,
        day_to: dt.date | None = None,
        trailer: str = "",
        supplier: str = "",
        note_number: str = "",
        text: str = "",
        limit: int = 200,
    ) -> list[UnloadingView]:
        """Unloadings by arrival date (station-local, inclusive), trailer, supplier, note number; newest first.

        ``text`` matches any of trailer plate, tractor plate, supplier, note number or driver.
        """
        zone = self._zone()
        query = select(Unloading)
        if day_from is not None:
            query = query.where(Unloading.arrived_at >= dt.datetime.combine(day_from, dt.time(), zone))
        if day_to is not None:
            end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), zone)
            query = query.where(Unloading.arrived_at < end)
        if trailer.strip():
            query = query.where(Unloading.trailer_plate.contains(normalise_plate(trailer), autoescape=True))
        if supplier.strip():
            query = query.where(Unloading.supplier.contains(supplier.strip(), autoescape=True))
        if note_number.strip():
            query = query.where(Unloading.note_number.contains(note_number.strip(), autoescape=True))
        if text.strip():
            words = text.strip()
            query = query.where(
                or_(
                    Unloading.trailer_plate.contains(normalise_plate(words), autoescape=True),
                    Unloading.tractor_plate.contains(normalise_plate(words), autoescape=True),
                    Unloading.supplier.contains(words, autoescape=True),
                    Unloading.note_number.contains(words, autoescape=True),
                    Unloading.driver_name.contains(words, autoescape=True),
                )
            )
        query = query.order_by(Unloading.arrived_at.desc(), Unloading.id.desc()).limit(max(1, min(limit, 1000)))
        with self.ledger._read() as session:
            return [self._view(session, r) for r in session.scalars(query)]

    def _effective(self, session: Session, row: Unloading) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(row, name) for name in TEXT_FIELDS + INT_FIELDS}
        amendments = session.scalars(
            select(UnloadingAmendment).where(UnloadingAmendment.unloading_id == row.id).order_by(UnloadingAmendment.id)
        )
        for a in amendments:
            values[a.field] = int(a.new_value) if a.field in INT_FIELDS else a.new_value
        return values

    def _view(self, session: Session, row: Unloading) -> UnloadingView:
        names: dict[int, str] = {}

        def name(attendant_id: int) -> str:
            if attendant_id not in names:
                person = session.get(Attendant, attendant_id)
                names[attendant_id] = person.name if person else str(attendant_id)
            return names[attendant_id]

        events = tuple(
            EventView(e.seq, e.kind, e.reason, json.loads(e.detail or "{}"), e.at, name(e.attendant_id))
            for e in session.scalars(
                select(UnloadingEvent).where(UnloadingEvent.unloading_id == row.id).order_by(UnloadingEvent.seq)
            )
        )
        amendment_rows = list(
            session.scalars(
                select(UnloadingAmendment)
                .where(UnloadingAmendment.unloading_id == row.id)
                .order_by(UnloadingAmendment.id)
            )
        )
        amendments = tuple(
            AmendmentView(a.field, a.old_value, a.new_value, a.reason, name(a.manager_id), a.at) for a in amendment_rows
        )
        values = self._effective(session, row)
        original: dict[str, str] = {}
        for a in amendment_rows:
            value = getattr(row, a.field)
            original.setdefault(a.field, "" if value is None else str(value))
        received = values["received_centi"]
        diff, flagged = row.difference_centi, row.flagged
        if received is not None and ("received_centi" in original or "declared_centi" in original):
            diff, flagged = _difference_flag(values["declared_centi"], received, self._settings_tolerance_bp)
        return UnloadingView(
            id=row.id,
            trailer_plate=values["trailer_plate"],
            tractor_plate=values["tractor_plate"],
            driver_name=values["driver_name"],
            supplier=values["supplier"],
            note_number=values["note_number"],
            product_code=row.product_code,
            declared_centi=values["declared_centi"],
            water_volume_l=values["water_volume_l"],
            arrived_at=row.arrived_at,
            started_at=row.started_at,
            ended_at=row.ended_at,
            departed_at=row.departed_at,
            readings={k: values[k] for k in READING_FIELDS},
            received_centi=received,
            measured_by=row.measured_by,
            meter_record_number=row.meter_record_number,
            difference_centi=diff,
            flagged=flagged,
            status=row.status,
            last_step=row.last_step,
            next_step=None if row.status == "interrupted" else _next_step(row.last_step),
            attendant=name(row.attendant_id),
            stock_movement_id=row.stock_movement_id,
            events=events,
            amendments=amendments,
            original=original,
        )

    # ------------------------------------------------------------------ gas stock reconciliation

    def record_stock_count(
        self, manager: Actor, measured_centi: int, *, at: dt.datetime | None = None, note: str = ""
    ) -> int:
        """A manager enters a measured gas stock figure (e.g. from the storage bank's reading)."""
        if not 0 <= measured_centi <= 10**9:
            raise InvalidInput("quantity_invalid")
        note = _check_text(note, "note", 200, required=False)
        product = self.ledger.settings.unloading.product
        with self._tx() as session:
            person = self.ledger._actor(session, manager, manager=True)
            count = StockCount(
                product_code=product,
                measured_centi=measured_centi,
                measured_at=at or self.ledger.now(),
                note=note,
                manager_id=person.id,
                created_at=self.ledger.now(),
            )
            session.add(count)
            session.flush()
            self.ledger._audit(session, person.id, "stock_counted", measured_centi=measured_centi, note=note)
            return count.id

    def stock_report(self, start: dt.datetime, end: dt.datetime) -> StockReport:
        """The gas stock over [start, end): opening + received − sold (± adjustments) vs the last measured figure."""
        if end <= start:
            raise InvalidInput("unload_period_invalid")
        product = self.ledger.settings.unloading.product
        tolerance = self.ledger.settings.unloading.stock_tolerance_percent
        with self.ledger._read() as session:

            def total(*conditions: Any) -> int:
                value = session.scalar(
                    select(func.coalesce(func.sum(StockMovement.quantity_centi), 0)).where(
                        StockMovement.product_code == product, *conditions
                    )
                )
                return int(value or 0)

            inside = (StockMovement.created_at >= start, StockMovement.created_at < end)
            opening = total(StockMovement.created_at < start)
            received = total(StockMovement.kind == "delivery", *inside)
            sold = -total(StockMovement.kind == "fill", *inside)
            adjustments = total(StockMovement.kind == "adjustment", *inside)
            count = session.scalar(
                select(StockCount)
                .where(
                    StockCount.product_code == product, StockCount.measured_at > start, StockCount.measured_at <= end
                )
                .order_by(StockCount.measured_at.desc(), StockCount.id.desc())
                .limit(1)
            )
        book = opening + received - sold + adjustments
        throughput = received + sold
        measured = count.measured_centi if count is not None else None
        variance = None if measured is None else measured - book
        share: int | None = None
        flagged = False
        if variance is not None:
            if throughput > 0:
                share = _share_bp(variance, throughput)
                flagged = share > tolerance
            else:
                flagged = variance != 0
        return StockReport(
            product_code=product,
            start=start,
            end=end,
            opening_centi=opening,
            received_centi=received,
            sold_centi=sold,
            adjustments_centi=adjustments,
            book_centi=book,
            measured_centi=measured,
            measured_at=count.measured_at if count is not None else None,
            variance_centi=variance,
            throughput_centi=throughput,
            variance_share_bp=share,
            tolerance_bp=tolerance,
            flagged=flagged,
        )

    def day_stock_report(self, day: dt.date) -> StockReport:
        """The stock over one station-local calendar day."""
        zone = self._zone()
        start = dt.datetime.combine(day, dt.time(), zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
        return self.stock_report(start.astimezone(dt.UTC), end.astimezone(dt.UTC))

    def shift_stock_report(self, shift_id: int) -> StockReport:
        """The stock over a shift, from its opening to its close (or now, while it is open)."""
        with self.ledger._read() as session:
            shift = session.get(Shift, shift_id)
            if shift is None:
                raise NotFound("unload_shift_unknown", shift=shift_id)
            start, closed = shift.opened_at, shift.closed_at
        end = closed or self.ledger.now()
        if end <= start:
            end = start + dt.timedelta(microseconds=1)
        return self.stock_report(start, end + dt.timedelta(microseconds=1))


def _readings_detail(readings: Readings) -> dict[str, int]:
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
