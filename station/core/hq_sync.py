"""The sync worker: the outbox pushed to head office, from head office's own high-water mark.

It asks head office how far it has the station's events (never trusting a local guess: a restored database or
a head office restored from a backup both answer truly), sends the next batch, and moves on by the answer.
Events head office reports missing (a gap) are sent again. While the line is down it waits, doubling up to
``backoff_max_s``. Every ledger read runs in a thread, and nothing here is awaited by a fill: a worker that
fails only logs and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from station.hqlink.client import HeadOffice, LineDown, Refused, read_key
from station.ledger import outbox

if TYPE_CHECKING:
    from station.config import Settings
    from station.ledger.services import Ledger

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class SyncState:
    """What the screens show: unsent events, the oldest one's time, the line's last word."""

    unsent: int = 0
    oldest_at: dt.datetime | None = None
    line_up: bool | None = None  # None: not asked yet
    last_error: str = ""
    sent_batches: int = 0
    duplicates: int = 0


class HqSync:
    def __init__(
        self,
        ledger: Ledger,
        office: HeadOffice,
        *,
        batch_size: int = 500,
        backoff_max_s: float = 60.0,
        idle_s: float = 2.0,
        pull_every_s: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_round: Callable[[], None] | None = None,
    ) -> None:
        self.on_round = on_round  # after each round (and so after each pull): head office's prices applied when due
        self.pull_every_s = pull_every_s
        self._next_pull = 0.0  # loop time of the next pull: the first round pulls
        self.ledger = ledger
        self.office = office
        self.batch_size = batch_size
        self.backoff_max_s = backoff_max_s
        self.idle_s = idle_s
        self._sleep = sleep
        self.state = SyncState()
        self._wake = asyncio.Event()

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    def wake(self) -> None:
        """A new event: send without waiting out the idle pause."""
        self._wake.set()

    async def run(self) -> None:
        backoff = 1.0
        while True:
            try:
                sent = await self.push_once()
                loop = asyncio.get_running_loop()
                if loop.time() >= self._next_pull:
                    await self.pull_once()
                    self._next_pull = loop.time() + self.pull_every_s
                self.state.line_up, self.state.last_error = True, ""
                backoff = 1.0
                if not sent:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.idle_s)
            except asyncio.CancelledError:
                raise
            except (LineDown, Refused) as exc:
                self.state.line_up, self.state.last_error = False, str(exc)
                log.warning("head office: %s (again in %.0f s)", exc, backoff)
                await self._pause(backoff)
                backoff = min(backoff * 2, self.backoff_max_s)
            except Exception as exc:  # never out of the loop: the next round tries again
                self.state.line_up, self.state.last_error = False, type(exc).__name__
                log.exception("sync to head office failed")
                await self._pause(backoff)
                backoff = min(backoff * 2, self.backoff_max_s)
            finally:
                await self.refresh_backlog()
                if self.on_round is not None:
                    self.on_round()  # only pokes: a line down never holds back prices already pulled

    async def _pause(self, seconds: float) -> None:
        """The wait while the line is down, the backlog counted again every few seconds: the forecourt's line
        shows what waits now, not what waited when the line was last tried."""
        left = seconds
        while left > 0:
            step = min(left, 5.0)
            await self._sleep(step)
            left -= step
            if left > 0:
                await self.refresh_backlog()

    async def push_once(self) -> int:
        """One round: head office's mark, the missing events, the next batch. Returns how many were sent."""
        high, gaps = await self.office.high_water()
        await self._db(self.ledger.outbox_sent, high)
        missing = [seq for a, b in gaps for seq in range(a, b + 1)][: self.batch_size]
        rows = await self._db(self.ledger.outbox_events, missing) if missing else []
        if not rows:
            rows = await self._db(self.ledger.outbox_after, high, self.batch_size)
        if not rows:
            return 0
        answer = await self.office.ingest([r.wire() for r in rows])
        if answer.conflicts:
            # Head office holds other content under these numbers: a restored station database, or a head office
            # restored from elsewhere. Never overwritten; someone must look.
            log.error("head office holds other events under seq %s", answer.conflicts[:20])
        self.state.sent_batches += 1
        self.state.duplicates += answer.duplicates
        await self._db(self.ledger.outbox_sent, answer.high_water)
        return len(rows)

    async def pull_once(self) -> bool:
        """Head office's changes since the station's version (blacklist, card rules, balances, prices), applied
        in one transaction; True when a newer version was applied."""
        since = await self._db(self.ledger.hq_version)
        pulled = await self.office.pull(since)
        if not isinstance(pulled.get("version"), int) or pulled["version"] <= since:
            return False
        return await self._db(self.ledger.apply_hq_pull, pulled)

    async def refresh_backlog(self) -> None:
        with contextlib.suppress(Exception):
            backlog = await self._db(self.ledger.outbox_backlog)
            self.state.unsent, self.state.oldest_at = backlog.unsent, backlog.oldest_at


def hq_sync_for(ledger: Ledger, settings: Settings, on_round: Callable[[], None] | None = None) -> HqSync | None:
    """The worker when ``[hq]`` is configured, else None (the station stands alone)."""
    config = settings.hq
    if config is None:
        return None
    office = HeadOffice(config.url, settings.station.code, read_key(config.key_file), timeout_s=config.timeout_seconds)
    return HqSync(
        ledger,
        office,
        batch_size=config.batch_size,
        backoff_max_s=config.backoff_max_s,
        idle_s=config.idle_s,
        pull_every_s=config.pull_every_s,
        on_round=on_round,
    )


__all__ = ["HqSync", "SyncState", "hq_sync_for", "outbox"]
