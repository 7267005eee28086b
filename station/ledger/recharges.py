"""Recharges (充值): cash into a card's balance at the desk, and balances brought over from the old system."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from station.ledger import outbox
from station.ledger.cards import Cards, CardView
from station.ledger.company_cards import record_company_move
from station.ledger.errors import Refused
from station.ledger.journal import CASH_DRAWER, CASH_SAFE, _check_amount, _EntryDraft, card_account
from station.ledger.models import CardStatus, CardType, Shift
from station.ledger.models_invoices import RechargeReceiptRow
from station.ledger.receipts import Receipts
from station.ledger.staff import Actor


@dataclass(frozen=True)
class RechargeResult:
    entry_id: int
    card: CardView
    amount_fen: int
    receipt_no: int = 0  # numbered in the recharge's transaction, so an invoice can be asked for it


class Recharges(Cards):
    """Money onto a card: a cash recharge into the drawer, or an opening balance from the safe."""

    def recharge(self, actor: Actor, card_number: str, amount_fen: int) -> RechargeResult:
        """Cash recharge: the receipt shows exactly ``amount_fen`` (seed 002)."""
        _check_amount(amount_fen)
        with self._tx() as session:
            row = self._actor(session, actor)
            self._require_shift(session)
            card = self._card(session, number=card_number, lock=True)
            if card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}", number=card.number)
            if card.card_type in (CardType.STAFF, CardType.INTERNAL):
                raise Refused("card_type_not_rechargeable", number=card.number)
            draft = _EntryDraft("recharge", memo=f"recharge card {card.number}")
            draft.add(CASH_DRAWER, amount_fen)
            draft.add(card_account(card.number), -amount_fen)
            entry = self._post(session, draft, row.id)
            self._audit(session, row.id, "card_recharged", number=card.number, amount_fen=amount_fen, entry=entry.id)
            receipt_no = Receipts._next_receipt_number(session)
            session.add(
                RechargeReceiptRow(
                    receipt_no=receipt_no,
                    entry_id=entry.id,
                    card_number=card.number,
                    amount_fen=amount_fen,
                    created_at=self.now(),
                )
            )
            shift_id = self._open_shift_id(session)
            payload = {
                "receipt_no": receipt_no,
                "shift_id": shift_id,
                "card_no": card.number,
                "amount_fen": amount_fen,
                "mode": "cash",
            }
            seq = outbox.emit(session, "recharge", receipt_no, payload, self.now())
            record_company_move(session, seq, card.number, amount_fen)  # head office credits it on sync
            return RechargeResult(entry.id, self._card_view(session, card), amount_fen, receipt_no)

    def load_opening_balance(self, manager: Actor, card_number: str, amount_fen: int) -> CardView:
        """Station setup: a card's balance brought over from the previous system, before the first shift.

        The money was taken long ago and sits in the safe, so no drawer is touched. Refused once any shift
        has been opened: from then on balances change only by recharges in a shift.
        """
        _check_amount(amount_fen)
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            if session.scalar(select(Shift.id).limit(1)) is not None:
                raise Refused("opening_balance_after_first_shift")
            card = self._card(session, number=card_number, lock=True)
            if card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}", number=card.number)
            draft = _EntryDraft("opening_balance", memo=f"opening balance card {card.number}")
            draft.add(CASH_SAFE, amount_fen)
            draft.add(card_account(card.number), -amount_fen)
            entry = self._post(session, draft, manager.id)
            self._audit(
                session, manager.id, "card_opening_balance", number=card.number, amount_fen=amount_fen, entry=entry.id
            )
            return self._card_view(session, card)
