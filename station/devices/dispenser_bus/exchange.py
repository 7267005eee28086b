"""One exchange at a time on the half-duplex bus: whose turn it is (an emergency stop first), the request
on the wire, its retries with the same sequence number, and matching the reply to it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from station.devices.dispenser_bus.base import BusParts, Pending
from station.devices.dispenser_bus.errors import (
    DeviceRefusedError,
    DeviceRejected,
    DeviceTimeout,
    InvalidRequest,
    LinkDownError,
    Preempted,
    ProtocolMismatch,
)
from station.devices.dispenser_protocol import (
    MAX_ADDRESS,
    MIN_ADDRESS,
    NAK_COMMAND,
    REPLY_FLAG,
    Command,
    Frame,
    NakReply,
    PayloadError,
    ProtocolError,
    encode_frame,
    reply_deadline,
)

_T = TypeVar("_T")
log = logging.getLogger(__name__)


class BusTurn:
    """Whose turn it is to speak on the half-duplex bus: first come, first served, except that an
    emergency stop goes before every request still waiting (never behind a poll cycle of eight dispensers)."""

    def __init__(self) -> None:
        self._busy = False
        self._urgent_holder = False
        self._waiters: list[tuple[bool, asyncio.Future[None]]] = []

    @property
    def urgent_waiting(self) -> bool:
        return any(urgent and not fut.done() for urgent, fut in self._waiters)

    @property
    def held_by_urgent(self) -> bool:
        return self._busy and self._urgent_holder

    async def acquire(self, urgent: bool) -> None:
        if not self._busy and not self._waiters:
            self._busy, self._urgent_holder = True, urgent
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (urgent, fut)
        if urgent:  # behind other stops, ahead of everything else
            index = next((i for i, (u, _) in enumerate(self._waiters) if not u), len(self._waiters))
            self._waiters.insert(index, entry)
        else:
            self._waiters.append(entry)
        try:
            await fut
        except asyncio.CancelledError:
            if entry in self._waiters:
                self._waiters.remove(entry)
            elif fut.done() and not fut.cancelled():
                self.release()  # handed the turn while being cancelled: pass it on
            raise
        self._urgent_holder = urgent

    def release(self) -> None:
        while self._waiters:
            _, fut = self._waiters.pop(0)
            if not fut.done():
                fut.set_result(None)  # the turn passes straight to the next waiter: still busy
                return
        self._busy = self._urgent_holder = False


class Exchange(BusParts):
    """Sending a request and waiting for its reply."""

    def _dispatch(self, frame: Frame) -> None:
        pending = self._pending
        if (
            pending is None
            or pending.future.done()
            or frame.address != pending.address
            or frame.sequence != pending.sequence
            or not frame.is_reply
        ):
            self.stats.stale_replies += 1
            return
        if frame.command == NAK_COMMAND:
            try:
                nak = NakReply.decode(frame.payload)
            except ProtocolError:
                self.stats.stale_replies += 1
                return
            if nak.command != pending.command:
                self.stats.stale_replies += 1
                return
        elif frame.command != pending.command | REPLY_FLAG:
            self.stats.stale_replies += 1
            return
        pending.future.set_result(frame)

    def _next_sequence(self) -> int:
        self._sequence = (self._sequence + 1) & 0xFF
        return self._sequence

    async def _request(
        self,
        address: int,
        command: Command,
        payload: bytes = b"",
        *,
        retries: int | None = None,
        urgent: bool = False,
    ) -> Frame:
        """One exchange on the bus. ``urgent`` (STOP) goes before every waiting request and cuts short the
        one on the wire, which then fails with Preempted."""
        check_address(address)
        device = self._devices.get(address)
        if device is not None and device.refused is not None and command is not Command.IDENTIFY:
            # another protocol major version: its layouts may differ, so no byte of ours is sent to it
            raise DeviceRefusedError(f"address {address}: {device.refused}")
        attempts = 1 + (self.retries if retries is None else retries)
        if urgent:
            self._preempt_current()
        await self._turn.acquire(urgent)
        try:
            if not self._connected.is_set() or self._writer is None:
                raise LinkDownError(f"{self.url} is not connected")
            sequence = self._next_sequence()
            data = encode_frame(Frame(address, command, sequence, payload))
            self.stats.requests += 1
            loop = asyncio.get_running_loop()
            for attempt in range(attempts):
                if not urgent and self._turn.urgent_waiting:
                    raise Preempted(address, command)  # a stop is waiting: no further attempt goes out
                writer = self._writer
                if not self._connected.is_set() or writer is None:
                    raise LinkDownError(f"{self.url} is not connected")
                if attempt:
                    self.stats.retries += 1
                # leftovers of a late or broken reply must not stall the decoder for this one
                self._decoder.reset()
                future: asyncio.Future[Frame] = loop.create_future()
                self._pending = Pending(address, sequence, command, future, urgent)
                try:
                    writer.write(data)
                except Exception as exc:
                    raise LinkDownError(f"write failed: {exc}") from exc
                try:
                    reply = await asyncio.wait_for(future, self._deadline(address, command, len(data)))
                except TimeoutError:
                    self.stats.timeouts += 1
                    continue
                finally:
                    self._pending = None
                self._last_answer = loop.time()
                if reply.command == NAK_COMMAND:
                    self.stats.naks += 1
                    raise DeviceRejected(address, command, NakReply.decode(reply.payload).code)
                return reply
            self._drop_silent_tcp_link()
            raise DeviceTimeout(address, command)
        finally:
            try:
                # the silent gap that ends the exchange before the next frame goes out
                await asyncio.sleep(self.inter_frame_gap)
            finally:
                self._turn.release()

    def _deadline(self, address: int, command: int, request_bytes: int) -> float:
        """§5: the wait runs to the last byte of the longest reply this command can get from this device:
        the request on the wire, ``reply_timeout`` for the reply to start, the reply on the wire."""
        device = self._devices.get(address)
        identity = device.identity if device is not None else None
        kwargs = {"nozzle_count": identity.nozzle_count} if identity is not None else {}
        return reply_deadline(command, request_bytes, self.baudrate, self.reply_timeout, **kwargs)

    def _drop_silent_tcp_link(self) -> None:
        """§2: over TCP, total silence for ``tcp_silence`` seconds is taken for a half-open connection (the
        converter restarted without a FIN): close it, so the link loop reconnects and identifies again."""
        if not self.url.startswith("socket://") or self._writer is None:
            return
        if asyncio.get_running_loop().time() - self._last_answer < self.tcp_silence:
            return
        log.warning("no device answered on %s for %.0f s: reconnecting", self.url, self.tcp_silence)
        self._writer.close()

    def _preempt_current(self) -> None:
        """A stop is coming: the request on the wire gets ``stop_grace`` for its reply, then gives up the bus."""
        pending = self._pending
        if pending is None or pending.urgent or pending.future.done():
            return

        def cut() -> None:
            if not pending.future.done():
                pending.future.set_exception(Preempted(pending.address, pending.command))

        asyncio.get_running_loop().call_later(self.stop_grace, cut)

    async def _call(self, address: int, command: Command, payload: bytes, parse: Callable[[bytes], _T]) -> _T:
        reply = await self._request(address, command, payload)
        try:
            return parse(reply.payload)
        except PayloadError as exc:
            raise ProtocolMismatch(f"address {address}, command {command.name}: {exc}") from exc


def check_address(address: int) -> None:
    if not isinstance(address, int) or not MIN_ADDRESS <= address <= MAX_ADDRESS:
        raise InvalidRequest(f"bus address {address!r} outside {MIN_ADDRESS}..{MAX_ADDRESS}")
