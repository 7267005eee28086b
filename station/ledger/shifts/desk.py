"""The manager's desk for shifts (交接班, SPEC §6): open, drop cash, close with the count, sign off, close the day.

Every action that changes something is manager-only, checked here, one transaction, audited. The definitions
the figures rely on are in :mod:`station.ledger.shifts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import select

from station.ledger import audit, outbox
from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.journal import CASH_DRAWER, CASH_SAFE, _check_amount, _EntryDraft
from station.ledger.models import (
    Account,
    AccountKind,
    Attendant,
    Card,
    DayClose,
    Fill,
    FillStatus,
    Hold,
    HoldStatus,
    JournalEntry,
    Shift,
    ShiftAttendant,
    ShiftCashCount,
    ShiftClosing,
    ShiftStatus,
    ShiftTotalizer,
)
from station.ledger.shifts.counts import _check_cash_count, _check_closing_readings, _check_totalizers, _match_nozzles
from station.ledger.shifts.hq_events import day_close_payload, shift_close_payload
from station.ledger.shifts.queries import ShiftQueries
from station.ledger.shifts.values import (
    CASH_OVER_SHORT,
    DaySummary,
    DrawerStatus,
    Reconciliation,
    Totalizers,
    business_date_of,
    business_day_bounds,
)
from station.ledger.staff import Actor


class ShiftDesk(ShiftQueries):
    """Shift services on top of a :class:`~station.ledger.services.Ledger` (same database, same clock)."""

    def open_shift(
        self,
        manager: Actor,
        attendants: Sequence[Actor | str],
        opening_float_fen: int,
        opening_totalizers: Totalizers,
        note: str = "",
    ) -> int:
        """Open a shift: who works it, the float in the drawer, every configured nozzle's totalizers.

        ``attendants`` are actors or staff numbers. Returns the shift id. The drawer and the totalizers carry
        on from the previous close: a float other than the last count, or a totalizer gap not explained by
        the fills recorded between shifts, is refused without ``note``. The new shift adopts the
        between-shifts bucket (see the module docstring).
        """
        note = note.strip()
        _check_amount(opening_float_fen, name="float", allow_zero=True)
        readings = _check_totalizers(opening_totalizers)
        _match_nozzles(readings, self._settings_nozzles)
        numbers = list(dict.fromkeys(a.number if isinstance(a, Actor) else str(a).strip() for a in attendants))
        if not numbers:
            raise InvalidInput("attendants_required")
        ledger = self.ledger
        with ledger._tx() as session:
            ledger._actor(session, manager, manager=True)
            if ledger._open_shift_id(session) is not None:
                raise Refused("shift_already_open")
            today = business_date_of(ledger.now())
            if session.scalar(select(DayClose.id).where(DayClose.business_date == today)) is not None:
                raise Refused("day_closed", date=today.isoformat())
            staff: list[Attendant] = []
            for number in numbers:
                row = session.scalar(select(Attendant).where(Attendant.number == number))
                if row is None or not row.active:
                    raise NotFound("attendant_unknown", number=number)
                staff.append(row)
            previous = session.scalar(
                select(Shift).where(Shift.status == ShiftStatus.CLOSED).order_by(Shift.id.desc()).limit(1)
            )
            carried = previous.counted_cash_fen if previous is not None else None
            if carried is not None and opening_float_fen != carried and not note:
                raise Refused("float_differs_needs_note", float_fen=opening_float_fen, carried_fen=carried)
            bucket_fills = session.scalars(
                select(Fill).where(Fill.shift_id.is_(None), Fill.between_shifts.is_(True))
            ).all()
            if previous is not None:
                gaps = []
                tolerance = ledger.settings.thresholds.totalizer_tolerance
                for t in session.scalars(select(ShiftTotalizer).where(ShiftTotalizer.shift_id == previous.id)):
                    key = (t.dispenser, t.nozzle)
                    if key not in readings or t.closing_quantity_centi is None:
                        continue
                    sold = sum(f.quantity_centi for f in bucket_fills if (f.dispenser, f.nozzle) == key)
                    if abs(readings[key][0] - t.closing_quantity_centi - sold) > tolerance:
                        gaps.append(f"{key[0]}/{key[1]}")
                if gaps and not note:
                    raise Refused("totalizer_gap_needs_note", nozzles=", ".join(gaps))
            shift = Shift(
                status=ShiftStatus.OPEN,
                opened_at=ledger.now(),
                opened_by_id=manager.id,
                opening_float_fen=opening_float_fen,
                carried_cash_fen=carried,
                opening_note=note,
            )
            session.add(shift)
            session.flush()
            # Adopt the bucket before the float so the float is computed on the drawer without it.
            adopted_entries = session.scalars(
                select(JournalEntry).where(JournalEntry.shift_id.is_(None), JournalEntry.between_shifts.is_(True))
            ).all()
            drawer_id = session.scalar(select(Account.id).where(Account.code == CASH_DRAWER))
            bucket_cash = sum(p.amount_fen for e in adopted_entries for p in e.postings if p.account_id == drawer_id)
            for entry in adopted_entries:
                entry.shift_id = shift.id
            for fill in bucket_fills:
                fill.shift_id = shift.id
            drawer = ledger._balance(session, CASH_DRAWER) - bucket_cash
            if opening_float_fen != drawer:
                # The float comes from the safe (or the surplus goes back to it) so the drawer holds the float.
                draft = _EntryDraft("float", memo="opening float")
                draft.add(CASH_DRAWER, opening_float_fen - drawer)
                draft.add(CASH_SAFE, drawer - opening_float_fen)
                ledger._post(session, draft, manager.id)
            for row in staff:
                session.add(ShiftAttendant(shift_id=shift.id, attendant_id=row.id))
            for (dispenser, nozzle), (quantity, amount, typed) in sorted(readings.items()):
                session.add(
                    ShiftTotalizer(
                        shift_id=shift.id,
                        dispenser=dispenser,
                        nozzle=nozzle,
                        opening_quantity_centi=quantity,
                        opening_amount_fen=amount,
                        opening_typed=typed,
                        closing_typed=False,
                    )
                )
            session.flush()
            ledger._audit(
                session,
                manager.id,
                "shift_opened",
                shift=shift.id,
                float_fen=opening_float_fen,
                carried_fen=carried,
                note=note,
                adopted_fills=[f.id for f in bucket_fills],
                adopted_entries=[e.id for e in adopted_entries],
                attendants=numbers,
                typed=[f"{d}/{n}" for (d, n), r in sorted(readings.items()) if r[2]],
            )
            return shift.id

    def cash_drop(self, actor: Actor, amount_fen: int) -> DrawerStatus:
        """Drop cash to the safe (any logged-in staff; logged and audited by the ledger)."""
        self.ledger.cash_drop(actor, amount_fen)
        return self.drawer_status()

    def close_shift(
        self, manager: Actor, closing_totalizers: Totalizers, cash_count: Mapping[int, int], note: str = ""
    ) -> Reconciliation:
        """Close the open shift: closing totalizers, the drawer counted by denomination, the reconciliation.

        Refused with ``variance_needs_note`` when a nozzle variance is over tolerance, the drawer is over or
        short, or card debits differ from card fills, and ``note`` is empty.
        """
        readings = _check_totalizers(closing_totalizers)
        counts = _check_cash_count(cash_count)
        note = note.strip()
        ledger = self.ledger
        with ledger._tx() as session:
            ledger._actor(session, manager, manager=True)
            shift_id = ledger._open_shift_id(session)
            if shift_id is None:
                raise Refused("no_open_shift")
            shift = self._shift(session, shift_id, lock=True)
            rows = {
                (t.dispenser, t.nozzle): t
                for t in session.scalars(select(ShiftTotalizer).where(ShiftTotalizer.shift_id == shift_id))
            }
            _check_closing_readings(readings, rows)
            counted = sum(d * c for d, c in counts.items())
            end = ledger.now()
            preview = self._reconcile(session, shift, closing=readings, counts=counts, end=end)
            if preview.needs_note and not note:
                raise Refused("variance_needs_note", problems=list(preview.problems))
            for key, (quantity, amount, typed) in readings.items():
                row = rows[key]
                row.closing_quantity_centi = quantity
                row.closing_amount_fen = amount
                row.closing_typed = typed
            for denomination, count in counts.items():
                session.add(ShiftCashCount(shift_id=shift_id, denomination_fen=denomination, count=count))
            over_short = preview.cash.over_short_fen or 0
            if over_short:
                if session.scalar(select(Account.id).where(Account.code == CASH_OVER_SHORT)) is None:
                    session.add(Account(code=CASH_OVER_SHORT, name="Cash over/short 长短款", kind=AccountKind.EXPENSE))
                    session.flush()
                draft = _EntryDraft("cash_over_short", memo=f"shift {shift_id} cash over/short")
                draft.add(CASH_DRAWER, over_short)
                draft.add(CASH_OVER_SHORT, -over_short)
                ledger._post(session, draft, manager.id)
            shift.status = ShiftStatus.CLOSED
            shift.closed_at = end
            shift.closed_by_id = manager.id
            shift.counted_cash_fen = counted
            shift.note = note
            event = audit.append(
                session,
                at=end,
                actor_id=manager.id,
                action="shift_closed",
                detail={
                    "shift": shift_id,
                    "expected_fen": preview.cash.expected_fen,
                    "counted_fen": counted,
                    "over_short_fen": over_short,
                    "flagged": [f"{n.dispenser}/{n.nozzle}" for n in preview.flagged_nozzles],
                    "problems": list(preview.problems),
                    "note": note,
                },
            )
            session.add(
                ShiftClosing(
                    shift_id=shift_id,
                    expected_cash_fen=preview.cash.expected_fen,
                    counted_cash_fen=counted,
                    over_short_fen=over_short,
                    flagged_nozzles=len(preview.flagged_nozzles),
                    variance_note=note,
                    close_audit_id=event.id,
                    audit_head=event.hash,
                )
            )
            session.flush()
            rec = self._reconcile(session, shift)
            outbox.emit(session, "shift_close", shift_id, shift_close_payload(rec), end)
            return rec

    def preview_close(self, closing_totalizers: Totalizers, cash_count: Mapping[int, int]) -> Reconciliation:
        """The reconciliation the close would produce now, for the manager to read before confirming.

        Changes nothing; the same checks as :meth:`close_shift` on the readings and the count.
        """
        readings = _check_totalizers(closing_totalizers)
        counts = _check_cash_count(cash_count)
        ledger = self.ledger
        with ledger._read() as session:
            shift_id = ledger._open_shift_id(session)
            if shift_id is None:
                raise Refused("no_open_shift")
            shift = self._shift(session, shift_id)
            opened = {
                (t.dispenser, t.nozzle): t
                for t in session.scalars(select(ShiftTotalizer).where(ShiftTotalizer.shift_id == shift_id))
            }
            _check_closing_readings(readings, opened)
            return self._reconcile(session, shift, closing=readings, counts=counts, end=ledger.now())

    def sign_off(self, manager: Actor, shift_id: int) -> Reconciliation:
        """Manager sign-off of a closed shift's reconciliation."""
        ledger = self.ledger
        with ledger._tx() as session:
            ledger._actor(session, manager, manager=True)
            shift = self._shift(session, shift_id, lock=True)
            closing = session.get(ShiftClosing, shift_id)
            if shift.status is not ShiftStatus.CLOSED or closing is None:
                raise Refused("shift_not_closed", shift=shift_id)
            if closing.signed_off_at is not None:
                raise Refused("shift_already_signed_off", shift=shift_id)
            closing.signed_off_at = ledger.now()
            closing.signed_off_by_id = manager.id
            ledger._audit(session, manager.id, "shift_signed_off", shift=shift_id, audit_head=closing.audit_head)
            session.flush()
            return self._reconcile(session, shift)

    def day_close(self, manager: Actor, business_date: dt.date, note: str = "") -> DaySummary:
        """Close a business day (日结): every shift closed that day must be signed off, none may still be open."""
        if not isinstance(business_date, dt.date) or isinstance(business_date, dt.datetime):
            raise InvalidInput("date_invalid")
        ledger = self.ledger
        with ledger._tx() as session:
            ledger._actor(session, manager, manager=True)
            if session.scalar(select(DayClose.id).where(DayClose.business_date == business_date)) is not None:
                raise Refused("day_already_closed", date=business_date.isoformat())
            _start, stop = business_day_bounds(business_date)
            still_open = session.scalar(
                select(Shift.id).where(Shift.status == ShiftStatus.OPEN, Shift.opened_at < stop)
            )
            if still_open is not None:
                raise Refused("shift_still_open", shift=still_open)
            unpaid = session.scalar(select(Fill.id).where(Fill.status == FillStatus.UNPAID).order_by(Fill.id).limit(1))
            if unpaid is not None:
                raise Refused("day_has_unpaid_fill", fill=unpaid)
            hold = session.scalar(select(Hold).where(Hold.status == HoldStatus.OPEN).order_by(Hold.id).limit(1))
            if hold is not None:
                card = session.get(Card, hold.card_id)
                raise Refused("day_has_open_hold", hold=hold.id, number=card.number if card else "?")
            summary = self._day_summary(session, business_date)
            if not summary.shift_ids:
                raise Refused("day_has_no_shifts", date=business_date.isoformat())
            if summary.unsigned_shift_ids:
                raise Refused("shift_not_signed_off", shift=summary.unsigned_shift_ids[0])
            day = DayClose(
                business_date=business_date,
                shift_count=len(summary.shift_ids),
                fill_count=summary.fill_count,
                quantity_centi=summary.quantity_centi,
                sales_fen=summary.sales_fen,
                cash_sales_fen=summary.cash_sales_fen,
                card_sales_fen=summary.card_sales_fen,
                recharges_fen=summary.recharges_fen,
                drops_fen=summary.drops_fen,
                expected_cash_fen=summary.expected_cash_fen,
                counted_cash_fen=summary.counted_cash_fen,
                over_short_fen=summary.over_short_fen,
                closed_by_id=manager.id,
                closed_at=ledger.now(),
                note=note.strip(),
            )
            session.add(day)
            session.flush()
            for closing in session.scalars(select(ShiftClosing).where(ShiftClosing.shift_id.in_(summary.shift_ids))):
                closing.day_close_id = day.id
            ledger._audit(
                session,
                manager.id,
                "day_closed",
                date=business_date.isoformat(),
                shifts=list(summary.shift_ids),
                sales_fen=summary.sales_fen,
                over_short_fen=summary.over_short_fen,
            )
            session.flush()
            closed = self._day_summary(session, business_date)
            outbox.emit(session, "day_close", business_date.isoformat(), day_close_payload(closed), ledger.now())
            return closed
