"""Reading the shifts: the drawer against the cash-drop limit, the shifts, a shift's reconciliation, a day's sums."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from station.ledger.errors import NotFound
from station.ledger.journal import CASH_DRAWER
from station.ledger.models import CashDrop, DayClose, Shift, ShiftClosing, ShiftStatus
from station.ledger.shifts import figures
from station.ledger.shifts.reconcile import Reconciler
from station.ledger.shifts.values import (
    AttendantTimers,
    DaySummary,
    DrawerStatus,
    Reconciliation,
    ShiftSummary,
    business_day_bounds,
)


class ShiftQueries(Reconciler):
    """The shift desk's look-ups; nothing here changes the books."""

    def drawer_status(self) -> DrawerStatus:
        """Cash in the drawer against the cash-drop limit (warn at the limit, seed 003)."""
        ledger = self.ledger
        limit = ledger.settings.thresholds.cash_drop_limit
        with ledger._read() as session:
            cash = ledger._balance(session, CASH_DRAWER)
            shift_id = ledger._open_shift_id(session)
            drops = session.execute(
                select(func.count(CashDrop.id), func.coalesce(func.sum(CashDrop.amount_fen), 0)).where(
                    CashDrop.shift_id == shift_id
                )
            ).one()
        return DrawerStatus(
            shift_id=shift_id,
            cash_fen=cash,
            limit_fen=limit,
            warning=cash >= limit,
            excess_fen=max(0, cash - limit),
            drop_count=int(drops[0]) if shift_id is not None else 0,
            drops_fen=int(drops[1]) if shift_id is not None else 0,
        )

    def current_shift(self) -> int | None:
        return self.ledger.current_shift()

    def carried_cash_fen(self) -> int | None:
        """The drawer counted at the last close (None before the first close)."""
        with self.ledger._read() as session:
            return session.scalar(
                select(Shift.counted_cash_fen)
                .where(Shift.status == ShiftStatus.CLOSED)
                .order_by(Shift.id.desc())
                .limit(1)
            )

    def latest_shift_id(self) -> int | None:
        with self.ledger._read() as session:
            value = session.scalar(select(func.max(Shift.id)))
            return None if value is None else int(value)

    def shifts(self, limit: int = 20) -> list[ShiftSummary]:
        with self.ledger._read() as session:
            closings = {c.shift_id: c for c in session.scalars(select(ShiftClosing))}
            rows = session.scalars(select(Shift).order_by(Shift.id.desc()).limit(limit)).all()
            return [
                ShiftSummary(
                    s.id,
                    s.status.value,
                    s.opened_at,
                    s.closed_at,
                    s.id in closings and closings[s.id].signed_off_at is not None,
                    s.id in closings and closings[s.id].day_close_id is not None,
                )
                for s in rows
            ]

    def reconciliation(self, shift_id: int | None = None) -> Reconciliation:
        """The reconciliation of a shift (default: the open one, else the latest). Changes nothing."""
        with self.ledger._read() as session:
            if shift_id is None:
                shift_id = self.ledger._open_shift_id(session) or session.scalar(select(func.max(Shift.id)))
                if shift_id is None:
                    raise NotFound("shift_unknown", shift=None)
            return self._reconcile(session, self._shift(session, shift_id))

    def day_summary(self, business_date: dt.date) -> DaySummary:
        """The sums of the shifts closed on a business date (CST), whether or not the day is closed yet."""
        with self.ledger._read() as session:
            return self._day(session, business_date)[0]

    def day(self, business_date: dt.date) -> tuple[DaySummary, list[Reconciliation]]:
        """The day's sums and the reconciliations they were summed from, in one read (each shift once)."""
        with self.ledger._read() as session:
            return self._day(session, business_date)

    def day_timers(self, business_date: dt.date) -> tuple[AttendantTimers, ...]:
        """The day's timers per attendant (as in :meth:`day_summary`) from one GROUP BY over the day's fills."""
        ledger = self.ledger
        with ledger._read() as session:
            start, stop = business_day_bounds(business_date)
            shift_ids = list(session.connection().scalars(_DAY_SHIFT_IDS, {"start": start, "stop": stop}))
            if not shift_ids:
                return ()
            names = self._names(session)

            def who(attendant_id: int | None) -> str:
                return names.get(attendant_id, "—") if attendant_id is not None else "—"

            flow_limit = ledger.settings.timers.engine_off_to_flow_seconds * 1000
            commit_limit = ledger.settings.timers.fill_end_to_commit_seconds * 1000
            return figures.timers(session, shift_ids, who, flow_limit, commit_limit)

    def _day_summary(self, session: Session, business_date: dt.date) -> DaySummary:
        return self._day(session, business_date)[0]

    def _day(self, session: Session, business_date: dt.date) -> tuple[DaySummary, list[Reconciliation]]:
        shifts = session.scalars(_closed_on(business_date)).all()
        recs = [self._reconcile(session, s) for s in shifts]
        day = session.scalar(select(DayClose).where(DayClose.business_date == business_date))
        names = self._names(session)
        timers: dict[int | None, AttendantTimers] = {}
        for rec in recs:
            for t in rec.timers:
                timers[t.attendant_id] = _merge_timers(timers.get(t.attendant_id), t)
        summary = DaySummary(
            business_date=business_date,
            shift_ids=tuple(r.shift_id for r in recs),
            unsigned_shift_ids=tuple(r.shift_id for r in recs if r.signed_off_at is None),
            fill_count=sum(r.fill_count for r in recs),
            quantity_centi=sum(r.quantity_centi for r in recs),
            sales_fen=sum(r.sales_fen for r in recs),
            cash_sales_fen=sum(r.cash.cash_sales_fen for r in recs),
            card_sales_fen=sum(r.cards.card_fills_fen for r in recs),
            internal_fills_fen=sum(r.cards.internal_fills_fen for r in recs),
            recharges_fen=sum(r.cash.recharges_fen for r in recs),
            fees_fen=sum(r.cash.fees_fen for r in recs),
            refunds_fen=sum(r.cash.refunds_fen for r in recs),
            drops_fen=sum(r.cash.drops_fen for r in recs),
            expected_cash_fen=sum(r.cash.expected_fen for r in recs),
            counted_cash_fen=sum(r.cash.counted_fen or 0 for r in recs),
            over_short_fen=sum(r.cash.over_short_fen or 0 for r in recs),
            flagged_nozzles=sum(len(r.flagged_nozzles) for r in recs),
            unpaid_count=sum(len(r.unpaid_fills) for r in recs),
            unpaid_fen=sum(r.unpaid_fen for r in recs),
            timers=tuple(sorted(timers.values(), key=lambda t: t.attendant)),
            closed=day is not None,
            closed_by=names.get(day.closed_by_id, "") if day else "",
            closed_at=day.closed_at if day else None,
            note=day.note if day else "",
        )
        return summary, recs


_DAY_SHIFT_IDS = (
    select(Shift.id)
    .where(
        Shift.status == ShiftStatus.CLOSED, Shift.closed_at >= bindparam("start"), Shift.closed_at < bindparam("stop")
    )
    .order_by(Shift.id)
)


def _closed_on(business_date: dt.date) -> Select[Shift]:
    """The shifts closed on a business date (CST), by id (index on closed_at)."""
    start, stop = business_day_bounds(business_date)
    return (
        select(Shift)
        .where(Shift.status == ShiftStatus.CLOSED, Shift.closed_at >= start, Shift.closed_at < stop)
        .order_by(Shift.id)
    )


def _merge_timers(a: AttendantTimers | None, b: AttendantTimers) -> AttendantTimers:
    if a is None:
        return b
    return AttendantTimers(
        attendant_id=b.attendant_id,
        attendant=b.attendant,
        fill_count=a.fill_count + b.fill_count,
        quantity_centi=a.quantity_centi + b.quantity_centi,
        amount_fen=a.amount_fen + b.amount_fen,
        flow_timed=a.flow_timed + b.flow_timed,
        flow_over=a.flow_over + b.flow_over,
        flow_total_ms=a.flow_total_ms + b.flow_total_ms,
        commit_timed=a.commit_timed + b.commit_timed,
        commit_over=a.commit_over + b.commit_over,
        commit_total_ms=a.commit_total_ms + b.commit_total_ms,
    )
