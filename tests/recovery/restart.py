"""Restart the terminal's core on the same database and dispenser simulator, as a power cycle would."""

from __future__ import annotations

from station.core.station import StationCore
from station.devices.dispenser_bus import DispenserBus
from station.simrig import SimulatedForecourt
from tests.conftest import WAIT


async def restart(rig: SimulatedForecourt) -> StationCore:
    """Stop the core (its bus with it) and start a new one on the same database and dispenser simulator."""
    await rig.core.stop()
    bus = DispenserBus(
        rig.dispensers.url, sorted({n.dispenser for n in rig.runtime.settings.nozzles}), poll_interval=0.03
    )
    core = StationCore(rig.runtime.ledger, rig.runtime.settings, bus=bus, print_queue=rig.print_queue)
    await core.start()
    assert await bus.wait_connected(WAIT)
    rig.core, rig.bus = core, bus  # the fixture stops whatever core is current
    return core
