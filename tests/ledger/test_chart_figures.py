"""The desk charts' numbers on SQLite and PostgreSQL: sales by the hour on the station's clock, the stock line
from the stock ledger (opening + deliveries − fills), the timers per attendant, satisfaction by month."""

from __future__ import annotations

import datetime as dt

from station.ledger.reports.charts import sales_by_hour, satisfaction_by_month, stock_through_day, timer_bars
from station.ledger.services import Ledger
from tests.conftest import FakeClock
from tests.ledger.helpers import record, staff

UTC = dt.UTC


def test_chart_figures_by_hand(ledger: Ledger, clock: FakeClock) -> None:
    clock.now = dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 18:00 the day before, station time
    manager, attendant = staff(ledger, shift=True)
    ledger.record_stock_movement(manager, "CNG", 500_000, "delivery", "trailer 1")  # 5000.00 before the day
    clock.now = dt.datetime(2026, 11, 21, 6, 0, tzinfo=UTC)  # 14:00 at the station
    f1 = ledger.record_fill(record(1, 1000, when=clock.now), attendant=attendant, engine_off_to_flow_ms=40_000)
    ledger.settle_cash(attendant, f1.id, 5_000, fill_end_to_commit_ms=70_000)  # 45.00, both timers over
    clock.now = dt.datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # 16:00
    ledger.record_stock_movement(manager, "CNG", 100_000, "delivery", "trailer 2")
    f2 = ledger.record_fill(record(2, 2000, when=clock.now), attendant=attendant, engine_off_to_flow_ms=10_000)
    ledger.settle_cash(attendant, f2.id, 9_000, fill_end_to_commit_ms=10_000)  # 90.00
    ledger.record_fill(record(3, 500, when=clock.now), attendant=attendant)  # unpaid: not a sale yet
    clock.now = dt.datetime(2026, 11, 21, 8, 30, tzinfo=UTC)  # 16:30

    sales = sales_by_hour(ledger, dt.date(2026, 11, 21))
    assert sales.amount_fen[14] == 4_500 and sales.amount_fen[16] == 9_000 and sum(sales.amount_fen) == 13_500
    assert sales.count[14] == 1 and sales.count[16] == 1 and sum(sales.count) == 2

    stock = stock_through_day(ledger, dt.date(2026, 11, 21), "CNG")
    assert stock.opening_centi == 500_000
    assert len(stock.level_centi) == 17  # hours 0 to 16 so far
    assert stock.level_centi[-1] == ledger.stock_centi("CNG") == 500_000 + 100_000 - 1000 - 2000 - 500
    assert stock.level_centi[13] == 500_000  # nothing moved before 14:00

    bars = timer_bars(ledger)
    assert [(b.attendant, b.flow_within, b.flow_over, b.commit_within, b.commit_over) for b in bars] == [
        ("1001 加气员", 1, 1, 1, 1)
    ]


def test_satisfaction_by_month(ledger: Ledger, clock: FakeClock) -> None:
    _manager, attendant = staff(ledger, shift=True)
    # 2026-10-31 17:00 UTC is 2026-11-01 01:00 at the station: November's, not October's.
    asked = [
        (dt.datetime(2026, 10, 10, 2, 0, tzinfo=UTC), 5),
        (dt.datetime(2026, 10, 11, 2, 0, tzinfo=UTC), 4),
        (dt.datetime(2026, 10, 31, 17, 0, tzinfo=UTC), 2),
        (dt.datetime(2026, 11, 2, 2, 0, tzinfo=UTC), None),
    ]
    for number, (when, score) in enumerate(asked, start=1):
        ledger.record_rating(
            fill_id=None,
            attendant_id=attendant.id,
            lane="1/1",
            asked_at=when,
            score=score,
            answered_at=when if score else None,
        )
        del number
    months = satisfaction_by_month(ledger)
    assert len(months) == 12 and months[-1].month == dt.date(2026, 11, 1) and months[0].month == dt.date(2025, 12, 1)
    by_month = {m.month: (m.answered, m.mean_centi) for m in months}
    assert by_month[dt.date(2026, 10, 1)] == (2, 450)  # (5 + 4) / 2
    assert by_month[dt.date(2026, 11, 1)] == (1, 200)  # the skipped question is counted, never scored
    assert by_month[dt.date(2026, 9, 1)] == (0, None)
