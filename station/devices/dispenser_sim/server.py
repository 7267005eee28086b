"""``DispenserSimulator``: the whole bus put together and served on a TCP port or a pty.

Construction (devices, settings, faults, the state file read back), start and stop, the two transports, the
control port, and disconnects (TCP closes the port, a pty goes silent). Every request that comes in goes
through ``handle_request`` (``answers``) and then the faults (``faults``) on its way back out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
import tty
from pathlib import Path

from station.devices.dispenser_protocol import (
    MAX_NOZZLES,
    TURNAROUND_MIN,
    Frame,
    FrameDecoder,
    SaleUnit,
    StopReason,
    inter_byte_timeout,
    wire_time,
)
from station.devices.dispenser_sim.control import SimulatorControl
from station.devices.dispenser_sim.faults import Faults
from station.devices.dispenser_sim.state import Nozzle, SimDispenser, SimulatorError, SimUnloadingPost
from station.devices.dispenser_sim.statefile import load_state


class DispenserSimulator(SimulatorControl):
    """The whole bus. ``await start()``, connect a bus master to ``url``, ``await stop()``.

    ``transport`` is "tcp" (``url`` = ``socket://127.0.0.1:PORT``) or "pty" (``url`` = ``/dev/pts/N``).
    ``control_port``: None for no control channel, 0 for a free port.
    ``baud``: the line's rate; a reply goes out only once the request, the turnaround and the reply itself would
    have taken their time on an RS-485 line at that rate (10 bits a byte). None: answer at once (the tests).
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
        baud: int | None = 9600,
    ) -> None:
        if transport not in ("tcp", "pty"):
            raise SimulatorError("transport is tcp or pty")
        layout = dispensers if dispensers is not None else {1: 2}
        self.dispensers = {}
        for address, count in layout.items():
            self._check_address(address)
            if not 1 <= count <= MAX_NOZZLES:
                raise SimulatorError(f"a dispenser has 1..{MAX_NOZZLES} nozzles")
            nozzles = {n: Nozzle(n, price=default_price) for n in range(1, count + 1)}
            self.dispensers[address] = SimDispenser(address, nozzles, unit=unit)
        self.unloading = None
        if unloading_post is not None:
            self._check_address(unloading_post)
            if unloading_post in self.dispensers:
                raise SimulatorError("the unloading post needs its own address")
            self.unloading = SimUnloadingPost(unloading_post, unit=unit)
        self.transport = transport
        self.versions = {}
        self.baud = baud
        self.tcp_port = tcp_port
        self._control_port_wanted = control_port
        self.state_path = Path(state_path) if state_path else None
        self.unit = unit
        self.speed = speed
        self.flow_rate = flow_rate
        self.cutoff = round(cutoff_mpa * 100)
        self.faults = Faults(
            crc_error_rate=crc_error_rate,
            drop_rate=drop_rate,
            delay_ms=delay_ms,
            garbage_rate=garbage_rate,
            leak_rate=leak_rate,
            rng=random.Random(seed),
        )
        self.url = ""
        self.control_port: int | None = None
        self._loop = None
        self._tasks: list[asyncio.Task[None]] = []
        self._server: asyncio.Server | None = None
        self._control_server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._control_writers = set()
        self._master: int | None = None
        self._slave: int | None = None
        self._pty_queue: asyncio.Queue[tuple[Frame, float]] = asyncio.Queue()
        # §3.2: a request that stops arriving mid-frame for 20 character times (at 9600) is dropped
        self.inter_byte_timeout = inter_byte_timeout(baud or 9600)
        self._pty_decoder = FrameDecoder(inter_byte_timeout=self.inter_byte_timeout)
        self._silent_until = 0.0
        self._down = False
        self._last_save = 0.0
        self._dirty = False
        if self.state_path is not None:
            load_state(self.state_path, self.dispensers, self.unloading)

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

    async def _answer(self, frame: Frame) -> bytes | None:
        # looked up on the instance each time: tests and benchmarks wrap it and ``handle_request``
        reply = self.handle_request(frame)
        if reply is None:
            return None
        return await self.faults.send(reply)

    async def _answer_paced(self, frame: Frame, received_at: float) -> bytes | None:
        """The answer, held back until the line could have carried it: over TCP or a pty the request arrives
        in one piece at once, so without this a master would see a bus far faster than RS-485 (§5)."""
        out = await self._answer(frame)
        if out and self.baud is not None:
            assert self._loop is not None
            request_bytes = 9 + len(frame.payload)  # §3: 9 bytes of framing around the payload
            due = received_at + wire_time(request_bytes, self.baud) + TURNAROUND_MIN + wire_time(len(out), self.baud)
            delay = due - self._loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        return out

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
        assert self._loop is not None
        now = self._loop.time()
        for frame in self._pty_decoder.feed(data, now):
            self._pty_queue.put_nowait((frame, now))

    async def _pty_worker(self) -> None:
        while True:
            frame, received_at = await self._pty_queue.get()
            out = await self._answer_paced(frame, received_at)
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
        decoder = FrameDecoder(inter_byte_timeout=self.inter_byte_timeout)
        loop = asyncio.get_running_loop()
        try:
            while not reader.at_eof():
                data = await reader.read(4096)
                if not data:
                    break
                received_at = loop.time()
                for frame in decoder.feed(data, received_at):
                    out = await self._answer_paced(frame, received_at)
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

    # ---------------------------------------------------------------------------------- disconnects

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
