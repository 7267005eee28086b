"""Dispenser bus simulator: several CNG dispensers (and optionally an unloading post) on one bus.

It speaks protocol v1.0 (``docs/protocols/dispenser.md``) byte for byte on a pty or a TCP port, has simple
physics (flow, cylinder pressure rising to the cut-off), keeps totalizers, the transaction counter and
unacknowledged transactions in a JSON state file (so restarts can be tested), and injects faults: CRC
errors, dropped, delayed and garbage-prefixed replies, disconnects, leak alarms mid-fill.

Floats are used for the physics only; everything on the wire and in the state file is an integer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import random
import tempfile
import time
import tty
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from station.devices.dispenser_protocol import (
    MAX_UNACKED_LISTED,
    PROTOCOL_MAJOR,
    PROTOCOL_MINOR,
    AlarmKind,
    AlarmTable,
    AuthorizeReply,
    AuthorizeRequest,
    Command,
    DeviceIdentity,
    DeviceKind,
    DispenserStatus,
    Frame,
    FrameDecoder,
    NakCode,
    NozzleRef,
    NozzleState,
    NozzleStatus,
    PayloadError,
    PayloadLengthError,
    Preset,
    PresetKind,
    PriceTable,
    Progress,
    SaleUnit,
    StopReason,
    Totalizers,
    TotalizerTable,
    Transaction,
    TransactionNumber,
    UnackedList,
    UnloadRecord,
    UnloadState,
    UnloadStatus,
    encode_frame,
    expect_empty,
    nak_frame,
    reply_frame,
)
from station.money import amount_for, quantity_for_amount

log = logging.getLogger(__name__)

STATE_VERSION = 1
TICK_SECONDS = 0.05  # physics step in real time
DUPLICATE_WINDOW = 2.0  # seconds a cached reply answers a retried request (same seq, cmd, payload)
KEEP_ACKED = 100  # acknowledged transactions kept for READ_TRANSACTION after the ack
MAX_UNACKED = 64
AUTHORIZE_TO_FLOW_SECONDS = 0.5  # valve opening; divided by speed

_ABNORMAL = {
    StopReason.MANUAL_STOP,
    StopReason.LEAK_ALARM,
    StopReason.NOZZLE_HUNG_UP,
    StopReason.FAULT,
    StopReason.POWER_FAIL,
}


class SimulatorError(Exception):
    """A control command or API call the simulator cannot carry out (unknown dispenser, bad value)."""


# ------------------------------------------------------------------------------------------- devices


@dataclass
class _Fill:
    preset: Preset
    unit_price: int
    start_time: int
    pressure_before: int
    totalizer_before: int
    authorized_at: float
    target: int | None  # centi-units, None for fill-up
    flowing: bool = False
    dispensed_kg: float = 0.0
    quantity: int = 0
    leak_at: int | None = None  # inject a leak when the quantity reaches this


@dataclass
class _Nozzle:
    number: int
    price: int = 450
    lifted: bool = False
    alarms: AlarmKind = AlarmKind.NONE
    totalizer_quantity: int = 0
    totalizer_amount: int = 0
    cylinder_kg: float = 0.0  # gas in the connected cylinder
    capacity_kg: float = 15.0  # gas at the cut-off pressure
    fill: _Fill | None = None
    flow: int = 0  # 0.01 unit/min, last computed
    last: Progress | None = None  # the last fill, for READ_PROGRESS after it ended


@dataclass
class _CachedReply:
    sequence: int
    command: int
    payload: bytes
    reply: Frame
    at: float


@dataclass
class SimDispenser:
    address: int
    nozzles: dict[int, _Nozzle]
    unit: SaleUnit = SaleUnit.KG
    counter: int = 0
    transactions: dict[int, Transaction] = field(default_factory=dict)
    cache: _CachedReply | None = None

    def unacked(self) -> list[int]:
        return sorted(n for n, t in self.transactions.items() if not t.acknowledged)

    def pending_for(self, nozzle: int) -> Transaction | None:
        pending = [t for t in self.transactions.values() if t.nozzle == nozzle and not t.acknowledged]
        return max(pending, key=lambda t: t.number) if pending else None


@dataclass
class _Unloading:
    number: int
    start_time: int
    totalizer_before: int
    pressure_before: int
    temperature_before: int
    unloaded_kg: float = 0.0
    quantity: int = 0


@dataclass
class SimUnloadingPost:
    address: int
    unit: SaleUnit = SaleUnit.KG
    totalizer: int = 0
    counter: int = 0
    records: dict[int, UnloadRecord] = field(default_factory=dict)
    alarms: AlarmKind = AlarmKind.NONE
    trailer_kg: float = 0.0
    trailer_capacity_kg: float = 3000.0
    current: _Unloading | None = None
    last_quantity: int = 0
    flow: int = 0
    cache: _CachedReply | None = None

    def unacked(self) -> list[int]:
        return sorted(n for n, r in self.records.items() if not r.acknowledged)


# ----------------------------------------------------------------------------------------- simulator


class DispenserSimulator:
    """The whole bus. ``await start()``, connect a bus master to ``url``, ``await stop()``.

    ``transport`` is "tcp" (``url`` = ``socket://127.0.0.1:PORT``) or "pty" (``url`` = ``/dev/pts/N``).
    ``control_port``: None for no control channel, 0 for a free port.
    """

    def __init__(
        self,
        *,
        dispensers: dict[int, int] | None = None,
        unloading_post: int | None = None,
        transport: str = "tcp",
        tcp_port: int = 0,
        control_port: int | None = 0,
        state_path: str | os.PathLike[str] | None = None,
        unit: SaleUnit = SaleUnit.KG,
        speed: float = 1.0,
        flow_rate: float = 12.0,
        cutoff_mpa: float = 20.0,
        default_price: int = 450,
        crc_error_rate: float = 0.0,
        drop_rate: float = 0.0,
        delay_ms: int = 0,
        garbage_rate: float = 0.0,
        leak_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        if transport not in ("tcp", "pty"):
            raise SimulatorError("transport is tcp or pty")
        layout = dispensers if dispensers is not None else {1: 2}
        self.dispensers: dict[int, SimDispenser] = {}
        for address, count in layout.items():
            self._check_address(address)
            if not 1 <= count <= 8:
                raise SimulatorError("a dispenser has 1..8 nozzles")
            nozzles = {n: _Nozzle(n, price=default_price) for n in range(1, count + 1)}
            self.dispensers[address] = SimDispenser(address, nozzles, unit=unit)
        self.unloading: SimUnloadingPost | None = None
        if unloading_post is not None:
            self._check_address(unloading_post)
            if unloading_post in self.dispensers:
                raise SimulatorError("the unloading post needs its own address")
            self.unloading = SimUnloadingPost(unloading_post, unit=unit)
        self.transport = transport
        self.tcp_port = tcp_port
        self._control_port_wanted = control_port
        self.state_path = Path(state_path) if state_path else None
        self.unit = unit
        self.speed = speed
        self.flow_rate = flow_rate  # units per minute at full flow
        self.cutoff = round(cutoff_mpa * 100)
        self.crc_error_rate = crc_error_rate
        self.drop_rate = drop_rate
        self.delay_ms = delay_ms
        self.garbage_rate = garbage_rate
        self.leak_rate = leak_rate
        self.rng = random.Random(seed)
        self.stats: dict[str, int] = {
            "requests": 0,
            "replies": 0,
            "duplicates": 0,
            "dropped": 0,
            "crc_corrupted": 0,
            "garbage": 0,
            "delayed": 0,
        }
        self.url = ""
        self.control_port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._server: asyncio.Server | None = None
        self._control_server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._control_writers: set[asyncio.StreamWriter] = set()
        self._master: int | None = None
        self._slave: int | None = None
        self._pty_queue: asyncio.Queue[Frame] = asyncio.Queue()
        self._pty_decoder = FrameDecoder()
        self._silent_until = 0.0
        self._down = False
        self._last_save = 0.0
        self._dirty = False
        self._load_state()

    @staticmethod
    def _check_address(address: int) -> None:
        if not 1 <= address <= 247:
            raise SimulatorError(f"bus address {address} outside 1..247")

    # ------------------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.transport == "tcp":
            await self._open_tcp()
        else:
            self._open_pty()
        if self._control_port_wanted is not None:
            self._control_server = await asyncio.start_server(
                self._control_client, "127.0.0.1", self._control_port_wanted
            )
            self.control_port = self._control_server.sockets[0].getsockname()[1]
        self._tasks.append(asyncio.create_task(self._physics(), name="dispenser-sim-physics"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        # a fill still running when the simulator shuts down is recorded like a power failure
        for dispenser in self.dispensers.values():
            for nozzle in dispenser.nozzles.values():
                if nozzle.fill is not None:
                    self._end_fill(dispenser, nozzle, StopReason.POWER_FAIL)
        if self.unloading is not None and self.unloading.current is not None:
            self._end_unloading(StopReason.POWER_FAIL)
        self._save_state()
        await self._close_tcp()
        for writer in list(self._control_writers):
            writer.close()
        if self._control_server is not None:
            self._control_server.close()
            self._control_server = None
        self._close_pty()

    async def __aenter__(self) -> DispenserSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------------------ transport

    async def _open_tcp(self) -> None:
        self._server = await asyncio.start_server(self._bus_client, "127.0.0.1", self.tcp_port, reuse_address=True)
        self.tcp_port = self._server.sockets[0].getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.tcp_port}"

    async def _close_tcp(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        if self._server is not None:
            self._server.close()
            self._server = None

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave  # keeping the slave open: no EIO when the master-side reads
        self.url = os.ttyname(slave)
        assert self._loop is not None
        self._loop.add_reader(master, self._pty_readable)
        self._tasks.append(asyncio.create_task(self._pty_worker(), name="dispenser-sim-pty"))

    def _close_pty(self) -> None:
        if self._master is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._master)
            os.close(self._master)
            self._master = None
        if self._slave is not None:
            os.close(self._slave)
            self._slave = None

    def _pty_readable(self) -> None:
        assert self._master is not None
        try:
            data = os.read(self._master, 4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return
        if self._is_silent():
            return
        for frame in self._pty_decoder.feed(data):
            self._pty_queue.put_nowait(frame)

    async def _pty_worker(self) -> None:
        while True:
            frame = await self._pty_queue.get()
            out = await self._answer(frame)
            if out and self._master is not None and not self._is_silent():
                self._pty_write(out)

    def _pty_write(self, data: bytes) -> None:
        assert self._master is not None
        view = memoryview(data)
        deadline = time.monotonic() + 1.0
        while view and time.monotonic() < deadline:
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                time.sleep(0.001)
                continue
            except OSError:
                return
            view = view[written:]

    async def _bus_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # like a serial-over-IP converter: one master at a time, the newest connection wins
        for old in list(self._writers):
            old.close()
        self._writers = {writer}
        decoder = FrameDecoder()
        try:
            while not reader.at_eof():
                data = await reader.read(4096)
                if not data:
                    break
                for frame in decoder.feed(data):
                    out = await self._answer(frame)
                    if out and not writer.is_closing():
                        writer.write(out)
                        await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _is_silent(self) -> bool:
        return self._loop is not None and self._loop.time() < self._silent_until

    async def disconnect(self, seconds: float) -> None:
        """The line goes away for ``seconds``: TCP closes the port; a pty goes silent (a pulled cable)."""
        if self.transport == "pty":
            assert self._loop is not None
            self._silent_until = self._loop.time() + seconds
            return
        if self._down:
            return
        self._down = True
        await self._close_tcp()
        self._tasks.append(asyncio.create_task(self._reconnect_after(seconds)))

    async def _reconnect_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        for _ in range(50):
            try:
                await self._open_tcp()
                break
            except OSError:
                await asyncio.sleep(0.1)
        self._down = False

    # ----------------------------------------------------------------------------- fault injection

    async def _answer(self, frame: Frame) -> bytes | None:
        reply = self.handle_request(frame)
        if reply is None:
            return None
        if self.delay_ms:
            self.stats["delayed"] += 1
            await asyncio.sleep(self.delay_ms / 1000)
        if self.drop_rate and self.rng.random() < self.drop_rate:
            self.stats["dropped"] += 1
            return None
        data = bytearray(encode_frame(reply))
        if self.crc_error_rate and self.rng.random() < self.crc_error_rate:
            self.stats["crc_corrupted"] += 1
            data[-1 - self.rng.randrange(2)] ^= 1 << self.rng.randrange(8)
        if self.garbage_rate and self.rng.random() < self.garbage_rate:
            self.stats["garbage"] += 1
            junk = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 17)))
            # include a false start now and then: the master's decoder must survive it
            if self.rng.random() < 0.5:
                junk += b"\xfa\xf5" + bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(6)))
            data[:0] = junk
        self.stats["replies"] += 1
        return bytes(data)

    # -------------------------------------------------------------------------------- the protocol

    def handle_request(self, frame: Frame) -> Frame | None:
        """Answer one request frame as the addressed device would (None: nobody answers)."""
        if frame.is_reply:
            return None
        device: SimDispenser | SimUnloadingPost | None = self.dispensers.get(frame.address)
        if device is None and self.unloading is not None and self.unloading.address == frame.address:
            device = self.unloading
        if device is None:
            return None
        self.stats["requests"] += 1
        now = time.monotonic()
        cached = device.cache
        if (
            cached is not None
            and cached.sequence == frame.sequence
            and cached.command == frame.command
            and cached.payload == frame.payload
            and now - cached.at < DUPLICATE_WINDOW
        ):
            # a retry of a request already carried out: answer again, do not act twice
            self.stats["duplicates"] += 1
            return cached.reply
        try:
            if isinstance(device, SimDispenser):
                reply = self._dispenser_request(device, frame)
            else:
                reply = self._unloading_request(device, frame)
        except PayloadLengthError:
            reply = nak_frame(frame, NakCode.BAD_LENGTH)
        except PayloadError:
            reply = nak_frame(frame, NakCode.BAD_VALUE)
        device.cache = _CachedReply(frame.sequence, frame.command, frame.payload, reply, now)
        return reply

    def _identity(self, kind: DeviceKind, count: int) -> bytes:
        return DeviceIdentity(kind, PROTOCOL_MAJOR, PROTOCOL_MINOR, count, self.unit).encode()

    def _dispenser_request(self, d: SimDispenser, frame: Frame) -> Frame:
        cmd, payload = frame.command, frame.payload
        if cmd == Command.IDENTIFY:
            expect_empty(payload, "identify")
            return reply_frame(frame, self._identity(DeviceKind.DISPENSER, len(d.nozzles)))
        if cmd == Command.READ_STATUS:
            expect_empty(payload, "status")
            return reply_frame(frame, self.dispenser_status(d).encode())
        if cmd == Command.SET_PRICES:
            table = PriceTable.decode(payload)
            if any(n not in d.nozzles or price <= 0 for n, price in table.prices):
                return nak_frame(frame, NakCode.BAD_VALUE)
            if any(d.nozzles[n].fill is not None for n, _ in table.prices):
                return nak_frame(frame, NakCode.BAD_STATE)
            for n, price in table.prices:
                d.nozzles[n].price = price
            self._save_state()
            return reply_frame(frame)
        if cmd == Command.READ_PRICES:
            expect_empty(payload, "read prices")
            return reply_frame(frame, PriceTable.of({n: z.price for n, z in d.nozzles.items()}).encode())
        if cmd == Command.AUTHORIZE:
            return self._authorize(d, frame, AuthorizeRequest.decode(payload))
        if cmd == Command.STOP:
            ref = NozzleRef.decode(payload)
            if ref.nozzle != 0 and ref.nozzle not in d.nozzles:
                return nak_frame(frame, NakCode.BAD_VALUE)
            for z in d.nozzles.values():
                if ref.nozzle in (0, z.number):
                    self._stop_nozzle(d, z, StopReason.MANUAL_STOP)
            return reply_frame(frame, ref.encode())
        if cmd == Command.READ_PROGRESS:
            ref = NozzleRef.decode(payload)
            if ref.nozzle not in d.nozzles:
                return nak_frame(frame, NakCode.BAD_VALUE)
            return reply_frame(frame, self.progress(d, d.nozzles[ref.nozzle]).encode())
        if cmd == Command.READ_TOTALIZERS:
            expect_empty(payload, "totalizers")
            totals = TotalizerTable(
                tuple(
                    Totalizers(z.number, *self._live_totalizer(z))
                    for z in sorted(d.nozzles.values(), key=lambda z: z.number)
                )
            )
            return reply_frame(frame, totals.encode())
        if cmd == Command.READ_UNACKED:
            expect_empty(payload, "unacked")
            numbers = d.unacked()
            return reply_frame(frame, UnackedList(len(numbers), tuple(numbers[:MAX_UNACKED_LISTED])).encode())
        if cmd == Command.READ_TRANSACTION:
            number = TransactionNumber.decode(payload).number
            txn = d.transactions.get(number)
            if txn is None:
                return nak_frame(frame, NakCode.UNKNOWN_TRANSACTION)
            return reply_frame(frame, txn.encode())
        if cmd == Command.ACK_TRANSACTION:
            number = TransactionNumber.decode(payload).number
            txn = d.transactions.get(number)
            if txn is None:
                return nak_frame(frame, NakCode.UNKNOWN_TRANSACTION)
            if not txn.acknowledged:
                d.transactions[number] = _replace_txn(txn, acknowledged=True)
                self._trim(d)
                self._save_state()
            return reply_frame(frame, payload)
        if cmd == Command.READ_ALARMS:
            expect_empty(payload, "alarms")
            alarms = AlarmTable(tuple((z.number, z.alarms) for z in d.nozzles.values() if z.alarms))
            return reply_frame(frame, alarms.encode())
        return nak_frame(frame, NakCode.UNKNOWN_COMMAND)

    def _authorize(self, d: SimDispenser, frame: Frame, req: AuthorizeRequest) -> Frame:
        z = d.nozzles.get(req.nozzle)
        if z is None or req.unit_price <= 0:
            return nak_frame(frame, NakCode.BAD_VALUE)
        try:
            req.preset.validate()
        except PayloadError:
            return nak_frame(frame, NakCode.BAD_VALUE)
        if z.alarms:
            return nak_frame(frame, NakCode.ALARM_ACTIVE)
        if z.fill is not None:
            return nak_frame(frame, NakCode.BAD_STATE)
        if d.pending_for(z.number) is not None:
            return nak_frame(frame, NakCode.UNACKED_PENDING)
        if len(d.unacked()) >= MAX_UNACKED:
            return nak_frame(frame, NakCode.BUFFER_FULL)
        if not z.lifted:
            return nak_frame(frame, NakCode.NOT_LIFTED)
        target: int | None
        if req.preset.kind is PresetKind.AMOUNT:
            target = quantity_for_amount(req.unit_price, req.preset.value)
            if target <= 0:
                return nak_frame(frame, NakCode.BAD_VALUE)
        elif req.preset.kind is PresetKind.QUANTITY:
            target = req.preset.value
        else:
            target = None
        assert self._loop is not None
        fill = _Fill(
            preset=req.preset,
            unit_price=req.unit_price,
            start_time=int(time.time()),
            pressure_before=self._pressure(z),
            totalizer_before=z.totalizer_quantity,
            authorized_at=self._loop.time(),
            target=target,
        )
        if self.leak_rate and self.rng.random() < self.leak_rate:
            expected = target if target is not None else self._fill_up_estimate(z)
            fill.leak_at = max(1, int(expected * self.rng.uniform(0.2, 0.8)))
        z.fill = fill
        z.flow = 0
        z.last = None
        return reply_frame(frame, AuthorizeReply(z.number, self.nozzle_state(d, z)).encode())

    def _unloading_request(self, u: SimUnloadingPost, frame: Frame) -> Frame:
        cmd, payload = frame.command, frame.payload
        if cmd == Command.IDENTIFY:
            expect_empty(payload, "identify")
            return reply_frame(frame, self._identity(DeviceKind.UNLOADING_POST, 1))
        if cmd == Command.UNLOAD_STATUS:
            expect_empty(payload, "unload status")
            return reply_frame(frame, self.unload_status().encode())
        if cmd == Command.UNLOAD_START:
            expect_empty(payload, "unload start")
            if u.alarms:
                return nak_frame(frame, NakCode.ALARM_ACTIVE)
            if u.current is not None:
                return nak_frame(frame, NakCode.BAD_STATE)
            if len(u.unacked()) >= MAX_UNACKED:
                return nak_frame(frame, NakCode.BUFFER_FULL)
            return reply_frame(frame, TransactionNumber(self.unload_start()).encode())
        if cmd == Command.UNLOAD_STOP:
            expect_empty(payload, "unload stop")
            if u.current is None:
                return nak_frame(frame, NakCode.BAD_STATE)
            return reply_frame(frame, TransactionNumber(self.unload_stop()).encode())
        if cmd == Command.READ_UNLOAD_RECORD:
            number = TransactionNumber.decode(payload).number
            record = u.records.get(number)
            if record is None:
                return nak_frame(frame, NakCode.UNKNOWN_TRANSACTION)
            return reply_frame(frame, record.encode())
        if cmd == Command.READ_UNACKED:
            expect_empty(payload, "unacked")
            numbers = u.unacked()
            return reply_frame(frame, UnackedList(len(numbers), tuple(numbers[:MAX_UNACKED_LISTED])).encode())
        if cmd == Command.ACK_TRANSACTION:
            number = TransactionNumber.decode(payload).number
            record = u.records.get(number)
            if record is None:
                return nak_frame(frame, NakCode.UNKNOWN_TRANSACTION)
            if not record.acknowledged:
                u.records[number] = _replace_record(record, acknowledged=True)
                self._trim_records(u)
                self._save_state()
            return reply_frame(frame, payload)
        if cmd == Command.READ_TOTALIZERS:
            expect_empty(payload, "totalizers")
            live = u.totalizer + (u.current.quantity if u.current else 0)
            return reply_frame(frame, TotalizerTable((Totalizers(1, live, 0),)).encode())
        if cmd == Command.READ_ALARMS:
            expect_empty(payload, "alarms")
            return reply_frame(frame, AlarmTable(((1, u.alarms),) if u.alarms else ()).encode())
        return nak_frame(frame, NakCode.UNKNOWN_COMMAND)

    # ------------------------------------------------------------------------------ device state

    def nozzle_state(self, d: SimDispenser, z: _Nozzle) -> NozzleState:
        if z.alarms:
            return NozzleState.FAULT
        if z.fill is not None:
            return NozzleState.FILLING if z.fill.flowing else NozzleState.AUTHORIZED
        pending = d.pending_for(z.number)
        if pending is not None:
            return NozzleState.STOPPED if pending.stop_reason in _ABNORMAL else NozzleState.FINISHED
        return NozzleState.NOZZLE_LIFTED if z.lifted else NozzleState.IDLE

    def _pressure(self, z: _Nozzle) -> int:
        if not z.lifted and z.fill is None:
            return 0
        return round(self.cutoff * z.cylinder_kg / z.capacity_kg)

    def _live_totalizer(self, z: _Nozzle) -> tuple[int, int]:
        if z.fill is None:
            return z.totalizer_quantity, z.totalizer_amount
        return (
            z.totalizer_quantity + z.fill.quantity,
            z.totalizer_amount + amount_for(z.fill.unit_price, z.fill.quantity),
        )

    def dispenser_status(self, d: SimDispenser) -> DispenserStatus:
        unacked = d.unacked()
        return DispenserStatus(
            tuple(
                NozzleStatus(z.number, self.nozzle_state(d, z), z.alarms, self._pressure(z))
                for z in sorted(d.nozzles.values(), key=lambda z: z.number)
            ),
            unacked_count=len(unacked),
            last_transaction_number=d.counter,
        )

    def progress(self, d: SimDispenser, z: _Nozzle) -> Progress:
        state = self.nozzle_state(d, z)
        if z.fill is not None:
            f = z.fill
            return Progress(
                z.number,
                state,
                f.quantity,
                amount_for(f.unit_price, f.quantity),
                f.unit_price,
                self._pressure(z),
                z.flow,
                f.preset,
            )
        if z.last is not None:
            last = z.last
            return Progress(
                z.number, state, last.quantity, last.amount, last.unit_price, self._pressure(z), 0, last.preset
            )
        return Progress(z.number, state, 0, 0, z.price, self._pressure(z), 0)

    def unload_status(self) -> UnloadStatus:
        u = self._require_unloading()
        if u.current is not None:
            state, number, qty = UnloadState.UNLOADING, u.current.number, u.current.quantity
        else:
            state, number, qty = UnloadState.IDLE, u.counter, u.last_quantity
        if u.alarms:
            state = UnloadState.FAULT
        return UnloadStatus(
            state,
            number,
            qty,
            u.totalizer + (u.current.quantity if u.current else 0),
            u.flow,
            self._trailer_pressure(u),
            self._trailer_temperature(u),
            len(u.unacked()),
            u.alarms,
        )

    def _trailer_pressure(self, u: SimUnloadingPost) -> int:
        return round(self.cutoff * u.trailer_kg / u.trailer_capacity_kg)

    def _trailer_temperature(self, u: SimUnloadingPost) -> int:
        # expanding gas cools: about 0.5 °C per MPa of pressure drop below the cut-off, from 15.0 °C
        return round(150 - (self.cutoff - self._trailer_pressure(u)) * 0.05)

    # ------------------------------------------------------------------------------------ physics

    async def _physics(self) -> None:
        assert self._loop is not None
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                self.tick(TICK_SECONDS * self.speed)
            except Exception:  # the simulator must keep running whatever a tick trips over
                log.exception("simulator tick failed")
            if self._dirty and self._loop.time() - self._last_save > 1.0:
                self._save_state()

    def tick(self, sim_seconds: float) -> None:
        """Advance the physics by ``sim_seconds`` of simulated time."""
        assert self._loop is not None
        now = self._loop.time()
        for d in self.dispensers.values():
            for z in d.nozzles.values():
                f = z.fill
                if f is None:
                    continue
                if not f.flowing:
                    if now - f.authorized_at >= AUTHORIZE_TO_FLOW_SECONDS / max(self.speed, 1e-6):
                        f.flowing = True
                        self._dirty = True
                    continue
                self._advance_fill(d, z, f, sim_seconds)
        if self.unloading is not None and self.unloading.current is not None:
            self._advance_unloading(self.unloading, sim_seconds)

    def _advance_fill(self, d: SimDispenser, z: _Nozzle, f: _Fill, dt: float) -> None:
        pressure = self.cutoff * z.cylinder_kg / z.capacity_kg
        # flow tapers over the last 3 MPa as the pressure difference across the nozzle shrinks
        taper = min(1.0, max(0.15, (self.cutoff - pressure) / 300))
        rate = self.flow_rate * taper
        z.flow = round(rate * 100)
        dm = rate / 60 * dt
        room = z.capacity_kg - z.cylinder_kg
        dm = min(dm, max(room, 0.0))
        if f.target is not None:
            dm = min(dm, max(f.target / 100 - f.dispensed_kg, 0.0))
        f.dispensed_kg += dm
        z.cylinder_kg += dm
        quantity = math.floor(f.dispensed_kg * 100 + 1e-6)
        if f.target is not None:
            quantity = min(quantity, f.target)
        f.quantity = quantity
        self._dirty = True
        if f.leak_at is not None and quantity >= f.leak_at:
            z.alarms |= AlarmKind.LEAK
            self._end_fill(d, z, StopReason.LEAK_ALARM)
        elif f.target is not None and quantity >= f.target:
            self._end_fill(d, z, StopReason.PRESET_REACHED)
        elif self._pressure(z) >= self.cutoff or room <= 1e-9:
            self._end_fill(d, z, StopReason.PRESSURE_LIMIT)

    def _fill_up_estimate(self, z: _Nozzle) -> int:
        return max(1, round((z.capacity_kg - z.cylinder_kg) * 100))

    def _end_fill(self, d: SimDispenser, z: _Nozzle, reason: StopReason) -> Transaction:
        f = z.fill
        assert f is not None
        amount = amount_for(f.unit_price, f.quantity)
        d.counter += 1
        txn = Transaction(
            number=d.counter,
            nozzle=z.number,
            unit=d.unit,
            stop_reason=reason,
            start_time=f.start_time,
            end_time=int(time.time()),
            quantity=f.quantity,
            unit_price=f.unit_price,
            amount=amount,
            pressure_before=f.pressure_before,
            pressure_after=self._pressure(z),
            totalizer_before=f.totalizer_before,
            totalizer_after=f.totalizer_before + f.quantity,
            preset=f.preset,
        )
        d.transactions[txn.number] = txn
        z.totalizer_quantity = txn.totalizer_after
        z.totalizer_amount += amount
        z.last = Progress(z.number, NozzleState.FINISHED, f.quantity, amount, f.unit_price, 0, 0, f.preset)
        z.fill = None
        z.flow = 0
        self._trim(d)
        self._save_state()
        return txn

    def _stop_nozzle(self, d: SimDispenser, z: _Nozzle, reason: StopReason) -> None:
        if z.fill is None:
            return
        if not z.fill.flowing:
            z.fill = None  # authorized but no gas moved: the authorization is simply withdrawn
            return
        self._end_fill(d, z, reason)

    def _trim(self, d: SimDispenser) -> None:
        acked = sorted(n for n, t in d.transactions.items() if t.acknowledged)
        for n in acked[:-KEEP_ACKED] if len(acked) > KEEP_ACKED else []:
            del d.transactions[n]

    def _trim_records(self, u: SimUnloadingPost) -> None:
        acked = sorted(n for n, r in u.records.items() if r.acknowledged)
        for n in acked[:-KEEP_ACKED] if len(acked) > KEEP_ACKED else []:
            del u.records[n]

    def _advance_unloading(self, u: SimUnloadingPost, dt: float) -> None:
        current = u.current
        assert current is not None
        pressure = self._trailer_pressure(u)
        floor = 200  # 2.00 MPa: below this the trailer no longer pushes gas into storage
        taper = min(1.0, max(0.1, (pressure - floor) / 300))
        rate = 30.0 * taper
        u.flow = round(rate * 100)
        dm = min(rate / 60 * dt, u.trailer_kg)
        u.trailer_kg -= dm
        current.unloaded_kg += dm
        current.quantity = math.floor(current.unloaded_kg * 100 + 1e-6)
        self._dirty = True
        if self._trailer_pressure(u) <= floor:
            self._end_unloading(StopReason.PRESSURE_LIMIT)

    def _end_unloading(self, reason: StopReason) -> int:
        u = self._require_unloading()
        current = u.current
        assert current is not None
        record = UnloadRecord(
            number=current.number,
            unit=u.unit,
            stop_reason=reason,
            start_time=current.start_time,
            end_time=int(time.time()),
            quantity=current.quantity,
            totalizer_before=current.totalizer_before,
            totalizer_after=current.totalizer_before + current.quantity,
            pressure_before=current.pressure_before,
            pressure_after=self._trailer_pressure(u),
            temperature_before=current.temperature_before,
            temperature_after=self._trailer_temperature(u),
        )
        u.records[record.number] = record
        u.totalizer = record.totalizer_after
        u.last_quantity = record.quantity
        u.current = None
        u.flow = 0
        self._trim_records(u)
        self._save_state()
        return record.number

    # ----------------------------------------------------------------- in-process control (tests, demo)

    def _nozzle(self, address: int, nozzle: int) -> tuple[SimDispenser, _Nozzle]:
        d = self.dispensers.get(address)
        if d is None or nozzle not in d.nozzles:
            raise SimulatorError(f"no nozzle {nozzle} on dispenser {address}")
        return d, d.nozzles[nozzle]

    def _require_unloading(self) -> SimUnloadingPost:
        if self.unloading is None:
            raise SimulatorError("no unloading post on this bus")
        return self.unloading

    def lift(self, address: int, nozzle: int, residual_mpa: float = 2.0, capacity_kg: float = 15.0) -> None:
        """The attendant lifts the nozzle and connects a cylinder holding ``residual_mpa``."""
        _, z = self._nozzle(address, nozzle)
        if not 0 <= residual_mpa * 100 <= self.cutoff + 500 or capacity_kg <= 0:
            raise SimulatorError("residual pressure or capacity out of range")
        if z.fill is not None:
            raise SimulatorError("the nozzle is filling")
        z.lifted = True
        z.capacity_kg = capacity_kg
        z.cylinder_kg = capacity_kg * residual_mpa * 100 / self.cutoff

    def hang(self, address: int, nozzle: int) -> None:
        d, z = self._nozzle(address, nozzle)
        z.lifted = False
        self._stop_nozzle(d, z, StopReason.NOZZLE_HUNG_UP)

    def press_stop(self, address: int, nozzle: int) -> None:
        """The dispenser's own emergency button."""
        d, z = self._nozzle(address, nozzle)
        self._stop_nozzle(d, z, StopReason.MANUAL_STOP)

    def raise_alarm(self, address: int, nozzle: int, alarm: AlarmKind) -> None:
        if address == (self.unloading.address if self.unloading else None):
            u = self._require_unloading()
            u.alarms |= alarm
            if u.current is not None:
                self._end_unloading(StopReason.LEAK_ALARM if alarm & AlarmKind.LEAK else StopReason.FAULT)
            return
        d, z = self._nozzle(address, nozzle)
        z.alarms |= alarm
        reason = StopReason.LEAK_ALARM if alarm & AlarmKind.LEAK else StopReason.FAULT
        if z.fill is not None:
            self._stop_nozzle(d, z, reason)

    def leak(self, address: int, nozzle: int) -> None:
        self.raise_alarm(address, nozzle, AlarmKind.LEAK)

    def clear(self, address: int, nozzle: int) -> None:
        """Clear latched alarms (done at the dispenser by a technician, never from the bus)."""
        if self.unloading is not None and address == self.unloading.address:
            self.unloading.alarms = AlarmKind.NONE
            return
        _, z = self._nozzle(address, nozzle)
        z.alarms = AlarmKind.NONE

    def unload_start(self, trailer_mpa: float = 20.0) -> int:
        u = self._require_unloading()
        if u.current is not None:
            raise SimulatorError("already unloading")
        if u.alarms:
            raise SimulatorError("alarm active")
        u.trailer_kg = u.trailer_capacity_kg * min(trailer_mpa * 100, self.cutoff) / self.cutoff
        u.counter += 1
        u.current = _Unloading(
            number=u.counter,
            start_time=int(time.time()),
            totalizer_before=u.totalizer,
            pressure_before=self._trailer_pressure(u),
            temperature_before=self._trailer_temperature(u),
        )
        self._save_state()
        return u.counter

    def unload_stop(self) -> int:
        u = self._require_unloading()
        if u.current is None:
            raise SimulatorError("not unloading")
        return self._end_unloading(StopReason.MANUAL_STOP)

    def transactions(self, address: int) -> list[Transaction]:
        d = self.dispensers[address]
        return [d.transactions[n] for n in sorted(d.transactions)]

    def state_of(self, address: int, nozzle: int) -> NozzleState:
        d, z = self._nozzle(address, nozzle)
        return self.nozzle_state(d, z)

    def totalizer(self, address: int, nozzle: int) -> tuple[int, int]:
        _, z = self._nozzle(address, nozzle)
        return self._live_totalizer(z)

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "dispensers": {}, "stats": dict(self.stats)}
        for address, d in self.dispensers.items():
            nozzles = {}
            for n, z in d.nozzles.items():
                progress = self.progress(d, z)
                qty, amount = self._live_totalizer(z)
                nozzles[str(n)] = {
                    "state": self.nozzle_state(d, z).name.lower(),
                    "lifted": z.lifted,
                    "alarms": int(z.alarms),
                    "pressure": self._pressure(z),
                    "quantity": progress.quantity,
                    "amount": progress.amount,
                    "flow": z.flow,
                    "price": z.price,
                    "totalizer_quantity": qty,
                    "totalizer_amount": amount,
                }
            out["dispensers"][str(address)] = {
                "nozzles": nozzles,
                "last_transaction": d.counter,
                "unacked": d.unacked(),
            }
        if self.unloading is not None:
            s = self.unload_status()
            out["unloading_post"] = {
                "address": self.unloading.address,
                "state": s.state.name.lower(),
                "record": s.record_number,
                "quantity": s.quantity,
                "totalizer": s.totalizer,
                "pressure": s.pressure,
                "temperature": s.temperature,
                "unacked": self.unloading.unacked(),
            }
        return out

    # ------------------------------------------------------------------------------- control channel

    async def _control_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._control_writers.add(writer)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                text = line.decode("utf-8", "replace").strip()
                if not text:
                    continue
                if text in ("quit", "exit"):
                    writer.write(b"ok bye\n")
                    await writer.drain()
                    break
                writer.write((await self.control(text) + "\n").encode())
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._control_writers.discard(writer)
            writer.close()

    async def control(self, line: str) -> str:
        """Run one control command; returns "ok ..." or "error ..."."""
        words = line.split()
        if not words:
            return "error empty command"
        cmd, args = words[0].lower(), words[1:]
        try:
            return await self._control(cmd, args)
        except SimulatorError as exc:
            return f"error {exc}"
        except (ValueError, IndexError):
            return f"error bad arguments for {cmd}"

    async def _control(self, cmd: str, args: list[str]) -> str:
        if cmd == "lift":
            residual = float(args[2]) if len(args) > 2 else 2.0
            capacity = float(args[3]) if len(args) > 3 else 15.0
            self.lift(int(args[0]), int(args[1]), residual, capacity)
            return f"ok lifted {args[0]} {args[1]}"
        if cmd == "hang":
            self.hang(int(args[0]), int(args[1]))
            return f"ok hung up {args[0]} {args[1]}"
        if cmd == "stop":
            self.press_stop(int(args[0]), int(args[1]))
            return f"ok stopped {args[0]} {args[1]}"
        if cmd == "leak":
            self.leak(int(args[0]), int(args[1]))
            return f"ok leak {args[0]} {args[1]}"
        if cmd == "fault":
            kinds: dict[str, AlarmKind] = {
                "meter": AlarmKind.METER_FAULT,
                "pressure": AlarmKind.OVER_PRESSURE,
                "flow": AlarmKind.FLOW,
                "leak": AlarmKind.LEAK,
            }
            kind = kinds.get(args[2].lower() if len(args) > 2 else "meter")
            if kind is None:
                return "error fault kind is meter, pressure, flow or leak"
            self.raise_alarm(int(args[0]), int(args[1]), kind)
            return f"ok fault {args[0]} {args[1]} {str(kind.name).lower()}"
        if cmd == "clear":
            self.clear(int(args[0]), int(args[1]) if len(args) > 1 else 1)
            return f"ok cleared {args[0]}"
        if cmd == "disconnect":
            seconds = float(args[0])
            await self.disconnect(seconds)
            return f"ok disconnected for {seconds:g} s"
        if cmd in ("crc-rate", "drop-rate", "garbage-rate", "leak-rate"):
            value = float(args[0])
            if not 0.0 <= value <= 1.0:
                return "error rate must be between 0 and 1"
            setattr(self, {"crc-rate": "crc_error_rate"}.get(cmd, cmd.replace("-", "_")), value)
            return f"ok {cmd} {value:g}"
        if cmd == "delay-ms":
            self.delay_ms = max(0, int(args[0]))
            return f"ok delay-ms {self.delay_ms}"
        if cmd == "speed":
            value = float(args[0])
            if value <= 0:
                return "error speed must be above zero"
            self.speed = value
            return f"ok speed {value:g}"
        if cmd == "unload-start":
            number = self.unload_start(float(args[0]) if args else 20.0)
            return f"ok unloading {number}"
        if cmd == "unload-stop":
            return f"ok unloaded {self.unload_stop()}"
        if cmd == "status":
            return "ok " + json.dumps(self.status(), separators=(",", ":"))
        if cmd == "help":
            return "ok " + " | ".join(CONTROL_COMMANDS)
        return f"error unknown command {cmd} (try help)"

    # ---------------------------------------------------------------------------------- persistence

    def _save_state(self) -> None:
        self._dirty = False
        if self._loop is not None:
            self._last_save = self._loop.time()
        if self.state_path is None:
            return
        data: dict[str, Any] = {"version": STATE_VERSION, "dispensers": {}}
        for address, d in self.dispensers.items():
            active = []
            for z in d.nozzles.values():
                if z.fill is not None and z.fill.flowing:
                    f = z.fill
                    active.append(
                        {
                            "nozzle": z.number,
                            "preset_kind": int(f.preset.kind),
                            "preset_value": f.preset.value,
                            "unit_price": f.unit_price,
                            "start_time": f.start_time,
                            "pressure_before": f.pressure_before,
                            "pressure_now": self._pressure(z),
                            "quantity": f.quantity,
                        }
                    )
            data["dispensers"][str(address)] = {
                "counter": d.counter,
                "nozzles": {
                    str(n): {"price": z.price, "tq": z.totalizer_quantity, "ta": z.totalizer_amount}
                    for n, z in d.nozzles.items()
                },
                "transactions": [_txn_to_json(t) for t in d.transactions.values()],
                "active": active,
            }
        if self.unloading is not None:
            u = self.unloading
            data["unloading"] = {
                "address": u.address,
                "counter": u.counter,
                "totalizer": u.totalizer,
                "records": [_record_to_json(r) for r in u.records.values()],
            }
        _atomic_write_json(self.state_path, data)

    def _load_state(self) -> None:
        if self.state_path is None or not self.state_path.exists():
            return
        data = json.loads(self.state_path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            raise SimulatorError(f"state file {self.state_path} has an unknown version")
        for key, saved in data.get("dispensers", {}).items():
            d = self.dispensers.get(int(key))
            if d is None:
                continue
            d.counter = int(saved["counter"])
            for n_key, nz in saved["nozzles"].items():
                z = d.nozzles.get(int(n_key))
                if z is not None:
                    z.price, z.totalizer_quantity, z.totalizer_amount = nz["price"], nz["tq"], nz["ta"]
            for t in saved["transactions"]:
                txn = _txn_from_json(t)
                d.transactions[txn.number] = txn
            for a in saved.get("active", []):
                # the simulator died mid-fill: book what was metered, as a real dispenser does after a power cut
                z = d.nozzles.get(int(a["nozzle"]))
                if z is None:
                    continue
                d.counter += 1
                qty, price = int(a["quantity"]), int(a["unit_price"])
                amount = amount_for(price, qty)
                txn = Transaction(
                    number=d.counter,
                    nozzle=z.number,
                    unit=d.unit,
                    stop_reason=StopReason.POWER_FAIL,
                    start_time=int(a["start_time"]),
                    end_time=int(time.time()),
                    quantity=qty,
                    unit_price=price,
                    amount=amount,
                    pressure_before=int(a["pressure_before"]),
                    pressure_after=int(a["pressure_now"]),
                    totalizer_before=z.totalizer_quantity,
                    totalizer_after=z.totalizer_quantity + qty,
                    preset=Preset(PresetKind(int(a["preset_kind"])), int(a["preset_value"])),
                )
                d.transactions[txn.number] = txn
                z.totalizer_quantity += qty
                z.totalizer_amount += amount
        saved_u = data.get("unloading")
        if saved_u is not None and self.unloading is not None:
            self.unloading.counter = int(saved_u["counter"])
            self.unloading.totalizer = int(saved_u["totalizer"])
            for r in saved_u["records"]:
                record = _record_from_json(r)
                self.unloading.records[record.number] = record


CONTROL_COMMANDS = (
    "lift D N [residual_mpa] [capacity_kg]",
    "hang D N",
    "stop D N",
    "leak D N",
    "fault D N meter|pressure|flow|leak",
    "clear D [N]",
    "disconnect SECONDS",
    "crc-rate X",
    "drop-rate X",
    "garbage-rate X",
    "leak-rate X",
    "delay-ms N",
    "speed X",
    "unload-start [trailer_mpa]",
    "unload-stop",
    "status",
    "help",
    "quit",
)


def _replace_txn(t: Transaction, *, acknowledged: bool) -> Transaction:
    return replace(t, acknowledged=acknowledged)


def _replace_record(r: UnloadRecord, *, acknowledged: bool) -> UnloadRecord:
    return replace(r, acknowledged=acknowledged)


def _txn_to_json(t: Transaction) -> dict[str, int]:
    return {
        "number": t.number,
        "nozzle": t.nozzle,
        "unit": int(t.unit),
        "stop_reason": int(t.stop_reason),
        "start_time": t.start_time,
        "end_time": t.end_time,
        "quantity": t.quantity,
        "unit_price": t.unit_price,
        "amount": t.amount,
        "pressure_before": t.pressure_before,
        "pressure_after": t.pressure_after,
        "totalizer_before": t.totalizer_before,
        "totalizer_after": t.totalizer_after,
        "preset_kind": int(t.preset.kind),
        "preset_value": t.preset.value,
        "acknowledged": int(t.acknowledged),
    }


def _txn_from_json(d: dict[str, int]) -> Transaction:
    return Transaction(
        number=d["number"],
        nozzle=d["nozzle"],
        unit=SaleUnit(d["unit"]),
        stop_reason=StopReason(d["stop_reason"]),
        start_time=d["start_time"],
        end_time=d["end_time"],
        quantity=d["quantity"],
        unit_price=d["unit_price"],
        amount=d["amount"],
        pressure_before=d["pressure_before"],
        pressure_after=d["pressure_after"],
        totalizer_before=d["totalizer_before"],
        totalizer_after=d["totalizer_after"],
        preset=Preset(PresetKind(d["preset_kind"]), d["preset_value"]),
        acknowledged=bool(d["acknowledged"]),
    )


def _record_to_json(r: UnloadRecord) -> dict[str, int]:
    return {
        "number": r.number,
        "unit": int(r.unit),
        "stop_reason": int(r.stop_reason),
        "start_time": r.start_time,
        "end_time": r.end_time,
        "quantity": r.quantity,
        "totalizer_before": r.totalizer_before,
        "totalizer_after": r.totalizer_after,
        "pressure_before": r.pressure_before,
        "pressure_after": r.pressure_after,
        "temperature_before": r.temperature_before,
        "temperature_after": r.temperature_after,
        "acknowledged": int(r.acknowledged),
    }


def _record_from_json(d: dict[str, int]) -> UnloadRecord:
    return UnloadRecord(
        number=d["number"],
        unit=SaleUnit(d["unit"]),
        stop_reason=StopReason(d["stop_reason"]),
        start_time=d["start_time"],
        end_time=d["end_time"],
        quantity=d["quantity"],
        totalizer_before=d["totalizer_before"],
        totalizer_after=d["totalizer_after"],
        pressure_before=d["pressure_before"],
        pressure_after=d["pressure_after"],
        temperature_before=d["temperature_before"],
        temperature_after=d["temperature_after"],
        acknowledged=bool(d["acknowledged"]),
    )


def _atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    """Write to a temp file in the same directory, fsync, rename over: a crash leaves old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
