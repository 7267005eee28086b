"""Vehicles and their gas cylinders: registration and the step-5 check before a fill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from station.ledger.errors import InvalidInput, Refused
from station.ledger.models import Cylinder, Vehicle
from station.ledger.staff import Actor, Staff


def normalise_plate(plate: str) -> str:
    return "".join(plate.split()).upper()


@dataclass(frozen=True)
class CylinderProblem:
    code: str  # vehicle_unknown, cylinder_unregistered, inspection_overdue, design_life_ended, cylinder_failed
    serial: str = ""
    date: dt.date | None = None


class Vehicles(Staff):
    """Vehicles and cylinders: what must not be filled, and why."""

    def register_vehicle(self, manager: Actor, plate: str, owner: str, cylinders: Sequence[dict[str, Any]]) -> None:
        plate = normalise_plate(plate)
        if not plate or len(plate) > 16:
            raise InvalidInput("plate_invalid")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            if session.get(Vehicle, plate) is not None:
                raise Refused("vehicle_exists", plate=plate)
            session.add(Vehicle(plate=plate, owner=owner))
            session.flush()
            for cyl in cylinders:
                session.add(Cylinder(plate=plate, **cyl))
            self._audit(session, manager.id, "vehicle_registered", plate=plate, cylinders=len(cylinders))

    def check_vehicle(self, plate: str, today: dt.date | None = None) -> list[CylinderProblem]:
        """Step 5: every reason this vehicle's cylinders must not be filled (empty list: fine)."""
        today = today or self.now().date()
        plate = normalise_plate(plate)
        if not plate:
            raise InvalidInput("plate_invalid")
        with self._read() as session:
            vehicle = session.get(Vehicle, plate)
            if vehicle is None or not vehicle.cylinders:
                return [CylinderProblem("vehicle_unknown")]
            problems: list[CylinderProblem] = []
            for cyl in vehicle.cylinders:
                if not cyl.registration_no:
                    problems.append(CylinderProblem("cylinder_unregistered", cyl.serial))
                if cyl.failed:
                    problems.append(CylinderProblem("cylinder_failed", cyl.serial))
                if cyl.next_inspection < today:
                    problems.append(CylinderProblem("inspection_overdue", cyl.serial, cyl.next_inspection))
                if cyl.design_life_end < today:
                    problems.append(CylinderProblem("design_life_ended", cyl.serial, cyl.design_life_end))
            return problems
