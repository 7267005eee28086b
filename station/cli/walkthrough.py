"""``station demo --walkthrough``: a real ledger on a real SQLite file, step by step, printed. No UI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from station.ledger.checks import check_ledger
from station.ledger.fills import FillRecord
from station.ledger.shifts.desk import ShiftDesk
from station.money import amount_for, format_centi, format_yuan
from station.runtime import open_station
from station.seed import ATTENDANT, seed_demo


def run_walkthrough(directory: Path, config: str | None = None) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    db_file = directory / "walkthrough.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    runtime = open_station(f"sqlite:///{db_file}", config)
    ledger = runtime.ledger
    print(f"database: {db_file}")
    manager = seed_demo(ledger)
    attendant = ledger.authenticate(ATTENDANT[0], ATTENDANT[2])
    print(f"logged in: {attendant.name} ({attendant.number}), manager {manager.name}")
    # Money is taken only in an open shift: the manager opens one with every nozzle's totalizers at zero.
    desk = ShiftDesk(ledger)
    nozzles = {(n.dispenser, n.nozzle): (0, 0, True) for n in ledger.settings.nozzles}
    shift = desk.open_shift(manager, [attendant], 0, nozzles)
    print(f"shift #{shift} opened (float 0.00 元, {len(nozzles)} nozzles)")

    card = ledger.card(number="88000001")
    print(f"card {card.number} {card.holder}: balance {format_yuan(card.balance_fen)} 元")
    ledger.recharge(attendant, card.number, 20000)
    print(f"recharge 200.00 元 → balance {format_yuan(ledger.card(number=card.number).balance_fen)} 元")

    ledger.verify_card_pin(card.number, "123456")
    ledger.check_card_for_fill(number=card.number, plate="鲁E12345")
    hold = ledger.place_hold(attendant, card.number, 10000, dispenser=1, nozzle=1)
    print(f"hold (灰锁) 100.00 元 placed; available {format_yuan(ledger.card(number=card.number).balance_fen)} 元")
    price = ledger.unit_price("CNG", card.price_level)
    now = ledger.now()
    qty = 1523  # 15.23 kg
    fill = ledger.record_fill(
        FillRecord(
            1,
            1,
            1,
            "CNG",
            "kg",
            price,
            qty,
            amount_for(price, qty),
            now - dt.timedelta(minutes=3),
            now,
            300,
            2000,
            0,
            qty,
            "preset",
        ),
        attendant=attendant,
        plate="鲁E12345",
        engine_off_to_flow_ms=21000,
    )
    print(f"fill 1/1 #1: {format_centi(qty)} kg × {format_yuan(price)} = {format_yuan(fill.amount_fen)} 元 (unpaid)")
    settled = ledger.settle_card(attendant, fill.id, card.number, hold_id=hold, fill_end_to_commit_ms=35000)
    print(
        f"card sale settled: balance {format_yuan(settled.card.balance_fen)} 元"
        + (" — 余额不多,请及时充值" if settled.low_balance else "")
    )

    qty2 = 847
    fill2 = ledger.record_fill(
        FillRecord(
            2,
            1,
            1,
            "CNG",
            "kg",
            ledger.unit_price("CNG"),
            qty2,
            amount_for(ledger.unit_price("CNG"), qty2),
            now,
            now,
            500,
            2000,
            0,
            qty2,
        )
    )
    cash = ledger.settle_cash(attendant, fill2.id, 5000, fill_end_to_commit_ms=41000)
    print(
        f"cash sale: due {format_yuan(cash.due_fen)}, 收到您{format_yuan(cash.tendered_fen)}元,"
        f"找您{format_yuan(cash.change_fen)}元,请拿好"
    )

    print("\nbalances:")
    for number in ("88000001", "88000002", "88000003", "88000004"):
        c = ledger.card(number=number)
        print(f"  {c.number} {c.holder:<8} {c.status.value:<7} {format_yuan(c.balance_fen):>10} 元")
    print(f"  cash drawer {format_yuan(ledger.drawer_cash()):>10} 元")
    print("\njournal (newest first):")
    for entry in ledger.journal(12):
        lines = ", ".join(f"{code} {format_yuan(amount)}" for code, amount in entry.postings)
        print(f"  #{entry.id:<3} {entry.kind:<13} {lines}")
    report = check_ledger(runtime.engine)
    print("\nstation db check:\n" + report.render())
    runtime.close()
    return 0 if report.ok else 1
