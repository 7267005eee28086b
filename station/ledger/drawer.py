"""The cash drawer (钱箱): its balance, and cash drops to the safe.

The count of the drawer at a shift's close is in :mod:`station.ledger.shifts`.
"""

from __future__ import annotations

from station.ledger import outbox
from station.ledger.errors import Refused
from station.ledger.journal import CASH_DRAWER, CASH_SAFE, _check_amount, _EntryDraft
from station.ledger.models import CashDrop
from station.ledger.staff import Actor, Staff


class Drawer(Staff):
    """Cash in the drawer, and drops from it to the safe."""

    def drawer_cash(self) -> int:
        with self._read() as session:
            return self._balance(session, CASH_DRAWER)

    def cash_drop(self, actor: Actor, amount_fen: int) -> int:
        """Move cash from the drawer to the safe; returns the drawer balance after."""
        _check_amount(amount_fen)
        with self._tx() as session:
            row = self._actor(session, actor)
            self._require_shift(session)
            drawer = self._balance(session, CASH_DRAWER)
            if amount_fen > drawer:
                raise Refused("drop_more_than_drawer", drawer_fen=drawer)
            draft = _EntryDraft("cash_drop", memo="drop to safe")
            draft.add(CASH_SAFE, amount_fen)
            draft.add(CASH_DRAWER, -amount_fen)
            entry = self._post(session, draft, row.id)
            session.add(
                CashDrop(
                    shift_id=self._open_shift_id(session),
                    amount_fen=amount_fen,
                    attendant_id=row.id,
                    entry_id=entry.id,
                    created_at=self.now(),
                )
            )
            self._audit(session, row.id, "cash_drop", amount_fen=amount_fen, entry=entry.id)
            drop = {"shift_id": self._open_shift_id(session), "amount_fen": amount_fen, "attendant": row.number}
            outbox.emit(session, "drop", entry.id, drop, self.now())
            return drawer - amount_fen
