"""A whole unloading driven through the screen against the unloading-post simulator (SQLite)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from station.config import load_settings
from station.core.station import StationCore
from station.devices.dispenser_bus import DispenserBus
from station.devices.dispenser_sim import DispenserSimulator
from station.devices.printer import PrinterConfig, PrintQueue, printer_from_config
from station.ledger.db import make_engine, upgrade
from station.ledger.services import Ledger
from station.ledger.unloading import STEPS, UnloadingLog
from station.tui.app import StationApp
from station.tui.unloading_screen import UnloadingScreen
from tests.ledger.helpers import staff

CONFIG = Path(__file__).resolve().parents[2] / "config" / "station.toml"


async def wait_for(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    async def spin() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(spin(), timeout)


async def test_unloading_through_the_screen_with_the_post_simulator(tmp_path: Path) -> None:
    settings = load_settings(CONFIG)
    address = settings.unloading.post_address
    url = f"sqlite:///{tmp_path / 'station.db'}"
    upgrade(url)
    engine = make_engine(url)
    ledger = Ledger(engine, settings, b"k" * 32)
    ledger.bootstrap()
    _, attendant = staff(ledger)
    sim = DispenserSimulator(dispensers={}, unloading_post=address, control_port=None, speed=200.0, seed=1)
    await sim.start()
    bus = DispenserBus(sim.url, [address], poll_interval=0.05)
    queue = PrintQueue(
        tmp_path / "spool", printer_from_config(PrinterConfig(kind="file", target=str(tmp_path / "r.bin")))
    )
    core = StationCore(ledger, settings, bus=bus, print_queue=queue)
    await core.start()
    core.actor = attendant
    stock_before = ledger.stock_centi("CNG")
    app = StationApp(core, language="en")  # logged in: it opens on the forecourt overview
    try:
        assert await bus.wait_connected(20)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = UnloadingScreen()  # what F6 opens
            await app.push_screen(screen)
            await pilot.pause()
            fields = {
                "trailer_plate": "鲁E·G1234",
                "tractor_plate": "鲁E5678",
                "driver": "王师傅",
                "supplier": "胜利油田燃气",
                "note_number": "SH-001",
                "declared": "3000",
                "water_volume": "18000",
            }
            for name, value in fields.items():
                screen.query_one(f"#in-{name}").value = value  # type: ignore[attr-defined]
            screen.query_one("#in-water_volume").focus()
            await pilot.press("enter")  # the last input submits the arrival
            await wait_for(lambda: screen.view is not None)
            log = UnloadingLog(ledger)

            async def step_to(name: str) -> None:
                await pilot.press("enter")
                try:
                    await wait_for(lambda: screen.view is not None and screen.view.last_step == name)
                except TimeoutError:
                    raise AssertionError(str(screen.query_one("#msg").render())) from None

            for step in STEPS[1 : STEPS.index("leak_check") + 1]:
                await step_to(step)
            # the hose cannot have come before the ground: the log shows the order
            view = log.get(screen.view.id)  # type: ignore[union-attr]
            assert [e.kind for e in view.events] == list(STEPS[: STEPS.index("leak_check") + 1])
            # start: trailer readings from the post; storage typed
            screen.query_one("#in-storage_p").value = "12.00"  # type: ignore[attr-defined]
            screen.query_one("#in-storage_t").value = "14.0"  # type: ignore[attr-defined]
            screen.query_one("#in-storage_t").focus()  # Enter in the last reading confirms the step
            await step_to("started")
            await wait_for(
                lambda: (
                    sim.unloading is not None
                    and sim.unloading.current is not None
                    and sim.unloading.current.quantity > 500_00
                )
            )
            # a lightning interruption and the resumption
            await pilot.press("f8")
            await pilot.pause()
            await pilot.press("1")
            await wait_for(lambda: screen.view is not None and screen.view.interrupted)
            await pilot.press("f8")
            await wait_for(lambda: screen.view is not None and screen.view.status == "unloading")
            screen.query_one("#in-storage_p").value = "24.00"  # type: ignore[attr-defined]
            screen.query_one("#in-storage_t").value = "18.0"  # type: ignore[attr-defined]
            screen.query_one("#in-storage_t").focus()
            await step_to("ended")
            ended = screen.view
            assert ended is not None and ended.measured_by == "meter"
            record = sim.unloading.records[ended.meter_record_number]  # type: ignore[union-attr,index]
            assert ended.received_centi == record.quantity > 0
            assert record.acknowledged
            assert ledger.stock_centi("CNG") == stock_before + record.quantity
            for step in STEPS[STEPS.index("hose_disconnected") :]:
                await step_to(step)
            final = log.get(ended.id)
            assert final.status == "departed"
            assert [e.kind for e in final.events if e.kind in ("interrupted", "resumed")] == ["interrupted", "resumed"]
            assert final.readings["storage_pressure_end_centi_mpa"] == 2400
            # The trailer gauge is read just after the post opens its inlet: by then the pressure has begun
            # to fall from the record's starting figure, by a few hundredths of an MPa at most.
            assert 0 <= record.pressure_before - final.readings["trailer_pressure_start_centi_mpa"] <= 20
            # the printed record
            await pilot.press("f4")
            await wait_for(lambda: len(queue.printed()) == 1)
            job = queue.printed()[0]
            assert job.receipt["title"] == "UNLOADING RECORD"
            values = {label: value for label, value in job.receipt["lines"]}
            assert values["Trailer plate"] == ended.trailer_plate
            assert values["Delivery note no."] == "SH-001"
            assert values["Received"].startswith(f"{record.quantity // 100}.")
            # CSV export and the day's stock
            await pilot.press("f5")
            await wait_for(lambda: (tmp_path / "exports" / f"unloading-{ended.id}.csv").exists())
            await pilot.press("f7")
            await pilot.pause()
            # the search list
            await pilot.press("f3")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
    finally:
        await core.stop()
        await sim.stop()
        engine.dispose()


async def test_measured_stock_entered_by_a_manager_shows_the_variance(forecourt: Any) -> None:
    """F6 on the unloading screen: a planted loss (book 0.00, measured 0.00 after a delivery) is flagged."""
    from textual.widgets import Static

    from station.tui.app import StationApp
    from station.tui.unloading_screen import UnloadingScreen
    from tests.conftest import until

    rig = forecourt
    manager = rig.core.ledger.authenticate("9001", "9999")
    rig.core.ledger.record_stock_movement(manager, "CNG", 100_000, "delivery", "DN-1")  # 1,000.00 kg in the book
    rig.core.actor = rig.core.ledger.authenticate("1001", "1234")
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: app.screen.__class__.__name__ == "OverviewScreen")
        await pilot.press("f6")
        await until(lambda: isinstance(app.screen, UnloadingScreen))
        screen = app.screen
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press(*"950", "enter")  # measured 950.00 kg: 50 kg missing
        await pilot.pause()
        await pilot.press(*"9001", "enter", *"9999", "enter", *"bank gauge", "enter")
        await until(lambda: "950.00" in str(screen.query_one("#msg", Static).render()))
        text = str(screen.query_one("#msg", Static).render())
        assert "✗" in text and "-50.00" in text
