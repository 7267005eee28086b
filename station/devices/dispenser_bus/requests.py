"""The typed requests: one method per protocol command, payloads encoded and replies parsed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import TypeVar

from station.devices.dispenser_bus.errors import (
    BusError,
    DeviceRejected,
    InvalidRequest,
    LinkDownError,
    ProtocolMismatch,
)
from station.devices.dispenser_bus.events import StopDelivered
from station.devices.dispenser_bus.exchange import Exchange
from station.devices.dispenser_protocol import (
    MAX_UNIT_PRICE,
    AlarmKind,
    AlarmTable,
    AuthorizeReply,
    AuthorizeRequest,
    Command,
    DeviceIdentity,
    DispenserStatus,
    NakCode,
    NozzleRef,
    NozzleState,
    PayloadError,
    Preset,
    PriceTable,
    Progress,
    Totalizers,
    TotalizerTable,
    Transaction,
    TransactionNumber,
    UnackedList,
    UnloadRecord,
    UnloadStatus,
    expect_empty,
    valid_price,
)

_T = TypeVar("_T")
log = logging.getLogger(__name__)


class Requests(Exchange):
    """The protocol's commands as methods of the bus."""

    async def identify(self, address: int) -> DeviceIdentity:
        return await self._call(address, Command.IDENTIFY, b"", DeviceIdentity.decode)

    async def read_status(self, address: int) -> DispenserStatus:
        return await self._call(address, Command.READ_STATUS, b"", DispenserStatus.decode)

    async def set_prices(self, address: int, prices: Mapping[int, int]) -> None:
        """Unit prices in fen per whole unit, by nozzle. Refused (BAD_STATE) while a listed nozzle fills."""
        table = PriceTable.of(prices)
        if not table.prices:
            raise InvalidRequest("an empty price table changes nothing (the device refuses it)")
        if not all(valid_price(p) for _, p in table.prices):
            raise InvalidRequest(f"unit prices must be 1..{MAX_UNIT_PRICE} fen")
        await self._call(address, Command.SET_PRICES, _encode(table.encode), _empty("set prices"))

    async def read_prices(self, address: int) -> dict[int, int]:
        table = await self._call(address, Command.READ_PRICES, b"", PriceTable.decode)
        return table.as_dict()

    async def authorize(self, address: int, nozzle: int, preset: Preset, unit_price_fen: int) -> NozzleState:
        """Preset and authorize a lifted nozzle; the fill is priced at ``unit_price_fen`` per unit.

        Idempotent across retries (same sequence number). Raises DeviceRejected with NOT_LIFTED,
        UNACKED_PENDING (the nozzle's last fill is not acknowledged), ALARM_ACTIVE, BAD_STATE, BAD_VALUE.
        """
        request = AuthorizeRequest(nozzle, preset, unit_price_fen)
        reply = await self._call(address, Command.AUTHORIZE, _encode(request.encode), AuthorizeReply.decode)
        self._remember_state(address, nozzle, reply.state)
        return reply.state

    async def stop(self, address: int, nozzle: int = 0, *, retries: int | None = None) -> int:
        """Emergency stop of one nozzle (0: every nozzle of the dispenser; on an unloading post, the unloading).
        Never refused; returns the device's echo: 0 when it stopped everything (also for a nozzle it lacks).

        It goes before every request waiting for the bus and cuts short the one on the wire (``stop_grace``).
        A STOP the link cuts off (asked while it is down, or on the wire when it drops) is owed: it is sent
        again as soon as the link is back, and again, until the device answers it (§2.1)."""
        key = (address, nozzle)
        owed_before = key in self._stops_owed
        self._stops_owed[key] = None
        try:
            echo = await self._stop_once(address, nozzle, retries)
        except LinkDownError:
            raise  # stays owed
        except BusError:
            if not owed_before:  # the link was up and the device did not answer: the caller knows and retries
                self._stops_owed.pop(key, None)
            raise
        self._stops_owed.pop(key, None)
        return echo

    async def _stop_once(self, address: int, nozzle: int, retries: int | None) -> int:
        payload = _encode(NozzleRef(nozzle).encode)
        try:
            reply = await self._request(address, Command.STOP, payload, retries=retries, urgent=True)
        except DeviceRejected as exc:
            if nozzle == 0 or exc.code not in (NakCode.BAD_VALUE, NakCode.BAD_LENGTH):
                raise
            # a v1.0 device refuses a nozzle it lacks: stop them all rather than leave gas flowing (§10)
            return await self._stop_once(address, 0, retries)
        echo = parse_reply(NozzleRef.decode, reply.payload).nozzle
        if echo not in (0, nozzle):
            raise ProtocolMismatch(f"address {address}: STOP {nozzle} answered for nozzle {echo}")
        return echo

    async def _repeat_owed_stops(self) -> None:
        """§2.1: the link is back and STOPs are owed: each goes out again, ahead of every poll, until answered;
        a device that does not answer yet gets it again after a poll period; a new loss waits for the next link."""
        while self._stops_owed and self._connected.is_set():
            for address, nozzle in list(self._stops_owed):
                log.warning("repeating the emergency STOP of %s/%s: the link was lost", address, nozzle or "*")
                try:
                    await self.stop(address, nozzle, retries=0)  # one try a round: polls are not starved
                except LinkDownError:
                    return
                except BusError as exc:
                    log.warning("repeated STOP of %s/%s not answered yet: %s", address, nozzle or "*", exc)
                else:
                    self._emit(StopDelivered(address, nozzle))  # the attendant was told it had failed
            if self._stops_owed:
                await asyncio.sleep(max(self.poll_interval, 0.05))

    async def read_progress(self, address: int, nozzle: int) -> Progress:
        return await self._call(address, Command.READ_PROGRESS, _encode(NozzleRef(nozzle).encode), Progress.decode)

    async def read_totalizers(self, address: int) -> dict[int, Totalizers]:
        table = await self._call(address, Command.READ_TOTALIZERS, b"", TotalizerTable.decode)
        return {t.nozzle: t for t in table.totalizers}

    async def read_unacknowledged(self, address: int) -> UnackedList:
        return await self._call(address, Command.READ_UNACKED, b"", UnackedList.decode)

    async def read_transaction(self, address: int, number: int) -> Transaction:
        payload = _encode(TransactionNumber(number).encode)
        return await self._call(address, Command.READ_TRANSACTION, payload, Transaction.decode)

    async def acknowledge(self, address: int, number: int) -> None:
        """Acknowledge a transaction (or an unloading record) after the app has recorded it. Idempotent."""
        payload = _encode(TransactionNumber(number).encode)
        await self._call(address, Command.ACK_TRANSACTION, payload, TransactionNumber.decode)

    async def read_alarms(self, address: int) -> dict[int, AlarmKind]:
        table = await self._call(address, Command.READ_ALARMS, b"", AlarmTable.decode)
        return dict(table.alarms)

    async def read_unloading_status(self, address: int) -> UnloadStatus:
        return await self._call(address, Command.UNLOAD_STATUS, b"", UnloadStatus.decode)

    async def start_unloading(self, address: int) -> int:
        reply = await self._call(address, Command.UNLOAD_START, b"", TransactionNumber.decode)
        return reply.number

    async def stop_unloading(self, address: int) -> int:
        reply = await self._call(address, Command.UNLOAD_STOP, b"", TransactionNumber.decode)
        return reply.number

    async def read_unload_record(self, address: int, number: int) -> UnloadRecord:
        payload = _encode(TransactionNumber(number).encode)
        return await self._call(address, Command.READ_UNLOAD_RECORD, payload, UnloadRecord.decode)


def _encode(encoder: Callable[[], bytes]) -> bytes:
    try:
        return encoder()
    except PayloadError as exc:
        raise InvalidRequest(str(exc)) from exc


def parse_reply(parse: Callable[[bytes], _T], payload: bytes) -> _T:
    try:
        return parse(payload)
    except PayloadError as exc:
        raise ProtocolMismatch(str(exc)) from exc


def _empty(what: str) -> Callable[[bytes], None]:
    def parse(payload: bytes) -> None:
        expect_empty(payload, what)

    return parse
