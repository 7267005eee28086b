"""The core speaks its own words: a nozzle's state on a lane is the core's, mapped from the driver's at the bus."""

from __future__ import annotations

from station.config import Settings
from station.core.device_events import NOZZLE_STATES
from station.core.lanes import NozzleState
from station.core.station import StationCore
from station.devices import dispenser_protocol as proto
from station.devices.dispenser_bus import NozzleStateChanged
from station.ledger.services import Ledger


def test_every_driver_state_has_the_core_state_of_the_same_name() -> None:
    assert set(NOZZLE_STATES) == set(proto.NozzleState)
    assert {wire.name: core.name for wire, core in NOZZLE_STATES.items()} == {s.name: s.name for s in proto.NozzleState}
    assert len(set(NOZZLE_STATES.values())) == len(NozzleState)


def test_a_lane_shows_the_core_state(ledger: Ledger, station_settings: Settings) -> None:
    core = StationCore(ledger, station_settings)
    core._on_bus_event(NozzleStateChanged(1, 1, None, proto.NozzleState.NOZZLE_LIFTED))
    assert core.lane((1, 1)).state is NozzleState.NOZZLE_LIFTED
