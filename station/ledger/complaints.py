"""Complaints (投诉): taken down with who and what, answered by a deadline, closed; never deleted or rewritten."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.models import Attendant
from station.ledger.models_complaints import Complaint, ComplaintEvent
from station.ledger.staff import Actor, Staff

CHANNELS = ("phone", "kiosk")
CATEGORIES = ("service", "price", "quality", "safety", "other")
# The loop a complaint goes round: each state may only move to the next ones listed, never back.
NEXT_STATES = {"received": ("in_hand", "answered"), "in_hand": ("answered",), "answered": ("closed",), "closed": ()}
OPEN_STATES = ("received", "in_hand")  # not yet answered: these can be overdue


@dataclass(frozen=True)
class ComplaintEntry:
    """What the customer said and about whom, as typed at the kiosk or taken down on the phone."""

    channel: str
    customer: str
    phone: str
    category: str
    content: str
    plate: str = ""
    card_number: str = ""
    about_attendant: str = ""  # the staff number of the attendant it concerns, if any
    about_fill_id: int | None = None


@dataclass(frozen=True)
class ComplaintView:
    id: int
    received_at: dt.datetime
    due_at: dt.datetime
    channel: str
    customer: str
    phone: str
    plate: str
    card_number: str
    category: str
    content: str  # the latest wording (an amendment's), the original kept in the history
    original: str
    about_attendant: str
    about_fill_id: int | None
    state: str
    answered_at: dt.datetime | None
    answer: str
    history: tuple[tuple[dt.datetime, str, str, str], ...]  # (at, who, action, note)

    def overdue(self, now: dt.datetime) -> bool:
        """Not answered by its deadline (answered late counts as late in the report, not as overdue)."""
        return self.state in OPEN_STATES and now > self.due_at

    def answered_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.due_at


class Complaints(Staff):
    def take_complaint(self, actor: Actor, entry: ComplaintEntry) -> int:
        """Write the complaint down as received; its deadline runs from now. Refused, writing nothing, when a
        required detail is missing."""
        customer, phone, content = entry.customer.strip(), entry.phone.strip(), entry.content.strip()
        if entry.channel not in CHANNELS:
            raise InvalidInput("complaint_channel_invalid")
        if entry.category not in CATEGORIES:
            raise InvalidInput("complaint_category_invalid")
        if not customer:
            raise InvalidInput("complaint_customer_required")
        digits = phone.replace("-", "").replace(" ", "").removeprefix("+")
        if not (digits.isdigit() and digits.isascii() and 5 <= len(digits) <= 20):
            raise InvalidInput("phone_invalid")
        if not content:
            raise InvalidInput("complaint_content_required")
        now = self.now()
        with self._tx() as session:
            taker = self._actor(session, actor)
            about_id = None
            if entry.about_attendant.strip():
                about = session.scalar(select(Attendant).where(Attendant.number == entry.about_attendant.strip()))
                if about is None:
                    raise NotFound("attendant_unknown", number=entry.about_attendant.strip())
                about_id = about.id
            row = Complaint(
                received_at=now,
                due_at=now + dt.timedelta(hours=self.settings.service.complaint_answer_hours),
                taken_by_id=taker.id,
                channel=entry.channel,
                customer=customer[:40],
                phone=phone[:20],
                plate=entry.plate.strip().upper()[:16],
                card_number=entry.card_number.strip()[:32],
                category=entry.category,
                content=content,
                about_attendant_id=about_id,
                about_fill_id=entry.about_fill_id,
                state="received",
            )
            session.add(row)
            session.flush()
            session.add(ComplaintEvent(complaint_id=row.id, at=now, actor_id=taker.id, action="received", note=""))
            return row.id

    def move_complaint(self, actor: Actor, complaint_id: int, to: str, note: str = "") -> None:
        """In hand, answered (the answer given to the customer is required) or closed; only forward."""
        if to == "answered" and not note.strip():
            raise InvalidInput("complaint_answer_required")
        now = self.now()
        with self._tx() as session:
            row = self._actor(session, actor)
            complaint = session.get(Complaint, complaint_id, with_for_update=True)
            if complaint is None:
                raise NotFound("complaint_unknown", complaint=complaint_id)
            if to not in NEXT_STATES[complaint.state]:
                raise Refused("complaint_state_order", state=complaint.state, to=to)
            complaint.state = to
            if to == "answered":
                complaint.answered_at = now
            elif to == "closed":
                complaint.closed_at = now
            session.add(ComplaintEvent(complaint_id=complaint.id, at=now, actor_id=row.id, action=to, note=note))

    def amend_complaint(self, actor: Actor, complaint_id: int, content: str) -> None:
        """A correction of what was taken down: kept beside the original, which stays as it was."""
        if not content.strip():
            raise InvalidInput("complaint_content_required")
        with self._tx() as session:
            row = self._actor(session, actor)
            if session.get(Complaint, complaint_id) is None:
                raise NotFound("complaint_unknown", complaint=complaint_id)
            session.add(
                ComplaintEvent(
                    complaint_id=complaint_id, at=self.now(), actor_id=row.id, action="amended", note=content.strip()
                )
            )

    def complaints(self, *, open_only: bool = False) -> list[ComplaintView]:
        """Oldest deadline first: what must be answered soonest comes first."""
        with self._read() as session:
            query = select(Complaint).order_by(Complaint.due_at, Complaint.id)
            if open_only:
                query = query.where(Complaint.state.in_(OPEN_STATES))
            rows = list(session.scalars(query))
            names = {a.id: f"{a.number} {a.name}" for a in session.scalars(select(Attendant))}
            events: dict[int, list[ComplaintEvent]] = {}
            if rows:
                ids = [r.id for r in rows]
                for event in session.scalars(
                    select(ComplaintEvent).where(ComplaintEvent.complaint_id.in_(ids)).order_by(ComplaintEvent.id)
                ):
                    events.setdefault(event.complaint_id, []).append(event)
            return [_view(r, events.get(r.id, []), names) for r in rows]

    def overdue_complaints(self) -> int:
        """How many are not answered by their deadline now (the footer and the desk show it)."""
        now = self.now()
        return sum(1 for c in self.complaints(open_only=True) if c.overdue(now))


def _view(row: Complaint, events: list[ComplaintEvent], names: dict[int, str]) -> ComplaintView:
    amendments = [e.note for e in events if e.action == "amended"]
    answers = [e.note for e in events if e.action == "answered"]
    about = names.get(row.about_attendant_id, "") if row.about_attendant_id else ""
    return ComplaintView(
        id=row.id,
        received_at=row.received_at,
        due_at=row.due_at,
        channel=row.channel,
        customer=row.customer,
        phone=row.phone,
        plate=row.plate,
        card_number=row.card_number,
        category=row.category,
        content=amendments[-1] if amendments else row.content,
        original=row.content,
        about_attendant=about,
        about_fill_id=row.about_fill_id,
        state=row.state,
        answered_at=row.answered_at,
        answer=answers[-1] if answers else "",
        history=tuple((e.at, names.get(e.actor_id, "?"), e.action, e.note) for e in events),
    )
