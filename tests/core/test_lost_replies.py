"""Lost replies, lost acknowledgements and a full disk, against the real dispenser simulator over TCP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from station.core.lanes import NozzleState as LaneState
from station.core.sequence import AbortReason, PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import CoreRefused, StationCore
from station.devices.dispenser_protocol import Command, Frame, NozzleState
from station.i18n import error_text
from station.ledger.fills import FillRecord
from station.ledger.models import Fill
from station.ledger.services import Ledger
from station.simrig import SimulatedForecourt
from tests.conftest import until
from tests.core.test_core_fill import LANE, walk_to_authorize


@pytest.fixture
def fast_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unacknowledged-list sweep every 0.1 s instead of every few seconds (set before the core starts)."""
    monkeypatch.setattr(StationCore, "sweep_interval", 0.1, raising=False)


class LostOnTheWire:
    """Frames of the named commands vanish on the wire: ``requests`` never reach the dispenser, ``replies``
    are lost after the dispenser acted on the request. The simulator itself is unchanged."""

    def __init__(self, rig: SimulatedForecourt, monkeypatch: pytest.MonkeyPatch) -> None:
        self.requests: set[int] = set()
        self.replies: set[int] = set()
        sim = rig.dispensers
        answer: Callable[[Frame], Awaitable[bytes | None]] = sim._answer

        async def lossy(frame: Frame) -> bytes | None:
            if frame.command in self.requests:
                return None
            out = await answer(frame)
            return None if frame.command in self.replies else out

        monkeypatch.setattr(sim, "_answer", lossy)


async def test_lost_ack_is_sent_again_while_running(
    fast_sweep: None, forecourt: SimulatedForecourt, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig, core = forecourt, forecourt.core
    wire = LostOnTheWire(rig, monkeypatch)
    wire.requests.add(Command.ACK_TRANSACTION)  # every acknowledgement (and retry) is lost
    notices: list[str] = []
    core.subscribe(lambda e: notices.append(getattr(e, "key", "")))
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1500))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT)
    assert rig.dispensers.dispensers[1].unacked()  # recorded, but the dispenser never heard the ACK
    fill = core.lane(LANE).unpaid[0]
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    await core.settle_cash(LANE, 2000)
    await core.farewell(LANE)
    wire.requests.clear()  # the line is good again: no restart
    await until(lambda: not rig.dispensers.dispensers[1].unacked())
    assert notices.count("fill.recorded") == 1  # acknowledged again, not announced as a new fill
    # the same nozzle takes the next car: hung up, then lifted for it (a lift left from the last car connects none)
    rig.hang(*LANE)
    await until(lambda: core.lane(LANE).state is LaneState.IDLE)
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))
    await until(
        lambda: (
            rig.dispensers.state_of(*LANE) in (NozzleState.AUTHORIZED, NozzleState.FILLING)
            or len(rig.dispensers.transactions(1)) == 2
        )
    )
    # recorded once: acknowledging it again did not make a second fill
    assert fills_of(core, fill.transaction_number) == 1


def fills_of(core: StationCore, number: int) -> int:
    with Session(core.ledger.engine) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Fill)
                .where(Fill.dispenser == LANE[0], Fill.transaction_number == number)
            )
            or 0
        )


ALL_COMMANDS = {int(c) for c in Command}


async def test_lost_authorize_reply_is_read_back_not_refused(
    forecourt: SimulatedForecourt, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig, core = forecourt, forecourt.core
    wire = LostOnTheWire(rig, monkeypatch)
    await walk_to_authorize(rig, PaymentKind.CARD)
    wire.replies.add(Command.AUTHORIZE)  # the dispenser authorizes; every answer (and retry's) is lost
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    wire.replies.clear()
    seq = core.lane(LANE).sequence
    assert seq is not None and seq.hold_id is not None
    assert not core.lane(LANE).authorize_unknown  # the nozzle was read back: authorized
    assert core.ledger.card(number="88000001").held_fen == 2000  # the hold stays while gas flows
    await until(lambda: seq.step is Step.DISCONNECT)
    fill = core.ledger.fill(seq.fill_id or 0)
    assert (fill.card_number, fill.plate, fill.attendant_id) == ("88000001", "鲁E12345", core.actor and core.actor.id)
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    result = await core.settle_card(LANE)
    assert result.fill.amount_fen == fill.amount_fen
    assert core.ledger.card(number="88000001").held_fen == 0


async def test_authorize_unknown_while_the_line_is_silent(
    forecourt: SimulatedForecourt, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig, core = forecourt, forecourt.core
    wire = LostOnTheWire(rig, monkeypatch)
    notices: list[str] = []
    core.subscribe(lambda e: notices.append(getattr(e, "key", "")))
    await walk_to_authorize(rig, PaymentKind.CARD)
    wire.replies |= ALL_COMMANDS  # the authorize gets through, then the line goes silent both ways
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    lane = core.lane(LANE)
    seq = lane.sequence
    assert seq is not None and seq.step is Step.FILLING
    assert lane.authorize_unknown and "authorize.unknown" in notices
    assert core.ledger.card(number="88000001").held_fen == 2000
    wire.requests.add(Command.STOP)  # the stop does not reach it either: the fill may still be running
    with pytest.raises(CoreRefused):
        await core.abort(LANE, AbortReason.ATTENDANT, "driver left")
    assert lane.sequence is seq and core.ledger.card(number="88000001").held_fen == 2000
    wire.replies.clear()
    wire.requests.clear()  # the dispenser answers again
    await until(lambda: seq.step is Step.DISCONNECT)
    await until(lambda: not lane.authorize_unknown)
    fill = core.ledger.fill(seq.fill_id or 0)
    assert (fill.card_number, fill.plate) == ("88000001", "鲁E12345") and fill.quantity_centi > 0
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    await core.settle_card(LANE)
    assert core.ledger.card(number="88000001").held_fen == 0
    assert len(rig.dispensers.transactions(1)) == 1


async def test_authorize_not_carried_out_gives_the_hold_back(
    forecourt: SimulatedForecourt, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig, core = forecourt, forecourt.core
    wire = LostOnTheWire(rig, monkeypatch)
    await walk_to_authorize(rig, PaymentKind.CARD)
    wire.requests.add(Command.AUTHORIZE)  # the authorize never reaches the dispenser; the read-back does
    with pytest.raises(CoreRefused) as refused:
        await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    assert refused.value.code == "authorize_not_carried_out"
    assert core.ledger.card(number="88000001").held_fen == 0
    assert rig.dispensers.state_of(*LANE) is NozzleState.NOZZLE_LIFTED
    wire.requests.clear()
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))  # and it can be tried again
    assert core.ledger.card(number="88000001").held_fen == 2000


BALLAST_DISPENSER = 250  # not on this forecourt


class DiskFull:
    """A real full disk for the ledger's SQLite file: no connection may grow the file past its present size
    (``PRAGMA max_page_count``), the free pages are taken by ballast, and the fills table's last page is
    filled with zero-quantity ballast fills on a dispenser that is not on the forecourt, so the next sale's
    row needs a page there is none of: writes fail with SQLITE_FULL as on a full disk. ``free()`` gives
    the space back and takes the ballast away."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.engine = ledger.engine
        self.limit: int | None = None
        with self.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS test_ballast (b BLOB)")
        event.listen(self.engine, "connect", self._on_connect)

    def _on_connect(self, dbapi_connection: Any, _record: object) -> None:
        if self.limit is not None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {self.limit}")

    def fill(self) -> None:
        with self.engine.connect() as conn:
            self.limit = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
        self.engine.dispose()  # pooled connections come back with the limit
        with pytest.raises(OperationalError, match="full"):
            for _ in range(100_000):
                with self.engine.begin() as conn:
                    conn.exec_driver_sql("INSERT INTO test_ballast VALUES (randomblob(3000))")
        now = self.ledger.now()
        with pytest.raises(OperationalError, match="full"):
            for number in range(1, 100_000):
                self.ledger.record_fill(
                    FillRecord(BALLAST_DISPENSER, 1, number, "CNG", "kg", 450, 0, 0, now, now, stop_reason="ballast")
                )

    def free(self) -> None:
        self.limit = None
        self.engine.dispose()
        with self.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM test_ballast")
            conn.exec_driver_sql(f"DELETE FROM fills WHERE dispenser = {BALLAST_DISPENSER}")


@pytest.mark.parametrize("payment", [PaymentKind.CASH, PaymentKind.CARD])
async def test_disk_full_refuses_to_authorize(forecourt: SimulatedForecourt, payment: PaymentKind) -> None:
    rig, core = forecourt, forecourt.core
    await walk_to_authorize(rig, payment)
    disk = DiskFull(core.ledger)
    disk.fill()
    with pytest.raises(CoreRefused) as refused:
        await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    assert refused.value.code == "ledger_unwritable"
    assert "磁盘已满" in error_text("ledger_unwritable", "zh", **refused.value.params)
    assert "disk full" in error_text("ledger_unwritable", "en", **refused.value.params)
    assert rig.dispensers.state_of(*LANE) is NozzleState.NOZZLE_LIFTED  # no gas
    assert core.ledger.card(number="88000001").held_fen == 0
    disk.free()
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT)


async def test_sale_unrecorded_on_a_full_disk_is_recorded_when_space_returns(
    fast_sweep: None, forecourt: SimulatedForecourt
) -> None:
    rig, core = forecourt, forecourt.core
    await walk_to_authorize(rig, PaymentKind.CARD)
    notices: list[str] = []
    core.subscribe(lambda e: notices.append(getattr(e, "key", "")))
    disk = DiskFull(core.ledger)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 6000))
    disk.fill()  # the disk fills while the gas flows
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: len(rig.dispensers.transactions(1)) == 1)
    await asyncio.sleep(0.5)  # the poll has offered it and the sweep has tried again
    assert seq.step is Step.FILLING and not core.lane(LANE).unpaid  # could not be recorded
    assert rig.dispensers.dispensers[1].unacked()  # so it is not acknowledged either
    await until(lambda: "fill.unrecorded" in notices)  # the attendant is told
    disk.free()
    await until(lambda: seq.step is Step.DISCONNECT)
    await until(lambda: not rig.dispensers.dispensers[1].unacked())
    fill = core.ledger.fill(seq.fill_id or 0)
    assert (fill.card_number, fill.plate) == ("88000001", "鲁E12345")
    assert fills_of(core, fill.transaction_number) == 1
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    await core.settle_card(LANE)
    assert core.ledger.card(number="88000001").held_fen == 0
