"""Shared by the speed benchmarks: paired runs against a hand-written reference, and the table's rows.

Each figure of issue 12's table is a ratio of the project against a reference doing the same work in the same
run (raw driver, hand-written SQL, bare Textual). Runs alternate project/reference so drift of the machine
(another process, a warm cache) falls on both; the figure is the median of the paired ratios.

Every benchmark prints its rows as ``| figure | measured | goal | met |`` so ``make bench`` output pastes into
the README as one table.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def paired_ratio(project: Callable[[], object], reference: Callable[[], object], rounds: int = 5) -> float:
    """Median of project time ÷ reference time over alternating runs (higher = project slower)."""
    ratios = []
    for _ in range(rounds):
        p = timed(project)
        r = timed(reference)
        ratios.append(p / r)
    return statistics.median(ratios)


def header() -> None:
    print("| figure | measured | goal | met |")
    print("|---|---|---|---|")


def row(figure: str, measured: str, goal: str, met: bool) -> None:
    print(f"| {figure} | {measured} | {goal} | {'yes' if met else 'NO'} |", flush=True)
