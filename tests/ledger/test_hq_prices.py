"""Head office's price schedules in the station's books: kept as pulled, applied once when due as head office's
price change (audited, told to head office), a bad item refusing the whole schedule, the read-back recorded with
its event. The sync and the dispensers end to end: tests/hq/test_hq_prices.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from station.ledger.hq_prices import APPLIED, PENDING, READ_BACK, REFUSED, SUPERSEDED
from station.ledger.models import AuditEvent, Price
from station.ledger.services import Ledger
from tests.conftest import FakeClock
from tests.ledger.helpers import staff


def pulled(version: int, *schedules: dict[str, Any]) -> dict[str, Any]:
    return {"version": version, "prices": list(schedules), "blacklist": [], "card_rules": [], "balances": []}


def schedule(n: int, at: dt.datetime, *items: tuple[Any, Any, Any]) -> dict[str, Any]:
    return {
        "schedule_version": n,
        "effective_at": at.isoformat(),
        "items": [{"product": p, "level": lv, "price_fen": f} for p, lv, f in items],
    }


def events(ledger: Ledger, kind: str) -> list[dict[str, Any]]:
    return [r.payload for r in ledger.outbox_after(0, 10_000) if r.kind == kind]


def hq_rows(ledger: Ledger, n: int) -> int:
    with ledger._read() as session:
        return int(session.scalar(select(func.count(Price.id)).where(Price.reason == f"总部调价 #{n}")) or 0)


def test_a_schedule_is_applied_once_when_due_as_head_offices_change(ledger: Ledger, clock: FakeClock) -> None:
    now = clock()
    assert ledger.apply_hq_pull(pulled(5, schedule(1, now - dt.timedelta(minutes=5), ("CNG", 0, 398), ("CNG", 1, 380))))
    assert ledger.apply_hq_pull(pulled(6, schedule(2, now + dt.timedelta(hours=1), ("CNG", 0, 405))))
    assert [(d.schedule_version, d.state) for d in ledger.hq_schedules_due()] == [(1, PENDING)]

    applied = ledger.apply_hq_schedule(1)
    assert applied is not None and applied.state == APPLIED and applied.list_prices == {"CNG": 398}
    assert ledger.apply_hq_schedule(1) is None  # once
    assert ledger.apply_hq_schedule(2) is None  # not yet in force
    assert (ledger.unit_price("CNG", 0), ledger.unit_price("CNG", 1)) == (398, 380)
    with ledger._read() as session:
        rows = session.scalars(select(Price).where(Price.reason == "总部调价 #1")).all()
        assert len(rows) == 2 and all(r.set_by_id is None and r.effective_from == now for r in rows)
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "price_set")).all()
    assert len(audited) == 2 and all(a.actor_id is None and '"by":"hq"' in a.detail for a in audited)
    changes = events(ledger, "price_change")
    assert [(c["unit_price_fen"], c["schedule_version"]) for c in changes] == [(398, 1), (380, 1)]

    # A replayed pull (a restored version, the same schedules listed again) keeps what the station has.
    assert ledger.apply_hq_pull(pulled(99, schedule(1, now, ("CNG", 0, 111)), schedule(2, now, ("CNG", 0, 222))))
    assert ledger.apply_hq_schedule(1) is None and hq_rows(ledger, 1) == 2
    assert ledger.hq_schedule_state(2) == (PENDING, "")

    # Dispenser 2 silent: told once; pushed again and still silent: nothing more; read back: done, told.
    silent = [{"dispenser": 1, "read_back": True, "error": ""}, {"dispenser": 2, "read_back": False, "error": "x"}]
    assert ledger.record_hq_read_back(1, False, silent)
    assert not ledger.record_hq_read_back(1, False, silent)
    assert [d.schedule_version for d in ledger.hq_schedules_due()] == [1]
    assert ledger.record_hq_read_back(1, True, [{"dispenser": 1, "read_back": True, "error": ""}])
    assert not ledger.record_hq_read_back(1, True, [])
    told = events(ledger, "price_read_back")
    assert [(t["read_back"], t["state"], t["reason"]) for t in told] == [
        (False, APPLIED, "not_read_back: 2"),
        (True, READ_BACK, ""),
    ]
    assert ledger.hq_schedules_due() == []

    clock.advance(3601)
    assert ledger.apply_hq_schedule(2) is not None and ledger.unit_price("CNG", 0) == 405


def test_a_bad_item_refuses_the_whole_schedule(ledger: Ledger, clock: FakeClock) -> None:
    now = clock()
    bad = [
        (3, ("CNG", 0, 410), ("LNG", 0, 420)),  # unknown product
        (4, ("CNG", 0, 410), ("CNG", 7, 420)),  # unknown level
        (5, ("CNG", 0, 410), ("CNG", 1, "4.20")),  # not integer fen
        (
            6,
            ("CNG", 0, 0),
        ),  # not above zero
        (7, ("CNG", 0, 410), ("CNG", 0, 411)),  # the same price twice
    ]
    assert ledger.apply_hq_pull(pulled(8, *(schedule(n, now, *items) for n, *items in bad)))
    for n, *_ in bad:
        refused = ledger.apply_hq_schedule(n)
        assert refused is not None and refused.state == REFUSED
        assert hq_rows(ledger, n) == 0
    assert ledger.unit_price("CNG", 0) == 450 and ledger.unit_price("CNG", 1) == 430  # nothing half applied
    told = events(ledger, "price_read_back")
    assert [(t["schedule_version"], t["read_back"], t["state"]) for t in told] == [(n, False, REFUSED) for n, *_ in bad]
    reasons = [t["reason"] for t in told]
    assert reasons[0].startswith("product_unknown") and reasons[1].startswith("level_unknown")
    assert reasons[2].startswith("price_invalid") and reasons[3].startswith("price_invalid")
    assert reasons[4].startswith("item_twice")
    assert ledger.hq_schedules_due() == [] and events(ledger, "price_change") == []


def test_a_schedule_another_price_replaced_before_it_was_read_back_is_superseded(
    ledger: Ledger, clock: FakeClock
) -> None:
    manager, _ = staff(ledger)
    assert ledger.apply_hq_pull(pulled(2, schedule(1, clock(), ("CNG", 0, 398))))
    assert ledger.apply_hq_schedule(1) is not None
    clock.advance(1)
    ledger.set_price(manager, "CNG", 0, 401, "supplier")
    assert ledger.record_hq_read_back(1, False, [{"dispenser": 1, "read_back": False, "error": ""}])
    assert ledger.hq_schedule_state(1) == (SUPERSEDED, "superseded: CNG")
    assert ledger.hq_schedules_due() == []  # never pushed again
