"""``station sim dispensers`` as its own process, and its line-based control channel."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from station.devices.dispenser_bus import TransactionCompleted
from station.devices.dispenser_protocol import DeviceKind, NozzleState, Preset
from station.devices.dispenser_sim import DispenserSimulator
from tests.devices.dispenser_helpers import running_bus, until, wait_event


async def _control(port: int, *lines: str) -> list[str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    replies = []
    try:
        for line in lines:
            writer.write(line.encode() + b"\n")
            await writer.drain()
            replies.append((await asyncio.wait_for(reader.readline(), 10)).decode().strip())
    finally:
        writer.close()
    return replies


@pytest.mark.parametrize("where", [["--tcp", "0"], ["--pty"]])
async def test_simulator_process(where: list[str], tmp_path: Path) -> None:
    cmd = [
        sys.executable, "-m", "station.cli", "sim", "dispensers", *where, "--control", "0",
        "--state", str(tmp_path / "state.json"), "--dispensers", "1,2", "--nozzles", "2",
        "--unloading-post", "9", "--speed", "50", "--seed", "3",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
        control_port = int(await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30))
        url = url.strip()
        assert url.startswith("socket://127.0.0.1:") if where[0] == "--tcp" else url.startswith("/dev/")

        fake = DispenserSimulator(dispensers={1: 2, 2: 2}, unloading_post=9)
        fake.url = url  # running_bus only needs the URL and the addresses
        async with running_bus(fake) as (bus, events):
            assert (await bus.identify(9)).kind is DeviceKind.UNLOADING_POST
            replies = await _control(control_port, "lift 2 1 3.5", "bogus", "lift 9 9", "help")
            assert replies[0].startswith("ok")
            assert replies[1].startswith("error") and replies[2].startswith("error")
            assert replies[3].startswith("ok")
            await until(lambda: bus.nozzle_state(2, 1) is NozzleState.NOZZLE_LIFTED)
            await bus.authorize(2, 1, Preset.quantity(120), 450)
            done = await wait_event(events, TransactionCompleted)
            assert (done.address, done.transaction.quantity) == (2, 120)
            (status_line,) = await _control(control_port, "status")
            status = json.loads(status_line.removeprefix("ok "))
            assert status["dispensers"]["2"]["unacked"] == [1]
            assert status["dispensers"]["2"]["nozzles"]["1"]["totalizer_quantity"] == 120
            assert (await _control(control_port, "crc-rate 2"))[0].startswith("error")
            assert (await _control(control_port, "drop-rate 0.1", "drop-rate 0"))[1] == "ok drop-rate 0"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = await asyncio.to_thread(proc.wait, 15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    assert rc == 0, proc.stderr.read() if proc.stderr else ""
    saved = json.loads((tmp_path / "state.json").read_text())
    assert saved["dispensers"]["2"]["counter"] == 1


async def test_control_commands_in_process() -> None:
    sim = DispenserSimulator(dispensers={1: 1}, unloading_post=4, control_port=0, speed=100, baud=None)
    await sim.start()
    try:
        assert sim.control_port is not None
        replies = await _control(
            sim.control_port,
            "lift 1 1",
            "fault 1 1 meter",
            "clear 1 1",
            "leak 1 1",
            "clear 1 1",
            "hang 1 1",
            "delay-ms 5",
            "garbage-rate 0.5",
            "speed 2",
            "unload-start 10",
            "unload-stop",
            "unload-stop",
            "disconnect 0.2",
            "lift 1 x",
        )
        assert all(r.startswith("ok") for r in replies[:11]), replies
        assert replies[11].startswith("error") and replies[13].startswith("error")
        assert replies[12].startswith("ok")
        assert sim.delay_ms == 5 and sim.garbage_rate == 0.5 and sim.speed == 2
        assert sim.unloading is not None and sim.unloading.unacked() == [1]
    finally:
        await sim.stop()
