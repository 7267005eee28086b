"""The fuelling sequence's words: its steps and their order, the checklists, and the values a step takes or
gives (payment, preset, abort reason, refusal, logged event). :mod:`station.core.sequence` holds the rules and
names all of these too, so callers import them from there."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Step(enum.Enum):
    ARRIVAL = "arrival"  # 1
    SAFETY = "safety"  # 2
    PAYMENT = "payment"  # 3
    CARD = "card"  # 4 (card payments only)
    VEHICLE = "vehicle"  # 5
    CONNECT = "connect"  # 6
    AUTHORIZE = "authorize"  # 7
    FILLING = "filling"  # 8
    DISCONNECT = "disconnect"  # 9
    SETTLE = "settle"  # 10
    FAREWELL = "farewell"  # 11
    DONE = "done"
    ABORTED = "aborted"


ORDER = [
    Step.ARRIVAL,
    Step.SAFETY,
    Step.PAYMENT,
    Step.CARD,
    Step.VEHICLE,
    Step.CONNECT,
    Step.AUTHORIZE,
    Step.FILLING,
    Step.DISCONNECT,
    Step.SETTLE,
    Step.FAREWELL,
]

# Step 2's checklist, in the order the attendant walks round the vehicle. Engine-off starts the 30 s timer.
SAFETY_ITEMS = ("passengers_out", "engine_off", "no_phone_smoking", "hood_open")
# Step 6's checklist; the residual pressure is its own input between valves and leak check.
CONNECT_ITEMS = ("nozzle_connected", "valves_open", "residual_pressure", "no_leak")
DISCONNECT_ITEMS = ("cylinder_valve_closed", "nozzle_vented_removed")
# The items a dispenser's report attests (nozzle lifted, nozzle hung up), by the step they belong to.
DISPENSER_ITEMS = {Step.CONNECT: "nozzle_connected", Step.DISCONNECT: "nozzle_vented_removed"}


class AbortReason(enum.Enum):
    DRIVER_LEFT = "driver_left"
    CARD_REFUSED = "card_refused"
    CYLINDER_REFUSED = "cylinder_refused"
    LOW_RESIDUAL_PRESSURE = "low_residual_pressure"
    CYLINDER_FULL = "cylinder_full"
    LEAK = "leak"
    SAFETY_REFUSED = "safety_refused"  # passengers would not get out, engine kept running…
    EMERGENCY_STOP = "emergency_stop"
    DISPENSER_FAULT = "dispenser_fault"
    ATTENDANT = "attendant"  # any other reason the attendant gives


class PaymentKind(enum.Enum):
    CASH = "cash"
    CARD = "card"


class PresetKind(enum.Enum):
    AMOUNT = "amount"
    QUANTITY = "quantity"
    FILL_UP = "fill_up"


@dataclass(frozen=True)
class PresetChoice:
    kind: PresetKind
    value: int = 0  # fen for AMOUNT, 0.01 units for QUANTITY, 0 for FILL_UP


class SequenceRefused(Exception):
    """The step cannot be taken; ``code`` keys the message catalogue. Nothing changed."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


@dataclass(frozen=True)
class StepEvent:
    step: Step
    item: str
    at: float  # monotonic seconds
    detail: str = ""
