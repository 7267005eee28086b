"""The poller: it polls by need (§5.1) and turns what it sees into events (it never acknowledges)."""

from __future__ import annotations

import asyncio
import logging

from station.devices.dispenser_bus.base import Device
from station.devices.dispenser_bus.errors import (
    BusError,
    DeviceTimeout,
    LinkDownError,
    Preempted,
)
from station.devices.dispenser_bus.events import (
    AlarmCleared,
    AlarmRaised,
    DeviceOffline,
    DeviceOnline,
    DeviceRefused,
    FillProgress,
    NozzleStateChanged,
    TransactionCompleted,
    UnloadingCompleted,
    UnloadingProgress,
)
from station.devices.dispenser_bus.requests import Requests, parse_reply
from station.devices.dispenser_protocol import (
    MAX_NOZZLES,
    PROTOCOL_MAJOR,
    TURNAROUND_MIN,
    AlarmKind,
    Command,
    DeviceIdentity,
    DeviceKind,
    DispenserStatus,
    NozzleState,
    UnloadState,
    UnloadStatus,
    max_reply_payload,
    wire_time,
)

log = logging.getLogger(__name__)

_ACTIVE = (NozzleState.AUTHORIZED, NozzleState.FILLING)
FRAMING = 9  # bytes around a payload (§3); a request without payload is just these


class Poller(Requests):
    """Polling dispensers and unloading posts."""

    async def _poll_loop(self) -> None:
        """A cycle each ``poll_interval``, from the start of one cycle to the start of the next (the protocol's
        poll period): the wait is the period less what the cycle took, and a cycle that took the whole period
        or more is followed by the next at once (after a yield to the loop)."""
        loop = asyncio.get_running_loop()
        while self._running:
            await self._connected.wait()
            started = loop.time()
            await self._poll_cycle(started)
            await asyncio.sleep(max(0.0, self.poll_interval - (loop.time() - started)))

    async def _poll_cycle(self, started: float) -> None:
        """Polls by need (§5.1): every device with a fill (or an unloading) under way, each cycle, so its
        progress is never more than a period old; then the idle ones round-robin from where the last cycle
        left off, as many as the rest of the period holds by the frame sizes, and at least one, so none starves.
        """
        loop = asyncio.get_running_loop()
        devices = [self._devices.setdefault(a, Device(a)) for a in self.addresses]
        busy = [self._needs_progress(d) for d in devices]
        for device, needed in zip(devices, busy, strict=True):
            if needed and not await self._poll_guarded(device.address):
                return
        count = len(devices)
        idle = [i for i in ((self._next_idle + k) % count for k in range(count)) if not busy[i]]
        for polled, index in enumerate(idle):
            device = devices[index]
            if polled and loop.time() - started + self._poll_cost(device) > self.poll_interval:
                return  # the rest wait for the next cycle, first in line
            self._next_idle = (index + 1) % count
            if not await self._poll_guarded(device.address):
                return

    async def _poll_guarded(self, address: int) -> bool:
        """One poll whatever it trips over; False when the link is down (the cycle ends)."""
        if not self._connected.is_set():
            return False
        try:
            await self.poll_once(address)
        except LinkDownError:
            return False
        except BusError as exc:
            log.debug("poll of %s failed: %s", address, exc)
        except asyncio.CancelledError:
            raise
        except Exception:  # never let one bad poll end polling
            log.exception("dispenser poll of address %s failed", address)
        return True

    @staticmethod
    def _needs_progress(device: Device) -> bool:
        if not device.online:
            return False
        if device.unloading is not None and device.unloading.state is UnloadState.UNLOADING:
            return True
        return any(state in _ACTIVE for state in device.states.values())

    def _poll_cost(self, device: Device) -> float:
        """The line time a status poll of this idle device takes, from the frame sizes (§5.1): request and
        reply on the wire, the device's turnaround and our gap (plus an IDENTIFY first when it is not yet
        identified); a device that missed its last poll most likely costs the whole wait again."""
        if device.refused is not None:
            return 0.0  # skipped: it never gets a byte
        if device.misses:
            return self._deadline(device.address, Command.READ_STATUS, FRAMING)
        cost = 0.0
        identity = device.identity
        if identity is None:
            cost += self._exchange_cost(FRAMING + max_reply_payload(Command.IDENTIFY))
        if identity is not None and identity.kind is DeviceKind.UNLOADING_POST:
            return cost + self._exchange_cost(FRAMING + max_reply_payload(Command.UNLOAD_STATUS))
        nozzles = identity.nozzle_count if identity is not None else MAX_NOZZLES
        return cost + self._exchange_cost(FRAMING + max_reply_payload(Command.READ_STATUS, nozzles))

    def _exchange_cost(self, reply_bytes: int, request_bytes: int = FRAMING) -> float:
        return wire_time(request_bytes + reply_bytes, self.baudrate) + TURNAROUND_MIN + self.inter_frame_gap

    async def poll_once(self, address: int) -> None:
        """Poll one address now and emit what changed (the poller calls this; tests may too)."""
        device = self._devices.setdefault(address, Device(address))
        # an offline device gets one try per poll, so it does not hold the bus for the others
        retries = None if device.online else 0
        if device.refused is not None:
            return  # never driven (§9.1); identified again only when the link comes back
        try:
            if device.identity is None:
                reply = await self._request(address, Command.IDENTIFY, retries=retries)
                identity = parse_reply(DeviceIdentity.decode, reply.payload)
                if identity.protocol_major != PROTOCOL_MAJOR:
                    self._refuse(device, identity)
                    return
                device.identity = identity
            if device.identity.kind is DeviceKind.UNLOADING_POST:
                await self._poll_unloading(device, retries)
            else:
                await self._poll_dispenser(device, retries)
        except Preempted:
            raise  # an emergency stop had the bus: the device did not miss a poll
        except DeviceTimeout:
            device.misses += 1
            if device.misses >= self.offline_after or not device.online:
                self._mark_offline(device)
            raise

    def _refuse(self, device: Device, identity: DeviceIdentity) -> None:
        """§9.1: a device speaking another major version is never driven; the attendant is told why."""
        device.refused = (
            f"protocol version {identity.protocol_major}.{identity.protocol_minor}: "
            f"this station speaks {PROTOCOL_MAJOR}.x"
        )
        device.misses = 0
        log.warning("dispenser bus address %s refused: %s", device.address, device.refused)
        self._emit(DeviceRefused(device.address, identity, device.refused))

    def _mark_online(self, device: Device) -> None:
        device.misses = 0
        if not device.online and device.identity is not None:
            device.online = True
            self._emit(DeviceOnline(device.address, device.identity))

    def _mark_offline(self, device: Device) -> None:
        if not device.online:
            return
        device.online = False
        self._emit(DeviceOffline(device.address))
        for nozzle, state in sorted(device.states.items()):
            if state is not NozzleState.OFFLINE:
                device.states[nozzle] = NozzleState.OFFLINE
                self._emit(NozzleStateChanged(device.address, nozzle, state, NozzleState.OFFLINE))

    def _remember_state(self, address: int, nozzle: int, state: NozzleState) -> None:
        device = self._devices.get(address)
        if device is None:
            return
        old = device.states.get(nozzle)
        if old is not state:
            device.states[nozzle] = state
            self._emit(NozzleStateChanged(address, nozzle, old, state))

    def _alarm_changes(self, device: Device, nozzle: int, alarms: AlarmKind) -> None:
        old = device.alarms.get(nozzle, AlarmKind.NONE)
        if old == alarms:
            return
        device.alarms[nozzle] = alarms
        for flag in (AlarmKind.LEAK, AlarmKind.OVER_PRESSURE, AlarmKind.FLOW, AlarmKind.METER_FAULT):
            if alarms & flag and not old & flag:
                self._emit(AlarmRaised(device.address, nozzle, flag))
            elif old & flag and not alarms & flag:
                self._emit(AlarmCleared(device.address, nozzle, flag))

    async def _poll_dispenser(self, device: Device, retries: int | None) -> None:
        address = device.address
        reply = await self._request(address, Command.READ_STATUS, retries=retries)
        status = parse_reply(DispenserStatus.decode, reply.payload)
        self._mark_online(device)
        for ns in status.nozzles:
            self._alarm_changes(device, ns.nozzle, ns.alarms)
            old = device.states.get(ns.nozzle)
            if old is not ns.state:
                device.states[ns.nozzle] = ns.state
                self._emit(NozzleStateChanged(address, ns.nozzle, old, ns.state, ns.pressure))
            # progress while a fill runs, plus once more when it has just ended: the final figures
            if ns.state in _ACTIVE or (old in _ACTIVE and ns.state not in _ACTIVE):
                progress = await self.read_progress(address, ns.nozzle)
                if device.progress.get(ns.nozzle) != progress:
                    device.progress[ns.nozzle] = progress
                    self._emit(
                        FillProgress(
                            address,
                            ns.nozzle,
                            progress.quantity,
                            progress.amount,
                            progress.pressure,
                            progress.flow,
                            progress.unit_price,
                            progress.state,
                        )
                    )
        if status.unacked_count:
            unacked = await self.read_unacknowledged(address)
            for number in unacked.numbers:
                if number in device.emitted:
                    continue
                txn = await self.read_transaction(address, number)
                device.emitted.add(number)
                self._emit(TransactionCompleted(address, txn))

    async def _poll_unloading(self, device: Device, retries: int | None) -> None:
        address = device.address
        reply = await self._request(address, Command.UNLOAD_STATUS, retries=retries)
        status = parse_reply(UnloadStatus.decode, reply.payload)
        self._mark_online(device)
        self._alarm_changes(device, 1, status.alarms)
        if device.unloading != status:
            device.unloading = status
            self._emit(
                UnloadingProgress(
                    address,
                    status.state,
                    status.record_number,
                    status.quantity,
                    status.totalizer,
                    status.flow,
                    status.pressure,
                    status.temperature,
                )
            )
        if status.unacked_count:
            unacked = await self.read_unacknowledged(address)
            for number in unacked.numbers:
                if number in device.emitted:
                    continue
                record = await self.read_unload_record(address, number)
                device.emitted.add(number)
                self._emit(UnloadingCompleted(address, record))
