"""Device events into the core: the dispenser bus's events onto the lanes, prices pushed when the link comes up,
and the card reader's cards (a staff card logs in when nobody is)."""

from __future__ import annotations

import asyncio
import contextlib

from station.core.base import CoreBase
from station.core.lanes import CardRead, CodeScanned, CoreRefused, LaneChanged, NozzleState, StaffCardLogin
from station.devices import dispenser_protocol as proto
from station.devices.dispenser_bus import (
    AlarmRaised,
    BusError,
    BusEvent,
    DeviceRefused,
    FillProgress,
    LinkDown,
    LinkUp,
    NozzleStateChanged,
    StopDelivered,
    TransactionCompleted,
)
from station.devices.pn532_reader import CardPresented, CardRemoved, ReaderDown, ReaderUp

# The driver's nozzle states in the core's words: mapped here, where the bus's events come in.
NOZZLE_STATES: dict[proto.NozzleState, NozzleState] = {
    proto.NozzleState.IDLE: NozzleState.IDLE,
    proto.NozzleState.NOZZLE_LIFTED: NozzleState.NOZZLE_LIFTED,
    proto.NozzleState.AUTHORIZED: NozzleState.AUTHORIZED,
    proto.NozzleState.FILLING: NozzleState.FILLING,
    proto.NozzleState.FINISHED: NozzleState.FINISHED,
    proto.NozzleState.STOPPED: NozzleState.STOPPED,
    proto.NozzleState.FAULT: NozzleState.FAULT,
    proto.NozzleState.OFFLINE: NozzleState.OFFLINE,
}


class DeviceEvents(CoreBase):
    # ------------------------------------------------------------------ device events

    def _on_bus_event(self, event: BusEvent) -> None:
        if self._stopping:
            return
        if isinstance(event, TransactionCompleted):
            if (event.address, event.transaction.nozzle) == self._served:
                self._show(self.display.show_due(event.transaction.amount))
            self._record_once(event)
            return
        if isinstance(event, NozzleStateChanged):
            lane = self.lanes.get((event.address, event.nozzle))
            if lane is None:
                return
            lane.state = NOZZLE_STATES[event.new]
            lane.link_up = True
            if event.new is proto.NozzleState.NOZZLE_LIFTED and event.old in (None, proto.NozzleState.IDLE):
                lane.lifted_at = self.monotonic()
            elif event.new is proto.NozzleState.IDLE:
                lane.hung_at = self.monotonic()
            if event.pressure:
                lane.pressure = event.pressure
            if event.new is proto.NozzleState.FILLING and lane.sequence is not None:
                lane.sequence.gas_flowing()
            if event.new is proto.NozzleState.NOZZLE_LIFTED and event.old in (None, proto.NozzleState.IDLE):
                # A new lift starts from zero; after a fill the last figures stay on show until the next one.
                lane.quantity = lane.amount = lane.flow = 0
            if event.new is proto.NozzleState.IDLE:
                lane.alarm = ""
            self._dispenser_saw(lane)  # lifted: nozzle connected (step 6); hung up: nozzle removed (step 9)
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
            if lane.key == self._served:
                self._show(self.display.show_amount(event.amount))
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
        elif isinstance(event, StopDelivered):
            # the stop the attendant was told had not reached the dispenser got there once the link was back
            self.notice("estop.done", "warning", lane=f"{event.address}/{event.nozzle or '*'}")
        elif isinstance(event, DeviceRefused):
            # another protocol major version: its lanes stay offline; the attendant can tell a technician why
            version = f"{event.identity.protocol_major}.{event.identity.protocol_minor}"
            ours = f"{proto.PROTOCOL_MAJOR}.x"
            self.notice("err.device_refused", "error", address=event.address, version=version, ours=ours)
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

    async def _scanner_loop(self) -> None:
        """Each code a serial scanner reads goes to the screen in front, as a USB scanner's keys would."""
        assert self.code_scanner is not None
        async for code in self.code_scanner.codes():
            self.emit(CodeScanned(code))

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
                self.card_on_reader = event.uid_hex
                self.emit(CardRead(event.uid_hex))
            elif isinstance(event, CardRemoved):
                if self.card_on_reader == event.uid_hex:
                    self.card_on_reader = None
            elif isinstance(event, ReaderDown):
                self.card_on_reader = None  # whatever lies there is read again once the reader is back
                self.notice("device.reader_down", "warning")
            elif isinstance(event, ReaderUp):
                self.notice("device.reader_up")
