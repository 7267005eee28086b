"""The line to head office as the attendant and the manager see it: events not yet sent, since when, the line
down; red past ``[hq] backlog_alert_s``. Head office here is a port nobody answers on."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest

from station.config import HeadOffice
from station.core.station import StationCore
from station.i18n import t
from station.runtime import open_station
from station.seed import seed_demo
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from station.tui.widgets.sync_line import sync_line
from tests.conftest import until
from tests.tui.test_desk import login, text_of


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again on return: connections are refused


async def test_the_forecourt_shows_what_head_office_has_not_got(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    runtime = open_station(f"sqlite:///{tmp_path / 'station.db'}")
    seed_demo(runtime.ledger)  # staff, cards, opening balances: events waiting for head office
    (tmp_path / "hq.key").write_text("a-station-key-of-enough-bytes\n")
    hq = HeadOffice(
        url=f"http://127.0.0.1:{closed_port()}", key_file=str(tmp_path / "hq.key"), backoff_max_s=1, timeout_seconds=1
    )
    settings = runtime.settings.model_copy(update={"hq": hq})
    core = StationCore(runtime.ledger, settings)
    await core.start()
    try:
        assert core.hq_sync is not None
        await until(lambda: core.hq_sync is not None and core.hq_sync.state.line_up is False)
        await until(lambda: core.hq_sync is not None and core.hq_sync.state.unsent > 0)
        app = StationApp(core, language="zh")
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot, app, "1001", "1234")
            assert isinstance(app.screen, OverviewScreen)
            unsent = core.hq_sync.state.unsent
            await until(lambda: t("sync.backlog", "zh", count=unsent, minutes=0) in text_of(app, "#hint"))
            assert t("sync.down", "zh") in text_of(app, "#hint")
        # An hour later the same backlog is an alert (red ✗), not a note (!).
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        assert sync_line(core, "en").startswith("[dark_orange]!")
        assert sync_line(core, "en", now=later).startswith("[b red]✗")
    finally:
        await core.stop()
        runtime.close()
