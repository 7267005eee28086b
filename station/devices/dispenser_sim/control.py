"""The forecourt around the simulated devices, driven in process (tests, demo) or over the text control channel.

What people do at the dispensers (lift, hang up, press stop, clear alarms), alarms and leaks, the read-outs
tests check (transactions, states, totalizers, ``status``), and the line protocol of the control port:
one command per line (``CONTROL_COMMANDS``), answered "ok ..." or "error ...".
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from station.devices.dispenser_protocol import AlarmKind, NozzleState, StopReason, Transaction
from station.devices.dispenser_sim.answers import SimulatorAnswers
from station.devices.dispenser_sim.state import SimulatorError

CONTROL_COMMANDS = (
    "lift D N [residual_mpa] [capacity_kg]",
    "hang D N",
    "stop D N",
    "leak D N",
    "fault D N meter|pressure|flow|leak",
    "clear D [N]",
    "disconnect SECONDS",
    "version D MAJOR MINOR",
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


class SimulatorControl(SimulatorAnswers):
    url: str
    _control_writers: set[asyncio.StreamWriter]

    async def disconnect(self, seconds: float) -> None:
        raise NotImplementedError  # the transport's: ``server.DispenserSimulator.disconnect``

    # ------------------------------------------------------------------------------ at the dispenser

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
        self.latch_alarm(d, z, alarm)

    def leak(self, address: int, nozzle: int) -> None:
        self.raise_alarm(address, nozzle, AlarmKind.LEAK)

    def clear(self, address: int, nozzle: int) -> None:
        """Clear latched alarms (done at the dispenser by a technician, never from the bus)."""
        if self.unloading is not None and address == self.unloading.address:
            self.unloading.alarms = AlarmKind.NONE
            return
        _, z = self._nozzle(address, nozzle)
        z.alarms = AlarmKind.NONE

    def report_version(self, address: int, major: int, minor: int) -> None:
        """Make the device at ``address`` report another protocol version in IDENTIFY (a newer or older maker's
        firmware); it still answers as this one otherwise."""
        if address not in self.dispensers and (self.unloading is None or self.unloading.address != address):
            raise SimulatorError(f"no device at address {address}")
        if not (0 <= major <= 255 and 0 <= minor <= 255):
            raise SimulatorError("a version part is a byte, 0..255")
        self.versions[address] = (major, minor)

    # -------------------------------------------------------------------------------------- read-outs

    def transactions(self, address: int) -> list[Transaction]:
        d = self.dispensers[address]
        return [d.transactions[n] for n in sorted(d.transactions)]

    def state_of(self, address: int, nozzle: int) -> NozzleState:
        d, z = self._nozzle(address, nozzle)
        return self.nozzle_state(d, z)

    def totalizer(self, address: int, nozzle: int) -> tuple[int, int]:
        _, z = self._nozzle(address, nozzle)
        return z.live_totalizer()

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "dispensers": {}, "stats": dict(self.stats)}
        for address, d in self.dispensers.items():
            nozzles = {}
            for n, z in d.nozzles.items():
                progress = self.progress(d, z)
                qty, amount = z.live_totalizer()
                nozzles[str(n)] = {
                    "state": self.nozzle_state(d, z).name.lower(),
                    "lifted": z.lifted,
                    "alarms": int(z.alarms),
                    "pressure": z.pressure(self.cutoff),
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

    # -------------------------------------------------------------------------------- control channel

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
        if cmd == "version":
            self.report_version(int(args[0]), int(args[1]), int(args[2]))
            return f"ok version {args[0]} {args[1]}.{args[2]}"
        if cmd == "disconnect":
            seconds = float(args[0])
            await self.disconnect(seconds)
            return f"ok disconnected for {seconds:g} s"
        if cmd in ("crc-rate", "drop-rate", "garbage-rate", "leak-rate"):
            value = float(args[0])
            if not 0.0 <= value <= 1.0:
                return "error rate must be between 0 and 1"
            setattr(self.faults, {"crc-rate": "crc_error_rate"}.get(cmd, cmd.replace("-", "_")), value)
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
