"""Protocol v1.2 rules against the simulator: a device speaking another major version is refused, never
driven, and the master says why (docs/protocols/dispenser.md §9.1, V26)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from station.devices.dispenser_bus import BusEvent, DeviceOnline, DeviceRefused, DeviceRefusedError
from station.devices.dispenser_protocol import Command, DeviceIdentity, Frame, FrameDecoder
from station.devices.dispenser_sim import DispenserSimulator
from tests.devices.dispenser_helpers import running_bus, running_sim, until, wait_event

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocols" / "dispenser.md"
V26 = ("FA F5 01 01 10 00 00 19 F9", "FA F5 01 81 10 05 00 01 02 00 02 01 E5 40")


def test_v26_is_in_the_document_and_decodes_as_a_version_2_dispenser() -> None:
    row = next(line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| V26 |"))
    assert all(f"`{side}`" in row for side in V26)
    (frame,) = FrameDecoder().feed(bytes.fromhex(V26[1]))
    identity = DeviceIdentity.decode(frame.payload)
    assert (identity.protocol_major, identity.protocol_minor, identity.nozzle_count) == (2, 0, 2)


def received(sim: DispenserSimulator) -> list[tuple[int, int]]:
    """(address, command) of every request the simulator gets from now on."""
    seen: list[tuple[int, int]] = []
    handle = sim.handle_request

    def recording(frame: Frame) -> Frame | None:
        seen.append((frame.address, frame.command))
        return handle(frame)

    sim.handle_request = recording  # type: ignore[method-assign]
    return seen


async def test_a_device_of_another_major_version_is_refused_and_never_driven(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="station.devices.dispenser_bus")
    async with running_sim(transport="tcp", dispensers={1: 2, 2: 2}) as sim:
        sim.report_version(2, 2, 0)
        seen = received(sim)
        async with running_bus(sim) as (bus, events):
            got: list[BusEvent] = []
            refused = await wait_event(events, DeviceRefused, seen=got)
            online = next((e for e in got if isinstance(e, DeviceOnline)), None)
            online = online or await wait_event(events, DeviceOnline)
            assert (refused.address, online.address) == (2, 1)
            assert refused.identity.protocol_major == 2
            assert "2.0" in refused.reason and "1.x" in refused.reason
            assert bus.identity(2) is None  # not taken for a device the master can drive
            with pytest.raises(DeviceRefusedError):
                await bus.stop(2, 0)
            polls_of_1 = sum(1 for a, c in seen if (a, c) == (1, Command.READ_STATUS))
            await until(lambda: sum(1 for a, c in seen if (a, c) == (1, Command.READ_STATUS)) >= polls_of_1 + 5)
            assert [c for a, c in seen if a == 2] == [Command.IDENTIFY]  # one IDENTIFY, then nothing
    assert any("address 2 refused" in r.getMessage() and "2.0" in r.getMessage() for r in caplog.records)
