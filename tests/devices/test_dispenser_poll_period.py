"""The poll runs on a fixed period (docs/protocols/dispenser.md, "poll cycle"): from the start of one cycle to
the start of the next, whatever part of the period the cycle itself took; a cycle longer than the period is
followed by the next at once. Against the simulator over TCP, its replies delayed; the margins are generous
(half the delay per cycle) so a loaded machine does not fail it, yet a poll that sleeps the whole period after
each cycle (N × (period + cycle)) does."""

from __future__ import annotations

import time

import pytest

from tests.devices.dispenser_helpers import running_bus, running_sim, until

CYCLES = 8


async def time_cycles(period: float, delay_ms: int) -> float:
    """Seconds between the start of one poll cycle and the start of the one CYCLES later (one dispenser: one
    READ_STATUS request per cycle, counted where the simulator receives it)."""
    async with (
        running_sim(transport="tcp", dispensers={1: 2}, delay_ms=delay_ms) as sim,
        running_bus(sim, poll_interval=period, reply_timeout=2.0) as (_bus, _events),
    ):
        await until(lambda: sim.stats["requests"] >= 3)  # identified, polling
        first = sim.stats["requests"]
        await until(lambda: sim.stats["requests"] > first)
        start = time.monotonic()
        await until(lambda: sim.stats["requests"] >= first + 1 + CYCLES)
        return time.monotonic() - start


@pytest.mark.parametrize(
    ("period", "delay_ms"),
    [(0.3, 200), (0.1, 200)],
    ids=["cycle-shorter-than-period", "cycle-longer-than-period"],
)
async def test_poll_keeps_its_period(period: float, delay_ms: int) -> None:
    delay = delay_ms / 1000
    elapsed = await time_cycles(period, delay_ms)
    expected = CYCLES * max(period, delay)  # fixed period; a slow cycle goes straight on
    slept_after = CYCLES * (period + delay)  # what a sleep of the whole period after each cycle gives
    assert elapsed >= 0.9 * expected, f"{CYCLES} cycles in {elapsed:.2f} s: faster than the period"
    assert elapsed < CYCLES * (max(period, delay) + min(period, delay) / 2), (
        f"{CYCLES} cycles in {elapsed:.2f} s: expected about {expected:.2f} s, not {slept_after:.2f} s"
    )
