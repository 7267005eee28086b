"""Finding unloadings: one by id, the open ones, a search by date, trailer, supplier or note."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from station.ledger.errors import NotFound
from station.ledger.models_unloading import Unloading
from station.ledger.unloading.core import UnloadingCore
from station.ledger.unloading.values import (
    UnloadingView,
)
from station.ledger.vehicles import normalise_plate


class Lookup(UnloadingCore):
    """Read-only: one unloading, the open ones, a search."""

    def get(self, unloading_id: int) -> UnloadingView:
        with self.ledger._read() as session:
            row = session.get(Unloading, unloading_id)
            if row is None:
                raise NotFound("unload_not_found", id=unloading_id)
            return self._view(session, row)

    def open_unloadings(self) -> list[UnloadingView]:
        with self.ledger._read() as session:
            rows = session.scalars(select(Unloading).where(Unloading.status != "departed").order_by(Unloading.id))
            return [self._view(session, r) for r in rows]

    def search(
        self,
        *,
        day_from: dt.date | None = None,
        day_to: dt.date | None = None,
        trailer: str = "",
        supplier: str = "",
        note_number: str = "",
        text: str = "",
        limit: int = 200,
    ) -> list[UnloadingView]:
        """Unloadings by arrival date (station-local, inclusive), trailer, supplier, note number; newest first.

        ``text`` matches any of trailer plate, tractor plate, supplier, note number or driver.
        """
        zone = self._zone()
        query = select(Unloading)
        if day_from is not None:
            query = query.where(Unloading.arrived_at >= dt.datetime.combine(day_from, dt.time(), zone))
        if day_to is not None:
            end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), zone)
            query = query.where(Unloading.arrived_at < end)
        if trailer.strip():
            query = query.where(Unloading.trailer_plate.contains(normalise_plate(trailer), autoescape=True))
        if supplier.strip():
            query = query.where(Unloading.supplier.contains(supplier.strip(), autoescape=True))
        if note_number.strip():
            query = query.where(Unloading.note_number.contains(note_number.strip(), autoescape=True))
        if text.strip():
            words = text.strip()
            query = query.where(
                or_(
                    Unloading.trailer_plate.contains(normalise_plate(words), autoescape=True),
                    Unloading.tractor_plate.contains(normalise_plate(words), autoescape=True),
                    Unloading.supplier.contains(words, autoescape=True),
                    Unloading.note_number.contains(words, autoescape=True),
                    Unloading.driver_name.contains(words, autoescape=True),
                )
            )
        query = query.order_by(Unloading.arrived_at.desc(), Unloading.id.desc()).limit(max(1, min(limit, 1000)))
        with self.ledger._read() as session:
            return [self._view(session, r) for r in session.scalars(query)]
