"""The faults injected on the bus: delayed, dropped, CRC-corrupted and garbage-prefixed replies, leaks mid-fill.

``Faults`` owns the rates, the random generator and the counters; the simulator shows them as its own
attributes (``sim.drop_rate``, ``sim.rng``, ``sim.stats``) through ``FaultsAttribute``, so the control channel
and the tests set them where they always did. Disconnects are a matter of the transport: ``server``.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from station.devices.dispenser_protocol import Frame, encode_frame

T = TypeVar("T")


def _zero_stats() -> dict[str, int]:
    return dict.fromkeys(("requests", "replies", "duplicates", "dropped", "crc_corrupted", "garbage", "delayed"), 0)


@dataclass
class Faults:
    crc_error_rate: float = 0.0
    drop_rate: float = 0.0
    delay_ms: int = 0
    garbage_rate: float = 0.0
    leak_rate: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    stats: dict[str, int] = field(default_factory=_zero_stats)

    async def send(self, reply: Frame) -> bytes | None:
        """The bytes that go on the line for ``reply``, as damaged as the rates say (None: dropped)."""
        if self.delay_ms:
            self.stats["delayed"] += 1
            await asyncio.sleep(self.delay_ms / 1000)
        if self.drop_rate and self.rng.random() < self.drop_rate:
            self.stats["dropped"] += 1
            return None
        data = bytearray(encode_frame(reply))
        if self.crc_error_rate and self.rng.random() < self.crc_error_rate:
            self.stats["crc_corrupted"] += 1
            data[-1 - self.rng.randrange(2)] ^= 1 << self.rng.randrange(8)
        if self.garbage_rate and self.rng.random() < self.garbage_rate:
            self.stats["garbage"] += 1
            junk = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 17)))
            # include a false start now and then: the master's decoder must survive it
            if self.rng.random() < 0.5:
                junk += b"\xfa\xf5" + bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(6)))
            data[:0] = junk
        self.stats["replies"] += 1
        return bytes(data)

    def leak_at(self, expected: int) -> int | None:
        """The quantity at which a fill expected to reach ``expected`` springs a leak (None: it does not)."""
        if self.leak_rate and self.rng.random() < self.leak_rate:
            return max(1, int(expected * self.rng.uniform(0.2, 0.8)))
        return None


class FaultsAttribute(Generic[T]):
    """An attribute of the simulator that is kept on its ``faults``: ``sim.drop_rate`` is ``sim.faults.drop_rate``."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, sim: Any, owner: type | None = None) -> T:
        value: T = getattr(sim.faults, self.name)
        return value

    def __set__(self, sim: Any, value: T) -> None:
        setattr(sim.faults, self.name, value)
