"""Start-up: ``station --help`` ÷ ``import sqlalchemy``, and the terminal's first frame ÷ a bare Textual app's.

Every run is a fresh process timed from here (wall clock, spawn to exit; its peak RSS from ``wait4``); project
and reference alternate and each figure is the median of the paired ratios (``figures.paired_ratio``), after
one warm-up pair, with the raw median times and the peak RSS printed beside it.

- help: ``station --help`` (the installed entry point) against ``python -c "import sqlalchemy"``.
- first frame: ``station run`` as the attendant starts it (the existing SQLite database looked for, then
  ``StationApp`` with the opener that reads the configuration, checks the database and builds and starts the
  core behind the first frame), headless, leaving as soon as its first frame is painted (Textual's ``Ready``
  event, sent after the first screen's first paint) and the login screen is the one shown; against a bare
  ``textual.app.App`` with one ``Static`` leaving the same way. The opening behind the frame is not started in
  the timed child (it is not on the way to the frame, and a quit waits for an opening under way to close it).
  The database is made once before timing (``station db upgrade`` and the demo's sample data).

Run: .venv/bin/python benchmarks/bench_startup.py [ROUNDS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import header, paired_ratio, row

BIN = Path(sys.executable).parent
GOAL_HELP = 1.2
GOAL_FRAME = 2.0

# The real `station run`, with StationApp swapped for a subclass that runs headless and leaves after its first
# frame: the product is not changed for the benchmark (station.cli.run imports StationApp when it runs).
STATION_CHILD = """
import sys
import station.tui.app as tui_app
from station.cli import main
from station.tui.screens.login import LoginScreen

class FirstFrame(tui_app.StationApp):
    def on_ready(self) -> None:
        self._leave_when_shown()

    def _leave_when_shown(self) -> None:
        if isinstance(self.screen, LoginScreen):
            self.call_after_refresh(self.exit)
        else:
            self.call_after_refresh(self._leave_when_shown)

    def _start_opening(self, opener):
        pass  # after the first frame: not on the way to it (see the module's docstring)

    async def run_async(self, **kwargs):
        return await super().run_async(headless=True, **kwargs)

tui_app.StationApp = FirstFrame
sys.exit(main(sys.argv[1:]))
"""

BARE_CHILD = """
from textual.app import App
from textual.widgets import Static

class Bare(App[None]):
    def compose(self):
        yield Static("CNG station")

    def on_ready(self) -> None:
        self.call_after_refresh(self.exit)

Bare().run(headless=True)
"""


class Timed:
    """One command run in a fresh process: wall time from here (spawn to exit) and its peak RSS, per run."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv, self.env = argv, env
        self.seconds: list[float] = []
        self.peak_kib: list[int] = []

    def __call__(self) -> None:
        start = time.perf_counter()
        proc = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        self.seconds.append(time.perf_counter() - start)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(self.argv[:3])} … exited with {proc.returncode}")
        self.peak_kib.append(usage.ru_maxrss)  # KiB on Linux


def paired(project: Timed, reference: Timed, rounds: int) -> float:
    """The median of the paired ratios, after one warm-up pair (bytecode and disk caches) not counted."""
    project(), reference()
    for timed in (project, reference):
        timed.seconds.clear()
        timed.peak_kib.clear()
    return paired_ratio(project, reference, rounds)


def raw(project: Timed, reference: Timed) -> str:
    return (
        f"{statistics.median(project.seconds):.3f} s ÷ {statistics.median(reference.seconds):.3f} s; "
        f"peak RSS {max(project.peak_kib) / 1024:.0f} MiB vs {max(reference.peak_kib) / 1024:.0f} MiB"
    )


def prepare(directory: Path, env: dict[str, str]) -> list[str]:
    """The station database made and seeded once; the `station run` arguments that open it."""
    url = f"sqlite:///{directory / 'station.db'}"
    subprocess.run([str(BIN / "station"), "db", "upgrade", "--db", url], check=True, env=env, stdout=subprocess.DEVNULL)
    seed = "import sys\nfrom station.runtime import open_station\nfrom station.seed import seed_demo\n"
    seed += "rt = open_station(sys.argv[1])\nseed_demo(rt.ledger)\nrt.close()\n"
    subprocess.run([sys.executable, "-c", seed, url], check=True, env=env)
    return ["run", "--db", url, "--spool", str(directory / "spool")]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        env = dict(os.environ)
        env["STATION_PIN_KEY"] = str(directory / "pin.key")
        env["STATION_LOG"] = str(directory / "station.log")
        run_args = prepare(directory, env)

        help_cmd = Timed([str(BIN / "station"), "--help"], env)
        sqlalchemy = Timed([sys.executable, "-c", "import sqlalchemy"], env)
        help_ratio = paired(help_cmd, sqlalchemy, rounds)
        station = Timed([sys.executable, "-c", STATION_CHILD, *run_args], env)
        bare = Timed([sys.executable, "-c", BARE_CHILD], env)
        frame_ratio = paired(station, bare, rounds)
    header()
    row(
        f'`station --help` ÷ `python -c "import sqlalchemy"` ({raw(help_cmd, sqlalchemy)}; {rounds} pairs)',
        f"{help_ratio:.2f}×",
        f"≤ {GOAL_HELP}×",
        help_ratio <= GOAL_HELP,
    )
    row(
        f"TUI cold start to first frame ÷ a bare Textual app ({raw(station, bare)}; {rounds} pairs)",
        f"{frame_ratio:.2f}×",
        f"≤ {GOAL_FRAME}×",
        frame_ratio <= GOAL_FRAME,
    )


if __name__ == "__main__":
    main()
