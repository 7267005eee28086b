"""A terminal that goes away (its window closed, the SSH line dropped) or SIGTERM ends ``station demo`` and
``station run`` as a quit does, within seconds: the core and the simulators stopped, the station closed, no
process left behind and no thread spinning on the dead terminal (station.tui.terminal says what Textual did).

Each case runs the real command on a pty; code 0 is only returned after the CLI's orderly stop has run (a
process killed by the signal, or one still spinning, fails)."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from station.ledger.checks import check_ledger

STATION = str(Path(sys.executable).with_name("station"))
ROOT = Path(__file__).resolve().parents[2]
UP_S = 60  # a loaded machine; the demo is up in about 3 s
GONE_S = 10
SIM_KEY = "模拟器".encode()  # F12's label: the footer shows it once the demo's simulators are attached


class Terminal:
    """The station's command on a pty, as in a terminal window: ``controlling`` makes the pty its controlling
    terminal (a session of its own, as a login shell's), so its hangup also sends SIGHUP and SIGCONT."""

    def __init__(self, args: list[str], tmp: Path, *, controlling: bool) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp),
            "TERM": "xterm-256color",
            "STATION_CONFIG": str(ROOT / "config" / "station.toml"),
            "STATION_LOG": str(tmp / "station.log"),
            "STATION_PIN_KEY": str(tmp / "pin.key"),
        }
        self.proc = subprocess.Popen(
            [STATION, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=tmp,
            start_new_session=True,
            preexec_fn=(lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0)) if controlling else None,
        )
        os.close(slave)
        self.screen = bytearray()

    def read(self, seconds: float) -> None:
        """What the app wrote in the next ``seconds`` (read, so it never waits on a full pty)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if select.select([self.master], [], [], left)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: the app's side is closed
                    return
                if not chunk:
                    return
                self.screen += chunk

    def wait_for(self, ready: bytes | Path) -> None:
        """Until the screen shows ``ready``, or the process holds that file open."""
        deadline = time.monotonic() + UP_S
        while not self._shows(ready):
            assert self.proc.poll() is None, f"ended {self.proc.returncode}: {bytes(self.screen[-800:])!r}"
            assert time.monotonic() < deadline, f"not up in {UP_S} s: {bytes(self.screen[-800:])!r}"
            self.read(0.2)

    def _shows(self, ready: bytes | Path) -> bool:
        if isinstance(ready, bytes):
            return ready in self.screen
        fds = Path(f"/proc/{self.proc.pid}/fd")
        return any(os.path.realpath(fd) == str(ready) for fd in fds.iterdir())

    def hang_up(self) -> None:
        os.close(self.master)
        self.master = -1

    def ended_within(self, seconds: float, *, reading: bool) -> int:
        """The exit code, once the process and every child it had are gone; fails after ``seconds``."""
        children = _children(self.proc.pid)
        deadline = time.monotonic() + seconds
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.read(0.1) if reading else time.sleep(0.1)
        if self.proc.poll() is None:
            cpu = _cpu_seconds(self.proc.pid)
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"still running {seconds} s later ({cpu:.1f} s of CPU)")
        assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == [], "a child outlived the station"
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.master >= 0:
            os.close(self.master)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ledger_sound(db: Path) -> None:
    engine = create_engine(f"sqlite:///{db}")
    try:
        report = check_ledger(engine)
        assert report.ok, report.render()
    finally:
        engine.dispose()


@pytest.mark.parametrize("controlling", [True, False], ids=["sighup", "no-sighup"])
def test_the_demo_ends_in_order_when_its_terminal_hangs_up(tmp_path: Path, controlling: bool) -> None:
    """Its controlling terminal closed, the kernel sends SIGHUP (then SIGCONT); a terminal that is not (or a
    SIGHUP ignored by whoever started it) is only found at its end by the input: both end the demo."""
    terminal = Terminal(["demo", "--dir", str(tmp_path / "demo")], tmp_path, controlling=controlling)
    try:
        terminal.wait_for(SIM_KEY)
        terminal.hang_up()
        assert terminal.ended_within(GONE_S, reading=False) == 0
    finally:
        terminal.close()
    _ledger_sound(tmp_path / "demo" / "station.db")


def test_sigterm_ends_the_demo_in_order_and_puts_the_terminal_back(tmp_path: Path) -> None:
    terminal = Terminal(["demo", "--dir", str(tmp_path / "demo")], tmp_path, controlling=True)
    try:
        terminal.wait_for(SIM_KEY)
        terminal.proc.send_signal(signal.SIGTERM)
        assert terminal.ended_within(GONE_S, reading=True) == 0
        terminal.read(0.5)
    finally:
        terminal.close()
    after = bytes(terminal.screen).rsplit(b"\x1b[?1049l", 1)  # the alternate screen left: the terminal put back
    assert len(after) == 2 and b"demo data kept in" in after[1]  # printed once the simulators were stopped
    _ledger_sound(tmp_path / "demo" / "station.db")


def test_station_run_ends_in_order_when_its_terminal_hangs_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from station.runtime import open_station

    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    db = tmp_path / "station.db"
    open_station(f"sqlite:///{db}").close()
    args = ["run", "--db", f"sqlite:///{db}", "--spool", str(tmp_path / "spool")]
    terminal = Terminal(args, tmp_path, controlling=True)
    try:
        terminal.wait_for(db)  # the station opened behind the first frame
        terminal.read(0.5)
        terminal.hang_up()
        assert terminal.ended_within(GONE_S, reading=False) == 0
    finally:
        terminal.close()
    _ledger_sound(db)
