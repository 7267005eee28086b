"""A manager's corrections: a card balance adjustment (调账) and the reversing entry for a mistake."""

from __future__ import annotations

from sqlalchemy import select

from station.ledger.cards import Cards, CardView
from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.journal import ADJUSTMENTS, _check_amount, _EntryDraft, card_account
from station.ledger.models import Account, CardStatus, JournalEntry
from station.ledger.staff import Actor


class Corrections(Cards):
    """Corrections that leave the original in the books: an adjustment, or a reversal."""

    def adjust(
        self, manager: Actor, card_number: str, amount_fen: int, reason: str, approver: Actor | None = None
    ) -> CardView:
        """Manual balance adjustment (signed). Above the approval limit a second manager must approve (seed 003)."""
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen == 0:
            raise InvalidInput("amount_not_positive", field="amount")
        _check_amount(abs(amount_fen))
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            self._require_shift(session)
            approver_id = None
            if abs(amount_fen) > self.settings.thresholds.adjustment_approval_limit:
                if approver is None or approver.id == manager.id:
                    raise Refused("second_manager_required")
                approver_id = self._actor(session, approver, manager=True).id
            card = self._card(session, number=card_number, lock=True)
            if card.status is CardStatus.CLOSED:
                raise Refused("card_closed", number=card.number)
            balance = self._balance(session, card_account(card.number))
            if balance + amount_fen < -card.credit_limit_fen:
                raise Refused("balance_insufficient", balance_fen=balance)
            draft = _EntryDraft("adjustment", memo=reason.strip())
            draft.add(ADJUSTMENTS, amount_fen)
            draft.add(card_account(card.number), -amount_fen)
            entry = self._post(session, draft, manager.id, approver_id=approver_id)
            self._audit(
                session,
                manager.id,
                "card_adjusted",
                approver_id=approver_id,
                number=card.number,
                amount_fen=amount_fen,
                reason=reason,
                entry=entry.id,
            )
            return self._card_view(session, card)

    def reverse_entry(self, manager: Actor, entry_id: int, reason: str) -> int:
        """Correct a mistake with a reversing entry; the original stays. Returns the new entry's id."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            self._require_shift(session)
            original = session.get(JournalEntry, entry_id)
            if original is None:
                raise NotFound("entry_unknown", entry=entry_id)
            if original.kind in ("hold", "hold_resolve", "fill_sale"):
                # Those belong to a hold or a fill; reversing them alone would break their link.
                raise Refused("entry_not_reversible", entry=entry_id)
            if session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == entry_id)) is not None:
                raise Refused("entry_already_reversed", entry=entry_id)
            draft = _EntryDraft("reversal", memo=f"reverses #{entry_id}: {reason.strip()}")
            for posting in original.postings:
                account = session.get(Account, posting.account_id)
                assert account is not None
                draft.add(account.code, -posting.amount_fen)
            # A reversal must not push a card below its floor either.
            for p in draft.postings:
                if p.account.startswith("card:"):
                    card = self._card(session, number=p.account.removeprefix("card:"), lock=True)
                    if self._balance(session, p.account) - p.amount_fen < -card.credit_limit_fen:
                        raise Refused("balance_insufficient", number=card.number)
            entry = self._post(session, draft, manager.id, reverses_id=entry_id)
            self._audit(session, manager.id, "entry_reversed", entry=entry_id, reversal=entry.id, reason=reason)
            return entry.id
