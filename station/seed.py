"""Sample data for the demo and the tests: staff, cards with balances and plates, vehicles and cylinders."""

from __future__ import annotations

import datetime as dt

from station.ledger.models import CardType, Role
from station.ledger.services import Ledger
from station.ledger.staff import Actor

MANAGER = ("9001", "王站长", "9999")  # number, name, PIN
ATTENDANT = ("1001", "李加气", "1234")

# number, uid, type, holder, plates, pin, recharge (fen), level, credit limit (fen)
SAMPLE_CARDS: list[tuple[str, str, CardType, str, list[str], str, int, int, int]] = [
    ("88000001", "04A1B2C3", CardType.STORED_VALUE, "张师傅", ["鲁E12345"], "123456", 50000, 0, 0),
    ("88000002", "04D4E5F6", CardType.STORED_VALUE, "刘师傅", ["鲁E67890"], "654321", 8000, 0, 0),
    ("88000003", "04112233", CardType.STORED_VALUE, "赵师傅", ["鲁E55555"], "111111", 30000, 0, 0),  # reported lost
    ("88000004", "04445566", CardType.ACCOUNT, "东营公交公司", ["鲁E00001", "鲁E00002"], "222222", 0, 1, 500000),
]


def seed_demo(ledger: Ledger, today: dt.date | None = None) -> Actor:
    """Seed once; returns the manager. Running it again changes nothing."""
    today = today or ledger.now().date()
    try:
        manager = ledger.create_attendant(None, number=MANAGER[0], name=MANAGER[1], role=Role.MANAGER, pin=MANAGER[2])
    except Exception:
        return ledger.authenticate(MANAGER[0], MANAGER[2])
    ledger.create_attendant(manager, number=ATTENDANT[0], name=ATTENDANT[1], role=Role.ATTENDANT, pin=ATTENDANT[2])
    for number, uid, card_type, holder, plates, pin, recharge, level, limit in SAMPLE_CARDS:
        ledger.issue_card(
            manager,
            number=number,
            uid=uid,
            card_type=card_type,
            holder=holder,
            pin=pin,
            plates=plates,
            price_level=level,
            credit_limit_fen=limit,
            phone="13800000000",
        )
        if recharge:
            ledger.load_opening_balance(manager, number, recharge)
    ledger.report_lost(manager, "88000003")
    good = {
        "registration_no": "R-1",
        "next_inspection": today + dt.timedelta(days=200),
        "design_life_end": today + dt.timedelta(days=3000),
    }
    for plate in ("鲁E12345", "鲁E67890", "鲁E55555", "鲁E00001", "鲁E00002", "鲁E22222"):
        ledger.register_vehicle(manager, plate, "", [{"serial": f"CYL-{plate[-5:]}", **good}])
    overdue = {**good, "next_inspection": today - dt.timedelta(days=10)}
    ledger.register_vehicle(manager, "鲁E99999", "", [{"serial": "CYL-99999", **overdue}])
    # The cards were loaded before today: their cash is already in the safe, the drawer starts empty.
    # No shift is opened here: the manager opens it at the desk, reading the dispensers' totalizers.
    return manager
