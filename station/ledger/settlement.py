"""Settlement: an unpaid fill paid in cash or by card (from its hold), or written off by a manager."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.ledger.cards import CardView
from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.fills import _VIEW_COLUMNS, FillView, _view
from station.ledger.journal import (
    CASH_DRAWER,
    GAS_REVENUE,
    INTERNAL_USE,
    OWNER_EQUITY,
    _check_amount,
    _EntryDraft,
    _merge,
    card_account,
    hold_account,
)
from station.ledger.models import Card, CardStatus, CardType, Fill, FillStatus, Hold, HoldStatus, PaymentMode
from station.ledger.receipts import Receipts
from station.ledger.sequence_log import StepRow, write_steps
from station.ledger.sql import DriverRow, DriverUpdate, read_row, table, update_row
from station.ledger.staff import Actor


@dataclass(frozen=True)
class CashSettlement:
    fill: FillView
    due_fen: int
    tendered_fen: int
    change_fen: int
    receipt_no: int = 0  # its receipt job was written with the sale


@dataclass(frozen=True)
class CardSettlement:
    fill: FillView
    card: CardView
    low_balance: bool
    receipt_no: int = 0  # its receipt job was written with the sale


# On the driver's cursor, converted by the columns' own types: the fill read once (locked) and updated once.
_FILL_FOR_SALE = DriverRow(Fill, (*_VIEW_COLUMNS, "card_id"), lock=True)
_PAID_COLUMNS = (
    *("status", "payment_mode", "tendered_fen", "change_fen", "sale_entry_id", "settled_at"),
    *("fill_end_to_commit_ms", "attendant_id"),
)
_FILL_PAID = DriverUpdate(Fill, _PAID_COLUMNS)


class Settlement(Receipts):
    """Paying for a fill: the sale's entry, its hold resolved and its receipt job, in one transaction."""

    def _unpaid_fill(self, session: Session, fill_id: int) -> Fill:
        fill = session.get(Fill, fill_id, with_for_update=True)
        if fill is None:
            raise NotFound("fill_unknown", fill=fill_id)
        if fill.status is not FillStatus.UNPAID:
            raise Refused("fill_already_settled", fill=fill_id)
        return fill

    def _release_fill_hold(self, session: Session, hold_id: int | None, actor_id: int | None) -> None:
        """The fill is paid another way (cash, written off): its card hold goes back in the same transaction."""
        hold = session.get(Hold, hold_id, with_for_update=True) if hold_id else None
        if hold is not None and hold.status is HoldStatus.OPEN:
            entry = self._resolve_hold(session, hold, 0, actor_id)
            hold.resolved_entry_id = entry.id if entry else None

    def settle_cash(
        self,
        actor: Actor,
        fill_id: int,
        tendered_fen: int,
        *,
        fill_end_to_commit_ms: int | None = None,
        steps: Sequence[StepRow] = (),
    ) -> CashSettlement:
        """``steps``: the sequence's steps not yet written (the sale's own step included), committed with it."""
        _check_amount(tendered_fen)
        with self._tx() as session:
            actor_id = self._actor_id(session, actor)
            fill = read_row(session, _FILL_FOR_SALE, fill_id)
            if fill is None:
                raise NotFound("fill_unknown", fill=fill_id)
            if fill["status"] is not FillStatus.UNPAID:
                raise Refused("fill_already_settled", fill=fill_id)
            due = fill["amount_fen"]
            if tendered_fen < due:
                raise InvalidInput("tendered_too_little", due_fen=due)
            key = f"{fill['dispenser']}/{fill['nozzle']}/{fill['transaction_number']}"
            draft = _EntryDraft("fill_sale", memo=f"cash sale {key}")
            draft.add(CASH_DRAWER, due)
            draft.add(GAS_REVENUE, -due)
            entry = self._post(session, draft, actor_id)
            self._release_fill_hold(session, fill["hold_id"], actor_id)
            paid = {
                "status": FillStatus.PAID,
                "payment_mode": PaymentMode.CASH,
                "tendered_fen": tendered_fen,
                "change_fen": tendered_fen - due,
                "sale_entry_id": entry.id,
                "settled_at": self.now(),
                "fill_end_to_commit_ms": fill_end_to_commit_ms,
                "attendant_id": fill["attendant_id"] or actor_id,
            }
            update_row(session, _FILL_PAID, fill_id, paid)
            values = {**fill, **paid}
            receipt_no = self._receipt_job(
                session, fill_id, "cash", tendered_fen=tendered_fen, change_fen=tendered_fen - due
            )
            write_steps(session, steps)
            card_number = None
            if fill["card_id"] is not None:
                card_number = session.scalar(select(table(Card).c.number).where(table(Card).c.id == fill["card_id"]))
            return CashSettlement(_view(values, card_number), due, tendered_fen, tendered_fen - due, receipt_no)

    def settle_card(
        self,
        actor: Actor,
        fill_id: int,
        card_number: str,
        *,
        hold_id: int | None = None,
        fill_end_to_commit_ms: int | None = None,
        steps: Sequence[StepRow] = (),
    ) -> CardSettlement:
        """Complete the hold with the actual amount (releasing the rest), or debit the card directly."""
        with self._tx() as session:
            write_steps(session, steps)
            row = self._actor(session, actor)
            fill = self._unpaid_fill(session, fill_id)
            card = self._card(session, number=card_number, lock=True)
            hold = None
            if hold_id is None and fill.hold_id is not None:
                # A fill recovered after a restart is settled against the hold placed for it, never debited twice.
                own = session.get(Hold, fill.hold_id)
                if own is not None and own.status is HoldStatus.OPEN and own.card_id == card.id:
                    hold_id = own.id
                else:
                    self._release_fill_hold(session, fill.hold_id, row.id)
            if hold_id is not None:
                hold = session.get(Hold, hold_id, with_for_update=True)
                if hold is None or hold.card_id != card.id:
                    raise NotFound("hold_unknown", hold=hold_id)
                if hold.status is not HoldStatus.OPEN:
                    raise Refused("hold_already_resolved", hold=hold_id)
            elif card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}", number=card.number)
            amount = fill.amount_fen
            from_hold = min(amount, hold.amount_fen) if hold else 0
            from_card = amount - from_hold
            balance = self._balance(session, card_account(card.number))
            internal = card.card_type is CardType.INTERNAL
            if from_card and not internal and balance - from_card < -card.credit_limit_fen:
                raise Refused("balance_insufficient", balance_fen=balance)
            draft = _EntryDraft(
                "fill_sale", memo=f"card sale {card.number} {fill.dispenser}/{fill.nozzle}/{fill.transaction_number}"
            )
            if internal:
                # Internal cards: no revenue; the gas is booked as the station's own use.
                draft.add(hold_account(card.number), from_hold)  # undo the hold's marker
                draft.add(INTERNAL_USE, amount)
                draft.add(OWNER_EQUITY, -(from_hold + amount))
            else:
                draft.add(hold_account(card.number), from_hold)
                draft.add(card_account(card.number), from_card)
                draft.add(GAS_REVENUE, -amount)
            entry = self._post(session, _merge(draft), row.id)
            if hold is not None:
                release_entry = self._resolve_hold(session, hold, amount, row.id)
                hold.resolved_entry_id = (release_entry or entry).id
            if fill.hold_id is not None and fill.hold_id != (hold.id if hold else None):
                self._release_fill_hold(
                    session, fill.hold_id, row.id
                )  # paid from another hold or card: its own goes back
            fill.status = FillStatus.PAID
            fill.payment_mode = PaymentMode.CARD
            fill.card_id = card.id
            fill.hold_id = hold.id if hold else None
            fill.sale_entry_id = entry.id
            fill.settled_at = self.now()
            fill.fill_end_to_commit_ms = fill_end_to_commit_ms
            fill.attendant_id = fill.attendant_id or row.id
            session.flush()
            view = self._card_view(session, card)
            low = (
                card.card_type is CardType.STORED_VALUE
                and view.balance_fen < self.settings.thresholds.low_balance_reminder
            )
            receipt_no = self._receipt_job(
                session, fill.id, "card", card_number=card.number, balance_fen=view.balance_fen, low_balance=low
            )
            return CardSettlement(self._fill_view(session, fill), view, low, receipt_no)

    def clear_unpaid_fill(self, manager: Actor, fill_id: int, reason: str) -> FillView:
        """Manager: write off an unpaid fill (drive-off…) so the nozzle can be used again."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            fill = self._unpaid_fill(session, fill_id)
            self._release_fill_hold(session, fill.hold_id, manager.id)
            fill.status = FillStatus.CLEARED
            fill.clear_reason = reason.strip()[:200]
            fill.settled_at = self.now()
            self._audit(
                session,
                manager.id,
                "unpaid_fill_cleared",
                fill=fill.id,
                amount_fen=fill.amount_fen,
                reason=reason,
                key=f"{fill.dispenser}/{fill.nozzle}/{fill.transaction_number}",
            )
            return self._fill_view(session, fill)
