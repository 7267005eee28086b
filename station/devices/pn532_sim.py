"""A PN532 card reader simulator speaking HSU frames on a pty or a TCP port.

The client opens the pty's slave path (``/dev/pts/N``, or a stable symlink when ``link_path`` is given, the way
``/dev/serial/by-id/...`` works) or ``socket://127.0.0.1:PORT``. A card is presented or removed in-process
(:meth:`PN532Simulator.present`, :meth:`PN532Simulator.remove`) or over a line-based TCP control channel:

    present UIDHEX        -> ok present UIDHEX
    remove                -> ok removed
    status                -> ok card=UIDHEX|none awake=yes|no clients=N checksum=N drop=N garbage=N
    fault KIND N          -> ok fault KIND N      (KIND: checksum, drop, garbage; N replies affected)
    fault clear           -> ok fault clear
    anything else         -> error ...

Like the chip, it ignores everything until the HSU wake-up (0x55) arrives, ACKs each good command frame before
answering it, resends its last answer on a NACK, and stays silent on frames with bad checksums.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from station.devices.pn532_protocol import (
    ACK_FRAME,
    BRTY_106_TYPE_A,
    CMD_GET_FIRMWARE_VERSION,
    CMD_IN_LIST_PASSIVE_TARGET,
    CMD_IN_RELEASE,
    CMD_RF_CONFIGURATION,
    CMD_SAM_CONFIGURATION,
    ERROR_FRAME,
    TFI_HOST_TO_PN532,
    FirmwareVersion,
    Frame,
    FrameDecoder,
    Nack,
    PassiveTarget,
    encode_in_list_passive_target_answer,
    encode_response,
    parse_uid_hex,
)
from station.devices.sim_link import Feed, SimLink, Write

WAKE_BYTE = 0x55
# Line noise for the garbage fault: no 0x00 in it, so it can never look like a start code.
NOISE = b"\x13\x37\xaa\x99\xfe\x42"


@dataclass
class Faults:
    """Counters of replies still to be spoiled; each fault decrements as it fires."""

    checksum: int = 0  # corrupt the DCS of the next N answers (the host NACKs, we resend a good copy)
    drop: int = 0  # ACK but never answer the next N commands
    garbage: int = 0  # put line noise before the next N replies

    def clear(self) -> None:
        self.checksum = self.drop = self.garbage = 0


@dataclass
class _Session:
    write: Callable[[bytes], None]
    decoder: FrameDecoder = field(default_factory=FrameDecoder)
    awake: bool = False
    last_answer: bytes = b""


class PN532Simulator:
    def __init__(
        self,
        *,
        mode: Literal["pty", "tcp"] = "pty",
        port: int = 0,
        control_port: int | None = 0,
        host: str = "127.0.0.1",
        link_path: str | os.PathLike[str] | None = None,
        firmware: FirmwareVersion | None = None,
        require_wakeup: bool = True,
    ) -> None:
        self.mode = mode
        self.host = host
        self._control_port_wanted = control_port
        self.link_path = Path(link_path) if link_path is not None else None
        self.firmware = firmware or FirmwareVersion(ic=0x32, ver=1, rev=6, support=0x07)
        self.require_wakeup = require_wakeup
        self.faults = Faults()
        self.card: bytes | None = None
        self.commands_seen: list[int] = []
        self.control_port: int | None = None
        self._sessions: dict[Feed, _Session] = {}  # one chip session per connection (the pty, each TCP client)
        self._control: asyncio.Server | None = None
        self._link = SimLink(
            mode=mode, host=host, port=port, link_path=self.link_path, on_connect=self._connected, on_close=self._closed
        )

    @property
    def url(self) -> str:
        return self._link.url

    # --- card API ------------------------------------------------------------------------------------------

    def present(self, uid: bytes | str) -> None:
        self.card = parse_uid_hex(uid) if isinstance(uid, str) else bytes(uid)

    def remove(self) -> None:
        self.card = None

    def status(self) -> str:
        card = self.card.hex().upper() if self.card else "none"
        awake = "yes" if any(s.awake for s in self._sessions.values()) else "no"
        f = self.faults
        return (
            f"card={card} awake={awake} clients={len(self._sessions)} "
            f"checksum={f.checksum} drop={f.drop} garbage={f.garbage}"
        )

    # --- lifecycle -----------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._link.start()
        if self._control_port_wanted is not None:
            self._control = await asyncio.start_server(self._control_client, self.host, self._control_port_wanted)
            self.control_port = self._control.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self.disconnect()
        if self._control is not None:
            self._control.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._control.wait_closed(), 2)
            self._control = None

    async def disconnect(self) -> None:
        """Unplug: the client's port errors out (pty hang-up or TCP reset); the card state is kept."""
        await self._link.stop()
        self._sessions.clear()

    async def reconnect(self) -> None:
        """Plug back in: same TCP port, or a fresh pty behind the same ``link_path``."""
        await self.disconnect()
        await self._link.start()

    # --- connections ---------------------------------------------------------------------------------------

    def _connected(self, write: Write) -> Feed:
        session = _Session(write=write)

        def feed(data: bytes) -> None:
            self._on_bytes(session, data)

        self._sessions[feed] = session
        return feed

    def _closed(self, feed: Feed) -> None:
        self._sessions.pop(feed, None)

    # --- the chip ------------------------------------------------------------------------------------------

    def _on_bytes(self, session: _Session, data: bytes) -> None:
        if not session.awake:
            if self.require_wakeup and WAKE_BYTE not in data:
                return  # asleep: the UART is not listening yet
            session.awake = True
            if self.require_wakeup:
                data = data[data.index(WAKE_BYTE) :]
        for item in session.decoder.feed(data):
            if isinstance(item, Frame) and item.tfi == TFI_HOST_TO_PN532 and item.data:
                self._answer(session, item)
            elif isinstance(item, Nack) and session.last_answer:
                self._send(session, session.last_answer)
            # An ACK from the host aborts the command in progress; ours complete at once, so nothing to do.
            # Corrupt frames get no answer: the host times out and sends again.

    def _answer(self, session: _Session, frame: Frame) -> None:
        command = frame.command
        self.commands_seen.append(command)
        answer = self._response(command, frame.params)
        self._send(session, ACK_FRAME)
        session.last_answer = answer
        if self.faults.drop > 0:
            self.faults.drop -= 1
            return
        if self.faults.checksum > 0:
            self.faults.checksum -= 1
            answer = answer[:-2] + bytes([(answer[-2] + 1) & 0xFF]) + answer[-1:]
        self._send(session, answer)

    def _send(self, session: _Session, data: bytes) -> None:
        if self.faults.garbage > 0:
            self.faults.garbage -= 1
            data = NOISE + data
        session.write(data)

    def _response(self, command: int, params: bytes) -> bytes:
        if command == CMD_GET_FIRMWARE_VERSION:
            fw = self.firmware
            return encode_response(command, bytes([fw.ic, fw.ver, fw.rev, fw.support]))
        if command in (CMD_SAM_CONFIGURATION, CMD_RF_CONFIGURATION):
            return encode_response(command)
        if command == CMD_IN_RELEASE:
            return encode_response(command, b"\x00")
        if command == CMD_IN_LIST_PASSIVE_TARGET:
            if len(params) < 2 or params[0] not in (1, 2):
                return ERROR_FRAME
            if params[1] != BRTY_106_TYPE_A or self.card is None:
                return encode_in_list_passive_target_answer([])
            uid = self.card
            # ATQA/SAK of a MIFARE Classic 1K (4-byte UID) or an Ultralight-style 7-byte UID card.
            sens_res, sel_res = (0x0004, 0x08) if len(uid) == 4 else (0x0044, 0x00)
            target = PassiveTarget(tg=1, sens_res=sens_res, sel_res=sel_res, uid=uid)
            return encode_in_list_passive_target_answer([target])
        return ERROR_FRAME

    # --- control channel -----------------------------------------------------------------------------------

    def control(self, line: str) -> str:
        """Run one control command and return the reply line (also used by the TCP channel)."""
        words = line.split()
        if not words:
            return "error empty command"
        verb, args = words[0].lower(), words[1:]
        try:
            if verb == "present" and len(args) == 1:
                self.present(args[0])
                assert self.card is not None
                return f"ok present {self.card.hex().upper()}"
            if verb == "remove" and not args:
                self.remove()
                return "ok removed"
            if verb == "status" and not args:
                return f"ok {self.status()}"
            if verb == "fault" and args == ["clear"]:
                self.faults.clear()
                return "ok fault clear"
            if verb == "fault" and len(args) == 2 and args[0] in ("checksum", "drop", "garbage"):
                count = int(args[1])
                if count < 0:
                    return "error count must not be negative"
                setattr(self.faults, args[0], count)
                return f"ok fault {args[0]} {count}"
        except ValueError as exc:
            return f"error {exc}"
        return f"error unknown command: {line.strip()!r} (present UIDHEX | remove | status | fault KIND N)"

    async def _control_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                line = raw.decode("utf-8", "replace").strip()
                if line.lower() in ("quit", "exit"):
                    writer.write(b"ok bye\n")
                    await writer.drain()
                    break
                writer.write((self.control(line) + "\n").encode())
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
