"""The station core: devices, the fuelling sequence and the ledger behind one async API and one event stream.

The UI is one client: it calls these coroutines and listens to :class:`CoreEvent`s. It never touches a
serial port or a database session. Data walks one way: device frame → driver event → sequence step →
ledger entry → event for the screen.

:class:`StationCore` assembles the core's pieces, each a mixin over :class:`~station.core.base.CoreBase`: the
sequence steps (steps.py), authorize (authorize.py), safety (safety.py), settle (settle.py), recovery
(recovery.py), device events (device_events.py) and the items the dispenser's reports complete (seen.py);
lanes.py names the lane, the events and the refusal.
"""

from __future__ import annotations

import asyncio
import logging

from station.core.authorize import Authorize
from station.core.base import CoreBase
from station.core.device_events import DeviceEvents
from station.core.hq_sync import hq_sync_for
from station.core.invoice_worker import invoice_worker_for
from station.core.lanes import CardRead, CoreEvent, CoreRefused, Lane, LaneChanged, Notice, StaffCardLogin
from station.core.mobile_providers import mobile_pay_for
from station.core.recovery import Recovery
from station.core.safety import Safety
from station.core.seen import DispenserSeen
from station.core.settle import Settle, SettleResult
from station.core.steps import Steps

log = logging.getLogger(__name__)


__all__ = [
    "CardRead",
    "CoreEvent",
    "CoreRefused",
    "Lane",
    "LaneChanged",
    "Notice",
    "SettleResult",
    "StaffCardLogin",
    "StationCore",
]


class StationCore(Steps, Authorize, Safety, Settle, Recovery, DeviceEvents, DispenserSeen, CoreBase):
    """The core the terminal runs on: start it, call its coroutines, listen to its events, stop it."""

    async def start(self) -> None:
        await self._db(self._reload_unpaid_all)
        await self._db(self._reload_locks_all)
        for lane in self.lanes:
            self.emit(LaneChanged(lane))
        if self.bus is not None:
            self.bus.subscribe(self._on_bus_event)
            await self.bus.start()
            self._tasks.append(asyncio.create_task(self._push_prices_when_up()))
            self._tasks.append(asyncio.create_task(self._sweep_loop()))
            self._tasks.append(asyncio.create_task(self._resume_loop()))
        if self.reader is not None:
            await self.reader.start()
            self._tasks.append(asyncio.create_task(self._reader_loop()))
        if self.print_queue is not None:
            self._tasks.append(asyncio.create_task(self._drain_print_queue()))
        invoicing = invoice_worker_for(self.ledger, self.settings)
        if invoicing is not None:
            self._tasks.append(asyncio.create_task(invoicing.run()))
        self.mobile_pay = mobile_pay_for(self.ledger, self.settings)  # None: [payments] absent
        if self.mobile_pay is not None:
            self._payment_recovery = asyncio.create_task(self._recover_payment_orders())
            self._tasks.append(self._payment_recovery)
        else:
            self._payments_recovered.set()
        if self.code_scanner is not None:
            self._tasks.append(asyncio.create_task(self._scanner_loop()))
        if self.settings.hq is not None:
            # Imported here: the desk imports this module. Head office's price schedules, poked by each sync round.
            from station.core.desk import ManagerDesk
            from station.core.hq_prices import HeadOfficePrices

            # A schedule not read back is pushed again as often as head office is asked for news.
            hq_prices = HeadOfficePrices(ManagerDesk(self), retry_s=float(self.settings.hq.pull_every_s))
            self._tasks.append(asyncio.create_task(hq_prices.run()))
            self.hq_sync = hq_sync_for(self.ledger, self.settings, on_round=hq_prices.poke)
        if self.hq_sync is not None:
            self._tasks.append(asyncio.create_task(self.hq_sync.run()))
        await self.display.start()
        await self.rating_pad.start()  # a pad that does not answer is logged; asking it later tries again

    async def stop(self) -> None:
        """Close the devices first (no new events), then the core's own tasks; never wait forever."""
        self._stopping = True
        closers = []
        if self.bus is not None:
            closers.append(self.bus.close())
        if self.reader is not None:
            closers.append(self.reader.stop())
        closers.append(self.display.stop())
        closers.append(self.rating_pad.stop())
        for closer in closers:
            try:
                await asyncio.wait_for(closer, timeout=5)
            except (TimeoutError, Exception):
                log.warning("a device did not close in time")
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        self._tasks.clear()
        if self.mobile_pay is not None:
            await self.mobile_pay.aclose()
        if self.hq_sync is not None:
            await self.hq_sync.office.aclose()
        # What no event carried (a sequence at steps 1–6, the finish of one whose farewell never came).
        try:
            await asyncio.wait_for(self.flush_steps(), timeout=15)
        except (TimeoutError, CoreRefused):
            log.error("%d sequence steps could not be written at stop", self._steps.pending())
