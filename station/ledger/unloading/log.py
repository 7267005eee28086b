"""The unloading log assembled: :class:`UnloadingLog` is one object made of one mixin per noun."""

from __future__ import annotations

from station.ledger.unloading.amendments import Amendments
from station.ledger.unloading.checklist import Checklist
from station.ledger.unloading.lookup import Lookup
from station.ledger.unloading.running import Running
from station.ledger.unloading.stock import StockReconciliation


class UnloadingLog(Checklist, Running, Amendments, Lookup, StockReconciliation):
    """The unloading log's services over a :class:`~station.ledger.services.Ledger` (same database, same
    transactions and audit)."""
