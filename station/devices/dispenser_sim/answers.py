"""How the simulated devices answer the bus: as a dispenser and as an unloading post (protocol v1.1).

Identity, status, prices, authorization, progress, totalizers, transactions and their acknowledgement, and the
unloading post's commands. A retried request (same sequence, command and payload within ``CACHE_WINDOW`` of
the latest matching one) gets the cached reply again and is not carried out twice; a STOP always is (§5).
"""

from __future__ import annotations

import time
from dataclasses import replace

from station.devices.dispenser_protocol import (
    CACHE_WINDOW,
    MAX_UNACKED,
    MAX_UNACKED_LISTED,
    NAK_COMMAND,
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
    NakCode,
    NozzleRef,
    NozzleState,
    NozzleStatus,
    PayloadError,
    PayloadLengthError,
    PresetKind,
    PriceTable,
    Progress,
    StopReason,
    Totalizers,
    TotalizerTable,
    TransactionNumber,
    UnackedList,
    UnloadState,
    UnloadStatus,
    expect_empty,
    nak_frame,
    reply_frame,
    valid_price,
)
from station.devices.dispenser_sim.physics import SimulatorPhysics
from station.devices.dispenser_sim.state import CachedReply, Fill, Nozzle, SimDispenser, SimUnloadingPost
from station.money import amount_for, quantity_for_amount


def _is_busy(reply: Frame) -> bool:
    return reply.command == NAK_COMMAND and reply.payload[1:2] == bytes((NakCode.BUSY,))


_ABNORMAL = {
    StopReason.MANUAL_STOP,
    StopReason.LEAK_ALARM,
    StopReason.NOZZLE_HUNG_UP,
    StopReason.FAULT,
    StopReason.POWER_FAIL,
}


class SimulatorAnswers(SimulatorPhysics):
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
            and now - cached.at < CACHE_WINDOW
        ):
            # a retry of a request already carried out: answer again, do not act twice; the window runs
            # from this latest retry. A STOP is carried out again all the same: a stop is never skipped.
            self.stats["duplicates"] += 1
            cached.at = now
            if frame.command != Command.STOP:
                return cached.reply
        if frame.command == Command.STOP:
            reply = self._stop(device, frame)
            device.cache = CachedReply(frame.sequence, frame.command, frame.payload, reply, now)
            return reply
        try:
            if isinstance(device, SimDispenser):
                reply = self._dispenser_request(device, frame)
            else:
                reply = self._unloading_request(device, frame)
        except PayloadLengthError:
            reply = nak_frame(frame, NakCode.BAD_LENGTH)
        except PayloadError:
            reply = nak_frame(frame, NakCode.BAD_VALUE)
        if not _is_busy(reply):  # BUSY means "not carried out": a retry is evaluated afresh
            device.cache = CachedReply(frame.sequence, frame.command, frame.payload, reply, now)
        return reply

    def _stop(self, device: SimDispenser | SimUnloadingPost, frame: Frame) -> Frame:
        """STOP is never refused (§6.2): a payload naming no nozzle of the device stops them all, echo 0."""
        wanted = frame.payload[0] if len(frame.payload) == 1 else 0
        if isinstance(device, SimUnloadingPost):
            if device.current is not None:
                self._end_unloading(StopReason.MANUAL_STOP)
            return reply_frame(frame, NozzleRef(wanted if wanted == 1 else 0).encode())
        if wanted not in device.nozzles:
            wanted = 0
        for z in device.nozzles.values():
            if wanted in (0, z.number):
                self._stop_nozzle(device, z, StopReason.MANUAL_STOP)
        return reply_frame(frame, NozzleRef(wanted).encode())

    def _identity(self, address: int, kind: DeviceKind, count: int) -> bytes:
        major, minor = self.versions.get(address, (PROTOCOL_MAJOR, PROTOCOL_MINOR))
        return DeviceIdentity(kind, major, minor, count, self.unit).encode()

    # ------------------------------------------------------------------------------- as a dispenser

    def _dispenser_request(self, d: SimDispenser, frame: Frame) -> Frame:
        cmd, payload = frame.command, frame.payload
        if cmd == Command.IDENTIFY:
            expect_empty(payload, "identify")
            return reply_frame(frame, self._identity(d.address, DeviceKind.DISPENSER, len(d.nozzles)))
        if cmd == Command.READ_STATUS:
            expect_empty(payload, "status")
            return reply_frame(frame, self.dispenser_status(d).encode())
        if cmd == Command.SET_PRICES:
            table = PriceTable.decode(payload)
            numbers = [n for n, _ in table.prices]
            # empty or duplicate tables are refused; a partial one leaves the unlisted nozzles' prices as they are
            if not numbers or len(set(numbers)) != len(numbers):
                return nak_frame(frame, NakCode.BAD_VALUE)
            if any(n not in d.nozzles or not valid_price(price) for n, price in table.prices):
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
        if cmd == Command.READ_PROGRESS:
            ref = NozzleRef.decode(payload)
            if ref.nozzle not in d.nozzles:
                return nak_frame(frame, NakCode.BAD_VALUE)
            return reply_frame(frame, self.progress(d, d.nozzles[ref.nozzle]).encode())
        if cmd == Command.READ_TOTALIZERS:
            expect_empty(payload, "totalizers")
            totals = TotalizerTable(
                tuple(
                    Totalizers(z.number, *z.live_totalizer())
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
                # only acknowledged records are ever evicted: an ACK of one of them succeeds again (idempotent)
                if 0 < number <= d.counter:
                    return reply_frame(frame, payload)
                return nak_frame(frame, NakCode.UNKNOWN_TRANSACTION)
            if not txn.acknowledged:
                d.transactions[number] = replace(txn, acknowledged=True)
                d.trim()
                self._save_state()
            return reply_frame(frame, payload)
        if cmd == Command.READ_ALARMS:
            expect_empty(payload, "alarms")
            alarms = AlarmTable(tuple((z.number, z.alarms) for z in d.nozzles.values() if z.alarms))
            return reply_frame(frame, alarms.encode())
        return nak_frame(frame, NakCode.UNKNOWN_COMMAND)

    def _authorize(self, d: SimDispenser, frame: Frame, req: AuthorizeRequest) -> Frame:
        z = d.nozzles.get(req.nozzle)
        if z is None or not valid_price(req.unit_price):
            return nak_frame(frame, NakCode.BAD_VALUE)
        try:
            req.preset.validate()
        except PayloadError:
            return nak_frame(frame, NakCode.BAD_VALUE)
        # the nozzle's own alarms, and a leak anywhere on the dispenser (gas detection covers the cabinet)
        if z.alarms or any(other.alarms & AlarmKind.LEAK for other in d.nozzles.values()):
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
            target = None  # fill-up: to the pressure cut-off, and never past MAX_PRESET_QUANTITY (physics)
        assert self._loop is not None
        fill = Fill(
            preset=req.preset,
            unit_price=req.unit_price,
            start_time=int(time.time()),
            pressure_before=z.pressure(self.cutoff),
            totalizer_before=z.totalizer_quantity,
            authorized_at=self._loop.time(),
            target=target,
        )
        fill.leak_at = self.faults.leak_at(target if target is not None else self._fill_up_estimate(z))
        z.fill = fill
        z.flow = 0
        z.last = None
        return reply_frame(frame, AuthorizeReply(z.number, self.nozzle_state(d, z)).encode())

    def nozzle_state(self, d: SimDispenser, z: Nozzle) -> NozzleState:
        if z.alarms:
            return NozzleState.FAULT
        if z.fill is not None:
            return NozzleState.FILLING if z.fill.flowing else NozzleState.AUTHORIZED
        pending = d.pending_for(z.number)
        if pending is not None:
            return NozzleState.STOPPED if pending.stop_reason in _ABNORMAL else NozzleState.FINISHED
        return NozzleState.NOZZLE_LIFTED if z.lifted else NozzleState.IDLE

    def dispenser_status(self, d: SimDispenser) -> DispenserStatus:
        unacked = d.unacked()
        return DispenserStatus(
            tuple(
                NozzleStatus(z.number, self.nozzle_state(d, z), z.alarms, z.pressure(self.cutoff))
                for z in sorted(d.nozzles.values(), key=lambda z: z.number)
            ),
            unacked_count=len(unacked),
            last_transaction_number=d.counter,
        )

    def progress(self, d: SimDispenser, z: Nozzle) -> Progress:
        state = self.nozzle_state(d, z)
        pressure = z.pressure(self.cutoff)
        if z.fill is not None:
            f = z.fill
            return Progress(
                z.number,
                state,
                f.quantity,
                amount_for(f.unit_price, f.quantity),
                f.unit_price,
                pressure,
                z.flow,
                f.preset,
            )
        if z.last is not None:
            last = z.last
            return Progress(z.number, state, last.quantity, last.amount, last.unit_price, pressure, 0, last.preset)
        return Progress(z.number, state, 0, 0, z.price, pressure, 0)

    # -------------------------------------------------------------------------- as an unloading post

    def _unloading_request(self, u: SimUnloadingPost, frame: Frame) -> Frame:
        cmd, payload = frame.command, frame.payload
        if cmd == Command.IDENTIFY:
            expect_empty(payload, "identify")
            return reply_frame(frame, self._identity(u.address, DeviceKind.UNLOADING_POST, 1))
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
                if 0 < number <= u.counter and (u.current is None or u.current.number != number):
                    return reply_frame(frame, payload)  # evicted, so acknowledged before: idempotent
                return nak_frame(frame, NakCode.UNKNOWN_TRANSACTION)
            if not record.acknowledged:
                u.records[number] = replace(record, acknowledged=True)
                u.trim()
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
            u.trailer_pressure(self.cutoff),
            u.trailer_temperature(self.cutoff),
            len(u.unacked()),
            u.alarms,
        )
