"""The core's vocabulary for its screens: the value types, enums and figures a screen shows or hands back.

A screen imports these from here, never from :mod:`station.ledger` or :mod:`station.devices`, so a second
dispenser driver, another ledger layout or a browser client changes no screen (an import-linter contract in
``pyproject.toml`` holds :mod:`station.tui` to it).

Most names here are re-exports: the ledger's frozen dataclasses and enums are the core's words as they are,
and this module is where the core says so. Two groups are interim, kept here so the screens already speak
only to the core:

- the unloading desk's ledger service (:class:`UnloadingLog`, its refusal :class:`LedgerError`, its checklist
  helpers), which the unloading screen still opens over ``core.ledger``;
- the unloading post as its driver says it (:class:`UnloadState`, :class:`UnloadingProgress`,
  :class:`BusEvent`), which the unloading screen still reads over ``core.bus``.

Both belong behind a core unloading desk, as the card and manager desks are (``cards.py``, ``desk.py``);
until then their names are the driver's and the ledger's, re-exported. A nozzle's state is the core's own
(:class:`~station.core.lanes.NozzleState`, mapped from the driver's at the bus), and so is a preset's kind
(:class:`~station.core.sequence.PresetKind`).
"""

from __future__ import annotations

from station.core.lanes import NozzleState
from station.core.sequence import PresetKind
from station.devices.dispenser_bus import BusEvent, UnloadingProgress
from station.devices.dispenser_protocol import UnloadState
from station.ledger.callbacks import CallbackAnswer, CallbackView
from station.ledger.cards import CardView, ReplaceCause
from station.ledger.complaints import CATEGORIES, ComplaintEntry, ComplaintView
from station.ledger.errors import LedgerError
from station.ledger.fills import FillView
from station.ledger.invoice_views import Buyer, InvoiceEventView, InvoiceView
from station.ledger.models import CardStatus, CardType
from station.ledger.reports.sections import permille, seconds
from station.ledger.shifts.values import DENOMINATIONS_FEN, DrawerStatus, Reconciliation
from station.ledger.staff import Actor
from station.ledger.unloading.log import UnloadingLog
from station.ledger.unloading.values import (
    INTERRUPT_REASONS,
    Arrival,
    Readings,
    StockReport,
    UnloadingView,
    checklist_position,
)

__all__ = [
    "CATEGORIES",
    "DENOMINATIONS_FEN",
    "INTERRUPT_REASONS",
    "Actor",
    "Arrival",
    "BusEvent",
    "Buyer",
    "CallbackAnswer",
    "CallbackView",
    "CardStatus",
    "CardType",
    "CardView",
    "ComplaintEntry",
    "ComplaintView",
    "DrawerStatus",
    "FillView",
    "InvoiceEventView",
    "InvoiceView",
    "LedgerError",
    "NozzleState",
    "PresetKind",
    "Readings",
    "Reconciliation",
    "ReplaceCause",
    "StockReport",
    "UnloadState",
    "UnloadingLog",
    "UnloadingProgress",
    "UnloadingView",
    "checklist_position",
    "permille",
    "seconds",
]
