"""One scripted fill through StationCore against a running dispenser simulator, killed at a named point.

Run: python scripts/kill_fill.py DB_URL SIM_URL CONTROL_PORT SPOOL_DIR {cash|card} KILL_POINT
KILL_POINT: none, after_hold, filling, after_record, after_sale (committed, not yet spooled), after_spool.
On start it first finishes the sequence a killed run left (the restart brings it back at filling or disconnect)
and settles whatever else is unpaid at nozzle 1/1, as an attendant would.
The process ends itself with SIGKILL at the point: no clean-up, no flush, as if the power went.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from station.core.lanes import NozzleState
from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import StationCore
from station.devices.dispenser_bus import DispenserBus
from station.devices.printer import PrinterConfig, PrintQueue, printer_from_config
from station.runtime import open_station

LANE = (1, 1)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def control(port: int, line: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall((line + "\n").encode())
        return conn.makefile().readline().strip()


async def until(predicate: Any, timeout: float = 30.0) -> None:
    async def spin() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(spin(), timeout)


def kill_after(obj: Any, name: str) -> None:
    """Wrap a ledger call so the process dies right after it returns (its transaction committed)."""
    real = getattr(obj, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        die()
        return result

    setattr(obj, name, wrapped)


async def main(db: str, sim_url: str, port: int, spool: str, payment: str, point: str) -> int:
    runtime = open_station(db, migrate=False)
    bus = DispenserBus(sim_url, [1], poll_interval=0.03)
    queue = PrintQueue(
        Path(spool) / "spool", printer_from_config(PrinterConfig(kind="file", target=f"{spool}/receipts.bin"))
    )
    core = StationCore(runtime.ledger, runtime.settings, bus=bus, print_queue=queue)
    await core.start()
    assert await bus.wait_connected(20)
    await core.login("1001", "1234")
    # The dispenser offers any transaction a killed run left unrecorded; wait until it is recorded.
    await until(lambda: not json.loads(control(port, "status").removeprefix("ok "))["dispensers"]["1"]["unacked"])
    await asyncio.sleep(0.2)
    lane = core.lane(LANE)
    # The start-up read-back decides each authorization a killed run left: resumed, or dropped with its hold.
    await until(
        lambda: all(
            lane.sequence is not None and lane.sequence.sequence_id == auth.sequence_id
            for auth in runtime.ledger.authorizations_to_resume()
        )
    )
    resumed = lane.sequence
    if resumed is not None:  # back where the killed run was: finish its fill, then settle it in the sequence
        assert resumed.resumed, "a sequence after a restart that the restart did not bring back"
        await until(lambda: resumed.step is Step.DISCONNECT)
        await core.confirm_disconnect_item(LANE)  # the cylinder valve
        control(port, "hang 1 1")  # hung up: the dispenser's report completes the step
        await until(lambda: resumed.step is Step.SETTLE)
        if resumed.payment is PaymentKind.CARD:
            await core.settle_card(LANE)
        else:
            await core.settle_cash(LANE, 2000)
        await core.farewell(LANE)
    control(port, "hang 1 1")
    # on its hook, as the dispenser reports, before this run's lift: a lift left from a killed run connects none
    await until(lambda: lane.state is NozzleState.IDLE)
    for fill in list(lane.unpaid):  # fills no sequence knew of (none expected): the attendant settles them
        if fill.hold_id is not None:
            await core.settle_card(LANE)
        else:
            await core.settle_cash(LANE, fill.amount_fen)
    if point == "after_hold":
        kill_after(runtime.ledger, "place_hold")
    elif point == "after_record":
        kill_after(runtime.ledger, "record_fill")
    elif point == "after_sale":
        kill_after(runtime.ledger, "settle_cash" if payment == "cash" else "settle_card")
    kind = PaymentKind.CASH if payment == "cash" else PaymentKind.CARD
    await core.start_sequence(LANE)
    await core.confirm_arrival(LANE)
    for _ in range(4):
        await core.confirm_safety_item(LANE)
    await core.choose_payment(LANE, kind)
    if kind is PaymentKind.CARD:
        # The fleet's account card (credit 5,000.00): a long run of ¥15 fills never drains it, as the
        # stored-value card's 500.00 would after ~30 card runs.
        await core.check_card(LANE, number="88000004", uid=None, plate="鲁E00001", pin="222222")
        await core.check_vehicle(LANE, "")
    else:
        await core.check_vehicle(LANE, "鲁E22222")
    lifted = control(port, "lift 1 1 3.0 16")
    assert lifted.startswith("ok"), f"the simulator refused the lift: {lifted}"
    await until(lambda: core.lane(LANE).state is NozzleState.NOZZLE_LIFTED)
    # the lift, reported, connected the nozzle; the valves' key reads the residual pressure from the dispenser
    await until(lambda: "nozzle_connected" in core.lane(LANE).sequence.connect_done)  # type: ignore[union-attr]
    await core.confirm_connect_item(LANE)  # valves open
    await core.confirm_connect_item(LANE)  # no leak
    try:
        await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1500))
    except Exception:
        print("at authorize:", bus.nozzle_state(*LANE), control(port, "status"), file=sys.stderr)
        raise
    seq = core.lane(LANE).sequence
    assert seq is not None
    if point == "filling":
        await until(lambda: core.lane(LANE).quantity > 0)
        die()
    await until(lambda: seq.step is Step.DISCONNECT)
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    control(port, "hang 1 1")
    if kind is PaymentKind.CASH:
        await core.settle_cash(LANE, 2000)
    else:
        await core.settle_card(LANE)
    if point == "after_spool":
        die()
    await core.farewell(LANE)
    await core.stop()
    runtime.close()
    return 0


if __name__ == "__main__":
    db_url, sim, ctl, spool_dir, pay, kill = sys.argv[1:7]
    sys.exit(asyncio.run(main(db_url, sim, int(ctl), spool_dir, pay, kill)))
