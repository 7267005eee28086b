"""Callbacks (回访): each day a sample of recent card sales, balanced across the attendants, called back within
48 hours; two scores 1–10 and the other questions' answers recorded once; never deleted.

Seed 003 §7.6: a stratified random sample, each front-line attendant's share as even as the sales allow. The
draw is repeatable: its seed is kept with it, and the same sales with the same seed give the same list.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.models import Attendant, Card, CardType, Fill, FillStatus, PaymentMode, ReceiptJob
from station.ledger.models_callbacks import Callback, CallbackDraw
from station.ledger.models_complaints import Complaint
from station.ledger.shifts.values import ServiceDue, business_day_bounds
from station.ledger.staff import Actor, Staff

ANSWERS = ("satisfied", "fair", "poor")  # 满意 / 一般 / 差
FOLLOW_UP_ANSWERS = ("fair", "poor")  # seed 003 §7.7.1 b: these answers are followed up
MIN_SCORE, MAX_SCORE = 1, 10
CALLED_CARDS = (CardType.STORED_VALUE, CardType.ACCOUNT)  # a customer to call; staff and internal cards are not


@dataclass(frozen=True)
class CallbackAnswer:
    """What the call gave: not reached, or the two scores and the other questions' answers."""

    reached: bool
    attitude: int | None = None  # 服务态度 1–10
    ability: int | None = None  # 业务能力 1–10
    environment: str = "satisfied"  # 站容站貌
    speed: str = "satisfied"  # 加气速度
    note: str = ""


@dataclass(frozen=True)
class CallbackView:
    id: int
    day: dt.date
    fill_id: int
    receipt_no: int | None
    card_number: str
    holder: str
    phone: str
    attendant: str  # "1001 李加气"
    amount_fen: int
    sale_at: dt.datetime
    due_at: dt.datetime
    state: str
    recorded_by: str
    recorded_at: dt.datetime | None
    attitude: int | None
    ability: int | None
    environment: str
    speed: str
    follow_up: bool
    note: str

    def overdue(self, now: dt.datetime) -> bool:
        return self.state == "pending" and now > self.due_at


@dataclass(frozen=True)
class CallbackScores:
    """One attendant's callbacks of a period, as sums: the means are exact fractions (seed 003 §7.7.1 a:
    satisfaction = (A1 + … + An) / n per score, the final one the two means' arithmetic mean)."""

    number: str
    name: str
    drawn: int
    done: int
    not_reached: int
    attitude_sum: int
    ability_sum: int
    follow_ups: int

    @property
    def pending(self) -> int:
        return self.drawn - self.done - self.not_reached

    @property
    def attitude(self) -> Fraction | None:
        return Fraction(self.attitude_sum, self.done) if self.done else None

    @property
    def ability(self) -> Fraction | None:
        return Fraction(self.ability_sum, self.done) if self.done else None

    @property
    def final(self) -> Fraction | None:
        if self.attitude is None or self.ability is None:
            return None
        return (self.attitude + self.ability) / 2


def tenths(value: Fraction | None) -> str:
    """One decimal, rounded half up, from an exact fraction (7.25 → 7.3); "—" for none."""
    if value is None:
        return "—"
    rounded = (value * 10 + Fraction(1, 2)).__floor__()
    return f"{rounded // 10}.{rounded % 10}"


def balanced_sample(by_attendant: dict[int, list[int]], size: int, seed: int) -> list[int]:
    """Up to ``size`` ids, one per attendant in turn (their order and each one's sales shuffled by ``seed``), so
    the shares differ by at most one unless an attendant runs out of sales."""
    rng = random.Random(seed)
    pools = {a: sorted(ids) for a, ids in sorted(by_attendant.items())}
    for ids in pools.values():
        rng.shuffle(ids)
    order = sorted(pools)
    rng.shuffle(order)
    picked: list[int] = []
    while len(picked) < size and any(pools.values()):
        for a in order:
            if pools[a] and len(picked) < size:
                picked.append(pools[a].pop())
    return picked


class Callbacks(Staff):
    def draw_callbacks(self, day: dt.date, actor: Actor, seed: int | None = None) -> list[CallbackView]:
        """Draw ``day``'s callback list (a manager): card sales of the ``callback_lookback_days`` days before it
        whose card has a phone, never a sale drawn before. Once per day; nothing to draw is refused."""
        service = self.settings.service
        seed = secrets.randbelow(2**31) if seed is None else seed
        start = business_day_bounds(day - dt.timedelta(days=service.callback_lookback_days))[0]
        end = business_day_bounds(day)[0]
        now = self.now()
        try:
            with self._tx() as session:
                drawer = self._actor(session, actor, manager=True)
                if session.scalar(select(CallbackDraw.id).where(CallbackDraw.day == day)) is not None:
                    raise Refused("callbacks_already_drawn", day=day.isoformat())
                sales = {row.id: row for row in self._candidates(session, start, end)}
                if not sales:
                    raise Refused("callbacks_none_to_draw", day=day.isoformat(), days=service.callback_lookback_days)
                by_attendant: dict[int, list[int]] = {}
                for row in sales.values():
                    by_attendant.setdefault(row.attendant_id, []).append(row.id)
                picked = balanced_sample(by_attendant, service.callbacks_per_day, seed)
                draw = CallbackDraw(
                    day=day,
                    drawn_at=now,
                    drawn_by_id=drawer.id,
                    seed=seed,
                    window_start=start,
                    window_end=end,
                    candidates=len(sales),
                )
                session.add(draw)
                session.flush()
                for fill_id in sorted(picked, key=lambda f: (sales[f].sale_at, f)):
                    sale = sales[fill_id]
                    session.add(
                        Callback(
                            draw_id=draw.id,
                            fill_id=fill_id,
                            receipt_no=sale.receipt_no,
                            card_id=sale.card_id,
                            phone=sale.phone.strip(),
                            attendant_id=sale.attendant_id,
                            sale_at=sale.sale_at,
                            due_at=sale.sale_at + dt.timedelta(hours=service.callback_hours),
                            state="pending",
                            environment="",
                            speed="",
                            follow_up=False,
                            note="",
                        )
                    )
                self._audit(session, drawer.id, "callbacks_drawn", day=day.isoformat(), seed=seed, count=len(picked))
        except IntegrityError:
            # Two desks drew at once: the unique day (or sale) let one through.
            raise Refused("callbacks_already_drawn", day=day.isoformat()) from None
        return self.callbacks(day)

    @staticmethod
    def _candidates(session: Session, start: dt.datetime, end: dt.datetime) -> list[_Sale]:
        drawn = select(Callback.fill_id)
        query = (
            select(
                Fill.id,
                Fill.attendant_id,
                Fill.card_id,
                func.coalesce(Fill.settled_at, Fill.ended_at),
                Card.phone,
                ReceiptJob.receipt_no,
            )
            .join(Card, Card.id == Fill.card_id)
            .outerjoin(ReceiptJob, ReceiptJob.fill_id == Fill.id)
            .where(
                Fill.payment_mode == PaymentMode.CARD,
                Fill.status == FillStatus.PAID,
                Fill.attendant_id.is_not(None),
                Fill.ended_at >= start,
                Fill.ended_at < end,
                Card.card_type.in_(CALLED_CARDS),
                Card.phone != "",
                Fill.id.not_in(drawn),
            )
            .order_by(Fill.id)
        )
        return [  # the card and the attendant are never None here: joined and filtered on
            _Sale(int(i), int(a or 0), int(c or 0), at, str(phone), None if r is None else int(r))
            for i, a, c, at, phone, r in session.execute(query)
            if str(phone).strip()
        ]

    def record_callback(self, actor: Actor, callback_id: int, answer: CallbackAnswer) -> CallbackView:
        """The call's outcome, once: done with two scores 1–10 and the other answers, or not reached. Bad input is
        refused by name and writes nothing; a follow-up is flagged for a fair or poor answer or a low score."""
        if answer.reached:
            for field, score in (("attitude", answer.attitude), ("ability", answer.ability)):
                if type(score) is not int or not MIN_SCORE <= score <= MAX_SCORE:
                    raise InvalidInput(
                        "callback_score_invalid", field=field, score=score, low=MIN_SCORE, high=MAX_SCORE
                    )
            for field, said in (("environment", answer.environment), ("speed", answer.speed)):
                if said not in ANSWERS:
                    raise InvalidInput("callback_answer_invalid", field=field)
        now = self.now()
        with self._tx() as session:
            caller = self._actor(session, actor)
            row = session.get(Callback, callback_id, with_for_update=True)
            if row is None:
                raise NotFound("callback_unknown", callback=callback_id)
            if row.state != "pending":
                raise Refused("callback_already_recorded", callback=callback_id)
            if row.attendant_id == caller.id:
                raise Refused("callback_own_sale", callback=callback_id)  # nobody scores their own service
            row.recorded_by_id, row.recorded_at, row.note = caller.id, now, answer.note.strip()[:500]
            if answer.reached:
                assert answer.attitude is not None and answer.ability is not None
                low = self.settings.service.callback_low_score
                row.state = "done"
                row.attitude, row.ability = answer.attitude, answer.ability
                row.environment, row.speed = answer.environment, answer.speed
                row.follow_up = (
                    answer.environment in FOLLOW_UP_ANSWERS
                    or answer.speed in FOLLOW_UP_ANSWERS
                    or min(answer.attitude, answer.ability) <= low
                )
            else:
                row.state = "not_reached"
        return self._callback_view(callback_id)

    def _callback_view(self, callback_id: int) -> CallbackView:
        with self._read() as session:
            return _views(session, select(Callback).where(Callback.id == callback_id))[0]

    def callbacks(self, day: dt.date | None = None) -> list[CallbackView]:
        """``day``'s list (None: every callback still pending), soonest due first."""
        query = select(Callback).join(CallbackDraw, CallbackDraw.id == Callback.draw_id)
        query = query.where(CallbackDraw.day == day) if day is not None else query.where(Callback.state == "pending")
        with self._read() as session:
            return _views(session, query.order_by(Callback.due_at, Callback.id))

    def callback_scores(self, start: dt.datetime, end: dt.datetime) -> list[CallbackScores]:
        """Per attendant, the callbacks of sales made in [start, end)."""
        done = Callback.state == "done"
        query = (
            select(
                Attendant.number,
                Attendant.name,
                func.count(Callback.id),
                func.count(case((done, 1))),
                func.count(case((Callback.state == "not_reached", 1))),
                func.coalesce(func.sum(case((done, Callback.attitude))), 0),
                func.coalesce(func.sum(case((done, Callback.ability))), 0),
                func.count(case((Callback.follow_up.is_(True), 1))),
            )
            .join(Attendant, Attendant.id == Callback.attendant_id)
            .where(Callback.sale_at >= start, Callback.sale_at < end)
            .group_by(Attendant.id, Attendant.number, Attendant.name)
            .order_by(Attendant.number)
        )
        with self._read() as session:
            return [
                CallbackScores(str(n), str(name), int(d), int(ok), int(nr), int(a or 0), int(b or 0), int(f))
                for n, name, d, ok, nr, a, b, f in session.execute(query)
            ]

    def service_due(self, at: dt.datetime | None = None) -> ServiceDue:
        with self._read() as session:
            return service_due(session, at or self.now())


def service_due(session: Session, at: dt.datetime) -> ServiceDue:
    """As things stood at ``at``: complaints past their deadline and not answered, callbacks drawn and not
    recorded, and those of them past due. Reads by time, so a closed shift's figures never change."""
    unanswered = or_(Complaint.answered_at.is_(None), Complaint.answered_at > at)
    complaints = session.scalar(
        select(func.count(Complaint.id)).where(Complaint.received_at <= at, Complaint.due_at < at, unanswered)
    )
    open_calls = and_(CallbackDraw.drawn_at <= at, or_(Callback.recorded_at.is_(None), Callback.recorded_at > at))
    due, late = session.execute(
        select(func.count(Callback.id), func.count(case((Callback.due_at < at, 1))))
        .join(CallbackDraw, CallbackDraw.id == Callback.draw_id)
        .where(open_calls)
    ).one()
    return ServiceDue(int(complaints or 0), int(due or 0), int(late or 0))


@dataclass(frozen=True)
class _Sale:
    id: int
    attendant_id: int
    card_id: int
    sale_at: dt.datetime
    phone: str
    receipt_no: int | None


def _views(session: Session, query: object) -> list[CallbackView]:
    rows = list(session.scalars(query))  # type: ignore[call-overload]
    if not rows:
        return []
    names = {a.id: f"{a.number} {a.name}" for a in session.scalars(select(Attendant))}
    draws = select(CallbackDraw.id, CallbackDraw.day).where(CallbackDraw.id.in_({r.draw_id for r in rows}))
    days: dict[int, dt.date] = {i: d for i, d in session.execute(draws)}
    amounts = select(Fill.id, Fill.amount_fen).where(Fill.id.in_([r.fill_id for r in rows]))
    fills: dict[int, int] = {i: a for i, a in session.execute(amounts)}
    cards = {
        c.id: (c.number, c.holder) for c in session.scalars(select(Card).where(Card.id.in_({r.card_id for r in rows})))
    }
    return [
        CallbackView(
            id=r.id,
            day=days[r.draw_id],
            fill_id=r.fill_id,
            receipt_no=r.receipt_no,
            card_number=cards[r.card_id][0],
            holder=cards[r.card_id][1],
            phone=r.phone,
            attendant=names.get(r.attendant_id, "?"),
            amount_fen=int(fills[r.fill_id]),
            sale_at=r.sale_at,
            due_at=r.due_at,
            state=r.state,
            recorded_by=names.get(r.recorded_by_id, "") if r.recorded_by_id else "",
            recorded_at=r.recorded_at,
            attitude=r.attitude,
            ability=r.ability,
            environment=r.environment,
            speed=r.speed,
            follow_up=r.follow_up,
            note=r.note,
        )
        for r in rows
    ]
