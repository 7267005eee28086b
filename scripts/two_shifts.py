"""Two consecutive shift reconciliations with a fill between them, on a temporary SQLite ledger.

Real services (Ledger, ShiftDesk) and the real report renderer; a stepped clock so the times read sensibly.
Usage: .venv/bin/python scripts/two_shifts.py [en|zh|both]
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from station.config import load_settings
from station.ledger.checks import check_ledger
from station.ledger.db import make_engine, upgrade
from station.ledger.fills import FillRecord
from station.ledger.reports.shift import reconciliation_report
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.money import amount_for
from station.printouts.report import render_text
from station.seed import ATTENDANT, seed_demo

ROOT = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)  # 08:00 at the station

    def __call__(self) -> dt.datetime:
        return self.now

    def step(self, minutes: int) -> dt.datetime:
        self.now += dt.timedelta(minutes=minutes)
        return self.now


def main(lang: str = "en") -> int:
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'two-shifts.db'}"
        upgrade(url)
        engine = make_engine(url)
        ledger = Ledger(engine, load_settings(ROOT / "config" / "station.toml"), b"k" * 32, clock=clock)
        ledger.bootstrap()
        manager = seed_demo(ledger, clock.now.date())
        attendant = ledger.authenticate(ATTENDANT[0], ATTENDANT[2])
        desk = ShiftDesk(ledger)
        totalizer = {
            (n.dispenser, n.nozzle): [100_000 * i, 450_000 * i] for i, n in enumerate(ledger.settings.nozzles, 1)
        }
        txn = iter(range(1, 1000))

        def fill(dispenser: int, nozzle: int, quantity: int) -> int:
            start = clock.step(2)
            price = ledger.unit_price("CNG")
            amount = amount_for(price, quantity)
            before = totalizer[(dispenser, nozzle)][0]
            totalizer[(dispenser, nozzle)][0] += quantity
            totalizer[(dispenser, nozzle)][1] += amount
            record = FillRecord(
                dispenser, nozzle, next(txn), "CNG", "kg", price, quantity, amount,
                start, clock.step(2), 300, 2000, before, before + quantity, "preset",
            )  # fmt: skip
            return ledger.record_fill(record, attendant=attendant, engine_off_to_flow_ms=20_000).id

        def readings() -> dict[tuple[int, int], tuple[int, int, bool]]:
            return {k: (q, a, False) for k, (q, a) in totalizer.items()}

        # ---- shift 1: float 500.00, a cash fill, a card fill, a cash recharge
        s1 = desk.open_shift(manager, [attendant], 50_000, readings())
        f1 = fill(1, 1, 1382)
        ledger.settle_cash(attendant, f1, 10_000, fill_end_to_commit_ms=30_000)
        f2 = fill(1, 2, 1000)
        ledger.settle_card(attendant, f2, "88000001", fill_end_to_commit_ms=25_000)
        clock.step(5)
        ledger.recharge(attendant, "88000002", 5_000)
        clock.step(30)
        drawer = ledger.drawer_cash()
        desk.close_shift(manager, readings(), {10000: drawer // 10000, 1: drawer % 10000})
        desk.sign_off(manager, s1)

        # ---- between shifts: the dispenser delivers 2.48 kg on 1/1 and the driver pays cash
        clock.step(10)
        gap_fill = fill(1, 1, 248)
        ledger.settle_cash(attendant, gap_fill, 2_000)

        # ---- shift 2: the drawer carried (its count is the float), the totalizers explained by the gap fill
        clock.step(10)
        s2 = desk.open_shift(manager, [attendant], drawer, readings())
        f3 = fill(2, 1, 800)
        ledger.settle_cash(attendant, f3, 4_000, fill_end_to_commit_ms=40_000)
        clock.step(30)
        expected = ledger.drawer_cash()
        desk.close_shift(manager, readings(), {10000: expected // 10000, 1: expected % 10000})

        for shift in (s1, s2):
            rec = desk.reconciliation(shift)
            print("\n".join(render_text(reconciliation_report(rec, clock.now), lang)))  # type: ignore[arg-type]
            print("\n" + "-" * 78 + "\n")
        report = check_ledger(engine)
        print("station db check:\n" + report.render())
        engine.dispose()
        return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
