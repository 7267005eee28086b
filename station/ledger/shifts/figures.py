"""A shift's figures as GROUP BY queries on its own rows (by ``shift_id`` and the period's indexes).

The reconciliation once loaded every fill of the shift, every card and every hold in history into Python; these
queries return the sums it needs, so its cost follows the shift, not the age of the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, case, func, select, union
from sqlalchemy.orm import Session

from station.ledger.models import Card, CardType, Fill, Hold, JournalEntry, PaymentMode, Posting
from station.ledger.shifts.values import AttendantTimers, HoldLine, NozzleKey


@dataclass(frozen=True)
class NozzleSums:
    """A nozzle's fills in the shift: the shift's own (``mine``) and those adopted from between shifts."""

    fill_count: int = 0
    quantity_centi: int = 0
    amount_fen: int = 0
    dispenser_amount_fen: int = 0
    between_quantity_centi: int = 0


@dataclass(frozen=True)
class FillTotals:
    fill_count: int
    quantity_centi: int
    amount_fen: int
    amount_mismatch_count: int


def _int(value: int | None) -> int:
    return int(value or 0)  # SUM of no rows is NULL


def nozzle_sums(session: Session, shift_id: int) -> tuple[dict[NozzleKey, NozzleSums], FillTotals]:
    """Per nozzle, split by between-shifts, and the shift's totals, in one GROUP BY."""
    mismatch = func.sum(case((Fill.amount_mismatch.is_(True), 1), else_=0))
    rows = session.execute(
        select(
            Fill.dispenser,
            Fill.nozzle,
            Fill.between_shifts,
            func.count(),
            func.sum(Fill.quantity_centi),
            func.sum(Fill.amount_fen),
            func.sum(Fill.dispenser_amount_fen),
            mismatch,
        )
        .where(Fill.shift_id == shift_id)
        .group_by(Fill.dispenser, Fill.nozzle, Fill.between_shifts)
    ).all()
    own: dict[NozzleKey, NozzleSums] = {}
    between: dict[NozzleKey, int] = {}
    count = quantity = amount = mismatches = 0
    for dispenser, nozzle, is_between, n, q, a, da, mm in rows:
        key = (int(dispenser), int(nozzle))
        count, quantity, amount, mismatches = (
            count + int(n),
            quantity + _int(q),
            amount + _int(a),
            mismatches + _int(mm),
        )
        if is_between:
            between[key] = _int(q)
        else:
            own[key] = NozzleSums(int(n), _int(q), _int(a), _int(da))
    out = {
        key: replace(own.get(key, NozzleSums()), between_quantity_centi=between.get(key, 0))
        for key in own.keys() | between.keys()
    }
    return out, FillTotals(count, quantity, amount, mismatches)


def first_product(session: Session, shift_id: int, key: NozzleKey) -> str | None:
    """The product of the nozzle's first own fill in the shift (what the nozzle sold)."""
    value = session.scalar(
        select(Fill.product_code)
        .where(
            Fill.shift_id == shift_id, Fill.dispenser == key[0], Fill.nozzle == key[1], Fill.between_shifts.is_(False)
        )
        .order_by(Fill.id)
        .limit(1)
    )
    return None if value is None else str(value)


def timers(
    session: Session,
    shift_ids: Iterable[int],
    who: Callable[[int | None], str],
    flow_limit: int,
    commit_limit: int,
) -> tuple[AttendantTimers, ...]:
    """Per attendant over the shifts' fills: counts, sums and the timers against their limits."""
    flow, commit = Fill.engine_off_to_flow_ms, Fill.fill_end_to_commit_ms
    ids = list(shift_ids)
    where: ColumnElement[bool] = Fill.shift_id == ids[0] if len(ids) == 1 else Fill.shift_id.in_(ids)
    rows = session.execute(
        select(
            Fill.attendant_id,
            func.count(),
            func.sum(Fill.quantity_centi),
            func.sum(Fill.amount_fen),
            func.count(flow),
            func.sum(case((flow > flow_limit, 1), else_=0)),
            func.sum(flow),
            func.count(commit),
            func.sum(case((commit > commit_limit, 1), else_=0)),
            func.sum(commit),
        )
        .where(where)
        .group_by(Fill.attendant_id)
    ).all()
    out = [
        AttendantTimers(
            attendant_id=None if attendant_id is None else int(attendant_id),
            attendant=str(who(attendant_id)),
            fill_count=int(n),
            quantity_centi=_int(q),
            amount_fen=_int(a),
            flow_timed=int(ft),
            flow_over=_int(fo),
            flow_total_ms=_int(fs),
            commit_timed=int(ct),
            commit_over=_int(co),
            commit_total_ms=_int(cs),
        )
        for attendant_id, n, q, a, ft, fo, fs, ct, co, cs in rows
    ]
    return tuple(sorted(out, key=lambda t: t.attendant))


@dataclass(frozen=True)
class CardSums:
    paying_count: int
    paying_fen: int
    internal_count: int
    internal_fen: int
    debits_fen: int


def card_sums(session: Session, shift_id: int) -> CardSums:
    """Card fills settled in the shift (by its sale entries) and what those sales took from card accounts."""
    sales = (JournalEntry.shift_id == shift_id) & (JournalEntry.kind == "fill_sale")
    paying_count = paying = internal_count = internal = 0
    for card_type, n, total in session.execute(
        select(Card.card_type, func.count(), func.sum(Fill.amount_fen))
        .select_from(JournalEntry)
        .join(Fill, Fill.sale_entry_id == JournalEntry.id)
        .join(Card, Card.id == Fill.card_id)
        .where(sales, Fill.payment_mode == PaymentMode.CARD)
        .group_by(Card.card_type)
    ):
        if card_type is CardType.INTERNAL:
            internal_count, internal = internal_count + int(n), internal + _int(total)
        else:
            paying_count, paying = paying_count + int(n), paying + _int(total)
    not_internal = Card.card_type != CardType.INTERNAL
    card_accounts = union(
        select(Card.account_id).where(not_internal), select(Card.hold_account_id).where(not_internal)
    ).subquery()
    debits = session.scalar(
        select(func.coalesce(func.sum(Posting.amount_fen), 0))
        .select_from(JournalEntry)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .where(sales, Posting.account_id.in_(select(card_accounts.c[0])))
    )
    return CardSums(paying_count, paying, internal_count, internal, _int(debits))


def open_holds(session: Session, end: dt.datetime) -> tuple[HoldLine, ...]:
    """Holds placed by ``end`` and not resolved by then: the ones still open, and the ones resolved after it."""
    ids = union(
        select(Hold.id).where(Hold.resolved_at.is_(None), Hold.created_at <= end),
        select(Hold.id).where(Hold.resolved_at > end, Hold.created_at <= end),
    ).subquery()
    return tuple(
        HoldLine(int(i), str(number), int(amount), dispenser, nozzle, created_at)
        for i, number, amount, dispenser, nozzle, created_at in session.execute(
            select(Hold.id, Card.number, Hold.amount_fen, Hold.dispenser, Hold.nozzle, Hold.created_at)
            .join(Card, Card.id == Hold.card_id)
            .where(Hold.id.in_(select(ids.c[0])))
            .order_by(Hold.id)
        )
    )
