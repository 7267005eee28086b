"""Head office's price schedule end to end, against the real ``station hq serve``: pushed to two of three stations,
pulled by their sync workers, applied to their books as head office's change, pushed to their simulated
dispensers and read back, and confirmed to head office by the read-back (a silent dispenser holding the
confirmation back until it answers). A schedule in the future waits for its time; a replayed pull applies nothing
twice; a schedule with a bad item is refused whole and head office's report says why."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from station.cli import main
from station.config import HeadOffice, Settings
from station.core.desk import ManagerDesk
from station.core.hq_prices import HeadOfficePrices
from station.core.lanes import Notice
from station.hq.db import next_version
from station.hq.prices import confirmations
from station.ledger.db import make_engine, upgrade
from station.ledger.hq_prices import APPLIED, PENDING, READ_BACK, REFUSED
from station.ledger.models import Price
from station.ledger.services import Ledger
from station.runtime import StationRuntime
from station.simrig import SimulatedForecourt, start_forecourt
from tests.conftest import FakeClock, until
from tests.hq.conftest import STATIONS, Server, Station

pytestmark = pytest.mark.postgres
WAIT = 60.0


@pytest.fixture
async def stations(
    hq_process: Server, hq_engine: Engine, station_settings: Settings, tmp_path: Path
) -> AsyncIterator[dict[str, tuple[SimulatedForecourt, FakeClock]]]:
    """Each station on its own ledger (SQLite), simulated dispensers and a sync worker pulling every second."""
    out: dict[str, tuple[SimulatedForecourt, FakeClock]] = {}
    try:
        for code in STATIONS:
            url = f"sqlite:///{tmp_path / f'{code}.db'}"
            upgrade(url)
            own = station_settings.model_copy(
                update={"station": station_settings.station.model_copy(update={"code": code})}
            )
            clock = FakeClock(dt.datetime.now(dt.UTC))
            ledger = Ledger(make_engine(url), own, b"k" * 32, clock=clock)
            ledger.bootstrap()
            runtime = StationRuntime(own, url, ledger.engine, ledger)
            hq = HeadOffice(url=hq_process.base, key_file=str(tmp_path / f"{code}.key"), idle_s=1, pull_every_s=1)
            rig = await start_forecourt(runtime, tmp_path / code, poll_interval=0.03, reader_poll=0.05, hq=hq)
            out[code] = (rig, clock)
            assert await rig.bus.wait_connected(20)
        yield out
    finally:
        for rig, _clock in out.values():
            await rig.stop()
            rig.runtime.close()


def confirmed(hq_engine: Engine) -> dict[tuple[int, str], dict[str, Any]]:
    with hq_engine.connect() as conn:
        return {(c["schedule_version"], c["station"]): c for c in confirmations(conn)}


async def waiting(predicate: Callable[[], bool]) -> None:
    await until(predicate, timeout=WAIT)


def push(hq: Station, stations: list[str], at: dt.datetime, *items: tuple[str, int, int]) -> int:
    body = {
        "stations": stations,
        "effective_at": at.isoformat(),
        "items": [{"product": p, "level": lv, "price_fen": f} for p, lv, f in items],
    }
    answer = hq.post("/v1/prices", body)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["schedule_version"])


async def dispenser_prices(rig: SimulatedForecourt) -> set[int]:
    """Every CNG nozzle's price as each dispenser reads it back."""
    seen: set[int] = set()
    for address in sorted({n.dispenser for n in rig.runtime.settings.nozzles}):
        seen |= set((await rig.bus.read_prices(address)).values())
    return seen


def hq_price_rows(ledger: Ledger) -> int:
    with ledger._read() as session:
        return int(session.scalar(select(func.count(Price.id)).where(Price.reason.like("总部调价%"))) or 0)


def kinds(ledger: Ledger, kind: str) -> list[dict[str, Any]]:
    return [r.payload for r in ledger.outbox_after(0, 10_000) if r.kind == kind]


async def test_a_schedule_reaches_two_stations_dispensers_and_is_confirmed_by_their_read_back(
    stations: dict[str, tuple[SimulatedForecourt, FakeClock]],
    hq_server: dict[str, Station],
    hq_engine: Engine,
    hq_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (one, clock_one), (two, _), (three, _) = (stations[c] for c in STATIONS)
    silent = two.dispensers.dispensers.pop(2)  # DY-0002's dispenser 2 stops answering
    said: dict[str, list[Notice]] = {"one": [], "two": []}
    one.core.subscribe(lambda e: said["one"].append(e) if isinstance(e, Notice) else None)
    two.core.subscribe(lambda e: said["two"].append(e) if isinstance(e, Notice) else None)

    now = clock_one()
    first = push(hq_server["HQ"], ["DY-0001", "DY-0002"], now - dt.timedelta(minutes=1), ("CNG", 0, 398))

    await waiting(lambda: confirmed(hq_engine)[(first, "DY-0001")]["confirmed_at"] is not None)
    assert await dispenser_prices(one) == {398}
    assert one.core.ledger.unit_price("CNG", 0) == 398 and one.core.ledger.hq_schedule_state(first) == (READ_BACK, "")

    # DY-0002 applied it, but dispenser 2 did not read it back: head office hears so, and no confirmation.
    await waiting(lambda: confirmed(hq_engine)[(first, "DY-0002")]["state"] == APPLIED)
    row = confirmed(hq_engine)[(first, "DY-0002")]
    assert row["confirmed_at"] is None and row["reason"] == "not_read_back: 2"
    assert two.core.ledger.unit_price("CNG", 0) == 398
    # The screens say so too: in force at DY-0001, dispenser 2 silent at DY-0002.
    applied = [n.params for n in said["one"] if n.key == "hq.price_applied"]
    assert applied and applied[0]["schedule"] == first and applied[0]["prices"] == "CNG ¥3.98"
    await waiting(lambda: any(n.key == "hq.price_not_read_back" for n in said["two"]))
    assert next(n.params["dispensers"] for n in said["two"] if n.key == "hq.price_not_read_back") == "2"
    two.dispensers.dispensers[2] = silent  # it answers again: pushed again on a later round, read back
    await waiting(lambda: confirmed(hq_engine)[(first, "DY-0002")]["confirmed_at"] is not None)
    assert await dispenser_prices(two) == {398}

    # DY-0003 was not addressed: nothing applied, nothing to confirm.
    assert (first, "DY-0003") not in confirmed(hq_engine)
    assert three.core.ledger.hq_schedule_state(first) is None and three.core.ledger.unit_price("CNG", 0) == 450
    assert await dispenser_prices(three) == {450}

    # A schedule in the future: pulled, kept pending, not applied until its time comes at the station.
    later = push(hq_server["HQ"], ["DY-0001"], now + dt.timedelta(hours=1), ("CNG", 0, 405))
    ledger = one.core.ledger
    await waiting(lambda: ledger.hq_schedule_state(later) == (PENDING, ""))
    with hq_engine.begin() as conn:
        mark = next_version(conn)
    await waiting(lambda: ledger.hq_version() >= mark)  # rounds have come and gone since
    assert await HeadOfficePrices(ManagerDesk(one.core)).apply_due() == []
    assert ledger.hq_schedule_state(later) == (PENDING, "") and ledger.unit_price("CNG", 0) == 398
    assert await dispenser_prices(one) == {398}
    clock_one.advance(3601)
    await waiting(lambda: confirmed(hq_engine)[(later, "DY-0001")]["confirmed_at"] is not None)
    assert ledger.unit_price("CNG", 0) == 405 and await dispenser_prices(one) == {405}

    # A schedule with an item the station does not sell: refused whole, head office told why.
    bad = push(hq_server["HQ"], ["DY-0001"], now, ("CNG", 0, 410), ("LNG", 0, 420))
    await waiting(lambda: confirmed(hq_engine)[(bad, "DY-0001")]["state"] == REFUSED)
    assert confirmed(hq_engine)[(bad, "DY-0001")]["confirmed_at"] is None
    assert ledger.hq_schedule_state(bad) == (REFUSED, "product_unknown: LNG")
    assert ledger.unit_price("CNG", 0) == 405 and await dispenser_prices(one) == {405}

    # A replayed pull (the station's pull version restored to 0): everything pulled again, nothing applied twice.
    applied, changes, told = hq_price_rows(ledger), len(kinds(ledger, "price_change")), kinds(ledger, "price_read_back")
    assert applied == 2 and changes == 2 and [t["schedule_version"] for t in told] == [first, later, bad]
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE hq_pull SET version = 0"))
    await waiting(lambda: ledger.hq_version() >= mark)
    assert await HeadOfficePrices(ManagerDesk(one.core)).apply_due() == []
    assert hq_price_rows(ledger) == applied and len(kinds(ledger, "price_change")) == changes
    assert kinds(ledger, "price_read_back") == told

    assert main(["hq", "report", "prices", "--lang", "en", "--db", hq_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum("DY-0001" in line and "confirmed" in line for line in lines) == 2
    assert any("DY-0002" in line and "confirmed" in line for line in lines)
    assert any("DY-0001" in line and "refused by the station" in line and "LNG" in line for line in lines)
    assert not any("DY-0003" in line for line in lines)
