"""The month's satisfaction (回访满意度) per attendant and the complaints' response times.

Seed 003 §7.7.1: for service attitude and professional ability each, satisfaction = (A1 + A2 + … + An) / n over
the customers reached; the final satisfaction is the two means' arithmetic mean. Exact fractions throughout,
one decimal on paper (rounded half up). A callback belongs to the month of the sale it asks about.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from station.ledger.callbacks import CallbackScores, tenths
from station.ledger.complaints import ComplaintView
from station.ledger.reports.sections import pairs, table
from station.ledger.services import Ledger
from station.ledger.shifts.values import business_day_bounds
from station.printouts.report import Report, Text

HOUR = 3600


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds of the calendar month (China time) holding ``month``."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return business_day_bounds(first)[0], business_day_bounds(following)[0]


def _row(label: str | Text, s: CallbackScores) -> list[str | Text]:
    return [
        label,
        str(s.drawn),
        str(s.done),
        str(s.not_reached),
        str(s.pending),
        tenths(s.attitude),
        tenths(s.ability),
        tenths(s.final),
        str(s.follow_ups),
    ]


def station_total(rows: list[CallbackScores]) -> CallbackScores:
    """Every attendant's callbacks together: the station's own satisfaction by the same formula."""
    return CallbackScores(
        "",
        "",
        sum(r.drawn for r in rows),
        sum(r.done for r in rows),
        sum(r.not_reached for r in rows),
        sum(r.attitude_sum for r in rows),
        sum(r.ability_sum for r in rows),
        sum(r.follow_ups for r in rows),
    )


def median(values: list[int]) -> Fraction | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[mid])
    return Fraction(ordered[mid - 1] + ordered[mid], 2)


def response_hours(complaints: list[ComplaintView]) -> list[int]:
    """Seconds from received to answered, for the complaints answered."""
    return [int((c.answered_at - c.received_at).total_seconds()) for c in complaints if c.answered_at is not None]


def satisfaction_report(ledger: Ledger, month: dt.date) -> Report:
    start, end = month_bounds(month)
    scores = ledger.callback_scores(start, end)
    columns = (
        ("attendant", "加气员", "Attendant"),
        ("drawn", "抽取", "Drawn"),
        ("done", "已回访", "Done"),
        ("not_reached", "未接通", "Not reached"),
        ("pending", "待回访", "To call"),
        ("attitude", "服务态度", "Attitude"),
        ("ability", "业务能力", "Ability"),
        ("final", "满意度", "Satisfaction"),
        ("follow_up", "需跟进", "Follow-ups"),
    )
    rows = [_row(f"{s.number} {s.name}", s) for s in scores]
    if scores:
        rows.append(_row(Text("全站", "Station"), station_total(scores)))
    per_attendant = table("satisfaction", Text("回访满意度 (1-10分)", "Callback satisfaction (1-10)"), columns, rows)

    now = ledger.now()
    month_complaints = [c for c in ledger.complaints() if start <= c.received_at < end]
    took = response_hours(month_complaints)
    mid = median(took)
    complaints = pairs(
        "complaints",
        Text("投诉答复时效", "Complaint response times"),
        [
            (Text("受理", "Received"), str(len(month_complaints))),
            (Text("已答复", "Answered"), str(len(took))),
            (Text("答复用时中位数 (小时)", "Median hours to answer"), tenths(None if mid is None else mid / HOUR)),
            (Text("最长用时 (小时)", "Longest (hours)"), tenths(Fraction(max(took), HOUR) if took else None)),
            (Text("超时答复", "Answered late"), str(sum(1 for c in month_complaints if c.answered_late()))),
            (Text("超时未答复", "Overdue, not answered"), str(sum(1 for c in month_complaints if c.overdue(now)))),
        ],
    )
    return Report(
        kind="satisfaction",
        title=Text("服务满意度月报", "Monthly satisfaction"),
        subject=month.strftime("%Y-%m"),
        generated_at=now,
        sections=(per_attendant, complaints),
    )
