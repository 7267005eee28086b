"""The callbacks desk (回访) in the core's words: today's list drawn (a manager), each call recorded, the calls
due and overdue counted. Ledger calls run off the event loop (``_db``); refusals come back as CoreRefused."""

from __future__ import annotations

import datetime as dt

from station.core.base import CoreBase
from station.core.lanes import CoreRefused
from station.ledger.callbacks import CallbackAnswer, CallbackView
from station.ledger.shifts.values import ServiceDue, business_date_of
from station.ledger.staff import Actor


class CallbackDesk:
    def __init__(self, core: CoreBase) -> None:
        self.core = core

    def _actor(self) -> Actor:
        actor = self.core.actor
        if actor is None:
            raise CoreRefused("not_logged_in")
        return actor

    def today(self) -> dt.date:
        return business_date_of(self.core.ledger.now())

    async def draw(self, seed: int | None = None) -> list[CallbackView]:
        """Today's list: refused unless the logged-in staff is a manager, and once a day."""
        return await self.core._db(self.core.ledger.draw_callbacks, self.today(), self._actor(), seed)

    async def callbacks(self, day: dt.date | None = None) -> list[CallbackView]:
        """``day``'s list (default today); the calls still pending from earlier lists come first."""
        day = day or self.today()
        listed = await self.core._db(self.core.ledger.callbacks, day)
        earlier = [c for c in await self.core._db(self.core.ledger.callbacks) if c.day < day]
        return earlier + listed

    async def record(self, callback_id: int, answer: CallbackAnswer) -> CallbackView:
        return await self.core._db(self.core.ledger.record_callback, self._actor(), callback_id, answer)

    async def due(self) -> ServiceDue:
        return await self.core._db(self.core.ledger.service_due)
