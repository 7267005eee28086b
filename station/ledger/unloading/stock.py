"""The gas stock: a manager's measured count and the report of opening + received − sold vs measured."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from station.ledger.errors import InvalidInput, NotFound
from station.ledger.models import Shift, StockMovement
from station.ledger.models_unloading import StockCount
from station.ledger.staff import Actor
from station.ledger.unloading.core import UnloadingCore
from station.ledger.unloading.values import (
    StockReport,
    check_text,
    share_bp,
)


class StockReconciliation(UnloadingCore):
    """Stock counts and the stock report over a period, a day or a shift."""

    def record_stock_count(
        self, manager: Actor, measured_centi: int, *, at: dt.datetime | None = None, note: str = ""
    ) -> int:
        """A manager enters a measured gas stock figure (e.g. from the storage bank's reading)."""
        if not 0 <= measured_centi <= 10**9:
            raise InvalidInput("quantity_invalid")
        note = check_text(note, "note", 200, required=False)
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
                share = share_bp(variance, throughput)
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
