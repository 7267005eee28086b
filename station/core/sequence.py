"""The fuelling sequence of SPEC §2 as domain logic: steps, guards, aborts and the two service timers.

Pure: no I/O, no UI. The station core feeds it facts (card checked, pressure read, gas flowing, fill ended)
and performs the side effects (ledger, dispenser) itself. Time comes from an injectable monotonic clock so
tests can say exactly when a timer starts, turns amber and red, and stops.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from station.core.timers import ServiceTimer


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


@dataclass
class FuelingSequence:
    """One vehicle at one nozzle, from greeting to farewell."""

    dispenser: int
    nozzle: int
    attendant_id: int
    clock: Callable[[], float]
    engine_limit_s: int = 30
    settle_limit_s: int = 60
    amber_percent: int = 66
    min_residual_centi_mpa: int = 50
    fill_limit_centi_mpa: int = 2000
    on_step: Callable[[StepEvent], None] | None = None
    sequence_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    step: Step = Step.ARRIVAL
    safety_done: list[str] = field(default_factory=list)
    connect_done: list[str] = field(default_factory=list)
    disconnect_done: list[str] = field(default_factory=list)
    payment: PaymentKind | None = None
    card_number: str | None = None
    plate: str = ""
    residual_centi_mpa: int | None = None
    residual_typed: bool = False
    preset: PresetChoice | None = None
    hold_id: int | None = None
    hold_fen: int = 0
    unit_price_fen: int = 0
    fill_id: int | None = None
    gas_flowed: bool = False
    abort_reason: AbortReason | None = None
    abort_note: str = ""
    # The step a leak alarm stopped the sequence at (None: no leak stopped it).
    leak_stopped_at: Step | None = None
    overrides: list[str] = field(default_factory=list)
    events: list[StepEvent] = field(default_factory=list)
    resumed: bool = False  # brought back by a restart from what the ledger and the dispenser said

    def __post_init__(self) -> None:
        self.engine_timer = ServiceTimer(self.engine_limit_s, self.amber_percent)
        self.settle_timer = ServiceTimer(self.settle_limit_s, self.amber_percent)
        self._log(Step.ARRIVAL, "greeted")

    # ------------------------------------------------------------------ helpers

    @property
    def lane(self) -> tuple[int, int]:
        return (self.dispenser, self.nozzle)

    @property
    def finished(self) -> bool:
        return self.step in (Step.DONE, Step.ABORTED)

    def _log(self, step: Step, item: str, detail: str = "") -> None:
        event = StepEvent(step, item, self.clock(), detail)
        self.events.append(event)
        if self.on_step is not None:
            self.on_step(event)

    def _expect(self, *steps: Step) -> None:
        if self.step not in steps:
            raise SequenceRefused("step_out_of_order", expected=[s.value for s in steps], current=self.step.value)

    def _advance(self, to: Step) -> None:
        self.step = to

    def resume(self, at: Step, fill_id: int | None = None) -> None:
        """After a restart: the checks before authorizing were done (the authorization proves it), so the
        sequence picks up at filling, or at disconnect once its fill is recorded. Timers stay unstarted: the
        time before the restart is unknown, and no guessed figure goes into the service-time report."""
        if at not in (Step.FILLING, Step.DISCONNECT):
            raise SequenceRefused("step_out_of_order", expected=[Step.FILLING.value], current=at.value)
        self.events.clear()
        self.safety_done = list(SAFETY_ITEMS)
        self.connect_done = list(CONNECT_ITEMS)
        self.fill_id = fill_id
        self.gas_flowed = at is Step.DISCONNECT
        self.resumed = True
        self.step = at
        self._log(at, "resumed_after_restart", str(fill_id or ""))

    # ------------------------------------------------------------------ steps 1–3

    def confirm_arrival(self) -> None:
        self._expect(Step.ARRIVAL)
        self._log(Step.ARRIVAL, "lane_chosen", f"{self.dispenser}/{self.nozzle}")
        self._advance(Step.SAFETY)

    @property
    def next_safety_item(self) -> str | None:
        for item in SAFETY_ITEMS:
            if item not in self.safety_done:
                return item
        return None

    def confirm_safety_item(self) -> str:
        """Confirm the next item of the safety checklist; engine-off starts the 30-second timer."""
        self._expect(Step.SAFETY)
        item = self.next_safety_item
        assert item is not None
        self.safety_done.append(item)
        if item == "engine_off":
            self.engine_timer.start(self.clock())
        self._log(Step.SAFETY, item)
        if self.next_safety_item is None:
            self._advance(Step.PAYMENT)
        return item

    def choose_payment(self, kind: PaymentKind) -> None:
        self._expect(Step.PAYMENT)
        self.payment = kind
        self._log(Step.PAYMENT, kind.value)
        self._advance(Step.CARD if kind is PaymentKind.CARD else Step.VEHICLE)

    def switch_to_cash(self) -> None:
        """Card refused for balance (余额不足): the driver may pay cash instead.

        At step 4, or at step 7 where the balance is checked against the preset; there the sequence stays
        at step 7 and the preset is chosen again, now for cash.
        """
        if self.step is Step.AUTHORIZE and self.payment is PaymentKind.CARD:
            self.payment = PaymentKind.CASH
            self.card_number = None
            self._log(Step.AUTHORIZE, "switched_to_cash")
            return
        self._expect(Step.CARD)
        self.payment = PaymentKind.CASH
        self.card_number = None
        self._log(Step.CARD, "switched_to_cash")
        self._advance(Step.VEHICLE)

    # ------------------------------------------------------------------ steps 4–5

    def card_accepted(self, card_number: str, plate: str) -> None:
        self._expect(Step.CARD)
        self.card_number = card_number
        self.plate = plate
        self._log(Step.CARD, "accepted", card_number[-4:])
        self._advance(Step.VEHICLE)

    def set_plate(self, plate: str) -> None:
        self._expect(Step.VEHICLE)
        self.plate = plate

    def vehicle_accepted(self, problems: list[str], override_by: str | None = None) -> None:
        """Cylinders fine, or refused problems overridden by a manager (audited by the core)."""
        self._expect(Step.VEHICLE)
        if not self.plate:
            raise SequenceRefused("plate_required")
        if problems and override_by is None:
            raise SequenceRefused("cylinder_refused", problems=problems)
        if problems:
            self.overrides.append(",".join(problems))
            self._log(Step.VEHICLE, "override", f"{override_by}: {','.join(problems)}")
        else:
            self._log(Step.VEHICLE, "cylinders_ok", self.plate)
        self._advance(Step.CONNECT)

    # ------------------------------------------------------------------ step 6

    @property
    def next_connect_item(self) -> str | None:
        for item in CONNECT_ITEMS:
            if item not in self.connect_done:
                return item
        return None

    def confirm_connect_item(self) -> str:
        self._expect(Step.CONNECT)
        item = self.next_connect_item
        if item == "residual_pressure":
            raise SequenceRefused("residual_pressure_required")
        assert item is not None
        self.connect_done.append(item)
        self._log(Step.CONNECT, item)
        if self.next_connect_item is None:
            self._advance(Step.AUTHORIZE)
        return item

    def record_residual_pressure(self, centi_mpa: int, typed: bool) -> None:
        """Residual pressure (余压): below the minimum, purge first; at the fill limit, the cylinder is full."""
        self._expect(Step.CONNECT)
        if self.next_connect_item != "residual_pressure":
            raise SequenceRefused("step_out_of_order", expected=[self.next_connect_item], current="residual_pressure")
        if centi_mpa < 0 or centi_mpa > 5000:
            raise SequenceRefused("pressure_invalid")
        if centi_mpa < self.min_residual_centi_mpa:
            raise SequenceRefused("residual_too_low", pressure=centi_mpa, minimum=self.min_residual_centi_mpa)
        if centi_mpa >= self.fill_limit_centi_mpa:
            raise SequenceRefused("cylinder_full", pressure=centi_mpa, limit=self.fill_limit_centi_mpa)
        self.residual_centi_mpa = centi_mpa
        self.residual_typed = typed
        self.connect_done.append("residual_pressure")
        self._log(Step.CONNECT, "residual_pressure", f"{centi_mpa} {'typed' if typed else 'dispenser'}")

    # ------------------------------------------------------------------ steps 7–8

    def authorized(self, preset: PresetChoice, unit_price_fen: int, hold_id: int | None, hold_fen: int) -> None:
        self._expect(Step.AUTHORIZE)
        self.preset = preset
        self.unit_price_fen = unit_price_fen
        self.hold_id = hold_id
        self.hold_fen = hold_fen
        self._log(Step.AUTHORIZE, preset.kind.value, str(preset.value))
        self._advance(Step.FILLING)

    def gas_flowing(self) -> None:
        """The dispenser reports flow: the 30-second timer stops."""
        if self.step is not Step.FILLING or self.gas_flowed:
            return
        self.gas_flowed = True
        self.engine_timer.stop(self.clock())
        self._log(Step.FILLING, "gas_flowing")

    @property
    def leak_fill_pending(self) -> bool:
        """A leak stopped the fill and its transaction (the gas that flowed before) is not recorded yet."""
        return self.leak_stopped_at is Step.FILLING and self.fill_id is None

    def fill_ended(self, fill_id: int | None, stop_reason: str) -> None:
        """The fill's end starts the 1-minute timer."""
        if self.leak_fill_pending:
            # Stopped by a leak: the fill is kept (unpaid) on the sequence that ran it; nothing more to time.
            self.fill_id = fill_id
            self._log(Step.FILLING, "ended", stop_reason)
            return
        if self.step is not Step.FILLING:
            return
        self.fill_id = fill_id
        self.settle_timer.start(self.clock())
        # A fill that never flowed still stops the 30 s timer, so its duration is stored.
        self.engine_timer.stop(self.clock())
        self._log(Step.FILLING, "ended", stop_reason)
        self._advance(Step.DISCONNECT)

    # ------------------------------------------------------------------ steps 9–11

    @property
    def next_disconnect_item(self) -> str | None:
        for item in DISCONNECT_ITEMS:
            if item not in self.disconnect_done:
                return item
        return None

    def confirm_disconnect_item(self) -> str:
        self._expect(Step.DISCONNECT)
        item = self.next_disconnect_item
        assert item is not None
        self.disconnect_done.append(item)
        self._log(Step.DISCONNECT, item)
        if self.next_disconnect_item is None:
            self._advance(Step.SETTLE)
        return item

    def settled(self, detail: str = "") -> None:
        """The sale is committed: the 1-minute timer stops."""
        self._expect(Step.SETTLE)
        self.settle_timer.stop(self.clock())
        self._log(Step.SETTLE, "committed", detail)
        self._advance(Step.FAREWELL)

    def farewell(self) -> None:
        self._expect(Step.FAREWELL)
        self._log(Step.FAREWELL, "farewell")
        self._advance(Step.DONE)

    def stop_for_leak(self) -> bool:
        """The dispenser raised a leak alarm (seed 002: 发现泄漏点立即停止加气): the sequence ends where it is.

        Unlike :meth:`abort` this is allowed after gas flowed: that gas is a fill kept unpaid against the nozzle
        and settled later. Returns False when the sequence had already ended.
        """
        if self.finished:
            return False
        self.leak_stopped_at = self.step
        self.abort_reason = AbortReason.LEAK
        self.abort_note = "leak alarm"
        self.engine_timer.stop(self.clock())
        self._log(self.step, "leak_stopped")
        self._advance(Step.ABORTED)
        return True

    def abort(self, reason: AbortReason, note: str = "") -> None:
        if self.finished:
            raise SequenceRefused("sequence_finished")
        if self.step in (Step.DISCONNECT, Step.SETTLE, Step.FAREWELL):
            # Gas has been sold: the sale must be settled (or cleared by a manager), not aborted.
            raise SequenceRefused("fill_must_be_settled")
        self.abort_reason = reason
        self.abort_note = note
        self.engine_timer.stop(self.clock())
        self._log(self.step, "abort", f"{reason.value} {note}".strip())
        self._advance(Step.ABORTED)
