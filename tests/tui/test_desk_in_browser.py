"""``station desk serve`` in a real browser: the command runs as a subprocess on a free loopback port over a seeded
SQLite ledger, Debian's Chromium (headless, through Playwright) opens the page, an attendant is refused, the
manager logs in, opens the day report and reads it off the page, and Esc comes back to the desk.

The page is textual-serve's: xterm.js draws the terminal on a canvas (WebGL), so the text is read from xterm's
own screen buffer, the cells it draws. The page keeps its Terminal in a closure; a setter for ``terminal``
installed on ``Object.prototype`` before the page's script runs catches the object when the page stores it
(``this.terminal = new Terminal(…)``) and keeps a reference on ``window``, and gives the page its own property.

Chromium comes from Debian (``scripts/install-browser.sh``, run by ``make test``). Without it the test skips,
except under ``CI=true``, where it fails. ``STATION_DESK_SCREENSHOT=docs/desk-in-browser.png`` saves the desk's
screenshot there (the README's picture).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from station.config import STATION_TZ
from station.runtime import open_station
from station.seed import seed_demo

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT = 20.0

GRAB_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && value.buffer.active) window.__xterm = value;
  },
});
"""

READ_SCREEN = """() => {
  const term = window.__xterm;
  if (!term) return "";
  const buffer = term.buffer.active;
  const rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


def require_chromium() -> None:
    if CHROMIUM.is_file():
        return
    reason = f"no Chromium at {CHROMIUM} (scripts/install-browser.sh installs Debian's; make test runs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def station_today() -> str:
    """The business date the report is for: today at the station (China time)."""
    return dt.datetime.now(dt.UTC).astimezone(STATION_TZ).date().isoformat()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def served_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``station desk serve`` on a seeded SQLite ledger at a free loopback port; yields its URL."""
    require_chromium()
    env = {**os.environ, "STATION_PIN_KEY": str(tmp_path / "pin.key"), "STATION_LOG": str(tmp_path / "station.log")}
    env.pop("STATION_DB_URL", None)
    url = f"sqlite:///{tmp_path / 'station.db'}"
    monkeypatch.setenv("STATION_PIN_KEY", env["STATION_PIN_KEY"])  # the server's key, for the seeded PINs
    runtime = open_station(url)  # made at the head, as station db upgrade makes it
    seed_demo(runtime.ledger)
    runtime.close()
    port = free_port()
    command = [sys.executable, "-m", "station.cli", "desk", "serve", "--db", url, "--port", str(port)]
    command += ["--exports", str(tmp_path / "exports")]
    out = (tmp_path / "serve.out").open("wb")
    server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    page = f"http://127.0.0.1:{port}/"

    def answers() -> bool:
        assert server.poll() is None, (tmp_path / "serve.out").read_text()
        try:
            with urllib.request.urlopen(page, timeout=1) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    try:
        wait_until(answers, "station desk serve to answer")
        yield page
    finally:
        server.terminate()  # SIGTERM: textual-serve closes the sessions and leaves
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)  # the group this test started: the server and its sessions
            server.wait(5)
        out.close()


def test_the_desk_in_a_browser_logs_a_manager_in_and_shows_a_report(served_desk: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # an empty profile
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1000, "height": 600},
        )
        try:
            # Nothing leaves the machine: the page's web font (and anything else not on loopback) is refused.
            browser.route(
                "**/*", lambda route: route.continue_() if "//127.0.0.1:" in route.request.url else route.abort()
            )
            page = browser.new_page()
            page.add_init_script(GRAB_TERMINAL)
            page.goto(served_desk)

            def screen() -> str:
                return str(page.evaluate(READ_SCREEN))

            def shows(text: str) -> None:
                try:
                    wait_until(lambda: text in screen(), repr(text))
                except AssertionError as exc:
                    raise AssertionError(f"{exc}; the page shows:\n{screen()}") from None

            def type_line(text: str) -> None:
                page.keyboard.type(text)
                page.keyboard.press("Enter")

            shows("站长登录")
            page.locator(".xterm-helper-textarea").focus()
            type_line("1001")
            type_line("1234")
            shows("站长台仅限站长登录")  # an attendant is refused
            page.keyboard.press("Escape")  # both fields cleared; a lone Esc is told from a sequence by a pause
            wait_until(lambda: "站长台仅限站长登录" not in screen(), "Esc to clear the login")
            type_line("9001")
            type_line("9999")
            shows("钱箱现金")
            desk = screen()
            assert "站长台 · 王站长 (9001)" in desk and "F3" in desk and "加气员登录" not in desk
            shot = os.environ.get("STATION_DESK_SCREENSHOT")
            page.screenshot(path=shot or str(tmp_path / "desk.png"))
            page.keyboard.press("t")
            shows("1 班次 · 2 日报")
            before = station_today()
            page.keyboard.press("2")
            shows("营业日")
            report = screen()
            today = before if f"营业日: {before}" in report else station_today()  # midnight may fall in between
            assert f"日结报表 {today}" in report and f"营业日: {today}" in report
            assert "班次数: 0" in report and "加气笔数: 0" in report
            page.keyboard.press("Escape")
            shows("钱箱现金")
        finally:
            browser.close()
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
