"""Service ratings (服务评价): the driver's key on the rating pad at farewell, and satisfaction per attendant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from station.ledger.errors import InvalidInput
from station.ledger.models import Attendant
from station.ledger.models_ratings import ServiceRating
from station.ledger.staff import Staff

MIN_SCORE, MAX_SCORE = 1, 5


@dataclass(frozen=True)
class AttendantSatisfaction:
    """One attendant's ratings over a period. ``mean_centi``: the mean score in hundredths, rounded half up
    (integers only: 4.67 is 467); None when nobody answered. Skipped questions are counted, never scored."""

    attendant_id: int
    number: str
    name: str
    asked: int
    answered: int
    score_sum: int
    fair_or_worse: int  # scores 3 and below: seed 003 asks that these be followed up

    @property
    def skipped(self) -> int:
        return self.asked - self.answered

    @property
    def mean_centi(self) -> int | None:
        if not self.answered:
            return None
        return (self.score_sum * 200 + self.answered) // (2 * self.answered)  # round half up, in integers


class Ratings(Staff):
    def record_rating(
        self,
        *,
        fill_id: int | None,
        attendant_id: int | None,
        lane: str,
        asked_at: dt.datetime,
        score: int | None,
        answered_at: dt.datetime | None,
    ) -> int:
        """One question asked at farewell and its answer (``score`` None: nobody pressed). A sale is rated at
        most once: a second record for the same fill changes nothing and gives the first one's id."""
        if score is not None and not MIN_SCORE <= score <= MAX_SCORE:
            raise InvalidInput("rating_invalid", score=score)
        if (score is None) != (answered_at is None):
            raise InvalidInput("rating_invalid", score=score)
        try:
            with self._tx() as session:
                row = ServiceRating(
                    fill_id=fill_id,
                    attendant_id=attendant_id,
                    lane=lane[:8],
                    asked_at=asked_at,
                    score=score,
                    answered_at=answered_at,
                )
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            with self._read() as session:
                found = session.scalar(select(ServiceRating.id).where(ServiceRating.fill_id == fill_id))
                if found is None:
                    raise
                return found

    def satisfaction(self, start: dt.datetime, end: dt.datetime) -> list[AttendantSatisfaction]:
        """Per attendant, the questions asked in [start, end): asked, answered, the scores' sum, fair or worse."""
        answered = func.count(ServiceRating.score)
        query = (
            select(
                Attendant.id,
                Attendant.number,
                Attendant.name,
                func.count(ServiceRating.id),
                answered,
                func.coalesce(func.sum(ServiceRating.score), 0),
                func.count(case((ServiceRating.score <= 3, 1))),
            )
            .join(Attendant, Attendant.id == ServiceRating.attendant_id)
            .where(ServiceRating.asked_at >= start, ServiceRating.asked_at < end)
            .group_by(Attendant.id, Attendant.number, Attendant.name)
            .order_by(Attendant.number)
        )
        with self._read() as session:
            return [
                AttendantSatisfaction(int(i), str(n), str(name), int(a), int(ans), int(s or 0), int(f))
                for i, n, name, a, ans, s, f in session.execute(query)
            ]
