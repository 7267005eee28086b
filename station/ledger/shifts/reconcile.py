"""One piece because a reconciliation is one read in one session, each figure checked against the others.

The shift's reconciliation computed from the books: nozzles against totalizers, the drawer's expected cash against
the count, card debits against card fills, holds, unpaid fills, timers and events. Reads only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.ledger import audit
from station.ledger.callbacks import service_due
from station.ledger.errors import NotFound
from station.ledger.hq_prices import HQ_REASON_PREFIX
from station.ledger.journal import CASH_DRAWER
from station.ledger.models import (
    Account,
    Attendant,
    AuditEvent,
    CashDrop,
    Fill,
    FillStatus,
    JournalEntry,
    Price,
    Shift,
    ShiftAttendant,
    ShiftCashCount,
    ShiftClosing,
    ShiftStatus,
    ShiftTotalizer,
    StationState,
)
from station.ledger.services import Ledger
from station.ledger.shifts import figures
from station.ledger.shifts.invoiced import shift_invoices
from station.ledger.shifts.values import (
    _CASH_KINDS,
    DENOMINATIONS_FEN,
    BetweenShifts,
    CardReconciliation,
    CashDropLine,
    CashReconciliation,
    EventLine,
    FillLine,
    NozzleKey,
    NozzleReconciliation,
    PriceChangeLine,
    PriceLine,
    Reconciliation,
    TotalizerReading,
    business_date_of,
)
from station.money import amount_for

_NO_FILLS = figures.NozzleSums()
_NAMES = select(Attendant.id, Attendant.number, Attendant.name)
# Rows, not objects: the reconciliation only reads them (Core on the session's connection skips the ORM's work).
_TOTALIZERS = select(ShiftTotalizer.__table__)
_NEAR_EVENTS = 8  # open events looked at from the shift's opening time (one per shift: the first is it)


class Reconciler:
    """Computes a shift's :class:`~station.ledger.shifts.values.Reconciliation` from the ledger's books."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @property
    def _settings_nozzles(self) -> list[NozzleKey]:
        return [(n.dispenser, n.nozzle) for n in self.ledger.settings.nozzles]

    def _product_of(self, key: NozzleKey) -> str:
        for n in self.ledger.settings.nozzles:
            if (n.dispenser, n.nozzle) == key:
                return n.product
        return self.ledger.settings.products[0].code

    @staticmethod
    def _names(session: Session) -> dict[int, str]:
        return {i: f"{number} {name}" for i, number, name in session.connection().execute(_NAMES)}

    @staticmethod
    def _shift(session: Session, shift_id: int, *, lock: bool = False) -> Shift:
        shift = session.get(Shift, shift_id, with_for_update=lock)
        if shift is None:
            raise NotFound("shift_unknown", shift=shift_id)
        return shift

    @staticmethod
    def _price_at(session: Session, product: str, level: int, at: dt.datetime) -> int | None:
        price = session.connection().scalar(
            select(Price.unit_price_fen)
            .where(Price.product_code == product, Price.level == level, Price.effective_from <= at)
            .order_by(Price.effective_from.desc(), Price.id.desc())
            .limit(1)
        )
        return None if price is None else int(price)

    @staticmethod
    def _open_event_id(session: Session, shift: Shift) -> int:
        # The open event is written after the shift row, so at or after its opened_at: look there first, in
        # time order (index on action, at), and only if the clock went backwards walk every open event.
        opened = (AuditEvent.action == "shift_opened") & (AuditEvent.at >= shift.opened_at)
        near = select(AuditEvent.id, AuditEvent.detail).where(opened).order_by(AuditEvent.at, AuditEvent.id)
        for event_id, detail in session.connection().execute(near.limit(_NEAR_EVENTS)):
            if json.loads(detail).get("shift") == shift.id:
                return int(event_id)
        for event_id, detail in session.connection().execute(
            select(AuditEvent.id, AuditEvent.detail)
            .where(AuditEvent.action == "shift_opened")
            .order_by(AuditEvent.id.desc())
        ):
            if json.loads(detail).get("shift") == shift.id:
                return int(event_id)
        return 0

    def _reconcile(
        self,
        session: Session,
        shift: Shift,
        *,
        closing: Mapping[NozzleKey, TotalizerReading] | None = None,
        counts: Mapping[int, int] | None = None,
        end: dt.datetime | None = None,
    ) -> Reconciliation:
        ledger = self.ledger
        settings = ledger.settings
        session.flush()  # the Core reads below do not autoflush: a closing's own changes must be seen
        names = self._names(session)
        sid = shift.id
        record = session.get(ShiftClosing, sid)
        end = end or shift.closed_at or ledger.now()
        tolerance = settings.thresholds.totalizer_tolerance

        def who(attendant_id: int | None) -> str:
            return names.get(attendant_id, "—") if attendant_id is not None else "—"

        # ---- fills of the shift, summed per nozzle and per attendant in one GROUP BY
        flow_limit = settings.timers.engine_off_to_flow_seconds * 1000
        commit_limit = settings.timers.fill_end_to_commit_seconds * 1000
        fill_sums = figures.fill_sums(session, sid, end, who, flow_limit, commit_limit)
        sums, totals = fill_sums.nozzles, fill_sums.totals

        # ---- nozzles
        totalizers = {
            (t.dispenser, t.nozzle): t
            for t in session.connection().execute(_TOTALIZERS.where(ShiftTotalizer.shift_id == sid))
        }
        keys = sorted(set(totalizers) | set(sums))
        list_prices: dict[str, int] = {}
        previous_shift = select(func.max(ShiftTotalizer.shift_id)).where(ShiftTotalizer.shift_id < sid)
        previous = {
            (int(d), int(n)): q
            for d, n, q in session.connection().execute(
                select(ShiftTotalizer.dispenser, ShiftTotalizer.nozzle, ShiftTotalizer.closing_quantity_centi).where(
                    ShiftTotalizer.shift_id == previous_shift.scalar_subquery()
                )
            )
        }
        nozzles: list[NozzleReconciliation] = []
        for key in keys:
            row = totalizers.get(key)
            # Between-shift fills happened before this opening reading: they explain the gap, not the delta.
            mine = sums.get(key, _NO_FILLS)
            between = mine.between_quantity_centi
            product = mine.product_code or self._product_of(key)
            if product not in list_prices:  # one look-up per product, not per nozzle
                list_prices[product] = self._price_at(session, product, 0, end) or 0
            list_price = list_prices[product]
            amount_tolerance = amount_for(list_price, tolerance)
            fq, fa, fda = mine.quantity_centi, mine.amount_fen, mine.dispenser_amount_fen
            oq = row.opening_quantity_centi if row else None
            oa = row.opening_amount_fen if row else None
            cq: int | None
            ca: int | None
            if closing is not None and key in closing:
                cq, ca, ctyped = closing[key]
            elif row is not None:
                cq, ca, ctyped = row.closing_quantity_centi, row.closing_amount_fen, row.closing_typed
            else:
                cq, ca, ctyped = None, None, False
            dq = cq - oq if cq is not None and oq is not None else None
            da = ca - oa if ca is not None and oa is not None else None
            vq = dq - fq if dq is not None else None
            va = da - fda if da is not None else None
            prev = previous.get(key)
            gap = oq - prev if oq is not None and prev is not None else None
            flagged = (
                row is None
                or (vq is not None and abs(vq) > tolerance)
                or (va is not None and abs(va) > amount_tolerance)
                or (gap is not None and abs(gap - between) > tolerance)
            )
            nozzles.append(
                NozzleReconciliation(
                    dispenser=key[0],
                    nozzle=key[1],
                    product_code=product,
                    opening_quantity_centi=oq,
                    opening_amount_fen=oa,
                    opening_typed=row.opening_typed if row else False,
                    closing_quantity_centi=cq,
                    closing_amount_fen=ca,
                    closing_typed=ctyped,
                    delta_quantity_centi=dq,
                    delta_amount_fen=da,
                    fill_count=mine.fill_count,
                    fills_quantity_centi=fq,
                    fills_amount_fen=fa,
                    fills_dispenser_amount_fen=fda,
                    variance_quantity_centi=vq,
                    variance_amount_fen=va,
                    gap_from_previous_centi=gap,
                    tolerance_centi=tolerance,
                    amount_tolerance_fen=amount_tolerance,
                    flagged=flagged,
                    between_shifts_quantity_centi=between,
                )
            )

        # ---- cash
        drawer_id = session.connection().scalar(select(Account.id).where(Account.code == CASH_DRAWER))
        journal = figures.journal_sums(session, sid, drawer_id)
        by_kind = journal.drawer_by_kind
        # The float entry is already the opening float; over/short is posted by the close itself.
        other = sum(
            t for k, (t, _n) in by_kind.items() if k not in _CASH_KINDS and k not in ("cash_over_short", "float")
        )
        sales, sale_count = by_kind.get("fill_sale", (0, 0))
        recharges, recharge_count = by_kind.get("recharge", (0, 0))
        fees = by_kind.get("fee", (0, 0))[0]
        refunds = -by_kind.get("refund", (0, 0))[0]
        drops_total = -by_kind.get("cash_drop", (0, 0))[0]
        expected = shift.opening_float_fen + sales + recharges + fees - refunds - drops_total + other
        drops = tuple(
            CashDropLine(d.created_at, d.amount_fen, who(d.attendant_id))
            for d in session.connection().execute(
                select(CashDrop.__table__).where(CashDrop.shift_id == sid).order_by(CashDrop.id)
            )
        )
        if counts is None and record is not None:
            counts = {
                int(denomination): int(pieces)
                for denomination, pieces in session.connection().execute(
                    select(ShiftCashCount.denomination_fen, ShiftCashCount.count).where(ShiftCashCount.shift_id == sid)
                )
            }
        counted = sum(d * c for d, c in counts.items()) if counts is not None else None
        cash = CashReconciliation(
            opening_float_fen=shift.opening_float_fen,
            cash_sales_fen=sales,
            cash_sale_count=sale_count,
            recharges_fen=recharges,
            recharge_count=recharge_count,
            fees_fen=fees,
            refunds_fen=refunds,
            drops_fen=drops_total,
            drops=drops,
            other_fen=other,
            expected_fen=expected,
            counted_fen=counted,
            over_short_fen=counted - expected if counted is not None else None,
            count=tuple((d, (counts or {}).get(d, 0)) for d in DENOMINATIONS_FEN),
        )

        # ---- cards: the sales settled in the shift, and the holds open at its end
        card_sums = figures.card_sums(session, sid)
        holds = figures.open_holds(session, end)
        card_rec = CardReconciliation(
            card_fill_count=card_sums.paying_count,
            card_fills_fen=card_sums.paying_fen,
            card_debits_fen=journal.card_debits_fen,
            debit_variance_fen=journal.card_debits_fen - card_sums.paying_fen,
            internal_fill_count=card_sums.internal_count,
            internal_fills_fen=card_sums.internal_fen,
            recharge_count=recharge_count,
            recharges_fen=recharges,
            open_holds=holds,
            open_holds_fen=sum(h.amount_fen for h in holds),
        )

        # ---- timers per attendant
        timers = fill_sums.timers

        # ---- audited manager actions in the shift
        start_id = self._open_event_id(session, shift)
        stmt = select(AuditEvent).where(AuditEvent.id > start_id).order_by(AuditEvent.id)
        if record is not None and record.close_audit_id is not None:
            stmt = stmt.where(AuditEvent.id <= record.close_audit_id)
        reversals: list[EventLine] = []
        overrides: list[EventLine] = []
        adjustments: list[EventLine] = []
        cleared: list[FillLine] = []
        for event in session.scalars(
            stmt.where(AuditEvent.action.in_(("entry_reversed", "override", "card_adjusted", "unpaid_fill_cleared")))
        ):
            detail: dict[str, Any] = json.loads(event.detail)
            reason = str(detail.get("reason", ""))
            if event.action == "entry_reversed":
                original = session.get(JournalEntry, int(detail.get("entry", 0)))
                amount: int | None = (
                    sum(p.amount_fen for p in original.postings if p.amount_fen > 0) if original else None
                )
                kind = original.kind if original else "?"
                summary = f"#{detail.get('entry')} {kind} → #{detail.get('reversal')}"
                reversals.append(
                    EventLine(event.id, event.at, event.action, who(event.actor_id), "", summary, reason, amount)
                )
            elif event.action == "override":
                extra = {k: v for k, v in detail.items() if k not in ("what", "reason")}
                summary = str(detail.get("what", "")) + (
                    " " + " ".join(f"{k}={v}" for k, v in sorted(extra.items())) if extra else ""
                )
                overrides.append(EventLine(event.id, event.at, event.action, who(event.actor_id), "", summary, reason))
            elif event.action == "card_adjusted":
                amount_value = detail.get("amount_fen")
                adjustments.append(
                    EventLine(
                        event.id,
                        event.at,
                        event.action,
                        who(event.actor_id),
                        who(event.approver_id),
                        str(detail.get("number", "")),
                        reason,
                        int(amount_value) if amount_value is not None else None,
                    )
                )
            else:
                fill = session.get(Fill, int(detail.get("fill", 0)))
                if fill is not None:
                    cleared.append(_fill_line(fill, who, reason=reason, cleared_by=who(event.actor_id)))

        # ---- unpaid at the end of the shift (listed only when the GROUP BY counted some)
        settled_later = Fill.settled_at.is_not(None) & (Fill.settled_at > end) & (Fill.amount_fen != 0)
        unpaid = tuple(
            _fill_line(f, who)
            for f in (
                session.scalars(
                    select(Fill)
                    .where(Fill.shift_id == sid, (Fill.status == FillStatus.UNPAID) | settled_later)
                    .order_by(Fill.id)
                )
                if fill_sums.unpaid_at_end
                else ()
            )
        )

        # ---- prices
        level_keys = sorted(
            {(str(p), int(lv)) for p, lv in session.connection().execute(select(Price.product_code, Price.level))}
        )
        at_open: list[PriceLine] = []
        for product, level in level_keys:
            price = self._price_at(session, product, level, shift.opened_at)
            if price is not None:
                at_open.append(PriceLine(product, level, price))
        changes: list[PriceChangeLine] = []
        for price_row in session.scalars(
            select(Price)
            .where(Price.effective_from > shift.opened_at, Price.effective_from <= end)
            .order_by(Price.effective_from, Price.id)
        ):
            old = session.scalar(
                select(Price.unit_price_fen)
                .where(
                    Price.product_code == price_row.product_code,
                    Price.level == price_row.level,
                    (Price.effective_from < price_row.effective_from)
                    | ((Price.effective_from == price_row.effective_from) & (Price.id < price_row.id)),
                )
                .order_by(Price.effective_from.desc(), Price.id.desc())
                .limit(1)
            )
            changes.append(
                PriceChangeLine(
                    price_row.product_code,
                    price_row.level,
                    None if old is None else int(old),
                    price_row.unit_price_fen,
                    price_row.effective_from,
                    who(price_row.set_by_id) if price_row.set_by_id is not None else _unstaffed(price_row.reason),
                    price_row.reason,
                )
            )

        staff_ids = (
            session.connection()
            .scalars(
                select(ShiftAttendant.attendant_id)
                .where(ShiftAttendant.shift_id == sid)
                .order_by(ShiftAttendant.attendant_id)
            )
            .all()
        )
        adopted: Sequence[Fill] = ()
        if fill_sums.between_count:
            adopted = session.scalars(
                select(Fill).where(Fill.shift_id == sid, Fill.between_shifts.is_(True)).order_by(Fill.id)
            ).all()
        between_shifts = BetweenShifts(
            fills=tuple(_fill_line(f, who) for f in adopted),
            quantity_centi=sum(f.quantity_centi for f in adopted),
            amount_fen=sum(f.amount_fen for f in adopted),
            entry_count=journal.adopted_entries,
            cash_fen=journal.adopted_cash_fen,
        )
        head = record.audit_head if record is not None else _chain_head(session)
        closed = shift.status is ShiftStatus.CLOSED
        return Reconciliation(
            shift_id=sid,
            status=shift.status.value,
            opened_at=shift.opened_at,
            opened_by=who(shift.opened_by_id),
            closed_at=shift.closed_at,
            closed_by=who(shift.closed_by_id) if shift.closed_by_id else "",
            attendants=tuple(who(a) for a in staff_ids),
            signed_off_at=record.signed_off_at if record else None,
            signed_off_by=who(record.signed_off_by_id) if record and record.signed_off_by_id else "",
            note=shift.note,
            business_date=business_date_of(shift.closed_at) if closed and shift.closed_at else None,
            tolerance_centi=tolerance,
            flow_limit_ms=flow_limit,
            commit_limit_ms=commit_limit,
            fill_count=totals.fill_count,
            quantity_centi=totals.quantity_centi,
            sales_fen=totals.amount_fen,
            amount_mismatch_count=totals.amount_mismatch_count,
            nozzles=tuple(nozzles),
            cash=cash,
            cards=card_rec,
            timers=timers,
            unpaid_fills=unpaid,
            cleared_fills=tuple(cleared),
            reversals=tuple(reversals),
            overrides=tuple(overrides),
            adjustments=tuple(adjustments),
            prices_at_open=tuple(at_open),
            price_changes=tuple(changes),
            audit_head=head,
            carried_cash_fen=shift.carried_cash_fen,
            opening_note=shift.opening_note,
            between_shifts=between_shifts,
            mobile=figures.mobile_sums(session, sid),
            service=service_due(session, end),
            invoices=shift_invoices(session, sid),
        )


def _chain_head(session: Session) -> str:
    head = session.get(StationState, audit.HEAD_KEY)
    return head.value if head is not None else audit.GENESIS


def _fill_line(fill: Fill, who: Callable[[int | None], str], *, reason: str = "", cleared_by: str = "") -> FillLine:
    return FillLine(
        fill_id=fill.id,
        dispenser=fill.dispenser,
        nozzle=fill.nozzle,
        transaction_number=fill.transaction_number,
        quantity_centi=fill.quantity_centi,
        unit_price_fen=fill.unit_price_fen,
        amount_fen=fill.amount_fen,
        ended_at=fill.ended_at,
        attendant=who(fill.attendant_id),
        status=fill.status.value,
        reason=reason or fill.clear_reason,
        cleared_by=cleared_by,
    )


def _unstaffed(reason: str) -> str:
    """Who set a price no staff member set: head office's schedules (hq_prices.py), else the configuration."""
    return "hq" if reason.startswith(HQ_REASON_PREFIX) else "config"
