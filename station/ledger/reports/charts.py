"""The desk's charts as plain numbers: sales by hour, the stock through the day, the timers per attendant and
the drivers' satisfaction by month. Integers only (fen, centi-units, hundredths of a score); the screen draws.

The stock line is the stock ledger itself: every fill, delivery and adjustment is a movement, so the level at
any moment is the sum of the movements before it (the day's opening stock, plus deliveries, minus fills).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from station.config import STATION_TZ
from station.ledger.errors import NotFound
from station.ledger.models import Fill, FillStatus, StockMovement
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import business_day_bounds

HOURS = 24


@dataclass(frozen=True)
class HourlySales:
    business_date: dt.date
    amount_fen: tuple[int, ...]  # 24 hours on the station's clock: paid fills by the hour they ended
    count: tuple[int, ...]


@dataclass(frozen=True)
class StockDay:
    business_date: dt.date
    product_code: str
    opening_centi: int  # the stock at the day's first instant
    level_centi: tuple[int, ...]  # the level at the end of each hour so far (today: up to the current hour)


@dataclass(frozen=True)
class TimerBars:
    attendant: str  # "number name"
    flow_within: int  # engine off to gas flowing: within 30 s
    flow_over: int
    commit_within: int  # fill end to sale committed: within 1 min
    commit_over: int


@dataclass(frozen=True)
class MonthSatisfaction:
    month: dt.date  # the month's first day
    answered: int
    mean_centi: int | None  # hundredths of a score of 5, rounded half up; None when nobody answered


def _hour(moment: dt.datetime) -> int:
    return moment.astimezone(STATION_TZ).hour


def sales_by_hour(ledger: Ledger, business_date: dt.date) -> HourlySales:
    start, end = business_day_bounds(business_date)
    amounts, counts = [0] * HOURS, [0] * HOURS
    query = select(Fill.ended_at, Fill.amount_fen).where(
        Fill.ended_at >= start, Fill.ended_at < end, Fill.status == FillStatus.PAID
    )
    with ledger._read() as session:
        for ended_at, amount in session.execute(query):
            hour = _hour(ended_at)
            amounts[hour] += int(amount)
            counts[hour] += 1
    return HourlySales(business_date, tuple(amounts), tuple(counts))


def stock_through_day(ledger: Ledger, business_date: dt.date, product_code: str) -> StockDay:
    start, end = business_day_bounds(business_date)
    now = ledger.now()
    hours = HOURS if now >= end else max(0, min(HOURS, _hour(now) + 1)) if now >= start else 0
    opening_q = select(func.coalesce(func.sum(StockMovement.quantity_centi), 0)).where(
        StockMovement.product_code == product_code, StockMovement.created_at < start
    )
    moves_q = select(StockMovement.created_at, StockMovement.quantity_centi).where(
        StockMovement.product_code == product_code, StockMovement.created_at >= start, StockMovement.created_at < end
    )
    by_hour = [0] * HOURS
    with ledger._read() as session:
        opening = int(session.scalar(opening_q) or 0)
        for created_at, quantity in session.execute(moves_q):
            by_hour[_hour(created_at)] += int(quantity)
    levels, level = [], opening
    for hour in range(hours):
        level += by_hour[hour]
        levels.append(level)
    return StockDay(business_date, product_code, opening, tuple(levels))


def timer_bars(ledger: Ledger) -> list[TimerBars]:
    """The attendants report's timers for the open shift (else the latest): within and over each limit."""
    try:
        rec = ShiftDesk(ledger).reconciliation(None)
    except NotFound:
        return []
    return [
        TimerBars(
            t.attendant,
            t.flow_timed - t.flow_over,
            t.flow_over,
            t.commit_timed - t.commit_over,
            t.commit_over,
        )
        for t in rec.timers
    ]


def _month_start(moment: dt.date, back: int) -> dt.date:
    index = moment.year * 12 + moment.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _bound(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=STATION_TZ).astimezone(dt.UTC)


def satisfaction_by_month(ledger: Ledger, months: int = 12) -> list[MonthSatisfaction]:
    """The rating pad's answers month by month, the last ``months`` months up to this one, oldest first."""
    today = ledger.now().astimezone(STATION_TZ).date()
    out: list[MonthSatisfaction] = []
    for back in range(months - 1, -1, -1):
        first, following = _month_start(today, back), _month_start(today, back - 1)
        rows = ledger.satisfaction(_bound(first), _bound(following))
        answered = sum(r.answered for r in rows)
        total = sum(r.score_sum for r in rows)
        mean = (total * 200 + answered) // (2 * answered) if answered else None  # half up, as ledger/ratings
        out.append(MonthSatisfaction(first, answered, mean))
    return out
