"""What needed a manager: fills not paid and the ones cleared, a shift's overrides and voids."""

from __future__ import annotations

import json

from sqlalchemy import select

from station.ledger.models import AuditEvent, Fill, FillStatus
from station.ledger.reports.sections import (
    FILL_COLUMNS,
    event_sections,
    fill_rows,
    table,
)
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.reconcile import _fill_line
from station.printouts.report import (
    Report,
    Text,
)


def unpaid_report(ledger: Ledger, cleared_limit: int = 50) -> Report:
    """Fills not yet paid (now) and the latest fills a manager cleared, with who and why."""
    with ledger._read() as session:
        names = ShiftDesk._names(session)

        def who(attendant_id: int | None) -> str:
            return names.get(attendant_id, "—") if attendant_id is not None else "—"

        cleared_by: dict[int, str] = {}
        for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "unpaid_fill_cleared")):
            fill_id = json.loads(event.detail).get("fill")
            if isinstance(fill_id, int):
                cleared_by[fill_id] = who(event.actor_id)
        unpaid = [
            _fill_line(f, who)
            for f in session.scalars(select(Fill).where(Fill.status == FillStatus.UNPAID).order_by(Fill.id))
        ]
        cleared = [
            _fill_line(f, who, cleared_by=cleared_by.get(f.id, ""))
            for f in session.scalars(
                select(Fill).where(Fill.status == FillStatus.CLEARED).order_by(Fill.id.desc()).limit(cleared_limit)
            )
        ]
    return Report(
        "unpaid",
        Text("未付与核销加气", "Unpaid and cleared fills"),
        "",
        ledger.now(),
        (
            table("unpaid", Text("未付加气", "Unpaid fills"), FILL_COLUMNS, fill_rows(unpaid)),
            table("cleared", Text("核销的未付加气", "Cleared unpaid fills"), FILL_COLUMNS, fill_rows(cleared)),
        ),
    )


def overrides_report(ledger: Ledger, shift_id: int | None = None) -> Report:
    """A shift's overrides, voids (reversals), card adjustments, cleared fills and price changes."""
    rec = ShiftDesk(ledger).reconciliation(shift_id)
    return Report(
        "overrides",
        Text("放行与冲正", "Overrides and voids"),
        f"#{rec.shift_id}",
        ledger.now(),
        tuple(event_sections(rec)),
    )
