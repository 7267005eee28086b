"""The ledger's services assembled: :class:`Ledger` is one object made of one mixin per noun.

Each noun has its module over the shared core in :mod:`station.ledger.journal` (accounts, the entry draft and
its posting, sessions): staff, prices, cards, recharges, corrections, holds, lanes, fills, settlement, receipts,
vehicles, the drawer, stock, the sequence log, invoices, service ratings, complaints and callbacks. Value types
live with their noun (``Actor`` in :mod:`~station.ledger.staff`, ``CardView`` in :mod:`~station.ledger.cards`,
``FillView`` in :mod:`~station.ledger.fills`, …); import them from there.
"""

from __future__ import annotations

from station.ledger.callbacks import Callbacks
from station.ledger.company_cards import CompanyCards
from station.ledger.complaints import Complaints
from station.ledger.corrections import Corrections
from station.ledger.drawer import Drawer
from station.ledger.hq_prices import HqPrices
from station.ledger.hq_pull import HqPulls
from station.ledger.invoice_states import InvoiceStates
from station.ledger.lanes import Lanes
from station.ledger.outbox_calls import OutboxCalls
from station.ledger.payment_orders import PaymentOrders
from station.ledger.prices import Prices
from station.ledger.ratings import Ratings
from station.ledger.recharges import Recharges
from station.ledger.sequence_log import SequenceLog
from station.ledger.settlement import Settlement
from station.ledger.stock import Stock
from station.ledger.vehicles import Vehicles


class Ledger(
    PaymentOrders,
    Settlement,
    Lanes,
    Recharges,
    Corrections,
    HqPrices,
    Prices,
    Vehicles,
    Drawer,
    Stock,
    SequenceLog,
    InvoiceStates,
    Ratings,
    Complaints,
    Callbacks,
    OutboxCalls,
    HqPulls,
    CompanyCards,
):
    """The station's books. One instance per process; thread-compatible (a session per call)."""
