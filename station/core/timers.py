"""The two service timers of SPEC §2 (engine-off and settle): a start, a stop, a limit, and the colour between.

Pure: time comes in as a monotonic reading from the caller.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class TimerLevel(enum.Enum):
    IDLE = "idle"  # not started
    GREEN = "green"
    AMBER = "amber"
    RED = "red"  # over the limit: counted as a breach, never blocks
    STOPPED_OK = "stopped_ok"
    STOPPED_LATE = "stopped_late"


@dataclass
class ServiceTimer:
    """Counts from a start to a stop against a limit; amber at a share of the limit, red past it."""

    limit_s: int
    amber_percent: int
    started: float | None = None
    stopped: float | None = None

    def start(self, now: float) -> None:
        if self.started is None:
            self.started = now

    def stop(self, now: float) -> None:
        if self.started is not None and self.stopped is None:
            self.stopped = now

    def elapsed(self, now: float) -> float | None:
        if self.started is None:
            return None
        end = self.stopped if self.stopped is not None else now
        return max(0.0, end - self.started)

    def elapsed_ms(self, now: float) -> int | None:
        elapsed = self.elapsed(now)
        return None if elapsed is None else round(elapsed * 1000)

    def remaining(self, now: float) -> float | None:
        elapsed = self.elapsed(now)
        return None if elapsed is None else self.limit_s - elapsed

    def level(self, now: float) -> TimerLevel:
        elapsed = self.elapsed(now)
        if elapsed is None:
            return TimerLevel.IDLE
        if self.stopped is not None:
            return TimerLevel.STOPPED_LATE if elapsed > self.limit_s else TimerLevel.STOPPED_OK
        if elapsed > self.limit_s:
            return TimerLevel.RED
        # Integer arithmetic on the threshold: amber from amber_percent of the limit on.
        if elapsed * 100 >= self.limit_s * self.amber_percent:
            return TimerLevel.AMBER
        return TimerLevel.GREEN

    @property
    def breached(self) -> bool:
        return self.started is not None and self.stopped is not None and self.stopped - self.started > self.limit_s
