"""``station run`` wiring: the ports in the configuration reach simulators running as separate processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from station.cli.run import build_core
from station.core.lanes import NozzleState as LaneState
from tests.conftest import until

ROOT = Path(__file__).resolve().parents[2]


def start_sim(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "station.cli", "sim", *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


async def test_configured_ports_reach_the_simulators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dispensers, bus_url = start_sim(
        "dispensers", "--tcp", "0", "--dispensers", "1,2", "--nozzles", "2", "--state", str(tmp_path / "d.json")
    )
    reader, reader_url = start_sim("reader", "--tcp", "0", "--card", "04A1B2C3")
    try:
        text = (ROOT / "config" / "station.toml").read_text(encoding="utf-8")
        text = text.replace('dispenser_port = ""', f'dispenser_port = "{bus_url}"')
        text = text.replace('reader_port = ""', f'reader_port = "{reader_url}"')
        text = text.replace('printer_target = "receipts.bin"', f'printer_target = "{tmp_path / "r.bin"}"')
        config = tmp_path / "station.toml"
        config.write_text(text, encoding="utf-8")
        monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
        runtime, core = build_core(f"sqlite:///{tmp_path / 's.db'}", str(config), tmp_path / "spool")
        reads: list[str] = []
        from station.core.station import CardRead

        core.subscribe(lambda e: reads.append(e.uid) if isinstance(e, CardRead) else None)
        await core.start()
        try:
            await until(lambda: all(lane.state is LaneState.IDLE for lane in core.lanes.values()))
            assert all(lane.link_up for lane in core.lanes.values())
            await until(lambda: "04A1B2C3" in reads)
        finally:
            await core.stop()
            runtime.close()
    finally:
        for proc in (dispensers, reader):
            proc.terminate()
            proc.wait(timeout=10)
