"""The core's shared part: what every piece of :class:`~station.core.station.StationCore` uses.

:class:`CoreBase` holds the attributes (ledger, settings, devices, lanes, the step log, the tasks), the event
stream, the way to the ledger off the loop (``_db``) and to a dispenser (``_device``), the attendant's login,
and the lane and sequence helpers. Each other module of the core is a mixin on it (steps, authorize, safety,
settle, recovery, device_events); :mod:`station.core.station` assembles them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from station.config import Settings
from station.core.hq_sync import HqSync
from station.core.invoices import receipt_qr
from station.core.lanes import CoreEvent, CoreRefused, Lane, LaneChanged, Notice, NozzleState
from station.core.mobile_pay import MobilePay
from station.core.sequence import FuelingSequence, SequenceRefused, StepEvent
from station.core.steplog import StepLog
from station.devices.code_scanner import CodeScanner
from station.devices.customer_display import CustomerDisplayLike, NullCustomerDisplay
from station.devices.dispenser_bus import BusError, DeviceRejected, DispenserBus, TransactionCompleted
from station.devices.pn532_reader import PN532Reader
from station.devices.printer import PrintQueue
from station.devices.rating_pad import NullRatingPad, RatingPadLike
from station.i18n import Language, error_text
from station.ledger.errors import LedgerError
from station.ledger.locks import NozzleLocks
from station.ledger.models import CardType
from station.ledger.sequence_log import StepRow
from station.ledger.services import Ledger
from station.ledger.staff import Actor

log = logging.getLogger(__name__)
T = TypeVar("T")


class CoreBase:
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
        display: CustomerDisplayLike | None = None,
        rating_pad: RatingPadLike | None = None,
        code_scanner: CodeScanner | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        language: Language | None = None,
        managers_only: bool = False,
    ) -> None:
        self.ledger = ledger
        # The desk served to a browser (``station desk serve``) lets only a manager log in: checked here, so no
        # screen can let an attendant past it.
        self.managers_only = managers_only
        self.settings = settings
        self.bus = bus
        self.reader = reader
        # The customer card lying on the reader now (its UID), or None: a screen opened after the card was put
        # down (Esc and back in at the card step, the card desk) reads it without lifting it again.
        self.card_on_reader: str | None = None
        self.print_queue = print_queue
        if print_queue is not None:  # every sale's and recharge's receipt carries its invoice link as a QR
            print_queue.qr_for = receipt_qr(ledger, settings)
        # The customer display (客显) faces the driver of the lane the attendant serves; absent: shows nothing.
        self.display: CustomerDisplayLike = display if display is not None else NullCustomerDisplay()
        # The rating pad (服务评价器) at the kiosk window; absent: nobody is asked.
        self.rating_pad: RatingPadLike = rating_pad if rating_pad is not None else NullRatingPad()
        self.code_scanner = code_scanner
        self._served: tuple[int, int] | None = None
        self._showing: set[asyncio.Task[None]] = set()
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
        self._steps = StepLog()
        # Receipts the spool has that the ledger has not been told of yet: told with the sequence's finish write
        # (a restart that finds one unmarked checks the spool before printing it again).
        self._spooled: list[int] = []
        # Set once the scan-to-pay orders a crash left open were asked about: a sale booked by that round is
        # printed by the start-up spool of committed receipts, which waits for it.
        self._payments_recovered = asyncio.Event()
        self._payment_recovery: asyncio.Task[None] | None = None
        self.locks = NozzleLocks(ledger)
        # Transactions being recorded now, by (dispenser, number): the poll and the sweep never record one twice.
        self._recording: dict[tuple[int, int], asyncio.Task[None]] = {}
        self._unrecorded_told: set[tuple[int, int]] = set()
        self.mobile_pay: MobilePay | None = None  # scan-to-pay, built at start() from [payments]
        self.hq_sync: HqSync | None = None  # the outbox pushed to head office, built at start() from [hq]

    if TYPE_CHECKING:  # defined by the mixins StationCore assembles; declared here for the ones that call them

        async def sweep_unacknowledged(self) -> None: ...

        def _record_once(self, event: TransactionCompleted) -> asyncio.Task[None]: ...

        def _leak_alarm(self, lane: Lane) -> None: ...

        def _dispenser_saw(self, lane: Lane) -> None: ...

        async def _read_residual(self, lane: Lane) -> None: ...

        async def _incident(self, lane: str, what: str) -> None: ...

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

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a ledger call off the event loop; ledger refusals become CoreRefused."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except LedgerError as exc:
            raise CoreRefused(exc.code, **exc.params) from exc
        except (SQLAlchemyError, OSError) as exc:
            # The database itself failed (locked too long, disk, a damaged file): logged without locals, and
            # the screen says so in the attendant's language. No chained traceback: its frames hold PINs.
            log.error("ledger call %s failed", getattr(fn, "__name__", "?"), exc_info=exc)
            raise CoreRefused("ledger_unavailable") from None

    async def _db_with_steps(self, seq: FuelingSequence, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A durable event of the sequence: its buffered steps (and those of ended sequences) are committed in
        the event's own transaction (``steps=``); if the call fails they go back to the log for the next one."""
        rows = self._steps.take(seq.sequence_id, self._live_sequence)
        try:
            return await self._db(fn, *args, steps=rows, **kwargs)
        except asyncio.CancelledError:
            raise  # the call may still commit in its thread: never write its steps twice
        except BaseException:
            self._steps.put_back(rows)
            raise

    def _live_sequence(self, sequence_id: str) -> bool:
        return any(
            lane.sequence is not None and lane.sequence.sequence_id == sequence_id and not lane.sequence.finished
            for lane in self.lanes.values()
        )

    async def flush_steps(self) -> None:
        """Write every buffered step now, in one transaction off the loop (the core's stop; a look at the log)."""
        rows = self._steps.take_all()
        if not rows:
            return
        try:
            await self._db(self.ledger.record_steps, steps=rows)
        except CoreRefused:
            self._steps.put_back(rows)
            raise

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
        actor = await self._db(self.ledger.authenticate, number, pin)
        if self.managers_only and not actor.is_manager:
            raise CoreRefused("desk_managers_only")
        self.actor = actor
        return actor

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
        """Keep the step for the sequence's next durable event (see steplog): the loop, and F9 on it, never
        waits on the database for a step."""
        seq = lane.sequence
        if seq is None:
            return
        self._steps.append(
            StepRow(
                sequence_id=seq.sequence_id,
                dispenser=lane.dispenser,
                nozzle=lane.nozzle,
                step=event.step.value,
                item=event.item,
                attendant_id=self.actor.id if self.actor else None,
                detail=event.detail,
                at=self.ledger.now(),  # when it happened, not when it is written
                fill_id=seq.fill_id,
            )
        )

    @staticmethod
    def _in_use(lane: Lane) -> bool:
        """A sequence under way, or the nozzle out of its holder, authorized or delivering."""
        active = (NozzleState.NOZZLE_LIFTED, NozzleState.AUTHORIZED, NozzleState.FILLING)
        return (lane.sequence is not None and not lane.sequence.finished) or lane.state in active

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

    def _show(self, picture: Coroutine[Any, Any, None]) -> None:
        """Put a picture on the customer display from a device event (not a coroutine): the driver only takes
        note of it and returns, and never raises."""
        task = asyncio.get_running_loop().create_task(picture)
        self._showing.add(task)
        task.add_done_callback(self._showing.discard)

    def _step(self, key: tuple[int, int], action: Callable[[FuelingSequence], T]) -> T:
        self._need_actor()
        seq = self._sequence(key)
        try:
            result = action(seq)
        except SequenceRefused as exc:
            raise CoreRefused(exc.code, **exc.params) from exc
        self._served = key  # the display follows the lane the attendant last acted on
        self.emit(LaneChanged(key))
        return result
