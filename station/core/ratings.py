"""The driver's rating at farewell (服务评价器): asked on the kiosk's pad once the lane is free, recorded in the
background. The lane never waits for it: a driver who leaves without a key is recorded as skipped, a pad that
is absent asks nobody and records nothing, a pad that fails skips the rating (the driver logs why)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from station.core.base import CoreBase
from station.core.sequence import FuelingSequence
from station.devices.rating_pad import NullRatingPad

log = logging.getLogger(__name__)


class ServiceRatings(CoreBase):
    _rating: asyncio.Task[None] | None = None

    def _ask_rating(self, seq: FuelingSequence) -> None:
        """Light the pad for the driver just served. A question still open from the car before is withdrawn
        first (that driver has gone): it is recorded as skipped."""
        if isinstance(self.rating_pad, NullRatingPad):
            return
        previous, self._rating = self._rating, None
        if previous is not None and not previous.done():
            previous.cancel()
        self._rating = asyncio.create_task(self._rate(seq, previous), name=f"rating {seq.sequence_id}")
        self._tasks.append(self._rating)

    async def _rate(self, seq: FuelingSequence, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await previous  # its skipped row is written before this question lights the pad
        asked_at = self.ledger.now()
        score = None
        try:
            score = await self.rating_pad.ask(timeout=self.settings.devices.rating_pad_wait_s)
        finally:
            # Also when withdrawn (cancelled): the question was asked, nobody answered it.
            answered_at = self.ledger.now() if score is not None else None
            record = self._db(
                self.ledger.record_rating,
                fill_id=seq.fill_id,
                attendant_id=seq.attendant_id,
                lane=f"{seq.lane[0]}/{seq.lane[1]}",
                asked_at=asked_at,
                score=int(score) if score is not None else None,
                answered_at=answered_at,
            )
            try:
                await asyncio.shield(record)
            except Exception:  # a rating lost to the database is logged, never a fault at the lane
                log.exception("rating of sequence %s not recorded", seq.sequence_id)
