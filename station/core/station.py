"""The station core: devices, the fuelling sequence and the ledger behind one async API and one event stream.

The UI is one client: it calls these coroutines and listens to :class:`CoreEvent`s. It never touches a
serial port or a database session. Data walks one way: device frame → driver event → sequence step →
ledger entry → event for the screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from station.config import Settings
from station.core.sequence import (
    AbortReason,
    FuelingSequence,
    PaymentKind,
    PresetChoice,
    PresetKind,
    SequenceRefused,
    Step,
    StepEvent,
)
from station.core.steplog import StepLog
from station.devices import dispenser_protocol as proto
from station.devices.dispenser_bus import (
    AlarmRaised,
    BusError,
    BusEvent,
    DeviceRejected,
    DispenserBus,
    FillProgress,
    LinkDown,
    LinkDownError,
    LinkUp,
    NozzleStateChanged,
    TransactionCompleted,
)
from station.devices.pn532_reader import CardPresented, PN532Reader, ReaderDown, ReaderUp
from station.devices.printer import PrintOutcome, PrintQueue
from station.i18n import Language, error_text
from station.ledger.cards import CardView
from station.ledger.errors import LedgerError
from station.ledger.fills import FillRecord, FillView
from station.ledger.lanes import ResumableAuthorization
from station.ledger.locks import LockView, NozzleLocks
from station.ledger.models import CardType, FillStatus
from station.ledger.services import Ledger
from station.ledger.staff import Actor
from station.money import amount_for, format_centi, format_yuan, quantity_for_amount
from station.printouts.receipt import CardPayment, CashPayment, FillReceipt, render

log = logging.getLogger(__name__)
T = TypeVar("T")

# A card fill-up is authorized as an amount preset no larger than this, so the hold bounds the sale.
FILL_UP_HOLD_CAP_FEN = 100_000


class CoreRefused(Exception):
    """An operation was refused; ``code`` keys the catalogue (station.i18n ``err.<code>``). Nothing changed."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


# ---------------------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class CoreEvent:
    pass


@dataclass(frozen=True)
class LaneChanged(CoreEvent):
    lane: tuple[int, int]


@dataclass(frozen=True)
class Notice(CoreEvent):
    """A message for the attendant: ``key`` in the catalogue, severity information/warning/error."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    severity: str = "information"


@dataclass(frozen=True)
class CardRead(CoreEvent):
    uid: str


@dataclass(frozen=True)
class StaffCardLogin(CoreEvent):
    actor: Actor


@dataclass
class Lane:
    """One nozzle on the forecourt, as the attendant sees it."""

    dispenser: int
    nozzle: int
    product: str
    state: proto.NozzleState | None = None
    quantity: int = 0
    amount: int = 0
    pressure: int = 0
    flow: int = 0
    link_up: bool = False
    alarm: str = ""
    unpaid: list[FillView] = field(default_factory=list)
    sequence: FuelingSequence | None = None
    # The authorize went out but no answer came back: the nozzle may be delivering; nothing is given up.
    authorize_unknown: bool = False
    # Leak lock (泄漏锁定): set by a leak, kept in the ledger across restarts, cleared only by a manager.
    leak_locked_since: dt.datetime | None = None
    leak_lock_cause: str = ""  # "alarm" (the dispenser's) or "abort" (found at step 6)
    # An emergency stop reached this nozzle while it was in use; cleared when the nozzle is used again.
    estopped: bool = False

    @property
    def key(self) -> tuple[int, int]:
        return (self.dispenser, self.nozzle)

    @property
    def leak_locked(self) -> bool:
        return self.leak_locked_since is not None

    def take_lock(self, lock: LockView | None) -> None:
        """What the ledger says; a lock set here a moment ago and not yet written is never dropped by a read."""
        if lock is not None:
            self.leak_locked_since, self.leak_lock_cause = lock.locked_at, lock.cause


@dataclass(frozen=True)
class SettleResult:
    fill: FillView
    receipt_lines: list[str]
    print_outcome: PrintOutcome | None
    change_fen: int | None = None
    tendered_fen: int | None = None
    balance_fen: int | None = None
    low_balance: bool = False


class StationCore:
    # How often the dispensers' unacknowledged lists are read again while running (lost ACK, failed record).
    sweep_interval: float = 5.0

    def __init__(
        self,
        ledger: Ledger,
        settings: Settings,
        *,
        bus: DispenserBus | None = None,
        reader: PN532Reader | None = None,
        print_queue: PrintQueue | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        language: Language | None = None,
    ) -> None:
        self.ledger = ledger
        self.settings = settings
        self.bus = bus
        self.reader = reader
        self.print_queue = print_queue
        self.monotonic = monotonic
        self.language: Language = language or settings.station.language
        self.actor: Actor | None = None
        self.lanes: dict[tuple[int, int], Lane] = {
            (n.dispenser, n.nozzle): Lane(n.dispenser, n.nozzle, n.product) for n in settings.nozzles
        }
        self._listeners: list[Callable[[CoreEvent], None]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._card_levels: dict[tuple[int, int], tuple[int, CardType]] = {}
        self._stopping = False
        self._steps = StepLog(ledger.record_step)
        self.locks = NozzleLocks(ledger)
        # Transactions being recorded now, by (dispenser, number): the poll and the sweep never record one twice.
        self._recording: dict[tuple[int, int], asyncio.Task[None]] = {}
        self._unrecorded_told: set[tuple[int, int]] = set()

    # ------------------------------------------------------------------ lifecycle and events

    def subscribe(self, listener: Callable[[CoreEvent], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def emit(self, event: CoreEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not stop the forecourt
                log.exception("core listener failed on %r", event)

    def notice(self, key: str, severity: str = "information", **params: Any) -> None:
        self.emit(Notice(key, params, severity))

    async def start(self) -> None:
        await self._db(self._reload_unpaid_all)
        await self._db(self._reload_locks_all)
        for lane in self.lanes:
            self.emit(LaneChanged(lane))
        if self.bus is not None:
            self.bus.subscribe(self._on_bus_event)
            await self.bus.start()
            self._tasks.append(asyncio.create_task(self._push_prices_when_up()))
            self._tasks.append(asyncio.create_task(self._sweep_loop()))
            self._tasks.append(asyncio.create_task(self._resume_loop()))
        if self.reader is not None:
            await self.reader.start()
            self._tasks.append(asyncio.create_task(self._reader_loop()))
        if self.print_queue is not None:
            self._tasks.append(asyncio.create_task(self._drain_print_queue()))

    async def stop(self) -> None:
        """Close the devices first (no new events), then the core's own tasks; never wait forever."""
        self._stopping = True
        closers = []
        if self.bus is not None:
            closers.append(self.bus.close())
        if self.reader is not None:
            closers.append(self.reader.stop())
        for closer in closers:
            try:
                await asyncio.wait_for(closer, timeout=5)
            except (TimeoutError, Exception):
                log.warning("a device did not close in time")
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        self._tasks.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._steps.flushed(), timeout=15)
        await asyncio.to_thread(self._steps.close)

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a ledger call off the event loop; ledger refusals become CoreRefused.

        The steps handed to the step log are written first, so the ledger sees the sequence in the order it
        happened (a fill is never recorded, nor its steps linked, before the steps that led to it)."""
        await self._steps.flushed()
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except LedgerError as exc:
            raise CoreRefused(exc.code, **exc.params) from exc
        except (SQLAlchemyError, OSError) as exc:
            # The database itself failed (locked too long, disk, a damaged file): logged without locals, and
            # the screen says so in the attendant's language. No chained traceback: its frames hold PINs.
            log.error("ledger call %s failed", getattr(fn, "__name__", "?"), exc_info=exc)
            raise CoreRefused("ledger_unavailable") from None

    async def _device(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except DeviceRejected as exc:
            raise CoreRefused("dispenser_refused", detail=str(exc)) from exc
        except BusError as exc:
            raise CoreRefused("dispenser_offline", detail=str(exc)) from exc

    def link_refusal(self) -> CoreRefused | None:
        """Why the dispensers cannot be reached now, naming the port (None while the link is up)."""
        cause = self.bus.link_cause if self.bus is not None else None
        if self.bus is None or cause is None:
            return None
        return CoreRefused(f"link_{cause}", port=self.bus.url, detail=self.bus.link_detail)

    def link_text(self, lang: Language | None = None) -> str:
        """The words "dispenser link down: <port> (<why>)" in the attendant's language; empty while the link is up."""
        refusal = self.link_refusal()
        return error_text(refusal.code, lang or self.language, **refusal.params) if refusal else ""

    # ------------------------------------------------------------------ staff

    async def login(self, number: str, pin: str) -> Actor:
        if not number.strip() or not pin:
            raise CoreRefused("input_empty")
        if len(number) > 16 or len(pin) > 16:
            raise CoreRefused("input_too_long")
        self.actor = await self._db(self.ledger.authenticate, number, pin)
        return self.actor

    def logout(self) -> None:
        self.actor = None

    async def manager(self, number: str, pin: str) -> Actor:
        """A manager's credentials for one action (override, clearing…)."""
        actor = await self._db(self.ledger.authenticate, number, pin)
        if not actor.is_manager:
            raise CoreRefused("manager_only")
        return actor

    def _need_actor(self) -> Actor:
        if self.actor is None:
            raise CoreRefused("not_logged_in")
        return self.actor

    # ------------------------------------------------------------------ lanes

    def lane(self, key: tuple[int, int]) -> Lane:
        return self.lanes[key]

    def _reload_unpaid_all(self) -> None:
        for lane in self.lanes.values():
            lane.unpaid = self.ledger.unpaid_fills(lane.dispenser, lane.nozzle)

    def _reload_locks_all(self) -> None:
        for lock in self.locks.active():
            lane = self.lanes.get((lock.dispenser, lock.nozzle))
            if lane is not None:
                lane.take_lock(lock)

    async def _refuse_if_leak_locked(self, lane: Lane) -> None:
        """A nozzle locked after a leak starts nothing until a manager has checked it and cleared the lock."""
        if not lane.leak_locked:
            locks = await self._db(self.locks.active, lane.dispenser, lane.nozzle)
            lane.take_lock(locks[0] if locks else None)
        if lane.leak_locked:
            self.emit(LaneChanged(lane.key))
            raise CoreRefused("nozzle_leak_locked", lane=f"{lane.dispenser}/{lane.nozzle}")

    async def _reload_unpaid(self, lane: Lane) -> None:
        lane.unpaid = await self._db(self.ledger.unpaid_fills, lane.dispenser, lane.nozzle)
        self.emit(LaneChanged(lane.key))

    def _sequence(self, key: tuple[int, int]) -> FuelingSequence:
        seq = self.lanes[key].sequence
        if seq is None or seq.finished:
            raise CoreRefused("sequence_finished")
        return seq

    def _record_step(self, lane: Lane, event: StepEvent) -> None:
        """Log the step on the step log's own thread: the event loop (and F9 on it) never waits on the database."""
        seq = lane.sequence
        if seq is None:
            return
        self._steps.append(
            sequence_id=seq.sequence_id,
            dispenser=lane.dispenser,
            nozzle=lane.nozzle,
            step=event.step.value,
            item=event.item,
            attendant=self.actor,
            detail=event.detail,
            at=self.ledger.now(),  # when it happened, not when the writer got to it
        )

    @staticmethod
    def _in_use(lane: Lane) -> bool:
        """A sequence under way, or the nozzle out of its holder, authorized or delivering."""
        active = (proto.NozzleState.NOZZLE_LIFTED, proto.NozzleState.AUTHORIZED, proto.NozzleState.FILLING)
        return (lane.sequence is not None and not lane.sequence.finished) or lane.state in active

    async def start_sequence(self, key: tuple[int, int]) -> FuelingSequence:
        """Step 1: greet the driver at this nozzle."""
        actor = self._need_actor()
        lane = self.lanes[key]
        if lane.sequence is not None and not lane.sequence.finished:
            raise CoreRefused("nozzle_busy")
        await self._refuse_if_leak_locked(lane)
        lane.estopped = False  # a new vehicle: the stop before was for the one that left
        await self._reload_unpaid(lane)
        if lane.unpaid:
            raise CoreRefused("nozzle_has_unpaid")
        seq = self._new_sequence(lane, actor.id)
        self._record_step(lane, seq.events[0])
        self.emit(LaneChanged(key))
        return seq

    def _new_sequence(self, lane: Lane, attendant_id: int, **known: Any) -> FuelingSequence:
        t = self.settings.thresholds
        timers = self.settings.timers
        seq = FuelingSequence(
            dispenser=lane.dispenser,
            nozzle=lane.nozzle,
            attendant_id=attendant_id,
            clock=self.monotonic,
            engine_limit_s=timers.engine_off_to_flow_seconds,
            settle_limit_s=timers.fill_end_to_commit_seconds,
            amber_percent=timers.amber_fraction_percent,
            min_residual_centi_mpa=t.minimum_residual_pressure_mpa,
            fill_limit_centi_mpa=t.fill_pressure_limit_mpa,
            **known,
        )
        lane.sequence = seq
        seq.on_step = lambda event: self._record_step(lane, event)
        return seq

    def _step(self, key: tuple[int, int], action: Callable[[FuelingSequence], T]) -> T:
        self._need_actor()
        seq = self._sequence(key)
        try:
            result = action(seq)
        except SequenceRefused as exc:
            raise CoreRefused(exc.code, **exc.params) from exc
        self.emit(LaneChanged(key))
        return result

    async def confirm_arrival(self, key: tuple[int, int]) -> None:
        self._step(key, lambda s: s.confirm_arrival())

    async def confirm_safety_item(self, key: tuple[int, int]) -> str:
        return self._step(key, lambda s: s.confirm_safety_item())

    async def choose_payment(self, key: tuple[int, int], kind: PaymentKind) -> None:
        self._step(key, lambda s: s.choose_payment(kind))

    async def switch_to_cash(self, key: tuple[int, int]) -> None:
        seq = self._sequence(key)
        hold_id = seq.hold_id
        self._step(key, lambda s: s.switch_to_cash())
        if hold_id is not None:  # a card hold from a refused preset goes back to the card
            with contextlib.suppress(CoreRefused):
                await self._db(self.ledger.release_hold, self._need_actor(), hold_id)
            seq.hold_id = None

    # ------------------------------------------------------------------ step 4: the card

    async def check_card(
        self, key: tuple[int, int], *, number: str | None, uid: str | None, plate: str, pin: str
    ) -> CardView:
        """Card check: ours, status, expiry, plate bound, PIN (3 wrong → locked), minimum balance."""
        self._need_actor()
        seq = self._sequence(key)
        if seq.step is not Step.CARD:
            raise CoreRefused("step_out_of_order")
        if not (number or uid):
            raise CoreRefused("input_empty")
        if not plate.strip():
            raise CoreRefused("plate_required")
        try:
            view = await self._db(self.ledger.check_card_for_fill, number=number, uid=uid, plate=plate)
        except CoreRefused as exc:
            if exc.code == "card_lost":
                await self._db(
                    self.ledger.flag_lost_card_use, exc.params.get("number", number or uid or ""), f"{key[0]}/{key[1]}"
                )
            raise
        if not pin:
            raise CoreRefused("pin_format")
        await self._db(self.ledger.verify_card_pin, view.number, pin)
        self._step(key, lambda s: s.card_accepted(view.number, plate.strip().upper()))
        self._card_levels[key] = (view.price_level, view.card_type)
        return view

    # ------------------------------------------------------------------ step 5: vehicle and cylinders

    async def check_vehicle(self, key: tuple[int, int], plate: str) -> list[dict[str, Any]]:
        """Returns the problems found (each code and its parameters); empty means the vehicle goes on."""
        self._need_actor()
        seq = self._sequence(key)
        if seq.step is not Step.VEHICLE:
            raise CoreRefused("step_out_of_order")
        plate = plate.strip().upper() or seq.plate
        if not plate:
            raise CoreRefused("plate_required")
        if len(plate) > 16:
            raise CoreRefused("plate_invalid")
        problems = await self._db(self.ledger.check_vehicle, plate)
        self._step(key, lambda s: s.set_plate(plate))
        if not problems:
            self._step(key, lambda s: s.vehicle_accepted([]))
            return []
        return [{"code": p.code, "serial": p.serial, "date": p.date.isoformat() if p.date else ""} for p in problems]

    async def override_vehicle(
        self, key: tuple[int, int], problems: list[str], manager_number: str, manager_pin: str, reason: str
    ) -> None:
        """A manager lets a refused cylinder through, with a reason; audited."""
        self._need_actor()
        seq = self._sequence(key)
        if not reason.strip():
            raise CoreRefused("reason_required")
        manager = await self.manager(manager_number, manager_pin)
        await self._db(
            self.ledger.record_override,
            manager,
            "cylinder",
            reason,
            plate=seq.plate,
            problems=problems,
            lane=f"{key[0]}/{key[1]}",
            attendant=self.actor.number if self.actor else "",
        )
        self._step(key, lambda s: s.vehicle_accepted(problems, override_by=manager.number))

    # ------------------------------------------------------------------ step 6: connect, pressure, leak

    async def confirm_connect_item(self, key: tuple[int, int]) -> str:
        return self._step(key, lambda s: s.confirm_connect_item())

    async def residual_from_dispenser(self, key: tuple[int, int]) -> int:
        lane = self.lanes[key]
        pressure = lane.pressure
        if self.bus is not None:
            try:
                status = await self.bus.read_status(lane.dispenser)
                for nozzle in status.nozzles:
                    if nozzle.nozzle == lane.nozzle:
                        pressure = nozzle.pressure
            except BusError:
                pass
        if pressure <= 0:
            raise CoreRefused("no_pressure_reading")
        self._step(key, lambda s: s.record_residual_pressure(pressure, typed=False))
        return pressure

    async def residual_typed(self, key: tuple[int, int], centi_mpa: int) -> None:
        self._step(key, lambda s: s.record_residual_pressure(centi_mpa, typed=True))

    # ------------------------------------------------------------------ step 7–8: authorize and fill

    async def authorize(self, key: tuple[int, int], preset: PresetChoice) -> int:
        """Hold the card (灰锁) if paying by card, then authorize the dispenser. Returns the unit price."""
        actor = self._need_actor()
        lane = self.lanes[key]
        seq = self._sequence(key)
        if seq.step is not Step.AUTHORIZE:
            raise CoreRefused("step_out_of_order")
        if preset.kind is not PresetKind.FILL_UP and preset.value <= 0:
            raise CoreRefused("amount_not_positive")
        await self._refuse_if_leak_locked(lane)  # a second guard: a lock set while the sequence was at step 6
        await self._reload_unpaid(lane)
        if lane.unpaid:
            raise CoreRefused("nozzle_has_unpaid")
        if self.bus is None:
            raise CoreRefused("dispenser_offline", detail="no dispenser configured")
        if (link_down := self.link_refusal()) is not None:
            raise link_down  # the port is the problem, not the nozzle
        state = self.bus.nozzle_state(lane.dispenser, lane.nozzle)
        if state in (proto.NozzleState.FINISHED, proto.NozzleState.STOPPED):
            # The last fill is still unacknowledged at the dispenser (a lost ACK): record and acknowledge it now.
            self._tasks.append(asyncio.create_task(self.sweep_unacknowledged()))
            raise CoreRefused("nozzle_unacknowledged")
        if state is not proto.NozzleState.NOZZLE_LIFTED:
            raise CoreRefused("nozzle_not_lifted")
        # No gas whose sale could not be recorded: the ledger must take a small committed write first.
        await self._db(self.ledger.probe_write)
        level, card_type = self._card_levels.get(key, (0, CardType.STORED_VALUE))
        level = level if seq.payment is PaymentKind.CARD else 0
        price = await self._db(self.ledger.unit_price, lane.product, level)
        wire_preset = proto.Preset(proto.PresetKind.FILL_UP, 0)
        if preset.kind is PresetKind.AMOUNT:
            wire_preset = proto.Preset(proto.PresetKind.AMOUNT, preset.value)
        elif preset.kind is PresetKind.QUANTITY:
            wire_preset = proto.Preset(proto.PresetKind.QUANTITY, preset.value)
        hold_id, hold_fen = None, 0
        if seq.payment is PaymentKind.CARD and seq.card_number:
            if preset.kind is PresetKind.AMOUNT:
                hold_fen = preset.value
            elif preset.kind is PresetKind.QUANTITY:
                hold_fen = amount_for(price, preset.value)
            else:
                card = await self._db(self.ledger.card, number=seq.card_number)
                spendable = card.spendable_fen if card_type is not CardType.INTERNAL else FILL_UP_HOLD_CAP_FEN
                hold_fen = min(spendable, FILL_UP_HOLD_CAP_FEN)
                if hold_fen <= 0:
                    raise CoreRefused("balance_insufficient")
                # The dispenser stops at what the hold covers.
                wire_preset = proto.Preset(proto.PresetKind.QUANTITY, quantity_for_amount(price, hold_fen))
            # The hold and what the sequence knows are written before the dispenser hears of it: a restart
            # from here on finds the fill's card, hold, plate and attendant in the ledger.
            hold_id = await self._db(
                self.ledger.place_hold,
                actor,
                seq.card_number,
                hold_fen,
                lane.dispenser,
                lane.nozzle,
                sequence_id=seq.sequence_id,
                plate=seq.plate,
            )
        else:
            await self._db(self.ledger.authorize_lane, actor, seq.sequence_id, lane.dispenser, lane.nozzle, seq.plate)
        try:
            await self.bus.authorize(lane.dispenser, lane.nozzle, wire_preset, price)
        except DeviceRejected as exc:  # a refusal is certain: nothing was authorized
            # Gives the hold back too.
            await self._db(self.ledger.drop_lane_authorization, actor, seq.sequence_id)
            raise CoreRefused("dispenser_refused", detail=str(exc)) from exc
        except BusError as exc:
            # No answer is not a refusal: the dispenser may have authorized and be filling. Ask it.
            carried_out = await self._authorized_at_dispenser(lane)
            if carried_out is False:
                await self._db(self.ledger.drop_lane_authorization, actor, seq.sequence_id)
                raise CoreRefused("authorize_not_carried_out", detail=str(exc)) from exc
            log.warning("authorize of %s/%s unanswered; read back: %s", *key, carried_out)
            self._step(key, lambda s: s.authorized(preset, price, hold_id, hold_fen))
            if carried_out is None:
                # Still unknown: keep the hold and the sequence at filling (no abort) until the dispenser answers.
                lane.authorize_unknown = True
                self.notice("authorize.unknown", "warning", lane=f"{key[0]}/{key[1]}")
                self.emit(LaneChanged(key))
                self._tasks.append(asyncio.create_task(self._resolve_authorize(lane, seq)))
            return price
        if seq.finished:
            # A leak stopped the sequence while the dispenser was being authorized: the lane authorization stays
            # live, so whatever the dispenser delivers before it stops lands on an unpaid fill with its hold.
            raise CoreRefused("nozzle_leak_locked", lane=f"{key[0]}/{key[1]}")
        self._step(key, lambda s: s.authorized(preset, price, hold_id, hold_fen))
        return price

    async def _authorized_at_dispenser(self, lane: Lane) -> bool | None:
        """Read the nozzle back after an unanswered authorize: True authorized (or already filled), False not,
        None when the dispenser still does not answer."""
        assert self.bus is not None
        try:
            progress = await self.bus.read_progress(lane.dispenser, lane.nozzle)
        except BusError:
            return None
        state = progress.state
        if state in (
            proto.NozzleState.AUTHORIZED,
            proto.NozzleState.FILLING,
            proto.NozzleState.FINISHED,  # filled and ended already: its transaction is on its way
            proto.NozzleState.STOPPED,
        ):
            return True
        if state in (proto.NozzleState.NOZZLE_LIFTED, proto.NozzleState.IDLE):
            return False
        return None  # FAULT hides whether a fill ran: wait until it is cleared

    async def _resolve_authorize(self, lane: Lane, seq: FuelingSequence) -> None:
        """Ask the dispenser until it says whether the unanswered authorize was carried out."""
        while not self._stopping and lane.sequence is seq and lane.authorize_unknown:
            if seq.step is not Step.FILLING:  # its transaction arrived and was recorded: it was authorized
                break
            carried_out = await self._authorized_at_dispenser(lane)
            recording = any(a == lane.dispenser and not t.done() for (a, _), t in self._recording.items())
            if carried_out is True:
                break
            if carried_out is False and not recording and seq.step is Step.FILLING:
                # Not authorized after all (no fill, nothing unacknowledged): give everything back.
                lane.authorize_unknown = False
                if self.actor is not None:
                    with contextlib.suppress(CoreRefused):
                        await self._db(self.ledger.drop_lane_authorization, self.actor, seq.sequence_id)
                    seq.hold_id = None
                with contextlib.suppress(SequenceRefused):
                    seq.abort(AbortReason.DISPENSER_FAULT, "authorize not carried out")
                lane.sequence = None
                self._card_levels.pop(lane.key, None)
                self.notice("authorize.not_carried_out", "warning", lane=f"{lane.dispenser}/{lane.nozzle}")
                self.emit(LaneChanged(lane.key))
                return
            await asyncio.sleep(0.5)
        if lane.authorize_unknown:
            lane.authorize_unknown = False
            self.notice("authorize.confirmed", lane=f"{lane.dispenser}/{lane.nozzle}")
            self.emit(LaneChanged(lane.key))

    # ------------------------------------------------------------------ after a restart

    async def _resume_loop(self) -> None:
        """Until every authorization the ledger holds is resumed or proven unserved, ask again."""
        while not self._stopping:
            try:
                if await self.resume_authorizations() == 0:
                    return
            except asyncio.CancelledError:
                raise
            except Exception:  # the read-back must keep trying whatever one round met
                log.exception("resuming authorizations failed")
            await asyncio.sleep(min(self.sweep_interval, 1.0))

    async def resume_authorizations(self) -> int:
        """One round of the start-up read-back; returns how many authorizations are still undecided.

        Each live authorization is read back at its nozzle: authorized or filling, the sequence comes back
        at filling; finished, it comes back there and its transaction (recorded by poll or sweep) moves it
        on; nothing there and nothing unacknowledged, the fill never happened, so the authorization is
        dropped and its hold given back. A recorded authorization whose fill is unpaid brings its sequence
        back at disconnect, so the attendant settles it where it stopped."""
        undecided = 0
        for auth in await self._db(self.ledger.authorizations_to_resume):
            lane = self.lanes.get((auth.dispenser, auth.nozzle))
            if lane is None:
                continue
            seq = lane.sequence
            if seq is not None and seq.sequence_id == auth.sequence_id:
                if auth.fill_id is not None and seq.step is Step.FILLING:
                    seq.fill_ended(auth.fill_id, "recorded_while_away")  # recorded before it was resumed
                    await self._reload_unpaid(lane)
                elif seq.step is Step.FILLING:
                    undecided += 1  # its transaction is still to come
                continue
            if seq is not None and not seq.finished:
                continue  # a newer sequence owns the nozzle; authorize will drop this one
            if auth.fill_id is not None:
                if not lane.leak_locked:  # a leak ended that sequence: its fill is settled with S, not resumed
                    self._resume(lane, auth, Step.DISCONNECT)
                continue
            state = await self._nozzle_state_now(lane)
            if state in (proto.NozzleState.AUTHORIZED, proto.NozzleState.FILLING):
                self._resume(lane, auth, Step.FILLING)
                undecided += 1  # until its transaction is recorded
            elif state in (proto.NozzleState.FINISHED, proto.NozzleState.STOPPED):
                self._resume(lane, auth, Step.FILLING)
                self._tasks.append(asyncio.create_task(self.sweep_unacknowledged()))
                undecided += 1
            elif state in (proto.NozzleState.IDLE, proto.NozzleState.NOZZLE_LIFTED) and await self._none_unacknowledged(
                lane.dispenser
            ):
                if await self._db(self.ledger.drop_unserved_authorization, auth.sequence_id, state.name.lower()):
                    self.notice("authorize.dropped_at_start", "warning", lane=f"{lane.dispenser}/{lane.nozzle}")
                    await self._reload_unpaid(lane)
            else:
                undecided += 1  # not answering, in fault, or a transaction still to record: ask again
        return undecided

    def _resume(self, lane: Lane, auth: ResumableAuthorization, at: Step) -> None:
        seq = self._new_sequence(
            lane,
            auth.attendant_id or 0,
            sequence_id=auth.sequence_id,
            payment=PaymentKind.CARD if auth.card_number else PaymentKind.CASH,
            card_number=auth.card_number,
            plate=auth.plate,
            hold_id=auth.hold_id,
            hold_fen=auth.hold_fen,
        )
        seq.resume(at, auth.fill_id)
        self.notice(f"sequence.resumed.{at.value}", "warning", lane=f"{lane.dispenser}/{lane.nozzle}")
        self.emit(LaneChanged(lane.key))

    async def _nozzle_state_now(self, lane: Lane) -> proto.NozzleState | None:
        if self.bus is None or self.link_refusal() is not None:
            return None
        try:
            return (await self.bus.read_progress(lane.dispenser, lane.nozzle)).state
        except BusError:
            return None

    async def _none_unacknowledged(self, address: int) -> bool:
        """Read after the nozzle's state: no transaction is waiting, so none can belong to the authorization."""
        assert self.bus is not None
        try:
            waiting = (await self.bus.read_unacknowledged(address)).numbers
        except BusError:
            return False
        if waiting:
            self._tasks.append(asyncio.create_task(self.sweep_unacknowledged()))
        return not waiting

    async def emergency_stop(self, key: tuple[int, int] | None = None) -> None:
        """One key stops at once: the given nozzle, or (F9) every nozzle of every dispenser.

        The stop frames go out before any database work and ahead of every other request on the bus; the
        incident is recorded afterwards, off the loop. A stop that cannot reach a dispenser is said loudly.
        """
        if self.bus is None:
            raise CoreRefused("dispenser_offline", detail="no dispenser configured")
        if key is not None:
            orders = [(self.lanes[key].dispenser, self.lanes[key].nozzle)]
        else:  # nozzle 0: all of the dispenser's nozzles, also one authorized a moment ago
            orders = [(address, 0) for address in sorted({lane.dispenser for lane in self.lanes.values()})]
        # One attempt to every dispenser first, so a dispenser that does not answer holds up no other.
        failed: dict[tuple[int, int], BusError] = {}
        for order in orders:
            try:
                await self.bus.stop(*order, retries=0)
            except BusError as exc:
                failed[order] = exc
        for order, first in list(failed.items()):
            if isinstance(first, LinkDownError):
                continue
            try:
                await self.bus.stop(*order)
                del failed[order]
            except BusError as exc:
                failed[order] = exc
        for address, nozzle in orders:
            lane_label = f"{address}/{nozzle}" if nozzle else f"{address}/*"
            if (address, nozzle) in failed:
                log.error("emergency stop of %s failed: %s", lane_label, failed[(address, nozzle)])
                if isinstance(failed[(address, nozzle)], LinkDownError):
                    self.notice("estop.failed_link", "error", lane=lane_label, port=self.bus.url)
                else:
                    self.notice("estop.failed", "error", lane=lane_label)
            else:
                self.notice("estop.done", "warning", lane=lane_label)
                for lane in self.lanes.values():
                    if lane.dispenser == address and nozzle in (0, lane.nozzle) and self._in_use(lane):
                        lane.estopped = True
                        self.emit(LaneChanged(lane.key))
        with contextlib.suppress(Exception):
            await self._db(
                self.ledger.record_incident,
                self.actor,
                "emergency_stop",
                lanes=[f"{d}/{n}" if n else f"{d}/*" for d, n in orders],
                failed=[f"{d}/{n}" if n else f"{d}/*" for d, n in failed],
            )

    # ------------------------------------------------------------------ step 9–11

    async def confirm_disconnect_item(self, key: tuple[int, int]) -> str:
        return self._step(key, lambda s: s.confirm_disconnect_item())

    def _fill_for(self, key: tuple[int, int]) -> FillView | None:
        seq = self.lanes[key].sequence
        lane = self.lanes[key]
        if seq is not None and seq.fill_id is not None:
            for fill in lane.unpaid:
                if fill.id == seq.fill_id:
                    return fill
        return lane.unpaid[0] if lane.unpaid else None

    def _receipt(self, fill: FillView, receipt_no: int, payment: CashPayment | CardPayment) -> FillReceipt:
        product = next((p for p in self.settings.products if p.code == fill.product_code), None)
        return FillReceipt(
            station_name=self.settings.station.name,
            station_code=self.settings.station.code,
            receipt_no=f"{receipt_no:08d}",
            time=(fill.settled_at or self.ledger.now()).astimezone(self.settings.station.zone),
            attendant=self.actor.name if self.actor else "",
            dispenser=fill.dispenser,
            nozzle=fill.nozzle,
            transaction_no=fill.transaction_number,
            product=product.name if product else fill.product_code,
            product_en=product.name_en if product else fill.product_code,
            unit_price_fen=fill.unit_price_fen,
            quantity_centi=fill.quantity_centi,
            unit="Nm3" if fill.unit == "Nm3" else "kg",
            amount_fen=fill.amount_fen,
            payment=payment,
            plate=fill.plate,
            language=self.settings.station.receipt_language,
        )

    async def _print(self, receipt: FillReceipt) -> tuple[list[str], PrintOutcome | None]:
        lines = render(receipt, self.language)
        if self.print_queue is None:
            return lines, None
        try:
            outcome = await self.print_queue.submit_async(receipt, self.language)
        except Exception as exc:  # the sale is committed whatever the printer does
            log.exception("print failed")
            outcome = PrintOutcome("", False, str(exc))
        else:
            # The spool has it now (printed or queued for paper): the ledger's job is handed over.
            with contextlib.suppress(Exception):
                await self._db(self.ledger.mark_receipt_spooled, int(receipt.receipt_no))
        if not outcome.printed:
            self.notice("settle.print_queued", "warning", error=outcome.error or "")
        return lines, outcome

    def _settle_ms(self, key: tuple[int, int]) -> int | None:
        seq = self.lanes[key].sequence
        if seq is None or seq.settle_timer.started is None:
            return None
        return seq.settle_timer.elapsed_ms(self.monotonic())

    def _finish_settle(self, key: tuple[int, int], detail: str) -> None:
        seq = self.lanes[key].sequence
        if seq is not None and seq.step is Step.SETTLE:
            seq.settled(detail)

    async def settle_cash(self, key: tuple[int, int], tendered_fen: int) -> SettleResult:
        actor = self._need_actor()
        lane = self.lanes[key]
        await self._reload_unpaid(lane)
        fill = self._fill_for(key)
        seq = lane.sequence
        if seq is not None and not seq.finished and seq.step is not Step.SETTLE:
            raise CoreRefused("step_out_of_order")
        if fill is None:
            raise CoreRefused("fill_already_settled")
        if seq is not None and seq.hold_id is not None and not seq.finished:
            # Card was chosen but the driver pays cash after all: give the hold back first.
            with contextlib.suppress(CoreRefused):
                await self._db(self.ledger.release_hold, actor, seq.hold_id)
            seq.hold_id = None
        sale = await self._db(
            self.ledger.settle_cash, actor, fill.id, tendered_fen, fill_end_to_commit_ms=self._settle_ms(key)
        )
        self._finish_settle(key, f"cash {sale.due_fen}/{sale.tendered_fen}/{sale.change_fen}")
        lines, outcome = await self._print(
            self._receipt(sale.fill, sale.receipt_no, CashPayment(sale.tendered_fen, sale.change_fen))
        )
        await self._reload_unpaid(lane)
        return SettleResult(sale.fill, lines, outcome, change_fen=sale.change_fen, tendered_fen=sale.tendered_fen)

    async def settle_card(
        self, key: tuple[int, int], card_number: str | None = None, pin: str | None = None
    ) -> SettleResult:
        """Complete the hold with the actual amount; a card named here (unpaid fill after a restart) needs its PIN."""
        actor = self._need_actor()
        lane = self.lanes[key]
        await self._reload_unpaid(lane)
        fill = self._fill_for(key)
        seq = lane.sequence
        if seq is not None and not seq.finished and seq.step is not Step.SETTLE:
            raise CoreRefused("step_out_of_order")
        if fill is None:
            raise CoreRefused("fill_already_settled")
        hold_id = seq.hold_id if seq is not None and not seq.finished else None
        number = seq.card_number if seq is not None and not seq.finished and seq.card_number else card_number
        if hold_id is None and fill.hold_id is not None and fill.card_number and number in (None, fill.card_number):
            # Recovered after a restart: the card's PIN was checked when its hold was placed for this fill.
            number, hold_id = fill.card_number, fill.hold_id
        if not number:
            raise CoreRefused("card_number_invalid")
        if hold_id is None:
            if pin is None:
                raise CoreRefused("pin_format")
            await self._db(self.ledger.verify_card_pin, number, pin)
        sale = await self._db(
            self.ledger.settle_card, actor, fill.id, number, hold_id=hold_id, fill_end_to_commit_ms=self._settle_ms(key)
        )
        self._finish_settle(key, f"card {sale.fill.amount_fen}")
        lines, outcome = await self._print(
            self._receipt(
                sale.fill, sale.receipt_no, CardPayment(sale.card.number, sale.card.balance_fen, sale.low_balance)
            )
        )
        await self._reload_unpaid(lane)
        return SettleResult(sale.fill, lines, outcome, balance_fen=sale.card.balance_fen, low_balance=sale.low_balance)

    async def farewell(self, key: tuple[int, int]) -> None:
        self._step(key, lambda s: s.farewell())
        await self._steps.flushed()  # the sequence is over only once its steps are in the ledger
        self.lanes[key].sequence = None
        self._card_levels.pop(key, None)
        self.emit(LaneChanged(key))

    async def abort(self, key: tuple[int, int], reason: AbortReason, note: str = "") -> None:
        actor = self._need_actor()
        lane = self.lanes[key]
        seq = self._sequence(key)
        if seq.step is Step.FILLING and self.bus is not None:
            with contextlib.suppress(BusError):
                await self.bus.stop(lane.dispenser, lane.nozzle)
        if seq.step is Step.FILLING:
            # Stopped mid-fill: whatever flowed arrives as a transaction and is settled, not aborted.
            raise CoreRefused("fill_must_be_settled")
        self._step(key, lambda s: s.abort(reason, note))
        if seq.hold_id is not None:
            with contextlib.suppress(CoreRefused):
                await self._db(self.ledger.release_hold, actor, seq.hold_id)
        if reason is AbortReason.LEAK:
            # A leak found at step 6: the incident and the nozzle's lock in one transaction.
            lane.leak_locked_since, lane.leak_lock_cause = lane.leak_locked_since or self.ledger.now(), "abort"
            lock, _new = await self._db(self.locks.lock_for_leak, actor, *key, "abort", note=note)
            lane.take_lock(lock)
            self.notice("leak.found_locked", "error", lane=f"{key[0]}/{key[1]}")
        elif reason in (AbortReason.SAFETY_REFUSED, AbortReason.EMERGENCY_STOP):
            await self._db(self.ledger.record_incident, actor, reason.value, lane=f"{key[0]}/{key[1]}", note=note)
        lane.sequence = None
        self._card_levels.pop(key, None)
        self.emit(LaneChanged(key))

    async def clear_leak_lock(self, key: tuple[int, int], manager_number: str, manager_pin: str, note: str) -> None:
        """A manager checked the nozzle after a leak and frees it, with a note of what was checked; audited."""
        lane = self.lanes[key]
        if not note.strip():
            raise CoreRefused("lock_note_required")
        manager = await self.manager(manager_number, manager_pin)
        try:
            await self._db(self.locks.clear, manager, lane.dispenser, lane.nozzle, note)
        except CoreRefused as exc:
            if exc.code != "nozzle_not_locked" or not lane.leak_locked:
                raise
            # Locked here only (its write failed, e.g. disk full): nothing in the ledger to clear.
            log.warning("leak lock of %s/%s was never written; cleared here only", *key)
        lane.leak_locked_since, lane.leak_lock_cause = None, ""
        self.notice("leak.cleared", lane=f"{lane.dispenser}/{lane.nozzle}")
        self.emit(LaneChanged(key))

    async def clear_unpaid(self, key: tuple[int, int], manager_number: str, manager_pin: str, reason: str) -> None:
        manager = await self.manager(manager_number, manager_pin)
        lane = self.lanes[key]
        for fill in list(lane.unpaid):
            await self._db(self.ledger.clear_unpaid_fill, manager, fill.id, reason)
        await self._reload_unpaid(lane)

    # ------------------------------------------------------------------ device events

    def _on_bus_event(self, event: BusEvent) -> None:
        if self._stopping:
            return
        if isinstance(event, TransactionCompleted):
            self._record_once(event)
            return
        if isinstance(event, NozzleStateChanged):
            lane = self.lanes.get((event.address, event.nozzle))
            if lane is None:
                return
            lane.state = event.new
            lane.link_up = True
            if event.pressure:
                lane.pressure = event.pressure
            if event.new is proto.NozzleState.FILLING and lane.sequence is not None:
                lane.sequence.gas_flowing()
            if event.new is proto.NozzleState.NOZZLE_LIFTED and event.old in (None, proto.NozzleState.IDLE):
                # A new lift starts from zero; after a fill the last figures stay on show until the next one.
                lane.quantity = lane.amount = lane.flow = 0
            if event.new is proto.NozzleState.IDLE:
                lane.alarm = ""
            self.emit(LaneChanged(lane.key))
        elif isinstance(event, FillProgress):
            lane = self.lanes.get((event.address, event.nozzle))
            if lane is None:
                return
            lane.quantity, lane.amount, lane.pressure, lane.flow = (
                event.quantity,
                event.amount,
                event.pressure,
                event.flow,
            )
            if event.quantity > 0 and lane.sequence is not None:
                lane.sequence.gas_flowing()
            self.emit(LaneChanged(lane.key))
        elif isinstance(event, AlarmRaised):
            lane = self.lanes.get((event.address, event.nozzle))
            label = f"{event.address}/{event.nozzle}"
            if event.kind & proto.AlarmKind.LEAK and lane is not None:
                self._leak_alarm(lane)
                return
            if event.kind & proto.AlarmKind.LEAK:
                self.notice("leak.alarm", "error", lane=label)
            else:
                self.notice("alarm", "error", lane=label, kind=event.kind.name or str(int(event.kind)))
            if lane is not None:
                lane.alarm = event.kind.name or "alarm"
                self.emit(LaneChanged(lane.key))
            self._tasks.append(asyncio.create_task(self._incident(label, event.kind.name or "alarm")))
        elif isinstance(event, LinkUp | LinkDown):
            up = isinstance(event, LinkUp)
            for lane in self.lanes.values():
                lane.link_up = up
                self.emit(LaneChanged(lane.key))
            if isinstance(event, LinkDown):
                # the port and what is wrong with it: the attendant can tell a technician something useful
                self.notice(f"err.link_{event.cause}", "error", port=event.url, detail=event.reason)
            else:
                self.notice("device.link_up")

    def _leak_alarm(self, lane: Lane) -> None:
        """A leak at a nozzle: it is locked and its sequence ends here, before anything else can run on it.

        The dispenser stops itself; a stop is sent anyway. Gas that already flowed still arrives as the
        dispenser's transaction and is recorded as an unpaid fill (its card hold kept for it by the lane
        authorization), to be settled later; the lock and its incident are written off the loop.
        """
        lane.alarm = "LEAK"  # as the bus names it (AlarmKind.LEAK); the tile says it in words
        lane.leak_locked_since = lane.leak_locked_since or self.ledger.now()
        lane.leak_lock_cause = lane.leak_lock_cause or "alarm"
        seq = lane.sequence
        stopped_at = seq.step if seq is not None else None
        if seq is not None and seq.stop_for_leak():
            self._card_levels.pop(lane.key, None)
        self.notice("leak.locked", "error", lane=f"{lane.dispenser}/{lane.nozzle}")
        self.emit(LaneChanged(lane.key))
        self._tasks.append(asyncio.create_task(self._leak_stop(lane, seq, stopped_at)))

    async def _leak_stop(self, lane: Lane, seq: FuelingSequence | None, stopped_at: Step | None) -> None:
        if self.bus is not None:
            with contextlib.suppress(BusError):
                await self.bus.stop(lane.dispenser, lane.nozzle)
        actor = self.actor
        detail: dict[str, Any] = {"alarm": "LEAK"}
        if seq is not None and stopped_at is not None:
            detail.update(sequence=seq.sequence_id, step=stopped_at.value)
        try:
            lock, _new = await self._db(self.locks.lock_for_leak, actor, lane.dispenser, lane.nozzle, "alarm", **detail)
        except CoreRefused as exc:
            # The lock stays set here until a restart; the attendant is told the ledger did not take it.
            log.error("leak lock of %s/%s not written: %s", lane.dispenser, lane.nozzle, exc.code)
            self.notice("leak.lock_unwritten", "error", lane=f"{lane.dispenser}/{lane.nozzle}")
            return
        lane.take_lock(lock)
        self.emit(LaneChanged(lane.key))

    async def _incident(self, lane: str, what: str) -> None:
        with contextlib.suppress(Exception):
            await self._db(self.ledger.record_incident, self.actor, f"alarm:{what}", lane=lane)

    async def _record_transaction(self, event: TransactionCompleted) -> None:
        """Record the dispenser's transaction in the ledger, then acknowledge it: never the other way round."""
        txn = event.transaction
        key = (event.address, txn.nozzle)
        lane = self.lanes.get(key)
        product = lane.product if lane else self.settings.products[0].code
        seq = lane.sequence if lane else None
        # A fill a leak stopped is still this sequence's: its attendant, plate and card go on the unpaid fill.
        in_fill = seq is not None and (seq.step is Step.FILLING or seq.leak_fill_pending)
        record = FillRecord(
            dispenser=event.address,
            nozzle=txn.nozzle,
            transaction_number=txn.number,
            product_code=product,
            unit="Nm3" if txn.unit is proto.SaleUnit.NM3 else "kg",
            unit_price_fen=txn.unit_price,
            quantity_centi=txn.quantity,
            dispenser_amount_fen=txn.amount,
            started_at=dt.datetime.fromtimestamp(txn.start_time, dt.UTC),
            ended_at=dt.datetime.fromtimestamp(txn.end_time, dt.UTC),
            pressure_before_centi_mpa=txn.pressure_before,
            pressure_after_centi_mpa=txn.pressure_after,
            totalizer_before_centi=txn.totalizer_before,
            totalizer_after_centi=txn.totalizer_after,
            stop_reason=txn.stop_reason.name.lower(),
        )
        engine_ms = None
        if in_fill and seq is not None:
            if txn.quantity:
                seq.gas_flowing()
            engine_ms = seq.engine_timer.elapsed_ms(self.monotonic())
        try:
            fill = await self._db(
                self.ledger.record_fill,
                record,
                attendant=self.actor if in_fill else None,
                plate=seq.plate if in_fill and seq else "",
                engine_off_to_flow_ms=engine_ms,
                card_number=seq.card_number if in_fill and seq else None,
            )
        except Exception:
            log.exception("could not record transaction %s/%s/%s", event.address, txn.nozzle, txn.number)
            return  # not acknowledged: the dispenser keeps it and the next poll offers it again
        if self.bus is not None:
            try:
                await self.bus.acknowledge(event.address, txn.number)
            except BusError:
                log.warning(
                    "ack of %s/%s failed; it will be offered again and recorded once", event.address, txn.number
                )
        if lane is not None:
            # The unpaid fill is on the lane before the sequence moves on, so the screen never sees a gap.
            await self._reload_unpaid(lane)
            self.notice(
                "fill.recorded",
                lane=f"{lane.dispenser}/{lane.nozzle}",
                qty=format_centi(fill.quantity_centi),
                unit=fill.unit,
                amount=format_yuan(fill.amount_fen),
            )
        if in_fill and seq is not None:
            seq.fill_ended(fill.id, record.stop_reason)
            if fill.status is FillStatus.PAID and seq.hold_id is not None and self.actor is not None:
                # Nothing flowed: give the hold back now; settling a zero fill has nothing to charge.
                with contextlib.suppress(CoreRefused):
                    await self._db(self.ledger.release_hold, self.actor, seq.hold_id)
                seq.hold_id = None
            with contextlib.suppress(Exception):
                await self._db(self.ledger.link_steps_to_fill, seq.sequence_id, fill.id)
            if lane is not None:
                self.emit(LaneChanged(lane.key))

    def _record_once(self, event: TransactionCompleted) -> asyncio.Task[None]:
        """Record (then acknowledge) a transaction unless it is being recorded already; the task doing it."""
        key = (event.address, event.transaction.number)
        running = self._recording.get(key)
        if running is not None and not running.done():
            return running
        task = asyncio.create_task(self._record_transaction(event))
        self._recording[key] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._recording.get(key) is done:
                del self._recording[key]

        task.add_done_callback(forget)
        self._tasks.append(task)
        return task

    async def _sweep_loop(self) -> None:
        """While running, re-read what each dispenser still holds unacknowledged and see it recorded and acknowledged.

        The poll offers each transaction once per run; an acknowledgement lost on the wire, or a record that
        failed (disk full), would otherwise block the nozzle (UNACKED_PENDING) until a restart."""
        while not self._stopping:
            await asyncio.sleep(self.sweep_interval)
            try:
                await self.sweep_unacknowledged()
            except asyncio.CancelledError:
                raise
            except Exception:  # the sweep must keep running whatever one round met
                log.exception("unacknowledged-transaction sweep failed")

    async def sweep_unacknowledged(self) -> None:
        """One round: every transaction a dispenser still holds is recorded (idempotently) and acknowledged."""
        if self.bus is None or self.link_refusal() is not None:
            return
        for address in sorted({lane.dispenser for lane in self.lanes.values()}):
            try:
                unacked = await self.bus.read_unacknowledged(address)
            except BusError:
                continue  # not answering now: the next round asks again
            for number in unacked.numbers:
                running = self._recording.get((address, number))
                if running is not None and not running.done():
                    continue  # the poll's record of it is under way
                try:
                    txn = await self.bus.read_transaction(address, number)
                except BusError:
                    break
                if txn.acknowledged:
                    continue
                if await self._db(self.ledger.fill_recorded, address, txn.nozzle, txn.number):
                    # Recorded, but the acknowledgement was lost: send it again (idempotent at the dispenser).
                    with contextlib.suppress(BusError):
                        await self.bus.acknowledge(address, txn.number)
                    continue
                await self._record_once(TransactionCompleted(address, txn))
                told = (address, txn.number)
                if told not in self._unrecorded_told and not await self._db(
                    self.ledger.fill_recorded, address, txn.nozzle, txn.number
                ):
                    # Still not in the ledger (disk full…): the attendant hears it once; the sweep keeps trying.
                    self._unrecorded_told.add(told)
                    self.notice("fill.unrecorded", "error", lane=f"{address}/{txn.nozzle}", number=txn.number)

    async def _push_prices_when_up(self) -> None:
        assert self.bus is not None
        if not await self.bus.wait_connected(timeout=None):
            return
        dispensers = sorted({lane.dispenser for lane in self.lanes.values()})
        for address in dispensers:
            prices = {}
            for lane in self.lanes.values():
                if lane.dispenser == address:
                    prices[lane.nozzle] = await self._db(self.ledger.unit_price, lane.product, 0)
            with contextlib.suppress(BusError):
                await self.bus.set_prices(address, prices)

    async def _reader_loop(self) -> None:
        assert self.reader is not None
        async for event in self.reader.events():
            if isinstance(event, CardPresented):
                if self.actor is None:
                    try:
                        self.actor = await self._db(self.ledger.authenticate_staff_card, event.uid_hex)
                        self.emit(StaffCardLogin(self.actor))
                        continue
                    except CoreRefused:
                        pass
                self.emit(CardRead(event.uid_hex))
            elif isinstance(event, ReaderDown):
                self.notice("device.reader_down", "warning")
            elif isinstance(event, ReaderUp):
                self.notice("device.reader_up")

    async def _spool_committed_receipts(self) -> None:
        """Receipts of sales committed before a kill, that never reached the spool: spool them now."""
        for job in await self._db(self.ledger.unspooled_receipts):
            d = job.detail
            payment: CashPayment | CardPayment
            if job.payment == "card":
                payment = CardPayment(str(d["card_number"]), int(d["balance_fen"]), bool(d["low_balance"]))
            else:
                payment = CashPayment(int(d["tendered_fen"]), int(d["change_fen"]))
            _lines, outcome = await self._print(self._receipt(job.fill, job.receipt_no, payment))
            if outcome is not None and not outcome.job_id:
                return  # the spool itself failed; try again on the next start

    async def _drain_print_queue(self) -> None:
        assert self.print_queue is not None
        with contextlib.suppress(Exception):
            await self._spool_committed_receipts()
        while True:
            await asyncio.sleep(5)
            if self.print_queue.pending():
                with contextlib.suppress(Exception):
                    await self.print_queue.drain_async()
