"""Card holds (灰锁): a card's money put aside before a nozzle is authorized, then used or given back.

A hold placed for a sequence is written with the sequence's lane authorization in the same transaction, so the
writing and dropping of lane authorizations is here too; what a restart reads back is in
:mod:`station.ledger.lanes`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.ledger.cards import Cards, CardView
from station.ledger.company_cards import CompanyHoldPlan, company_hold_resolved, record_company_hold
from station.ledger.errors import NotFound, Refused
from station.ledger.journal import (
    OWNER_EQUITY,
    PostedEntry,
    _check_amount,
    _EntryDraft,
    card_account,
    hold_account,
)
from station.ledger.models import Card, CardStatus, CardType, Hold, HoldStatus, LaneAuthorization
from station.ledger.sequence_log import StepRow, write_steps
from station.ledger.staff import Actor
from station.ledger.vehicles import normalise_plate


class Holds(Cards):
    """Holds on cards, and the lane authorizations they are placed for."""

    def place_hold(
        self,
        actor: Actor,
        card_number: str,
        amount_fen: int,
        dispenser: int,
        nozzle: int,
        *,
        sequence_id: str = "",
        plate: str = "",
        steps: Sequence[StepRow] = (),
        probe: bool = False,
        company: CompanyHoldPlan | None = None,
    ) -> int:
        """Hold the card; with ``sequence_id`` also write the lane authorization in the same transaction.

        ``steps``: the sequence's steps so far, committed with it. ``probe``: the transaction first proves the
        database can write (see :meth:`_probed_tx`); any database failure is then ``ledger_unwritable``.
        ``company``: a company card's hold already placed at head office (or accepted offline under the station's
        limit): its balance of record is head office's, so the local balance does not bound it."""
        _check_amount(amount_fen)
        with self._probed_tx() if probe else self._tx() as session:
            write_steps(session, steps)
            row = self._actor(session, actor)
            if sequence_id:
                self._drop_stale_authorizations(session, dispenser, nozzle, row.id)
            card = self._card(session, number=card_number, lock=True)
            if card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}", number=card.number)
            balance = self._balance(session, card_account(card.number))
            if (
                company is None
                and card.card_type is not CardType.INTERNAL
                and balance - amount_fen < -card.credit_limit_fen
            ):
                raise Refused("balance_insufficient", balance_fen=balance)
            draft = _EntryDraft("hold", memo=f"hold on {card.number} for {dispenser}/{nozzle}")
            if card.card_type is CardType.INTERNAL:
                # Internal cards carry no money; the hold is a zero-value marker on the card's own accounts.
                draft.add(OWNER_EQUITY, amount_fen)
                draft.add(hold_account(card.number), -amount_fen)
            else:
                draft.add(card_account(card.number), amount_fen)
                draft.add(hold_account(card.number), -amount_fen)
            entry = self._post(session, draft, row.id)
            hold = Hold(
                card_id=card.id,
                amount_fen=amount_fen,
                status=HoldStatus.OPEN,
                placed_entry_id=entry.id,
                dispenser=dispenser,
                nozzle=nozzle,
                created_at=self.now(),
            )
            session.add(hold)
            session.flush()
            if company is not None:
                record_company_hold(session, hold.id, card.number, company, amount_fen, hold.created_at)
            if sequence_id:
                self._add_lane_authorization(session, row.id, sequence_id, dispenser, nozzle, plate, card.id, hold.id)
            return hold.id

    def _add_lane_authorization(
        self,
        session: Session,
        attendant_id: int,
        sequence_id: str,
        dispenser: int,
        nozzle: int,
        plate: str,
        card_id: int | None,
        hold_id: int | None,
    ) -> None:
        session.add(
            LaneAuthorization(
                sequence_id=sequence_id,
                dispenser=dispenser,
                nozzle=nozzle,
                attendant_id=attendant_id,
                plate=normalise_plate(plate),
                card_id=card_id,
                hold_id=hold_id,
                status="live",
                created_at=self.now(),
            )
        )

    def _drop_authorizations(self, session: Session, live: Sequence[LaneAuthorization], actor_id: int | None) -> None:
        for auth in live:
            auth.status = "dropped"
            hold = session.get(Hold, auth.hold_id, with_for_update=True) if auth.hold_id else None
            if hold is not None and hold.status is HoldStatus.OPEN:
                entry = self._resolve_hold(session, hold, 0, actor_id)
                hold.resolved_entry_id = entry.id if entry else None

    def _drop_stale_authorizations(self, session: Session, dispenser: int, nozzle: int, actor_id: int) -> None:
        """A new authorization at a nozzle ends any older one whose fill never came (the terminal died before the
        dispenser acted). The core authorizes only once the nozzle has no unacknowledged transaction, so an older
        live authorization there can no longer receive a fill: its hold goes back to the card, and the next fill
        cannot land on a dead card's hold."""
        stale = session.scalars(
            select(LaneAuthorization).where(
                LaneAuthorization.dispenser == dispenser,
                LaneAuthorization.nozzle == nozzle,
                LaneAuthorization.status == "live",
            )
        ).all()
        self._drop_authorizations(session, stale, actor_id)

    def _resolve_hold(
        self,
        session: Session,
        hold: Hold,
        spent_fen: int,
        actor_id: int | None,
        *,
        shift_id: int | bool | None = False,
    ) -> PostedEntry | None:
        if hold.status is not HoldStatus.OPEN:
            raise Refused("hold_already_resolved", hold=hold.id)
        card = session.get(Card, hold.card_id)
        assert card is not None
        release = hold.amount_fen - min(spent_fen, hold.amount_fen)
        entry = None
        if release:
            draft = _EntryDraft("hold_release", memo=f"release hold #{hold.id}")
            draft.add(hold_account(card.number), release)
            draft.add(OWNER_EQUITY if card.card_type is CardType.INTERNAL else card_account(card.number), -release)
            entry = self._post(session, draft, actor_id, shift_id=shift_id)
        hold.status = HoldStatus.COMPLETED if spent_fen else HoldStatus.RELEASED
        hold.resolved_at = self.now()
        company_hold_resolved(session, hold.id, min(spent_fen, hold.amount_fen), hold.resolved_at)
        return entry

    def release_hold(self, actor: Actor, hold_id: int) -> CardView:
        """Give a hold back in full (the fill was aborted before any gas flowed)."""
        with self._tx() as session:
            row = self._actor(session, actor)
            hold = session.get(Hold, hold_id, with_for_update=True)
            if hold is None:
                raise NotFound("hold_unknown", hold=hold_id)
            entry = self._resolve_hold(session, hold, 0, row.id)
            hold.resolved_entry_id = entry.id if entry else None
            card = session.get(Card, hold.card_id)
            assert card is not None
            return self._card_view(session, card)
