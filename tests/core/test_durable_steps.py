"""A cash fill through the core costs few durable transactions, and each carries the steps that led to it.

Write transactions are counted as COMMITs on the engine not marked read-only (``READ_ONLY``). "Crashed" here
means the core is never stopped: at each durable point the ledger is read from a connection of its own, so
only what is committed counts, as after a kill (tests/recovery/test_kills.py kills the process for real).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.ledger.db import LAZY_SYNC, READ_ONLY, read_engine
from station.ledger.models import ReceiptJob, SequenceStep
from station.simrig import SimulatedForecourt
from tests.conftest import until
from tests.core.test_core_fill import connect_seen

LANE = (1, 1)


def committed_steps(core: Any, sequence_id: str) -> list[tuple[str, str, int | None]]:
    with Session(read_engine(core.ledger.engine)) as session:
        rows = session.scalars(
            select(SequenceStep).where(SequenceStep.sequence_id == sequence_id).order_by(SequenceStep.id)
        )
        return [(r.step, r.item, r.fill_id) for r in rows]


async def cash_fill(rig: SimulatedForecourt, checkpoint: Any) -> None:
    """One cash fill, start to farewell; ``checkpoint(name, seq)`` after each durable event."""
    core = rig.core
    seq = await core.start_sequence(LANE)
    await core.confirm_arrival(LANE)
    for _ in range(4):
        await core.confirm_safety_item(LANE)
    await core.choose_payment(LANE, PaymentKind.CASH)
    assert await core.check_vehicle(LANE, "鲁E22222") == []
    rig.lift(*LANE, residual_mpa=3.0, capacity_kg=16.0)
    await connect_seen(rig)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 3000))
    checkpoint("authorized", seq)
    await until(lambda: seq.step is Step.DISCONNECT)
    checkpoint("recorded", seq)
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    rig.hang(*LANE)
    await core.settle_cash(LANE, 5000)
    checkpoint("settled", seq)
    await core.farewell(LANE)
    checkpoint("finished", seq)


async def test_a_cash_fill_through_the_core_is_three_synced_write_transactions(
    forecourt: SimulatedForecourt,
) -> None:
    rig, core = forecourt, forecourt.core
    await core.login("1001", "1234")
    writes: list[str] = []
    marks: list[tuple[str, int]] = []

    def on_commit(conn: Any) -> None:
        options = conn.get_execution_options()
        if not options.get(READ_ONLY):
            writes.append("lazy" if options.get(LAZY_SYNC) else "synced")

    event.listen(core.ledger.engine, "commit", on_commit)
    try:
        await cash_fill(rig, lambda name, _seq: marks.append((name, len(writes))))
    finally:
        event.remove(core.ledger.engine, "commit", on_commit)
    # authorization (with the write probe and steps 1–6), record_fill, settle_cash: each waits for the disk;
    # the finish at farewell (closing steps, spooled marks) commits without waiting for it
    assert marks == [("authorized", 1), ("recorded", 2), ("settled", 3), ("finished", 4)]
    assert writes == ["synced", "synced", "synced", "lazy"]  # was 25 synced: one per step, a probe, a link…


async def test_the_steps_of_each_durable_point_are_committed_with_it(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await core.login("1001", "1234")
    seen: dict[str, list[tuple[str, str, int | None]]] = {}
    events: dict[str, int] = {}

    def checkpoint(name: str, seq: Any) -> None:
        seen[name] = committed_steps(core, seq.sequence_id)
        events[name] = len(seq.events)

    await cash_fill(rig, checkpoint)
    items = {name: [item for _step, item, _fill in rows] for name, rows in seen.items()}
    # Authorized: every step before the authorization, written with the lane authorization.
    assert items["authorized"][0] == "greeted" and items["authorized"][-1] == "no_leak"
    assert "residual_pressure" in items["authorized"] and len(items["authorized"]) == events["authorized"] - 1
    # Recorded: the authorization and the flow came with the fill, and every step is linked to it.
    fill_ids = {fill for _s, _i, fill in seen["recorded"]}
    assert items["recorded"][-2:] == ["amount", "gas_flowing"] and len(fill_ids) == 1 and None not in fill_ids
    # Settled: the end of the fill and the disconnect checklist came with the sale.
    assert items["settled"][len(items["recorded"]) :] == ["ended", "cylinder_valve_closed", "nozzle_vented_removed"]
    # Finished: all of them, in the order they happened.
    assert items["finished"][-2:] == ["committed", "farewell"]
    assert len(items["finished"]) == events["finished"] == 19
    with Session(read_engine(core.ledger.engine)) as session:
        assert session.scalar(select(ReceiptJob.spooled_at)) is not None  # the spooled mark rode the finish
