"""A dispenser port that is not there: the tile and the refusal to authorize name the port and say why."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from station.core.sequence import PaymentKind, PresetChoice, PresetKind
from station.core.station import CoreRefused, Notice, StationCore
from station.devices.dispenser_bus import DispenserBus
from station.i18n import error_text, t
from station.runtime import open_station
from station.seed import seed_demo
from station.tui.app import StationApp
from station.tui.widgets.lane_tile import LaneTile
from tests.conftest import until

LANE = (1, 1)


def closed_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nobody listens here once the probe is closed


@pytest.fixture
async def core_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> AsyncIterator[StationCore]:
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    runtime = open_station(f"sqlite:///{tmp_path / 'station.db'}")
    seed_demo(runtime.ledger)
    url = request.param if request.param != "refused" else f"socket://127.0.0.1:{closed_tcp_port()}"
    url = url.replace("TMP", str(tmp_path))
    bus = DispenserBus(url, sorted({n.dispenser for n in runtime.settings.nozzles}), backoff_max=0.2)
    core = StationCore(runtime.ledger, runtime.settings, bus=bus)
    await core.start()
    try:
        yield core
    finally:
        await core.stop()
        runtime.close()


async def walk_to_authorize(core: StationCore) -> None:
    await core.login("1001", "1234")
    await core.start_sequence(LANE)
    await core.confirm_arrival(LANE)
    for _ in range(4):
        await core.confirm_safety_item(LANE)
    await core.choose_payment(LANE, PaymentKind.CASH)
    await core.check_vehicle(LANE, "鲁E22222")
    await core.confirm_connect_item(LANE)
    await core.confirm_connect_item(LANE)
    await core.residual_typed(LANE, 300)
    await core.confirm_connect_item(LANE)


@pytest.mark.parametrize(
    ("core_on", "code", "zh_why", "en_why"),
    [
        ("TMP/ttyUSB9", "link_missing", "无此设备", "no such device"),
        ("refused", "link_refused", "连接被拒绝", "connection refused"),
    ],
    indirect=["core_on"],
)
async def test_a_bogus_port_is_named_on_the_tile_and_in_the_refusal(
    core_on: StationCore, code: str, zh_why: str, en_why: str
) -> None:
    core = core_on
    assert core.bus is not None
    port = core.bus.url
    # the first try to open the port has failed (getattr: the same wait works on a bus that cannot say why)
    await until(lambda: getattr(core.bus, "link_cause", "?") not in (None, "connecting"))
    await walk_to_authorize(core)
    with pytest.raises(CoreRefused) as refused:
        await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))
    # the port is the problem, not the nozzle
    assert refused.value.code == code
    en = error_text(refused.value.code, "en", **refused.value.params)
    zh = error_text(refused.value.code, "zh", **refused.value.params)
    assert en == f"Dispenser link down: {port} ({en_why})"
    assert zh == f"加气机通讯中断:{port}({zh_why})"
    app = StationApp(core, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tile = app.screen.query_one("#lane-1-1", LaneTile)
        assert en in str(tile.content)
        await pilot.press("f2")  # 中文
        await pilot.pause()
        assert zh in str(app.screen.query_one("#lane-1-1", LaneTile).content)


@pytest.mark.parametrize("core_on", ["TMP/ttyUSB9"], indirect=True)
async def test_an_estop_that_cannot_reach_the_dispensers_says_so_and_names_the_port(core_on: StationCore) -> None:
    core = core_on
    assert core.bus is not None
    await until(lambda: core.bus is not None and core.bus.link_cause == "missing")
    notices: list[Notice] = []
    core.subscribe(lambda e: notices.append(e) if isinstance(e, Notice) else None)
    await core.emergency_stop(None)
    failed = [n for n in notices if n.key == "estop.failed_link"]
    assert [n.params["lane"] for n in failed] == ["1/*", "2/*"]  # every dispenser, none reported stopped
    assert not [n for n in notices if n.key == "estop.done"]
    en, zh = t("estop.failed_link", "en", **failed[0].params), t("estop.failed_link", "zh", **failed[0].params)
    assert f"dispenser link down: {core.bus.url}" in en and "emergency button" in en
    assert f"加气机通讯中断 {core.bus.url}" in zh and "急停按钮" in zh
