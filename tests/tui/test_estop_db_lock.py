"""F9 under a locked database: another process holds SQLite's write lock, the dispenser still stops at once.

No timings: the test asserts the order of events. The other process holds the lock for a while (shorter
than SQLite's busy timeout, so a blocked event loop would get through once it lets go) and lets go only
when told; the dispenser must be stopped while the lock is still held.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
from pathlib import Path

from station.core.sequence import PaymentKind, PresetChoice, PresetKind
from station.devices.dispenser_protocol import NozzleState, StopReason
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from tests.conftest import until
from tests.core.test_core_fill import LANE, walk_to_authorize

OTHER = (1, 2)

# Holds the write lock until told on stdin, or for at most argv[2] seconds (less than the 10 s busy timeout).
HOLDER = """
import select, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))
print("releasing", flush=True)
db.execute("COMMIT")
"""


def write_lock_free(path: Path) -> bool:
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


async def test_f9_stops_the_dispenser_while_another_process_holds_the_database(
    forecourt: SimulatedForecourt, tmp_path: Path
) -> None:
    rig, core = forecourt, forecourt.core
    db_path = tmp_path / "station.db"
    await core.login("1001", "1234")
    app = StationApp(core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_authorize(rig, PaymentKind.CASH)
        await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 50_000))
        await until(lambda: core.lane(LANE).quantity > 0)
        other = await core.start_sequence(OTHER)  # an attendant greets a driver at the next nozzle
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            HOLDER,
            str(db_path),
            "8",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert holder.stdin is not None and holder.stdout is not None
        try:
            assert (await holder.stdout.readline()).strip() == b"locked"
            assert not write_lock_free(db_path)
            # a step at the other nozzle is written while the database is locked...
            step = asyncio.create_task(core.confirm_arrival(OTHER))
            # ...and a key's action waits on the ledger behind it (Enter on nozzle 2/1 starts a sequence)...
            await pilot.press("down")
            opening = asyncio.create_task(pilot.press("enter"))
            await asyncio.sleep(0)
            # ...when F9 is pressed (the pilot's press returns once the app is idle: not waited for here)
            f9 = asyncio.create_task(pilot.press("f9"))
            await until(lambda: rig.dispensers.state_of(*LANE) is not NozzleState.FILLING)
            # The dispenser was stopped (not left to fill on) while the other process still held the write lock.
            assert not write_lock_free(db_path)
            assert rig.dispensers.state_of(*LANE) is NozzleState.STOPPED
            assert holder.returncode is None
            assert rig.dispensers.transactions(1)[-1].stop_reason is StopReason.MANUAL_STOP
        finally:
            with contextlib.suppress(ConnectionError):  # it may have let go by itself already
                holder.stdin.write(b"go\n")
                await holder.stdin.drain()
            await holder.wait()
        await step
        await opening
        await f9
        # nothing lost and nothing out of order once the lock is gone (the steps of a sequence still at step 1
        # wait in the step log for its authorization; they are written here as at the core's stop)
        await core.flush_steps()
        steps = await core._db(core.ledger.sequence_steps, other.sequence_id)
        assert [s for s, *_ in steps] == [e.step.value for e in other.events]
