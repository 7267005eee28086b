"""Fills: a dispenser transaction recorded as an unpaid fill (idempotent on its key), and its look-ups.

How a fill is paid is in :mod:`station.ledger.settlement`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
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


class Fills(Holds):
    """Recording a fill and reading fills back."""

    def _fill_view(self, session: Session, fill: Fill, created: bool = True) -> FillView:
        card_number = session.get(Card, fill.card_id).number if fill.card_id else None  # type: ignore[union-attr]
        return FillView(
            id=fill.id,
            dispenser=fill.dispenser,
            nozzle=fill.nozzle,
            transaction_number=fill.transaction_number,
            product_code=fill.product_code,
            unit=fill.unit,
            unit_price_fen=fill.unit_price_fen,
            quantity_centi=fill.quantity_centi,
            amount_fen=fill.amount_fen,
            dispenser_amount_fen=fill.dispenser_amount_fen,
            amount_mismatch=fill.amount_mismatch,
            status=fill.status,
            payment_mode=fill.payment_mode,
            card_number=card_number,
            plate=fill.plate,
            tendered_fen=fill.tendered_fen,
            change_fen=fill.change_fen,
            started_at=fill.started_at,
            ended_at=fill.ended_at,
            settled_at=fill.settled_at,
            engine_off_to_flow_ms=fill.engine_off_to_flow_ms,
            fill_end_to_commit_ms=fill.fill_end_to_commit_ms,
            pressure_before_centi_mpa=fill.pressure_before_centi_mpa,
            pressure_after_centi_mpa=fill.pressure_after_centi_mpa,
            stop_reason=fill.stop_reason,
            attendant_id=fill.attendant_id,
            created=created,
            hold_id=fill.hold_id,
        )

    def record_fill(
        self,
        record: FillRecord,
        *,
        attendant: Actor | None = None,
        plate: str = "",
        engine_off_to_flow_ms: int | None = None,
        card_number: str | None = None,
    ) -> FillView:
        """Record a completed dispenser transaction as an unpaid fill. Idempotent on its key.

        ``card_number``: the card the driver chose to pay with, so the card cannot be closed under it.
        """
        if record.quantity_centi < 0 or record.quantity_centi > MAX_QUANTITY_CENTI:
            raise InvalidInput("quantity_invalid")
        if record.unit_price_fen <= 0 or record.dispenser_amount_fen < 0 or record.dispenser_amount_fen > MAX_FEN:
            raise InvalidInput("amount_not_positive", field="unit_price")
        amount = amount_for(record.unit_price_fen, record.quantity_centi)
        key = (record.dispenser, record.nozzle, record.transaction_number)
        with self._read() as session:
            existing = self._find_fill(session, *key)
            if existing is not None:
                return self._fill_view(session, existing, created=False)
        try:
            with self._tx() as session:
                existing = self._find_fill(session, *key)
                if existing is not None:
                    return self._fill_view(session, existing, created=False)
                if session.get(Product, record.product_code) is None:
                    raise NotFound("product_unknown", product=record.product_code)
                card_id = self._card(session, number=card_number).id if card_number else None
                # The gas is gone: a fill with no shift open is not refused but goes to the audited bucket.
                shift_id = self._open_shift_id(session)
                mismatch = abs(amount - record.dispenser_amount_fen) > self.settings.thresholds.amount_mismatch_fen
                fill = Fill(
                    dispenser=record.dispenser,
                    nozzle=record.nozzle,
                    transaction_number=record.transaction_number,
                    product_code=record.product_code,
                    unit=record.unit,
                    unit_price_fen=record.unit_price_fen,
                    quantity_centi=record.quantity_centi,
                    amount_fen=amount,
                    dispenser_amount_fen=record.dispenser_amount_fen,
                    amount_mismatch=mismatch,
                    pressure_before_centi_mpa=record.pressure_before_centi_mpa,
                    pressure_after_centi_mpa=record.pressure_after_centi_mpa,
                    totalizer_before_centi=record.totalizer_before_centi,
                    totalizer_after_centi=record.totalizer_after_centi,
                    started_at=record.started_at,
                    ended_at=record.ended_at,
                    stop_reason=record.stop_reason,
                    status=FillStatus.UNPAID if amount else FillStatus.PAID,
                    plate=normalise_plate(plate),
                    card_id=card_id,
                    attendant_id=attendant.id if attendant else None,
                    shift_id=shift_id,
                    between_shifts=shift_id is None,
                    engine_off_to_flow_ms=engine_off_to_flow_ms,
                    settled_at=None if amount else self.now(),
                )
                session.add(fill)
                session.flush()
                self._attach_authorization(session, fill)
                if shift_id is None:
                    self._audit(
                        session,
                        attendant.id if attendant else None,
                        "between_shifts_fill",
                        fill=fill.id,
                        key=f"{record.dispenser}/{record.nozzle}/{record.transaction_number}",
                        quantity_centi=record.quantity_centi,
                        amount_fen=amount,
                    )
                if record.quantity_centi:
                    session.add(
                        StockMovement(
                            kind="fill",
                            product_code=record.product_code,
                            quantity_centi=-record.quantity_centi,
                            fill_id=fill.id,
                            reference=f"{record.dispenser}/{record.nozzle}/{record.transaction_number}",
                            created_at=self.now(),
                            actor_id=attendant.id if attendant else None,
                        )
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
                return self._fill_view(session, fill)
        except IntegrityError:
            # Another writer recorded the same transaction between our check and insert.
            with self._read() as session:
                existing = self._find_fill(session, *key)
                if existing is None:
                    raise
                return self._fill_view(session, existing, created=False)

    def _attach_authorization(self, session: Session, fill: Fill) -> None:
        """Give the fill what its sequence knew before authorizing (card, hold, plate, attendant).

        The oldest live authorization of the nozzle is this transaction's: the dispenser serves one at a time.
        A fill with nothing to pay gives its hold straight back.
        """
        auth = session.scalars(
            select(LaneAuthorization)
            .where(
                LaneAuthorization.dispenser == fill.dispenser,
                LaneAuthorization.nozzle == fill.nozzle,
                LaneAuthorization.status == "live",
            )
            .order_by(LaneAuthorization.id)
            .limit(1)
        ).first()
        if auth is None:
            return
        auth.status = "recorded"
        auth.fill_id = fill.id
        fill.card_id = fill.card_id or auth.card_id
        fill.plate = fill.plate or auth.plate
        fill.attendant_id = fill.attendant_id or auth.attendant_id
        fill.hold_id = auth.hold_id
        hold = session.get(Hold, auth.hold_id, with_for_update=True) if auth.hold_id else None
        if hold is not None and hold.status is HoldStatus.OPEN and fill.status is FillStatus.PAID:
            entry = self._resolve_hold(session, hold, 0, auth.attendant_id)
            hold.resolved_entry_id = entry.id if entry else None

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
