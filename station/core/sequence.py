"""The fuelling sequence of SPEC §2 as domain logic: steps, guards, aborts and the two service timers.

Pure: no I/O, no UI. The station core feeds it facts (card checked, pressure read, gas flowing, fill ended)
and performs the side effects (ledger, dispenser) itself. Time comes from an injectable monotonic clock so
tests can say exactly when a timer starts, turns amber and red, and stops.

What the dispenser already knows takes no key (issue 13). Of the checklist items, three are facts the
dispenser reports: ``nozzle_connected`` (the nozzle lifted), ``residual_pressure`` (its gauge) and
``nozzle_vented_removed`` (the nozzle hung up). The core completes them from the dispenser's events
(:meth:`FuelingSequence.dispenser_saw`, :meth:`FuelingSequence.record_residual_pressure` with ``typed=False``),
logged with the detail ``dispenser``; a key still confirms them when the dispenser says nothing (link down,
the demo's idle nozzle), logged ``attendant`` (``typed`` for a gauge reading). What only a person can attest
stays a key: the safety items, ``valves_open``, ``no_leak``, ``cylinder_valve_closed``.

The order of SPEC §2 stays safe: a report never completes, nor skips, a person's item. A dispenser's item
that comes *after* a person's item in its checklist is recorded when it is seen (the log keeps what
happened, in the order it happened), but the step waits for the person's items before it: the nozzle
reported hung up before the cylinder valve is confirmed closed leaves step 9 at ``cylinder_valve_closed``.
The residual pressure is the exception that is *not* recorded early: until ``valves_open`` the dispenser's
gauge reads the hose, not the cylinder (SPEC: "打开加气枪阀门和气瓶阀门并查看气瓶余压"), so the core reads
it the moment ``valves_open`` is confirmed, with no key, and a missing or refused reading leaves the typed
entry. ``nozzle_connected`` is first in step 6, so its report completes it whenever it comes. A key names
the item it was pressed for (``expect``): one a report completed meanwhile refuses it, so a key meant for
the dispenser's item never confirms the person's item that follows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from station.core.sequence_terms import (
    CONNECT_ITEMS,
    DISCONNECT_ITEMS,
    DISPENSER_ITEMS,
    ORDER,
    SAFETY_ITEMS,
    AbortReason,
    PaymentKind,
    PresetChoice,
    PresetKind,
    SequenceRefused,
    Step,
    StepEvent,
)
from station.core.timers import ServiceTimer

__all__ = [
    "CONNECT_ITEMS",
    "DISCONNECT_ITEMS",
    "DISPENSER_ITEMS",
    "ORDER",
    "SAFETY_ITEMS",
    "AbortReason",
    "FuelingSequence",
    "PaymentKind",
    "PresetChoice",
    "PresetKind",
    "SequenceRefused",
    "Step",
    "StepEvent",
]


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
    # Checklist items completed from the dispenser's report rather than a key (the screen says so).
    seen_items: list[str] = field(default_factory=list)
    # When the sequence began and when the dispenser was authorized (None: unknown, a resumed sequence): a
    # report older than these belongs to another vehicle and completes nothing.
    started_at: float = 0.0
    authorized_at: float | None = None

    def __post_init__(self) -> None:
        self.engine_timer = ServiceTimer(self.engine_limit_s, self.amber_percent)
        self.settle_timer = ServiceTimer(self.settle_limit_s, self.amber_percent)
        self.started_at = self.clock()
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

    def _check_item(self, item: str | None, expect: str | None) -> None:
        """A key confirms the item the attendant was shown: one the dispenser completed meanwhile moves the
        checklist on, and that key must not confirm the person's item that came next."""
        if expect is not None and item != expect:
            raise SequenceRefused("item_changed", item=expect)

    def confirm_connect_item(self, expect: str | None = None) -> str:
        self._expect(Step.CONNECT)
        item = self.next_connect_item
        self._check_item(item, expect)
        if item == "residual_pressure":
            raise SequenceRefused("residual_pressure_required")
        assert item is not None
        self.connect_done.append(item)
        self._log(Step.CONNECT, item, "attendant" if item in DISPENSER_ITEMS.values() else "")
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
        self.authorized_at = self.clock()
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

    def confirm_disconnect_item(self, expect: str | None = None) -> str:
        self._expect(Step.DISCONNECT)
        item = self.next_disconnect_item
        self._check_item(item, expect)
        assert item is not None
        self.disconnect_done.append(item)
        self._log(Step.DISCONNECT, item, "attendant" if item in DISPENSER_ITEMS.values() else "")
        if self.next_disconnect_item is None:
            self._advance(Step.SETTLE)
        return item

    def dispenser_saw(self, item: str) -> bool:
        """The dispenser reported what ``item`` attests (nozzle lifted at step 6, hung up at step 9): it is done,
        with no key. Recorded even while a person's item before it is open; the step then waits for that one.
        False when the item is not this step's or already done."""
        if DISPENSER_ITEMS.get(self.step) != item:
            return False
        done = self.connect_done if self.step is Step.CONNECT else self.disconnect_done
        if item in done:
            return False
        done.append(item)
        self.seen_items.append(item)
        self._log(self.step, item, "dispenser")
        if self.step is Step.DISCONNECT and self.next_disconnect_item is None:
            self._advance(Step.SETTLE)
        return True

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
