from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from station.ledger.fills import FillRecord
from station.ledger.models import Base, CardType, Role
from station.ledger.services import Ledger
from station.ledger.staff import Actor
from station.money import amount_for


def fingerprint(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to assert that a refused call changed nothing."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def staff(ledger: Ledger, *, shift: bool = False) -> tuple[Actor, Actor]:
    """A manager and an attendant; ``shift``: a working station, with a shift opened at the desk."""
    manager = ledger.create_attendant(None, number="9001", name="站长", role=Role.MANAGER, pin="9999")
    attendant = ledger.create_attendant(manager, number="1001", name="加气员", role=Role.ATTENDANT, pin="1234")
    if shift:
        open_shift(ledger, manager, attendant)
    return manager, attendant


def open_shift(ledger: Ledger, manager: Actor, attendant: Actor, float_fen: int = 0, note: str = "") -> int:
    """Open a shift through the desk with every configured nozzle read at its last closing (0 at first)."""
    from station.ledger.shifts.desk import ShiftDesk

    desk = ShiftDesk(ledger)
    last = desk.latest_shift_id()
    closing = {}
    if last is not None:
        closing = {(n.dispenser, n.nozzle): n.closing_quantity_centi for n in desk.reconciliation(last).nozzles}
    readings = {
        (n.dispenser, n.nozzle): (closing.get((n.dispenser, n.nozzle)) or 0, 0, False) for n in ledger.settings.nozzles
    }
    return desk.open_shift(manager, [attendant], float_fen, readings, note=note)


def card(ledger: Ledger, actor: Actor, number: str = "88000001", balance: int = 50_000, **kw: object) -> str:
    kw.setdefault("card_type", CardType.STORED_VALUE)
    kw.setdefault("plates", ["鲁E12345"])
    ledger.issue_card(actor, number=number, uid=kw.pop("uid", None), holder="张师傅", pin="123456", **kw)  # type: ignore[arg-type]
    if balance and ledger.current_shift() is None:
        ledger.load_opening_balance(actor, number, balance)  # a card brought over before the first shift
    elif balance:
        ledger.recharge(actor, number, balance)
    return number


def record(
    number: int, quantity: int, price: int = 450, dispenser: int = 1, nozzle: int = 1, when: dt.datetime | None = None
) -> FillRecord:
    when = when or dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)
    return FillRecord(
        dispenser=dispenser,
        nozzle=nozzle,
        transaction_number=number,
        product_code="CNG",
        unit="kg",
        unit_price_fen=price,
        quantity_centi=quantity,
        dispenser_amount_fen=amount_for(price, quantity),
        started_at=when,
        ended_at=when + dt.timedelta(seconds=90),
        pressure_before_centi_mpa=300,
        pressure_after_centi_mpa=2000,
        totalizer_before_centi=0,
        totalizer_after_centi=quantity,
    )
