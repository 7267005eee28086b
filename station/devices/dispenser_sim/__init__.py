"""Dispenser bus simulator: several CNG dispensers (and optionally an unloading post) on one bus.

It speaks protocol v1.0 (``docs/protocols/dispenser.md``) byte for byte on a pty or a TCP port, has simple
physics (flow, cylinder pressure rising to the cut-off), keeps totalizers, the transaction counter and
unacknowledged transactions in a JSON state file (so restarts can be tested), and injects faults: CRC
errors, dropped, delayed and garbage-prefixed replies, disconnects, leak alarms mid-fill.

Floats are used for the physics only; everything on the wire and in the state file is an integer.

One module a part, each built on the ones before it:

- ``state``: the devices (dispensers and their nozzles and fills, the unloading post and its unloadings);
- ``faults``: the damage done to replies on the way out, and leaks;
- ``statefile``: the JSON state file;
- ``base``: what the parts below share (the devices, settings, faults, saving);
- ``physics``: gas flowing, fills and unloadings ending;
- ``answers``: the devices' answers to the bus;
- ``control``: the forecourt around them and the text control channel;
- ``server``: ``DispenserSimulator``, the whole served on TCP or a pty.
"""

from station.devices.dispenser_sim.control import CONTROL_COMMANDS
from station.devices.dispenser_sim.server import DispenserSimulator
from station.devices.dispenser_sim.state import SimDispenser, SimulatorError, SimUnloadingPost

__all__ = ["CONTROL_COMMANDS", "DispenserSimulator", "SimDispenser", "SimUnloadingPost", "SimulatorError"]
