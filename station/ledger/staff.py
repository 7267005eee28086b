"""Staff: attendants and managers, their PIN and staff-card log-ins, and the role check every service makes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.ledger.errors import InvalidInput, NotFound, PermissionDenied, Refused
from station.ledger.journal import LedgerCore
from station.ledger.models import Attendant, Card, CardStatus, CardType, Role
from station.ledger.pins import check_pin, hash_pin, valid_pin
from station.ledger.sql import DriverSQL, fetch, table


@dataclass(frozen=True)
class Actor:
    """Who is acting: taken from a successful login. Services re-read the role from the database."""

    id: int
    number: str
    name: str
    role: Role

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER


_STAFF = table(Attendant).c
_ACTIVE = DriverSQL("SELECT active FROM attendants WHERE id = ?")  # on the driver's cursor: an int in


class Staff(LedgerCore):
    """Who may act: log-ins, and the role re-read from the database on every call."""

    def _actor(self, session: Session, actor: Actor, *, manager: bool = False) -> Attendant:
        row = session.get(Attendant, actor.id)
        if row is None or not row.active:
            raise PermissionDenied("actor_unknown")
        if manager and row.role is not Role.MANAGER:
            raise PermissionDenied("manager_only")
        return row

    def _actor_id(self, session: Session, actor: Actor) -> int:
        """:meth:`_actor` for a service that needs only the id: one column read, no ORM object."""
        found = fetch(session, _ACTIVE, actor.id)
        if not found or not found[0][0]:
            raise PermissionDenied("actor_unknown")
        return actor.id

    def create_attendant(self, actor: Actor | None, *, number: str, name: str, role: Role, pin: str) -> Actor:
        """Add a staff member. The very first one may be created without an actor and must be a manager."""
        if not valid_pin(pin):
            raise InvalidInput("pin_format")
        number = number.strip()
        if not number or len(number) > 16 or not name.strip():
            raise InvalidInput("attendant_number_invalid")
        with self._tx() as session:
            existing = session.scalar(select(func.count(Attendant.id)))
            if actor is None:
                if existing:
                    raise PermissionDenied("manager_only")
                if role is not Role.MANAGER:
                    raise InvalidInput("first_staff_must_be_manager")
                actor_id = None
            else:
                actor_id = self._actor(session, actor, manager=True).id
            if session.scalar(select(Attendant.id).where(Attendant.number == number)) is not None:
                raise Refused("attendant_exists", number=number)
            row = Attendant(number=number, name=name.strip(), role=role, pin_hash=hash_pin(self._pin_key, pin))
            session.add(row)
            session.flush()
            self._audit(session, actor_id, "attendant_created", number=number, role=role.value)
            return Actor(row.id, row.number, row.name, row.role)

    def authenticate(self, number: str, pin: str) -> Actor:
        """Attendant login by number and PIN; the failure counter is persisted before refusing."""
        number = number.strip()
        with self._tx() as session:
            row = session.scalar(select(Attendant).where(Attendant.number == number).with_for_update())
            if row is None or not row.active:
                # Same refusal as a wrong PIN: do not tell a stranger which staff numbers exist.
                raise Refused("login_failed")
            if row.failed_pin_count >= self.settings.thresholds.pin_tries:
                raise Refused("login_locked")
            if not check_pin(self._pin_key, pin, row.pin_hash):
                row.failed_pin_count += 1
                self._audit(session, row.id, "login_failed", number=number)
                tries_left = max(0, self.settings.thresholds.pin_tries - row.failed_pin_count)
                session.commit()
                raise Refused("login_failed" if tries_left else "login_locked", tries_left=tries_left)
            row.failed_pin_count = 0
            self._audit(session, row.id, "login", number=number)
            return Actor(row.id, row.number, row.name, row.role)

    def authenticate_staff_card(self, uid: str) -> Actor:
        with self._tx() as session:
            card = session.scalar(select(Card).where(Card.uid == uid.strip().upper()))
            if card is None or card.card_type is not CardType.STAFF or card.attendant_id is None:
                raise Refused("not_a_staff_card")
            if card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}")
            row = session.get(Attendant, card.attendant_id)
            if row is None or not row.active:
                raise Refused("login_failed")
            self._audit(session, row.id, "login", number=row.number, via="staff_card")
            return Actor(row.id, row.number, row.name, row.role)

    def unlock_attendant(self, manager: Actor, number: str) -> None:
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            row = session.scalar(select(Attendant).where(Attendant.number == number))
            if row is None:
                raise NotFound("attendant_unknown", number=number)
            row.failed_pin_count = 0
            self._audit(session, manager.id, "attendant_unlocked", number=number)
