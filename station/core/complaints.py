"""The complaints desk (投诉) in the core's words: taken down, moved through their loop, counted when overdue.
Ledger calls run off the event loop (``_db``); refusals come back as CoreRefused."""

from __future__ import annotations

from station.core.base import CoreBase
from station.core.lanes import CoreRefused
from station.ledger.complaints import ComplaintEntry, ComplaintView
from station.ledger.reports.complaints import complaint_slip
from station.ledger.staff import Actor
from station.printouts.report import Report


class ComplaintDesk:
    def __init__(self, core: CoreBase) -> None:
        self.core = core

    def _actor(self) -> Actor:
        actor = self.core.actor
        if actor is None:
            raise CoreRefused("not_logged_in")
        return actor

    async def take(self, entry: ComplaintEntry) -> int:
        return await self.core._db(self.core.ledger.take_complaint, self._actor(), entry)

    async def move(self, complaint_id: int, to: str, note: str = "") -> None:
        await self.core._db(self.core.ledger.move_complaint, self._actor(), complaint_id, to, note)

    async def amend(self, complaint_id: int, content: str) -> None:
        await self.core._db(self.core.ledger.amend_complaint, self._actor(), complaint_id, content)

    async def complaints(self, *, open_only: bool = False) -> list[ComplaintView]:
        return await self.core._db(self.core.ledger.complaints, open_only=open_only)

    async def slip(self, complaint_id: int) -> Report:
        """The complaint slip (投诉处理单) to print: as taken down, and each step with who and when."""
        found = [c for c in await self.complaints() if c.id == complaint_id]
        if not found:
            raise CoreRefused("complaint_unknown", complaint=complaint_id)
        return complaint_slip(found[0], self.core.ledger.now())

    async def overdue(self) -> int:
        return await self.core._db(self.core.ledger.overdue_complaints)
