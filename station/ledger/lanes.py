"""Lane authorizations: who authorized which nozzle for which plate, and what a restart must pick up again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.ledger.holds import Holds
from station.ledger.models import Card, Fill, FillStatus, Hold, LaneAuthorization
from station.ledger.sequence_log import StepRow, write_steps
from station.ledger.staff import Actor


@dataclass(frozen=True)
class ResumableAuthorization:
    """A sequence a restart brings back: at filling (``fill_id`` None) or at disconnect with its unpaid fill."""

    sequence_id: str
    dispenser: int
    nozzle: int
    plate: str
    attendant_id: int | None
    card_number: str | None
    hold_id: int | None
    hold_fen: int
    fill_id: int | None


class Lanes(Holds):
    """The authorizations a sequence writes before the dispenser runs, and their read-back at start-up."""

    def authorize_lane(
        self,
        actor: Actor,
        sequence_id: str,
        dispenser: int,
        nozzle: int,
        plate: str,
        *,
        steps: Sequence[StepRow] = (),
        probe: bool = False,
    ) -> None:
        """Before a cash authorize: remember who filled which plate, so a restart keeps them on the fill.

        ``steps``: the sequence's steps so far, committed with it. ``probe``: the transaction first proves the
        database can write (see :meth:`_probed_tx`); any database failure is then ``ledger_unwritable``."""
        with self._probed_tx() if probe else self._tx() as session:
            write_steps(session, steps)
            row = self._actor(session, actor)
            self._drop_stale_authorizations(session, dispenser, nozzle, row.id)
            self._add_lane_authorization(session, row.id, sequence_id, dispenser, nozzle, plate, None, None)

    def drop_lane_authorization(self, actor: Actor, sequence_id: str, *, steps: Sequence[StepRow] = ()) -> None:
        """The dispenser never authorized: forget the sequence's live authorization and give its hold back."""
        with self._tx() as session:
            write_steps(session, steps)
            row = self._actor(session, actor)
            live = self._live_of(session, sequence_id)
            self._drop_authorizations(session, live, row.id)

    def authorizations_to_resume(self) -> list[ResumableAuthorization]:
        """What a restart must pick up: every live authorization (the dispenser may still be filling) and every
        recorded one whose fill is still unpaid (the sequence was at disconnect or settle)."""
        with self._read() as session:
            rows = session.execute(
                select(LaneAuthorization, Card.number, Hold.amount_fen)
                .join(Card, Card.id == LaneAuthorization.card_id, isouter=True)
                .join(Hold, Hold.id == LaneAuthorization.hold_id, isouter=True)
                .join(Fill, Fill.id == LaneAuthorization.fill_id, isouter=True)
                .where(
                    (LaneAuthorization.status == "live")
                    | ((LaneAuthorization.status == "recorded") & (Fill.status == FillStatus.UNPAID))
                )
                .order_by(LaneAuthorization.id)
            ).all()
            return [
                ResumableAuthorization(
                    sequence_id=auth.sequence_id,
                    dispenser=auth.dispenser,
                    nozzle=auth.nozzle,
                    plate=auth.plate,
                    attendant_id=auth.attendant_id,
                    card_number=number,
                    hold_id=auth.hold_id,
                    hold_fen=int(hold_fen or 0),
                    fill_id=auth.fill_id if auth.status == "recorded" else None,
                )
                for auth, number, hold_fen in rows
            ]

    @staticmethod
    def _live_of(session: Session, sequence_id: str) -> Sequence[LaneAuthorization]:
        """The sequence's authorizations whose transaction is not yet recorded."""
        return session.scalars(
            select(LaneAuthorization).where(
                LaneAuthorization.sequence_id == sequence_id, LaneAuthorization.status == "live"
            )
        ).all()

    def drop_unserved_authorization(self, sequence_id: str, nozzle_state: str) -> bool:
        """Start-up read-back: the nozzle holds no authorization and no transaction, so the fill never happened.
        The authorization ends and its hold goes back to the card; audited. False if it was not live."""
        with self._tx() as session:
            live = self._live_of(session, sequence_id)
            if not live:
                return False
            self._drop_authorizations(session, live, None)
            self._audit(
                session,
                None,
                "authorization_dropped",
                sequence=sequence_id,
                lane=f"{live[0].dispenser}/{live[0].nozzle}",
                nozzle_state=nozzle_state,
                holds=[a.hold_id for a in live if a.hold_id],
            )
            return True

    def live_lane_authorizations(self) -> list[tuple[str, int, int]]:
        """(sequence id, dispenser, nozzle) of every authorization whose transaction is not yet recorded."""
        with self._read() as session:
            rows = session.execute(
                select(LaneAuthorization.sequence_id, LaneAuthorization.dispenser, LaneAuthorization.nozzle)
                .where(LaneAuthorization.status == "live")
                .order_by(LaneAuthorization.id)
            ).all()
            return [(str(a), int(b), int(c)) for a, b, c in rows]
