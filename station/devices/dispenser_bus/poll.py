"""The poller: it walks every address and turns what it sees into events (it never acknowledges)."""

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
    FillProgress,
    NozzleStateChanged,
    TransactionCompleted,
    UnloadingCompleted,
    UnloadingProgress,
)
from station.devices.dispenser_bus.requests import Requests, parse_reply
from station.devices.dispenser_protocol import (
    AlarmKind,
    Command,
    DeviceIdentity,
    DeviceKind,
    DispenserStatus,
    NozzleState,
    UnloadStatus,
)

log = logging.getLogger(__name__)

_ACTIVE = (NozzleState.AUTHORIZED, NozzleState.FILLING)


class Poller(Requests):
    """Polling dispensers and unloading posts."""

    async def _poll_loop(self) -> None:
        """A cycle over every address each ``poll_interval``, from the start of one cycle to the start of the
        next (the protocol's poll period): the wait is the period less what the cycle took, and a cycle that
        took the whole period or more is followed by the next at once (after a yield to the loop)."""
        loop = asyncio.get_running_loop()
        while self._running:
            await self._connected.wait()
            started = loop.time()
            for address in self.addresses:
                if not self._connected.is_set():
                    break
                try:
                    await self.poll_once(address)
                except LinkDownError:
                    break
                except BusError as exc:
                    log.debug("poll of %s failed: %s", address, exc)
                except asyncio.CancelledError:
                    raise
                except Exception:  # never let one bad poll end polling
                    log.exception("dispenser poll of address %s failed", address)
            await asyncio.sleep(max(0.0, self.poll_interval - (loop.time() - started)))

    async def poll_once(self, address: int) -> None:
        """Poll one address now and emit what changed (the poller calls this; tests may too)."""
        device = self._devices.setdefault(address, Device(address))
        # an offline device gets one try per poll, so it does not hold the bus for the others
        retries = None if device.online else 0
        try:
            if device.identity is None:
                reply = await self._request(address, Command.IDENTIFY, retries=retries)
                device.identity = parse_reply(DeviceIdentity.decode, reply.payload)
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
