"""A shift's figures as GROUP BY queries on its own rows (by ``shift_id`` and the period's indexes).

The reconciliation once loaded every fill of the shift, every card and every hold in history into Python; these
queries return the sums it needs, so its cost follows the shift, not the age of the database. They run on the
session's connection (Core): plain rows, without the ORM's per-statement work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, func, select, union
from sqlalchemy.orm import Session

from station.ledger.models import (
    Account,
    Card,
    CardType,
    Fill,
    FillStatus,
    Hold,
    JournalEntry,
    PaymentMode,
    Posting,
)
from station.ledger.shifts.values import AttendantTimers, HoldLine, MobileTakings, NozzleKey


@dataclass(frozen=True)
class NozzleSums:
    """A nozzle's fills in the shift: the shift's own (``mine``) and those adopted from between shifts."""

    fill_count: int = 0
    quantity_centi: int = 0
    amount_fen: int = 0
    dispenser_amount_fen: int = 0
    between_quantity_centi: int = 0
    product_code: str | None = None  # of the nozzle's first own fill in the shift (what it sold)


@dataclass(frozen=True)
class FillTotals:
    fill_count: int
    quantity_centi: int
    amount_fen: int
    amount_mismatch_count: int


def _int(value: int | None) -> int:
    return int(value or 0)  # SUM of no rows is NULL


@dataclass(frozen=True)
class FillSums:
    """One pass over the shift's fills: per nozzle, per attendant, the totals, and what needs its rows listed."""

    nozzles: dict[NozzleKey, NozzleSums]
    totals: FillTotals
    timers: tuple[AttendantTimers, ...]
    unpaid_at_end: int  # fills to list as unpaid at the end (0: no query for them)
    between_count: int  # fills adopted from between shifts (0: no query for them)


def fill_sums(
    session: Session,
    shift_id: int,
    end: dt.datetime,
    who: Callable[[int | None], str],
    flow_limit: int,
    commit_limit: int,
) -> FillSums:
    """The shift's fills in one GROUP BY (nozzle × between-shifts × attendant), folded here per nozzle and per
    attendant: one scan of the shift's rows instead of one per subject."""
    params = {"shift_id": shift_id, "end": end, "flow_limit": flow_limit, "commit_limit": commit_limit}
    rows = session.connection().execute(_FILL_SUMS, params).all()
    own: dict[NozzleKey, list[int]] = {}
    between: dict[NozzleKey, int] = {}
    people: dict[int | None, list[int]] = {}
    totals = [0, 0, 0, 0]
    unpaid_count = between_count = 0
    first: dict[NozzleKey, tuple[int, str]] = {}  # the nozzle's first own fill: (id, product)
    for dispenser, nozzle, is_between, attendant_id, product, first_id, n, q, a, da, mm, up, *timed in rows:
        key = (int(dispenser), int(nozzle))
        n, q, a, da = int(n), _int(q), _int(a), _int(da)
        totals = [totals[0] + n, totals[1] + q, totals[2] + a, totals[3] + _int(mm)]
        unpaid_count += _int(up)
        if is_between:
            between[key] = between.get(key, 0) + q
            between_count += n
        else:
            mine = own.setdefault(key, [0, 0, 0, 0])
            own[key] = [mine[0] + n, mine[1] + q, mine[2] + a, mine[3] + da]
            first[key] = min(first.get(key, (int(first_id), str(product))), (int(first_id), str(product)))
        person = people.setdefault(attendant_id, [0] * 9)
        people[attendant_id] = [x + _int(y) for x, y in zip(person, (n, q, a, *timed), strict=True)]
    nozzles = {}
    for key in own.keys() | between.keys():
        n, q, a, da = own.get(key, [0, 0, 0, 0])
        nozzles[key] = NozzleSums(n, q, a, da, between.get(key, 0), first[key][1] if key in first else None)
    timers = tuple(sorted((_attendant_timers(i, who, v) for i, v in people.items()), key=lambda t: t.attendant))
    return FillSums(nozzles, FillTotals(*totals), timers, unpaid_count, between_count)


def _timer_columns() -> list[ColumnElement[Any]]:
    flow, commit = Fill.engine_off_to_flow_ms, Fill.fill_end_to_commit_ms
    return [
        func.count(flow),
        func.sum(case((flow > bindparam("flow_limit"), 1), else_=0)),
        func.sum(flow),
        func.count(commit),
        func.sum(case((commit > bindparam("commit_limit"), 1), else_=0)),
        func.sum(commit),
    ]


# Built once, bound per call: the statements cost their SQL, not their construction.
_SETTLED_LATER = Fill.settled_at.is_not(None) & (Fill.settled_at > bindparam("end")) & (Fill.amount_fen != 0)
_FILL_SUMS = (
    select(
        Fill.dispenser,
        Fill.nozzle,
        Fill.between_shifts,
        Fill.attendant_id,
        Fill.product_code,
        func.min(Fill.id),
        func.count(),
        func.sum(Fill.quantity_centi),
        func.sum(Fill.amount_fen),
        func.sum(Fill.dispenser_amount_fen),
        func.sum(case((Fill.amount_mismatch.is_(True), 1), else_=0)),
        func.sum(case(((Fill.status == FillStatus.UNPAID) | _SETTLED_LATER, 1), else_=0)),
        *_timer_columns(),
    )
    .where(Fill.shift_id == bindparam("shift_id"))
    .group_by(Fill.dispenser, Fill.nozzle, Fill.between_shifts, Fill.attendant_id, Fill.product_code)
)
_TIMERS = (
    select(
        Fill.attendant_id,
        func.count(),
        func.sum(Fill.quantity_centi),
        func.sum(Fill.amount_fen),
        *_timer_columns(),
    )
    .where(Fill.shift_id.in_(bindparam("shift_ids", expanding=True)))
    .group_by(Fill.attendant_id)
)


def _attendant_timers(attendant_id: int | None, who: Callable[[int | None], str], v: list[int]) -> AttendantTimers:
    return AttendantTimers(
        attendant_id=None if attendant_id is None else int(attendant_id),
        attendant=str(who(attendant_id)),
        fill_count=v[0],
        quantity_centi=v[1],
        amount_fen=v[2],
        flow_timed=v[3],
        flow_over=v[4],
        flow_total_ms=v[5],
        commit_timed=v[6],
        commit_over=v[7],
        commit_total_ms=v[8],
    )


def timers(
    session: Session,
    shift_ids: Iterable[int],
    who: Callable[[int | None], str],
    flow_limit: int,
    commit_limit: int,
) -> tuple[AttendantTimers, ...]:
    """Per attendant over the shifts' fills (a day's attendants report): counts, sums, the timers' limits."""
    params = {"shift_ids": list(shift_ids), "flow_limit": flow_limit, "commit_limit": commit_limit}
    rows = session.connection().execute(_TIMERS, params).all()
    out = [_attendant_timers(attendant_id, who, [_int(x) for x in values]) for attendant_id, *values in rows]
    return tuple(sorted(out, key=lambda t: t.attendant))


@dataclass(frozen=True)
class CardSums:
    paying_count: int
    paying_fen: int
    internal_count: int
    internal_fen: int


def card_sums(session: Session, shift_id: int) -> CardSums:
    """Card fills settled in the shift (by its sale entries), paying cards apart from internal ones."""
    paying_count = paying = internal_count = internal = 0
    for card_type, n, total in session.connection().execute(_CARD_FILLS, {"shift_id": shift_id}):
        if card_type is CardType.INTERNAL:
            internal_count, internal = internal_count + int(n), internal + _int(total)
        else:
            paying_count, paying = paying_count + int(n), paying + _int(total)
    return CardSums(paying_count, paying, internal_count, internal)


@dataclass(frozen=True)
class JournalSums:
    drawer_by_kind: dict[str, tuple[int, int]]  # kind: (drawer postings, entries), kinds that touched the drawer
    card_debits_fen: int  # what the shift's sale entries took from card and hold accounts (not internal cards)
    adopted_entries: int  # entries adopted from between shifts
    adopted_cash_fen: int  # their drawer postings


def journal_sums(session: Session, shift_id: int, drawer_id: int | None) -> JournalSums:
    """The shift's drawer postings by kind, the card debits of its sales, the adopted entries and their cash.

    Three small queries rather than one GROUP BY over every posting: SQLite sorts a combined group far slower.
    """
    conn = session.connection()
    by_kind: dict[str, tuple[int, int]] = {}
    if drawer_id is not None:
        for kind, total, entries in conn.execute(_DRAWER_BY_KIND, {"shift_id": shift_id, "drawer_id": drawer_id}):
            by_kind[str(kind)] = (_int(total), int(entries))
    debits = conn.scalar(_CARD_DEBITS, {"shift_id": shift_id})
    adopted_count = _int(conn.scalar(_ADOPTED_COUNT, {"shift_id": shift_id}))
    adopted_cash = 0
    if adopted_count and drawer_id is not None:
        adopted_cash = _int(conn.scalar(_ADOPTED_CASH, {"shift_id": shift_id, "drawer_id": drawer_id}))
    return JournalSums(by_kind, _int(debits), adopted_count, adopted_cash)


def open_holds(session: Session, end: dt.datetime) -> tuple[HoldLine, ...]:
    """Holds placed by ``end`` and not resolved by then: the ones still open, and the ones resolved after it."""
    return tuple(
        HoldLine(int(i), str(number), int(amount), dispenser, nozzle, created_at)
        for i, number, amount, dispenser, nozzle, created_at in session.connection().execute(_OPEN_HOLDS, {"end": end})
    )


_SHIFT_SALES = (JournalEntry.shift_id == bindparam("shift_id")) & (JournalEntry.kind == "fill_sale")
_CARD_FILLS = (
    select(Card.card_type, func.count(), func.sum(Fill.amount_fen))
    .select_from(JournalEntry)
    .join(Fill, Fill.sale_entry_id == JournalEntry.id)
    .join(Card, Card.id == Fill.card_id)
    .where(_SHIFT_SALES, Fill.payment_mode == PaymentMode.CARD)
    .group_by(Card.card_type)
)
# "+ 0": read by the shift's entries (shift_id index), not by every drawer posting in history.
_DRAWER_BY_KIND = (
    select(JournalEntry.kind, func.sum(Posting.amount_fen), func.count(func.distinct(JournalEntry.id)))
    .join(Posting, Posting.entry_id == JournalEntry.id)
    .where(JournalEntry.shift_id == bindparam("shift_id"), (Posting.account_id + 0) == bindparam("drawer_id"))
    .group_by(JournalEntry.kind)
)
_NOT_INTERNAL = Card.card_type != CardType.INTERNAL
_CARD_ACCOUNTS = union(
    select(Card.account_id).where(_NOT_INTERNAL), select(Card.hold_account_id).where(_NOT_INTERNAL)
).subquery()
_CARD_DEBITS = (
    select(func.coalesce(func.sum(Posting.amount_fen), 0))
    .select_from(JournalEntry)
    .join(Posting, Posting.entry_id == JournalEntry.id)
    .where(_SHIFT_SALES, Posting.account_id.in_(select(_CARD_ACCOUNTS.c[0])))
)
_ADOPTED = select(JournalEntry.id).where(
    JournalEntry.shift_id == bindparam("shift_id"), JournalEntry.between_shifts.is_(True)
)
_ADOPTED_COUNT = select(func.count()).select_from(_ADOPTED.subquery())
_ADOPTED_CASH = select(func.coalesce(func.sum(Posting.amount_fen), 0)).where(
    Posting.entry_id.in_(_ADOPTED), Posting.account_id == bindparam("drawer_id")
)
# The holds open at ``end``: still open, or resolved after it, placed by then (index on resolved_at, created_at).
_OPEN_HOLD_IDS = union(
    select(Hold.id).where(Hold.resolved_at.is_(None), Hold.created_at <= bindparam("end")),
    select(Hold.id).where(Hold.resolved_at > bindparam("end"), Hold.created_at <= bindparam("end")),
).subquery()
_OPEN_HOLDS = (
    select(Hold.id, Card.number, Hold.amount_fen, Hold.dispenser, Hold.nozzle, Hold.created_at)
    .join(Card, Card.id == Hold.card_id)
    .where(Hold.id.in_(select(_OPEN_HOLD_IDS.c[0])))
    .order_by(Hold.id)
)


# Scan-to-pay: the shift's postings to the providers' clearing accounts; a sale debits one, a refund credits it.
_MOBILE = (
    select(
        Account.code,
        func.sum(case((Posting.amount_fen > 0, Posting.amount_fen), else_=0)),
        func.sum(case((Posting.amount_fen > 0, 1), else_=0)),
        func.sum(case((Posting.amount_fen < 0, -Posting.amount_fen), else_=0)),
    )
    .select_from(JournalEntry)
    .join(Posting, Posting.entry_id == JournalEntry.id)
    .join(Account, Account.id == Posting.account_id)
    .where(JournalEntry.shift_id == bindparam("shift_id"), Account.code.like("clearing:%"))
    .group_by(Account.code)
    .order_by(Account.code)
)


def mobile_sums(session: Session, shift_id: int) -> tuple[MobileTakings, ...]:
    rows = session.connection().execute(_MOBILE, {"shift_id": shift_id})
    return tuple(
        MobileTakings(str(code).removeprefix("clearing:"), _int(sales), _int(n), _int(refunds))
        for code, sales, n, refunds in rows
    )
