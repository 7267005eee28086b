"""What a change of shift produces: the reconciliation and its lines, the drawer's status, the day's summary.

Plain frozen values, computed by :mod:`station.ledger.shifts.reconcile` and read by the desk, the reports and
the printouts; also the station's time zone and business day, and the cash denominations counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from station.config import STATION_TZ
from station.money import round_half_up_div

# 100 元 … 1 角, and the 5, 2 and 1 分 coins (still legal tender): a drawer with sales to the fen can balance.
DENOMINATIONS_FEN: tuple[int, ...] = (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 2, 1)
CASH_OVER_SHORT = "expense:cash_over_short"
MAX_TOTALIZER = 10**14
MAX_COUNT = 1_000_000

NozzleKey = tuple[int, int]
TotalizerReading = tuple[int, int, bool]  # (quantity 0.01 units, amount fen, typed by hand)
Totalizers = Mapping[NozzleKey, TotalizerReading]

# Drawer postings by entry kind; anything else lands in CashReconciliation.other_fen.
_CASH_KINDS = ("fill_sale", "recharge", "fee", "refund", "cash_drop")


@dataclass(frozen=True)
class DrawerStatus:
    shift_id: int | None
    cash_fen: int
    limit_fen: int
    warning: bool  # at or over the cash-drop limit: drop to the safe now
    excess_fen: int  # cash above the limit (0 when under)
    drop_count: int  # drops in the open shift
    drops_fen: int


@dataclass(frozen=True)
class NozzleReconciliation:
    dispenser: int
    nozzle: int
    product_code: str
    opening_quantity_centi: int | None  # None: no opening reading (a nozzle the shift did not open)
    opening_amount_fen: int | None
    opening_typed: bool
    closing_quantity_centi: int | None  # None while the shift is open
    closing_amount_fen: int | None
    closing_typed: bool
    delta_quantity_centi: int | None  # closing − opening
    delta_amount_fen: int | None
    fill_count: int
    fills_quantity_centi: int
    fills_amount_fen: int  # our amounts, round-half-up(price × quantity)
    fills_dispenser_amount_fen: int  # the amounts the dispenser reported (what its amount totalizer counts)
    variance_quantity_centi: int | None  # delta − fills: positive means gas left without a recorded fill
    variance_amount_fen: int | None  # delta amount − dispenser amounts of the fills
    gap_from_previous_centi: int | None  # this opening − the previous shift's closing on the nozzle
    tolerance_centi: int
    amount_tolerance_fen: int  # the tolerance priced at the list price
    flagged: bool
    between_shifts_quantity_centi: int = 0  # fills recorded between shifts on the nozzle (explain the gap)

    @property
    def unexplained_gap_centi(self) -> int | None:
        gap = self.gap_from_previous_centi
        return None if gap is None else gap - self.between_shifts_quantity_centi


@dataclass(frozen=True)
class CashDropLine:
    at: dt.datetime
    amount_fen: int
    attendant: str


@dataclass(frozen=True)
class CashReconciliation:
    opening_float_fen: int
    cash_sales_fen: int
    cash_sale_count: int
    recharges_fen: int
    recharge_count: int
    fees_fen: int
    refunds_fen: int  # paid out of the drawer (positive)
    drops_fen: int  # to the safe (positive)
    drops: tuple[CashDropLine, ...]
    other_fen: int  # other drawer postings in the shift, signed (reversals…)
    expected_fen: int
    counted_fen: int | None  # None while the shift is open
    over_short_fen: int | None  # counted − expected: positive over (长款), negative short (短款)
    count: tuple[tuple[int, int], ...]  # (denomination fen, pieces), every denomination


@dataclass(frozen=True)
class HoldLine:
    hold_id: int
    card_number: str
    amount_fen: int
    dispenser: int | None
    nozzle: int | None
    placed_at: dt.datetime


@dataclass(frozen=True)
class CardReconciliation:
    card_fill_count: int  # paid by stored-value and account cards, settled in the shift
    card_fills_fen: int
    card_debits_fen: int  # what those sales took from card balances (card and hold accounts)
    debit_variance_fen: int  # debits − card fills: anything but 0 is flagged
    internal_fill_count: int  # 内部卡: no revenue
    internal_fills_fen: int
    recharge_count: int
    recharges_fen: int  # each recharge's receipt prints exactly its amount
    open_holds: tuple[HoldLine, ...]  # holds not resolved at the end of the shift
    open_holds_fen: int


@dataclass(frozen=True)
class AttendantTimers:
    attendant_id: int | None
    attendant: str  # "number name", or "—" for fills without an attendant
    fill_count: int
    quantity_centi: int
    amount_fen: int
    flow_timed: int  # fills with an engine-off-to-flow time
    flow_over: int  # of those, over the limit (30 s)
    flow_total_ms: int
    commit_timed: int  # fills with a fill-end-to-commit time
    commit_over: int  # of those, over the limit (1 min)
    commit_total_ms: int

    @property
    def flow_over_permille(self) -> int:
        return round_half_up_div(self.flow_over * 1000, self.flow_timed) if self.flow_timed else 0

    @property
    def commit_over_permille(self) -> int:
        return round_half_up_div(self.commit_over * 1000, self.commit_timed) if self.commit_timed else 0

    @property
    def flow_average_ms(self) -> int | None:
        return round_half_up_div(self.flow_total_ms, self.flow_timed) if self.flow_timed else None

    @property
    def commit_average_ms(self) -> int | None:
        return round_half_up_div(self.commit_total_ms, self.commit_timed) if self.commit_timed else None


@dataclass(frozen=True)
class FillLine:
    fill_id: int
    dispenser: int
    nozzle: int
    transaction_number: int
    quantity_centi: int
    unit_price_fen: int
    amount_fen: int
    ended_at: dt.datetime
    attendant: str
    status: str  # unpaid, paid, cleared (now)
    reason: str = ""  # why it was cleared
    cleared_by: str = ""


@dataclass(frozen=True)
class EventLine:
    """An audited manager action in the shift: override, reversal (void), card adjustment."""

    audit_id: int
    at: dt.datetime
    action: str
    actor: str
    approver: str
    summary: str
    reason: str
    amount_fen: int | None = None


@dataclass(frozen=True)
class PriceChangeLine:
    product_code: str
    level: int
    old_fen: int | None
    new_fen: int
    effective_from: dt.datetime
    set_by: str  # "config" for prices loaded from the configuration, "hq" for head office's schedules
    reason: str


@dataclass(frozen=True)
class PriceLine:
    product_code: str
    level: int
    unit_price_fen: int


@dataclass(frozen=True)
class ServiceDue:
    """The service follow-ups as they stood at a moment (seed 000): complaints past their 48 hours unanswered,
    callbacks drawn and not yet recorded, and those of them past due."""

    complaints_overdue: int = 0
    callbacks_due: int = 0
    callbacks_overdue: int = 0


@dataclass(frozen=True)
class ShiftInvoices:
    """The shift's receipts (its sales and recharges) by invoice: issued, asked for and not yet issued (or
    refused by the platform), and not invoiced; counts and amounts in fen."""

    issued_count: int = 0
    issued_fen: int = 0
    asked_count: int = 0
    asked_fen: int = 0
    none_count: int = 0
    none_fen: int = 0


@dataclass(frozen=True)
class MobileTakings:
    """One provider's scan-to-pay takings in the shift: sales booked to its clearing account, less refunds."""

    provider: str  # "wechat" | "alipay"
    sales_fen: int
    sale_count: int
    refunds_fen: int

    @property
    def net_fen(self) -> int:
        return self.sales_fen - self.refunds_fen


@dataclass(frozen=True)
class Reconciliation:
    shift_id: int
    status: str  # open, closed
    opened_at: dt.datetime
    opened_by: str
    closed_at: dt.datetime | None
    closed_by: str
    attendants: tuple[str, ...]
    signed_off_at: dt.datetime | None
    signed_off_by: str
    note: str  # the manager's note on the variances
    business_date: dt.date | None  # of the close (CST)
    tolerance_centi: int
    flow_limit_ms: int
    commit_limit_ms: int
    fill_count: int
    quantity_centi: int
    sales_fen: int  # every fill of the shift at our amounts, paid or not
    amount_mismatch_count: int  # fills whose dispenser amount differed from ours (flagged at recording)
    nozzles: tuple[NozzleReconciliation, ...]
    cash: CashReconciliation
    cards: CardReconciliation
    timers: tuple[AttendantTimers, ...]
    unpaid_fills: tuple[FillLine, ...]  # unpaid at the end of the shift
    cleared_fills: tuple[FillLine, ...]  # cleared by a manager during the shift
    reversals: tuple[EventLine, ...]  # voids
    overrides: tuple[EventLine, ...]
    adjustments: tuple[EventLine, ...]
    prices_at_open: tuple[PriceLine, ...]
    price_changes: tuple[PriceChangeLine, ...]  # prices that took effect during the shift
    audit_head: str  # the chain head at the close (now, while open)
    carried_cash_fen: int | None = None  # the previous shift's counted drawer (None: first shift)
    opening_note: str = ""  # why the float or the totalizers differ from the previous close
    between_shifts: BetweenShifts | None = None  # what the shift adopted from the gap before it
    mobile: tuple[MobileTakings, ...] = ()  # scan-to-pay per provider (none taken: empty)
    service: ServiceDue = ServiceDue()  # complaints and callbacks outstanding at the end
    invoices: ShiftInvoices = ShiftInvoices()  # the shift's receipts by invoice state

    @property
    def float_variance_fen(self) -> int | None:
        """Opening float − the drawer counted at the previous close: cash moved to or from the safe."""
        if self.carried_cash_fen is None:
            return None
        return self.cash.opening_float_fen - self.carried_cash_fen

    @property
    def flagged_nozzles(self) -> tuple[NozzleReconciliation, ...]:
        return tuple(n for n in self.nozzles if n.flagged)

    @property
    def unpaid_fen(self) -> int:
        return sum(f.amount_fen for f in self.unpaid_fills)

    @property
    def problems(self) -> tuple[str, ...]:
        """Codes for everything the manager should look at; the first four need a note to close."""
        out: list[str] = []
        if self.flagged_nozzles:
            out.append("totalizer_variance")
        if self.cash.over_short_fen:
            out.append("cash_over" if self.cash.over_short_fen > 0 else "cash_short")
        if self.cards.debit_variance_fen:
            out.append("card_debit_mismatch")
        if self.cards.open_holds:
            out.append("holds_open")
        if self.unpaid_fills:
            out.append("unpaid_fills")
        if self.amount_mismatch_count:
            out.append("amount_mismatch")
        return tuple(out)

    @property
    def needs_note(self) -> bool:
        return any(p in _NOTE_REQUIRED for p in self.problems)


_NOTE_REQUIRED = frozenset({"totalizer_variance", "cash_over", "cash_short", "card_debit_mismatch"})


@dataclass(frozen=True)
class BetweenShifts:
    """The bucket a shift adopted at its open (交班间隙): fills and money taken while no shift was open."""

    fills: tuple[FillLine, ...]
    quantity_centi: int
    amount_fen: int  # the fills at our amounts
    entry_count: int  # journal entries (settlements, holds…) adopted
    cash_fen: int  # their drawer postings: counted in this shift's expected cash


@dataclass(frozen=True)
class ShiftSummary:
    shift_id: int
    status: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    signed_off: bool
    day_closed: bool


@dataclass(frozen=True)
class DaySummary:
    business_date: dt.date
    shift_ids: tuple[int, ...]
    unsigned_shift_ids: tuple[int, ...]
    fill_count: int
    quantity_centi: int
    sales_fen: int
    cash_sales_fen: int
    card_sales_fen: int
    internal_fills_fen: int
    recharges_fen: int
    fees_fen: int
    refunds_fen: int
    drops_fen: int
    expected_cash_fen: int
    counted_cash_fen: int
    over_short_fen: int
    flagged_nozzles: int
    unpaid_count: int  # unpaid at the close of their shift
    unpaid_fen: int
    timers: tuple[AttendantTimers, ...]
    closed: bool
    closed_by: str
    closed_at: dt.datetime | None
    note: str


def business_day_bounds(business_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC start (inclusive) and end (exclusive) of a business date in China Standard Time."""
    start = dt.datetime.combine(business_date, dt.time(0, 0), tzinfo=STATION_TZ).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def business_date_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(STATION_TZ).date()
