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
from station.printouts.report import (
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
    else:
        rec = desk.reconciliation(shift_id)
        timers, subject = rec.timers, f"#{rec.shift_id}"
    section = table("timers", Text("加气员计时", "Timers per attendant"), TIMER_COLUMNS, timer_rows(timers))
    return Report("attendants", Text("加气员报表", "Attendant report"), subject, ledger.now(), (section,))
