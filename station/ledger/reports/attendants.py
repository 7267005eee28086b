"""Per attendant: fills, amounts and the timers, for a shift or a business date."""

from __future__ import annotations

import datetime as dt

from station.ledger.reports.sections import (
    TIMER_COLUMNS,
    table,
    timer_rows,
)
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import business_day_bounds
from station.printouts.report import (
    Cell,
    Report,
    Text,
)


def attendant_report(ledger: Ledger, *, shift_id: int | None = None, business_date: dt.date | None = None) -> Report:
    """Per attendant: fills, amounts, the share over 30 s and over 1 min, average durations.

    For a business date (the day's closed shifts) or a shift (default: the open one, else the latest).
    """
    desk = ShiftDesk(ledger)
    if business_date is not None:
        timers = desk.day_timers(business_date)  # the day's GROUP BY, not every shift's reconciliation
        subject = business_date.isoformat()
        start, end = business_day_bounds(business_date)
    else:
        rec = desk.reconciliation(shift_id)
        timers, subject = rec.timers, f"#{rec.shift_id}"
        start, end = rec.opened_at, rec.closed_at or ledger.now() + dt.timedelta(seconds=1)
    section = table("timers", Text("加气员计时", "Timers per attendant"), TIMER_COLUMNS, timer_rows(timers))
    ratings = table(
        "ratings", Text("服务评价 (评价器)", "Ratings (rating pad)"), RATING_COLUMNS, rating_rows(ledger, start, end)
    )
    return Report("attendants", Text("加气员报表", "Attendant report"), subject, ledger.now(), (section, ratings))


RATING_COLUMNS = (
    ("attendant", "加气员", "Attendant"),
    ("asked", "邀评", "Asked"),
    ("answered", "已评", "Answered"),
    ("skipped", "未评", "Skipped"),
    ("mean", "平均分 (5分制)", "Mean (of 5)"),
    ("fair_or_worse", "一般及以下", "Fair or worse"),
)


def rating_rows(ledger: Ledger, start: dt.datetime, end: dt.datetime) -> list[list[Cell]]:
    """The drivers' keys at farewell in [start, end), per attendant; the mean in hundredths, never a float."""
    rows: list[list[Cell]] = []
    for s in ledger.satisfaction(start, end):
        mean = s.mean_centi
        rows.append(
            [
                f"{s.number} {s.name}",
                str(s.asked),
                str(s.answered),
                str(s.skipped),
                "" if mean is None else f"{mean // 100}.{mean % 100:02d}",
                str(s.fair_or_worse),
            ]
        )
    return rows
