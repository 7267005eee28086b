"""Fills: a dispenser transaction recorded as an unpaid fill (idempotent on its key), and its look-ups.

How a fill is paid is in :mod:`station.ledger.settlement`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station.ledger.errors import InvalidInput, NotFound
from station.ledger.holds import Holds
from station.ledger.models import (
    Card,
    Fill,
    FillStatus,
    Hold,
    HoldStatus,
    LaneAuthorization,
    PaymentMode,
    Product,
    StockMovement,
)
from station.ledger.sequence_log import StepRow, write_steps
from station.ledger.sql import DriverInsert, DriverSQL, fetch, insert_row, run, table
from station.ledger.staff import Actor
from station.ledger.vehicles import normalise_plate
from station.money import MAX_FEN, amount_for

MAX_QUANTITY_CENTI = 100_000_00  # 100,000 units: no vehicle fill is larger


@dataclass(frozen=True)
class FillRecord:
    """A completed dispenser transaction as the dispenser reported it."""

    dispenser: int
    nozzle: int
    transaction_number: int
    product_code: str
    unit: str
    unit_price_fen: int
    quantity_centi: int
    dispenser_amount_fen: int
    started_at: dt.datetime
    ended_at: dt.datetime
    pressure_before_centi_mpa: int = 0
    pressure_after_centi_mpa: int = 0
    totalizer_before_centi: int = 0
    totalizer_after_centi: int = 0
    stop_reason: str = ""


@dataclass(frozen=True)
class FillView:
    id: int
    dispenser: int
    nozzle: int
    transaction_number: int
    product_code: str
    unit: str
    unit_price_fen: int
    quantity_centi: int
    amount_fen: int
    dispenser_amount_fen: int
    amount_mismatch: bool
    status: FillStatus
    payment_mode: PaymentMode | None
    card_number: str | None
    plate: str
    tendered_fen: int | None
    change_fen: int | None
    started_at: dt.datetime
    ended_at: dt.datetime
    settled_at: dt.datetime | None
    engine_off_to_flow_ms: int | None
    fill_end_to_commit_ms: int | None
    pressure_before_centi_mpa: int
    pressure_after_centi_mpa: int
    stop_reason: str
    attendant_id: int | None
    created: bool = True  # False when record_fill found it already recorded
    hold_id: int | None = None  # the card hold placed for this fill before authorizing


_VIEW_COLUMNS = (
    "id",
    "dispenser",
    "nozzle",
    "transaction_number",
    "product_code",
    "unit",
    "unit_price_fen",
    "quantity_centi",
    "amount_fen",
    "dispenser_amount_fen",
    "amount_mismatch",
    "status",
    "payment_mode",
    "plate",
    "tendered_fen",
    "change_fen",
    "started_at",
    "ended_at",
    "settled_at",
    "engine_off_to_flow_ms",
    "fill_end_to_commit_ms",
    "pressure_before_centi_mpa",
    "pressure_after_centi_mpa",
    "stop_reason",
    "attendant_id",
    "hold_id",
)


def _view(values: Mapping[str, Any], card_number: str | None, created: bool = True) -> FillView:
    """A fill's view from its column values (an ORM row's or the ones just written)."""
    return FillView(**{c: values[c] for c in _VIEW_COLUMNS}, card_number=card_number, created=created)


_FILLS = table(Fill).c
_FILL_COLUMNS = (
    *("dispenser", "nozzle", "transaction_number", "product_code", "unit", "unit_price_fen", "quantity_centi"),
    *("amount_fen", "dispenser_amount_fen", "amount_mismatch", "pressure_before_centi_mpa"),
    *("pressure_after_centi_mpa", "totalizer_before_centi", "totalizer_after_centi", "started_at", "ended_at"),
    *("stop_reason", "status", "plate", "card_id", "attendant_id", "shift_id", "between_shifts"),
    *("engine_off_to_flow_ms", "settled_at", "hold_id"),
)
_AUTHS = table(LaneAuthorization).c
# Built once (a reused statement keeps its cache key): the statements of every recorded fill.
# On the driver's cursor: plain ints and strings in and out (see DriverSQL).
_FIND_FILL_ID = DriverSQL("SELECT id FROM fills WHERE dispenser = ? AND nozzle = ? AND transaction_number = ?")
_LIVE_AUTH = DriverSQL(
    "SELECT id, card_id, plate, attendant_id, hold_id FROM lane_authorizations"
    " WHERE dispenser = ? AND nozzle = ? AND status = 'live' ORDER BY id LIMIT 1"
)
_AUTH_RECORDED = update(table(LaneAuthorization)).where(_AUTHS.id == bindparam("auth")).values(status="recorded")
# On the driver's cursor, converted by the columns' own types (see DriverInsert).
_INSERT_FILL = DriverInsert(Fill, _FILL_COLUMNS)
_INSERT_STOCK = DriverInsert(
    StockMovement, ("kind", "product_code", "quantity_centi", "fill_id", "reference", "created_at", "actor_id")
)
_PRODUCT = select(table(Product).c.code).where(table(Product).c.code == bindparam("code"))


class _Auth(NamedTuple):
    id: int
    card_id: int | None
    plate: str
    attendant_id: int | None
    hold_id: int | None


class Fills(Holds):
    """Recording a fill and reading fills back."""

    def _fill_view(self, session: Session, fill: Fill, created: bool = True) -> FillView:
        card_number = session.get(Card, fill.card_id).number if fill.card_id else None  # type: ignore[union-attr]
        return _view({c: getattr(fill, c) for c in _VIEW_COLUMNS}, card_number, created)

    def record_fill(
        self,
        record: FillRecord,
        *,
        attendant: Actor | None = None,
        plate: str = "",
        engine_off_to_flow_ms: int | None = None,
        card_number: str | None = None,
        steps: Sequence[StepRow] = (),
        sequence_id: str = "",
    ) -> FillView:
        """Record a completed dispenser transaction as an unpaid fill. Idempotent on its key.

        ``card_number``: the card the driver chose to pay with, so the card cannot be closed under it.
        ``steps``: the sequence's steps not yet written, committed with the fill; ``sequence_id``: the sequence
        whose steps (all of them) are linked to the fill, also when it was recorded already.
        """
        if record.quantity_centi < 0 or record.quantity_centi > MAX_QUANTITY_CENTI:
            raise InvalidInput("quantity_invalid")
        if record.unit_price_fen <= 0 or record.dispenser_amount_fen < 0 or record.dispenser_amount_fen > MAX_FEN:
            raise InvalidInput("amount_not_positive", field="unit_price")
        amount = amount_for(record.unit_price_fen, record.quantity_centi)
        key = (record.dispenser, record.nozzle, record.transaction_number)
        try:
            with self._tx() as session:
                # One id look-up; the ORM row is loaded only in the rare case it is there already.
                if fetch(session, _FIND_FILL_ID, *key):
                    existing = self._find_fill(session, *key)
                    assert existing is not None
                    write_steps(session, steps, sequence_id=sequence_id, fill_id=existing.id)
                    return self._fill_view(session, existing, created=False)
                view = self._insert_fill(session, record, amount, attendant, plate, engine_off_to_flow_ms, card_number)
                write_steps(session, steps, sequence_id=sequence_id, fill_id=view.id)
                return view
        except IntegrityError:
            # Another writer recorded the same transaction between our check and insert.
            with self._tx() if steps or sequence_id else self._read() as session:
                existing = self._find_fill(session, *key)
                if existing is None:
                    raise
                write_steps(session, steps, sequence_id=sequence_id, fill_id=existing.id)
                return self._fill_view(session, existing, created=False)

    def _insert_fill(
        self,
        session: Session,
        record: FillRecord,
        amount: int,
        attendant: Actor | None,
        plate: str,
        engine_off_to_flow_ms: int | None,
        card_number: str | None,
    ) -> FillView:
        """The fill's rows with Core statements: the lane authorization read first, so the fill is inserted once
        with what its sequence knew, then the authorization marked recorded and the stock moved."""
        self._require_product(session, record.product_code)
        card_id = self._card(session, number=card_number).id if card_number else None
        # The gas is gone: a fill with no shift open is not refused but goes to the audited bucket.
        shift_id = self._open_shift_id(session)
        mismatch = abs(amount - record.dispenser_amount_fen) > self.settings.thresholds.amount_mismatch_fen
        attendant_id = attendant.id if attendant else None
        status = FillStatus.UNPAID if amount else FillStatus.PAID
        # The oldest live authorization of the nozzle is this transaction's: the dispenser serves one at a time.
        live = fetch(session, _LIVE_AUTH, record.dispenser, record.nozzle)
        auth = _Auth(*live[0]) if live else None
        values: dict[str, Any] = {
            "dispenser": record.dispenser,
            "nozzle": record.nozzle,
            "transaction_number": record.transaction_number,
            "product_code": record.product_code,
            "unit": record.unit,
            "unit_price_fen": record.unit_price_fen,
            "quantity_centi": record.quantity_centi,
            "amount_fen": amount,
            "dispenser_amount_fen": record.dispenser_amount_fen,
            "amount_mismatch": mismatch,
            "pressure_before_centi_mpa": record.pressure_before_centi_mpa,
            "pressure_after_centi_mpa": record.pressure_after_centi_mpa,
            "totalizer_before_centi": record.totalizer_before_centi,
            "totalizer_after_centi": record.totalizer_after_centi,
            "started_at": record.started_at,
            "ended_at": record.ended_at,
            "stop_reason": record.stop_reason,
            "status": status,
            "plate": normalise_plate(plate),
            "card_id": card_id,
            "attendant_id": attendant_id,
            "shift_id": shift_id,
            "between_shifts": shift_id is None,
            "engine_off_to_flow_ms": engine_off_to_flow_ms,
            "settled_at": None if amount else self.now(),
            "hold_id": None,
        }
        if auth is not None:
            # What the sequence knew before authorizing: card, hold, plate, attendant.
            values["card_id"] = values["card_id"] or auth.card_id
            values["plate"] = values["plate"] or auth.plate
            values["attendant_id"] = values["attendant_id"] or auth.attendant_id
            values["hold_id"] = auth.hold_id
        fill_id = insert_row(session, _INSERT_FILL, values)
        if auth is not None:
            run(session, _AUTH_RECORDED, {"auth": auth.id, "fill_id": fill_id})
            hold = session.get(Hold, auth.hold_id, with_for_update=True) if auth.hold_id else None
            if hold is not None and hold.status is HoldStatus.OPEN and status is FillStatus.PAID:
                # A fill with nothing to pay gives its hold straight back.
                entry = self._resolve_hold(session, hold, 0, auth.attendant_id, shift_id=shift_id)
                hold.resolved_entry_id = entry.id if entry else None
        fill_key = f"{record.dispenser}/{record.nozzle}/{record.transaction_number}"
        if shift_id is None:
            self._audit(
                session,
                attendant_id,
                "between_shifts_fill",
                fill=fill_id,
                key=fill_key,
                quantity_centi=record.quantity_centi,
                amount_fen=amount,
            )
        if record.quantity_centi:
            insert_row(
                session,
                _INSERT_STOCK,
                {
                    "kind": "fill",
                    "product_code": record.product_code,
                    "quantity_centi": -record.quantity_centi,
                    "fill_id": fill_id,
                    "reference": fill_key,
                    "created_at": self.now(),
                    "actor_id": attendant_id,
                },
            )
        if mismatch:
            self._audit(
                session,
                None,
                "fill_amount_mismatch",
                dispenser=record.dispenser,
                nozzle=record.nozzle,
                transaction=record.transaction_number,
                ours_fen=amount,
                dispenser_fen=record.dispenser_amount_fen,
            )
        if values["card_id"] is not None and values["card_id"] != card_id:
            card_number = session.scalar(select(table(Card).c.number).where(table(Card).c.id == values["card_id"]))
        values.update(id=fill_id, payment_mode=None, tendered_fen=None, change_fen=None, fill_end_to_commit_ms=None)
        return _view(values, card_number if values["card_id"] is not None else None)

    def _require_product(self, session: Session, code: str) -> None:
        """Products are never deleted: one found once is not looked up again."""
        if code in self._known_products:
            return
        if run(session, _PRODUCT, {"code": code}).first() is None:
            raise NotFound("product_unknown", product=code)
        self._known_products.add(code)

    @staticmethod
    def _find_fill(session: Session, dispenser: int, nozzle: int, number: int) -> Fill | None:
        return session.scalar(
            select(Fill).where(Fill.dispenser == dispenser, Fill.nozzle == nozzle, Fill.transaction_number == number)
        )

    def fill(self, fill_id: int) -> FillView:
        with self._read() as session:
            fill = session.get(Fill, fill_id)
            if fill is None:
                raise NotFound("fill_unknown", fill=fill_id)
            return self._fill_view(session, fill)

    def unpaid_fills(self, dispenser: int | None = None, nozzle: int | None = None) -> list[FillView]:
        with self._read() as session:
            stmt = select(Fill).where(Fill.status == FillStatus.UNPAID)
            if dispenser is not None:
                stmt = stmt.where(Fill.dispenser == dispenser)
            if nozzle is not None:
                stmt = stmt.where(Fill.nozzle == nozzle)
            return [self._fill_view(session, f) for f in session.scalars(stmt.order_by(Fill.id))]

    def fill_recorded(self, dispenser: int, nozzle: int, number: int) -> bool:
        """Whether this dispenser transaction is in the ledger (a look-up; takes no write lock)."""
        with self._read() as session:
            return self._find_fill(session, dispenser, nozzle, number) is not None
