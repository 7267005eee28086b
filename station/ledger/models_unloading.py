"""The tube-trailer unloading log (卸气记录, SPEC §7), added by migration 0004.

``unloadings`` holds one row per trailer visit. Each of its columns is written once, by the checklist step
that owns it, and never rewritten: a correction is an :class:`UnloadingAmendment` row, so the original stays
visible. ``unloading_events`` is the append-only step log (checklist steps, interruptions, resumptions) with
time and attendant. Quantities are integer 0.01 kg, pressures 0.01 MPa (gauge), temperatures 0.1 °C.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime


class Unloading(Base):
    __tablename__ = "unloadings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trailer_plate: Mapped[str] = mapped_column(String(16), index=True)
    tractor_plate: Mapped[str] = mapped_column(String(16), default="")
    driver_name: Mapped[str] = mapped_column(String(64))
    supplier: Mapped[str] = mapped_column(String(64), index=True)
    note_number: Mapped[str] = mapped_column(String(32), index=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"))
    declared_centi: Mapped[int] = mapped_column(BigInteger)
    water_volume_l: Mapped[int] = mapped_column(Integer)
    arrived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    departed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    trailer_pressure_start_centi_mpa: Mapped[int | None] = mapped_column(Integer)
    trailer_temp_start_deci_c: Mapped[int | None] = mapped_column(Integer)
    storage_pressure_start_centi_mpa: Mapped[int | None] = mapped_column(Integer)
    storage_temp_start_deci_c: Mapped[int | None] = mapped_column(Integer)
    trailer_pressure_end_centi_mpa: Mapped[int | None] = mapped_column(Integer)
    trailer_temp_end_deci_c: Mapped[int | None] = mapped_column(Integer)
    storage_pressure_end_centi_mpa: Mapped[int | None] = mapped_column(Integer)
    storage_temp_end_deci_c: Mapped[int | None] = mapped_column(Integer)
    received_centi: Mapped[int | None] = mapped_column(BigInteger)
    measured_by: Mapped[str] = mapped_column(String(8), default="")  # meter | computed
    meter_record_number: Mapped[int | None] = mapped_column(BigInteger)
    difference_centi: Mapped[int | None] = mapped_column(BigInteger)  # received − declared
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # open, unloading, interrupted, ended, departed
    last_step: Mapped[str] = mapped_column(String(24))
    attendant_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    stock_movement_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movements.id"), unique=True)
    __table_args__ = (
        CheckConstraint("declared_centi >= 0", name="declared_non_negative"),
        CheckConstraint("water_volume_l > 0", name="water_volume_positive"),
        CheckConstraint("received_centi IS NULL OR received_centi >= 0", name="received_non_negative"),
    )


class UnloadingEvent(Base):
    """One step of an unloading, in order: a checklist step, an interruption (with reason) or a resumption."""

    __tablename__ = "unloading_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unloading_id: Mapped[int] = mapped_column(ForeignKey("unloadings.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(24), default="")  # interruptions: lightning, leak, ...
    detail: Mapped[str] = mapped_column(Text, default="")  # readings and notes, canonical JSON
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attendant_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    __table_args__ = (UniqueConstraint("unloading_id", "seq"),)


class UnloadingAmendment(Base):
    """A manager's correction of one field: the original stays in ``unloadings``."""

    __tablename__ = "unloading_amendments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unloading_id: Mapped[int] = mapped_column(ForeignKey("unloadings.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(String(64))
    new_value: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    manager_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    stock_movement_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movements.id"), unique=True)


class StockCount(Base):
    """A measured gas stock figure (e.g. from the storage bank's reading) entered by a manager."""

    __tablename__ = "stock_counts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"))
    measured_centi: Mapped[int] = mapped_column(BigInteger)
    measured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    manager_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    __table_args__ = (CheckConstraint("measured_centi >= 0", name="measured_non_negative"),)
