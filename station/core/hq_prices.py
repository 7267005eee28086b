"""Head office's price schedules at the station: applied when due, pushed to the dispensers and read back, the
outcome told to head office (``price_read_back``, written by the ledger with the outcome it records).

The sync worker pokes this each round (``poke``), after its pull; the work runs in its own task, so the outbox
never waits on a dispenser and a fill never waits on either. Every ledger call runs in a thread (``core._db``).
A schedule the dispensers did not read back is pushed again on later rounds, at most every ``retry_s`` (the
station sets it to ``[hq] pull_every_s``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from station.core.desk import DispenserPush, ManagerDesk
from station.ledger.hq_prices import APPLIED, PENDING, ScheduleDue
from station.money import format_yuan

log = logging.getLogger(__name__)


class HeadOfficePrices:
    def __init__(self, desk: ManagerDesk, *, retry_s: float = 30.0) -> None:
        self.desk = desk
        self.retry_s = retry_s
        self._poked = asyncio.Event()
        self._pushed_at: dict[int, float] = {}  # schedule -> loop time of its last push

    def poke(self) -> None:
        """A round of the sync worker: look for due schedules without holding it up."""
        self._poked.set()

    async def run(self) -> None:
        while True:
            await self._poked.wait()
            self._poked.clear()
            try:
                await self.apply_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # never out of the loop: the next round tries again
                log.exception("head office prices: this round failed")

    async def apply_due(self) -> list[int]:
        """Apply the schedules in force by now, push them, and push again those not yet read back; the
        schedules read back in this round."""
        core = self.desk.core
        now = asyncio.get_running_loop().time()
        read_back: list[int] = []
        for due in await core._db(core.ledger.hq_schedules_due):
            if due.state == PENDING:
                applied = await core._db(core.ledger.apply_hq_schedule, due.schedule_version)
                if applied is None or applied.state != APPLIED:
                    continue  # refused whole (head office told), or applied meanwhile
                due = applied
            elif now - self._pushed_at.get(due.schedule_version, -self.retry_s) < self.retry_s:
                continue
            self._pushed_at[due.schedule_version] = now
            if await self._push(due):
                read_back.append(due.schedule_version)
                self._pushed_at.pop(due.schedule_version, None)
        return read_back

    async def _push(self, due: ScheduleDue) -> bool:
        core = self.desk.core
        by_dispenser: dict[int, list[DispenserPush]] = {}
        for product, fen in sorted(due.list_prices.items()):
            for push in await self.desk.push_new_price(product, fen):
                by_dispenser.setdefault(push.dispenser, []).append(push)
        dispensers: list[dict[str, Any]] = [
            {
                "dispenser": address,
                "read_back": all(p.confirmed for p in pushes),
                "error": next((p.error for p in pushes if p.error), "")
                or ("" if all(p.confirmed for p in pushes) else "price_not_read_back"),
            }
            for address, pushes in sorted(by_dispenser.items())
        ]
        ok = all(d["read_back"] for d in dispensers)
        if not ok:
            log.warning("head office price schedule #%s not read back: %s", due.schedule_version, dispensers)
        await core._db(core.ledger.record_hq_read_back, due.schedule_version, ok, dispensers)
        # The attendant and the manager see it on the screen too: the price on the dispenser is what drivers pay.
        prices = ", ".join(f"{product} ¥{format_yuan(fen)}" for product, fen in sorted(due.list_prices.items()))
        if ok:
            core.notice("hq.price_applied", "warning", schedule=due.schedule_version, prices=prices)
        else:
            silent = ",".join(str(d["dispenser"]) for d in dispensers if not d["read_back"])
            core.notice("hq.price_not_read_back", "error", schedule=due.schedule_version, dispensers=silent)
        return ok
