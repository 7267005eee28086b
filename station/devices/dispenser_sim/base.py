"""What every part of the simulator shares: the devices, the physical settings, the faults, the state file.

``SimulatorBase`` declares the attributes (``server.DispenserSimulator.__init__`` sets them) and the few
look-ups and the save that physics, answers and control all use; each of those builds on the one below it.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from station.devices.dispenser_protocol import SaleUnit
from station.devices.dispenser_sim.faults import Faults, FaultsAttribute
from station.devices.dispenser_sim.state import Nozzle, SimDispenser, SimulatorError, SimUnloadingPost
from station.devices.dispenser_sim.statefile import save_state


class SimulatorBase:
    dispensers: dict[int, SimDispenser]
    unloading: SimUnloadingPost | None
    unit: SaleUnit
    speed: float
    flow_rate: float  # units per minute at full flow
    cutoff: int  # 0.01 MPa
    state_path: Path | None
    faults: Faults
    versions: dict[int, tuple[int, int]]  # (major, minor) an address reports in IDENTIFY, when not this one's
    _loop: asyncio.AbstractEventLoop | None
    _last_save: float
    _dirty: bool  # changed since the last save; the physics loop saves at most once a second

    crc_error_rate = FaultsAttribute[float]()
    drop_rate = FaultsAttribute[float]()
    delay_ms = FaultsAttribute[int]()
    garbage_rate = FaultsAttribute[float]()
    leak_rate = FaultsAttribute[float]()
    rng = FaultsAttribute[random.Random]()
    stats = FaultsAttribute[dict[str, int]]()

    def _nozzle(self, address: int, nozzle: int) -> tuple[SimDispenser, Nozzle]:
        d = self.dispensers.get(address)
        if d is None or nozzle not in d.nozzles:
            raise SimulatorError(f"no nozzle {nozzle} on dispenser {address}")
        return d, d.nozzles[nozzle]

    def _require_unloading(self) -> SimUnloadingPost:
        if self.unloading is None:
            raise SimulatorError("no unloading post on this bus")
        return self.unloading

    def _save_state(self) -> None:
        self._dirty = False
        if self._loop is not None:
            self._last_save = self._loop.time()
        if self.state_path is None:
            return
        save_state(self.state_path, self.dispensers, self.unloading, self.cutoff)
