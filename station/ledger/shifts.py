"""The manager's desk for shifts (交接班, SPEC §6).

Open a shift with its attendants, the opening float and every nozzle's opening totalizers; watch the drawer
against the cash-drop limit (seed 003: cash over 5,000 yuan goes to the safe); close with the closing
totalizers and a count by denomination; reconcile nozzles, cash and cards; sign off; close the day (日结).

Every action that changes something is manager-only, checked here, one transaction, audited. Reading a
reconciliation changes nothing. Money is integer fen, quantities integer 0.01 units.

Definitions the figures rely on:

* A fill belongs to the shift that was open when it was *recorded* (``fills.shift_id``): nozzle and timer
  figures use those fills. Money belongs to the shift that was open when it was *posted*
  (``journal_entries.shift_id``): the drawer and the card debits use those entries.
* Expected cash = opening float + cash sales + cash recharges + fees − refunds − drops + other drawer
  postings in the shift (reversals…). It always equals the books' drawer balance at the close. When the count
  differs, the close posts the difference (``cash_over_short``) so the books match the drawer handed over.
* A shift's business date is the local date (China Standard Time, UTC+8) of its close.

The shift books (every yuan and kilogram in exactly one shift):

* Money taken by choice (recharge, fee, refund, adjustment, reversal, drop) is refused with no shift open
  (``no_open_shift``). What cannot be refused — a fill the dispenser already delivered, its settlement in
  cash or by card, a hold of a running fill — is recorded with ``shift_id`` NULL and ``between_shifts`` set,
  audited (``between_shifts_fill``/``between_shifts_entry``): the between-shifts bucket.
* Opening a shift adopts the bucket: its rows get the new ``shift_id`` and keep ``between_shifts``, so the
  reconciliation counts their cash in the drawer expectation and lists them in their own section
  (交班间隙). Between-shift fills are not in the nozzle's delta (they happened before the opening reading);
  they explain the gap between the last closing and this opening totalizer instead.
* The drawer is carried: the opening float should equal the previous shift's count; any difference (money
  moved to or from the safe) needs an opening note and shows as ``float_variance_fen``. A totalizer gap not
  explained by between-shift fills needs the same note.
* A closed business day takes no new shift; work continues in the next business day's shift.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.ledger import audit
from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.models import (
    Account,
    AccountKind,
    Attendant,
    AuditEvent,
    Card,
    CardType,
    CashDrop,
    DayClose,
    Fill,
    FillStatus,
    Hold,
    HoldStatus,
    JournalEntry,
    PaymentMode,
    Posting,
    Price,
    Shift,
    ShiftAttendant,
    ShiftCashCount,
    ShiftClosing,
    ShiftStatus,
    ShiftTotalizer,
    StationState,
)
from station.ledger.services import CASH_DRAWER, CASH_SAFE, Actor, Ledger, _check_amount, _EntryDraft
from station.money import amount_for, round_half_up_div

# 100 元 … 1 角, and the 5, 2 and 1 分 coins (still legal tender): a drawer with sales to the fen can balance.
DENOMINATIONS_FEN: tuple[int, ...] = (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 2, 1)
STATION_TZ = dt.timezone(dt.timedelta(hours=8), "CST")
CASH_OVER_SHORT = "expense:cash_over_short"
MAX_TOTALIZER = 10**14
MAX_COUNT = 1_000_000

NozzleKey = tuple[int, int]
TotalizerReading = tuple[int, int, bool]  # (quantity 0.01 units, amount fen, typed by hand)
Totalizers = Mapping[NozzleKey, TotalizerReading]

# Drawer postings by entry kind; anything else lands in CashReconciliation.other_fen.
_CASH_KINDS = ("fill_sale", "recharge", "fee", "refund", "cash_drop")


# ---------------------------------------------------------------------------------------------- views


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
    set_by: str  # "config" for prices loaded from the configuration
    reason: str


@dataclass(frozen=True)
class PriceLine:
    product_code: str
    level: int
    unit_price_fen: int


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


# ---------------------------------------------------------------------------------------------- validation


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_totalizers(readings: Totalizers) -> dict[NozzleKey, TotalizerReading]:
    out: dict[NozzleKey, TotalizerReading] = {}
    for key, value in readings.items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(_is_int(k) for k in key)):
            raise InvalidInput("nozzle_unknown", nozzle=str(key))
        dispenser, nozzle = key
        if not (isinstance(value, tuple) and len(value) == 3):
            raise InvalidInput("totalizer_invalid", dispenser=dispenser, nozzle=nozzle)
        quantity, amount, typed = value
        if not (_is_int(quantity) and _is_int(amount) and isinstance(typed, bool)):
            raise InvalidInput("totalizer_invalid", dispenser=dispenser, nozzle=nozzle)
        if not (0 <= quantity <= MAX_TOTALIZER and 0 <= amount <= MAX_TOTALIZER):
            raise InvalidInput("totalizer_invalid", dispenser=dispenser, nozzle=nozzle)
        out[(dispenser, nozzle)] = (quantity, amount, typed)
    return out


def _match_nozzles(readings: Mapping[NozzleKey, object], expected: Sequence[NozzleKey]) -> None:
    for key in expected:
        if key not in readings:
            raise InvalidInput("totalizer_missing", dispenser=key[0], nozzle=key[1])
    for key in sorted(readings):
        if key not in expected:
            raise InvalidInput("nozzle_unknown", dispenser=key[0], nozzle=key[1])


def _check_cash_count(cash_count: Mapping[int, int]) -> dict[int, int]:
    out = dict.fromkeys(DENOMINATIONS_FEN, 0)
    for denomination, count in cash_count.items():
        if not _is_int(denomination) or denomination not in out:
            raise InvalidInput("denomination_unknown", denomination=denomination)
        if not _is_int(count):
            raise InvalidInput("count_invalid", denomination=denomination)
        if count < 0:
            raise InvalidInput("count_negative", denomination=denomination)
        if count > MAX_COUNT:
            raise InvalidInput("count_invalid", denomination=denomination)
        out[denomination] = count
    return out


def business_day_bounds(business_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC start (inclusive) and end (exclusive) of a business date in China Standard Time."""
    start = dt.datetime.combine(business_date, dt.time(0, 0), tzinfo=STATION_TZ).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def business_date_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(STATION_TZ).date()


# ---------------------------------------------------------------------------------------------- the desk


class ShiftDesk:
    """Shift services on top of a :class:`~station.ledger.services.Ledger` (same database, same clock)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # ------------------------------------------------------------------ helpers

    @property
    def _settings_nozzles(self) -> list[NozzleKey]:
        return [(n.dispenser, n.nozzle) for n in self.ledger.settings.nozzles]

    def _product_of(self, key: NozzleKey) -> str:
        for n in self.ledger.settings.nozzles:
            if (n.dispenser, n.nozzle) == key:
                return n.product
        return self.ledger.settings.products[0].code

    @staticmethod
    def _names(session: Session) -> dict[int, str]:
        return {a.id: f"{a.number} {a.name}" for a in session.scalars(select(Attendant))}

    @staticmethod
    def _shift(session: Session, shift_id: int, *, lock: bool = False) -> Shift:
        shift = session.get(Shift, shift_id, with_for_update=lock)
        if shift is None:
            raise NotFound("shift_unknown", shift=shift_id)
        return shift

    @staticmethod
    def _price_at(session: Session, product: str, level: int, at: dt.datetime) -> int | None:
        price = session.scalar(
            select(Price.unit_price_fen)
            .where(Price.product_code == product, Price.level == level, Price.effective_from <= at)
            .order_by(Price.effective_from.desc(), Price.id.desc())
            .limit(1)
        )
        return None if price is None else int(price)

    @staticmethod
    def _open_event_id(session: Session, shift_id: int) -> int:
        for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "shift_opened").order_by(AuditEvent.id.desc())
        ):
            if json.loads(event.detail).get("shift") == shift_id:
                return event.id
        return 0

    # ------------------------------------------------------------------ open

    def open_shift(
        self,
        manager: Actor,
        attendants: Sequence[Actor | str],
        opening_float_fen: int,
        opening_totalizers: Totalizers,
        note: str = "",
    ) -> int:
        """Open a shift: who works it, the float in the drawer, every configured nozzle's totalizers.

        ``attendants`` are actors or staff numbers. Returns the shift id. The drawer and the totalizers carry
        on from the previous close: a float other than the last count, or a totalizer gap not explained by
        the fills recorded between shifts, is refused without ``note``. The new shift adopts the
        between-shifts bucket (see the module docstring).
        """
        note = note.strip()
        _check_amount(opening_float_fen, name="float", allow_zero=True)
        readings = _check_totalizers(opening_totalizers)
        _match_nozzles(readings, self._settings_nozzles)
        numbers = list(dict.fromkeys(a.number if isinstance(a, Actor) else str(a).strip() for a in attendants))
        if not numbers:
            raise InvalidInput("attendants_required")
        ledger = self.ledger
        with ledger._tx() as session:
            ledger._actor(session, manager, manager=True)
            if ledger._open_shift_id(session) is not None:
                raise Refused("shift_already_open")
            today = business_date_of(ledger.now())
            if session.scalar(select(DayClose.id).where(DayClose.business_date == today)) is not None:
                raise Refused("day_closed", date=today.isoformat())
            staff: list[Attendant] = []
            for number in numbers:
                row = session.scalar(select(Attendant).where(Attendant.number == number))
                if row is None or not row.active:
                    raise NotFound("attendant_unknown", number=number)
                staff.append(row)
            previous = session.scalar(
                select(Shift).where(Shift.status == ShiftStatus.CLOSED).order_by(Shift.id.desc()).limit(1)
            )
            carried = previous.counted_cash_fen if previous is not None else None
            if carried is not None and opening_float_fen != carried and not note:
                raise Refused("float_differs_needs_note", float_fen=opening_float_fen, carried_fen=carried)
            bucket_fills = session.scalars(
                select(Fill).where(Fill.shift_id.is_(None), Fill.between_shifts.is_(True))
            ).all()
            if previous is not None:
                gaps = []
                tolerance = ledger.settings.thresholds.totalizer_tolerance
                for t in session.scalars(select(ShiftTotalizer).where(ShiftTotalizer.shift_id == previous.id)):
                    key = (t.dispenser, t.nozzle)
                    if key not in readings or t.closing_quantity_centi is None:
                        continue
                    sold = sum(f.quantity_centi for f in bucket_fills if (f.dispenser, f.nozzle) == key)
                    if abs(readings[key][0] - t.closing_quantity_centi - sold) > tolerance:
                        gaps.append(f"{key[0]}/{key[1]}")
                if gaps and not note:
                    raise Refused("totalizer_gap_needs_note", nozzles=", ".join(gaps))
            shift = Shift(
                status=ShiftStatus.OPEN,
                opened_at=ledger.now(),
                opened_by_id=manager.id,
                opening_float_fen=opening_float_fen,
                carried_cash_fen=carried,
                opening_note=note,
            )
            session.add(shift)
            session.flush()
            # Adopt the bucket before the float so the float is computed on the drawer without it.
            adopted_entries = session.scalars(
                select(JournalEntry).where(JournalEntry.shift_id.is_(None), JournalEntry.between_shifts.is_(True))
            ).all()
            drawer_id = session.scalar(select(Account.id).where(Account.code == CASH_DRAWER))
            bucket_cash = sum(p.amount_fen for e in adopted_entries for p in e.postings if p.account_id == drawer_id)
            for entry in adopted_entries:
                entry.shift_id = shift.id
            for fill in bucket_fills:
                fill.shift_id = shift.id
            drawer = ledger._balance(session, CASH_DRAWER) - bucket_cash
            if opening_float_fen != drawer:
                # The float comes from the safe (or the surplus goes back to it) so the drawer holds the float.
                draft = _EntryDraft("float", memo="opening float")
                draft.add(CASH_DRAWER, opening_float_fen - drawer)
                draft.add(CASH_SAFE, drawer - opening_float_fen)
                ledger._post(session, draft, manager.id)
            for row in staff:
                session.add(ShiftAttendant(shift_id=shift.id, attendant_id=row.id))
            for (dispenser, nozzle), (quantity, amount, typed) in sorted(readings.items()):
                session.add(
                    ShiftTotalizer(
                        shift_id=shift.id,
                        dispenser=dispenser,
                        nozzle=nozzle,
                        opening_quantity_centi=quantity,
                        opening_amount_fen=amount,
                        opening_typed=typed,
                        closing_typed=False,
                    )
                )
            session.flush()
            ledger._audit(
                session,
                manager.id,
                "shift_opened",
                shift=shift.id,
                float_fen=opening_float_fen,
                carried_fen=carried,
                note=note,
                adopted_fills=[f.id for f in bucket_fills],
                adopted_entries=[e.id for e in adopted_entries],
                attendants=numbers,
                typed=[f"{d}/{n}" for (d, n), r in sorted(readings.items()) if r[2]],
            )
            return shift.id

    # ------------------------------------------------------------------ during

    def drawer_status(self) -> DrawerStatus:
        """Cash in the drawer against the cash-drop limit (warn at the limit, seed 003)."""
        ledger = self.ledger
        limit = ledger.settings.thresholds.cash_drop_limit
        with ledger._read() as session:
            cash = ledger._balance(session, CASH_DRAWER)
            shift_id = ledger._open_shift_id(session)
            drops = session.execute(
                select(func.count(CashDrop.id), func.coalesce(func.sum(CashDrop.amount_fen), 0)).where(
                    CashDrop.shift_id == shift_id
                )
            ).one()
        return DrawerStatus(
            shift_id=shift_id,
            cash_fen=cash,
            limit_fen=limit,
            warning=cash >= limit,
            excess_fen=max(0, cash - limit),
            drop_count=int(drops[0]) if shift_id is not None else 0,
            drops_fen=int(drops[1]) if shift_id is not None else 0,
        )

    def cash_drop(self, actor: Actor, amount_fen: int) -> DrawerStatus:
        """Drop cash to the safe (any logged-in staff; logged and audited by the ledger)."""
        self.ledger.cash_drop(actor, amount_fen)
        return self.drawer_status()

    def current_shift(self) -> int | None:
        return self.ledger.current_shift()

    def carried_cash_fen(self) -> int | None:
        """The drawer counted at the last close (None before the first close)."""
        with self.ledger._read() as session:
            return session.scalar(
                select(Shift.counted_cash_fen)
                .where(Shift.status == ShiftStatus.CLOSED)
                .order_by(Shift.id.desc())
                .limit(1)
            )

    def latest_shift_id(self) -> int | None:
        with self.ledger._read() as session:
            value = session.scalar(select(func.max(Shift.id)))
            return None if value is None else int(value)

    def shifts(self, limit: int = 20) -> list[ShiftSummary]:
        with self.ledger._read() as session:
            closings = {c.shift_id: c for c in session.scalars(select(ShiftClosing))}
            rows = session.scalars(select(Shift).order_by(Shift.id.desc()).limit(limit)).all()
            return [
                ShiftSummary(
                    s.id,
                    s.status.value,
                    s.opened_at,
                    s.closed_at,
                    s.id in closings and closings[s.id].signed_off_at is not None,
                    s.id in closings and closings[s.id].day_close_id is not None,
                )
                for s in rows
            ]

    # ------------------------------------------------------------------ close

    def close_shift(
        self, manager: Actor, closing_totalizers: Totalizers, cash_count: Mapping[int, int], note: str = ""
    ) -> Reconciliation:
        """Close the open shift: closing totalizers, the drawer counted by denomination, the reconciliation.

        Refused with ``variance_needs_note`` when a nozzle variance is over tolerance, the drawer is over or
        short, or card debits differ from card fills, and ``note`` is empty.
        """
        readings = _check_totalizers(closing_totalizers)
        counts = _check_cash_count(cash_count)
        note = note.strip()
        ledger = self.ledger
        with ledger._tx() as session:
            ledger._actor(session, manager, manager=True)
            shift_id = ledger._open_shift_id(session)
            if shift_id is None:
                raise Refused("no_open_shift")
            shift = self._shift(session, shift_id, lock=True)
            rows = {
                (t.dispenser, t.nozzle): t
                for t in session.scalars(select(ShiftTotalizer).where(ShiftTotalizer.shift_id == shift_id))
            }
            _match_nozzles(readings, sorted(rows))
            for key, (quantity, amount, _typed) in sorted(readings.items()):
                row = rows[key]
                if quantity < row.opening_quantity_centi:
                    raise InvalidInput("totalizer_backwards", dispenser=key[0], nozzle=key[1], which="quantity")
                if amount < row.opening_amount_fen:
                    raise InvalidInput("totalizer_backwards", dispenser=key[0], nozzle=key[1], which="amount")
            counted = sum(d * c for d, c in counts.items())
            end = ledger.now()
            preview = self._reconcile(session, shift, closing=readings, counts=counts, end=end)
            if preview.needs_note and not note:
                raise Refused("variance_needs_note", problems=list(preview.problems))
            for key, (quantity, amount, typed) in readings.items():
                row = rows[key]
                row.closing_quantity_centi = quantity
                row.closing_amount_fen = amount
                row.closing_typed = typed
            for denomination, count in counts.items():
                session.add(ShiftCashCount(shift_id=shift_id, denomination_fen=denomination, count=count))
            over_short = preview.cash.over_short_fen or 0
            if over_short:
                if session.scalar(select(Account.id).where(Account.code == CASH_OVER_SHORT)) is None:
                    session.add(Account(code=CASH_OVER_SHORT, name="Cash over/short 长短款", kind=AccountKind.EXPENSE))
                    session.flush()
                draft = _EntryDraft("cash_over_short", memo=f"shift {shift_id} cash over/short")
                draft.add(CASH_DRAWER, over_short)
                draft.add(CASH_OVER_SHORT, -over_short)
                ledger._post(session, draft, manager.id)
            shift.status = ShiftStatus.CLOSED
            shift.closed_at = end
            shift.closed_by_id = manager.id
            shift.counted_cash_fen = counted
            shift.note = note
            event = audit.append(
                session,
                at=end,
                actor_id=manager.id,
                action="shift_closed",
                detail={
                    "shift": shift_id,
                    "expected_fen": preview.cash.expected_fen,
                    "counted_fen": counted,
                    "over_short_fen": over_short,
                    "flagged": [f"{n.dispenser}/{n.nozzle}" for n in preview.flagged_nozzles],
                    "problems": list(preview.problems),
                    "note": note,
                },
            )
            session.add(
                ShiftClosing(
                    shift_id=shift_id,
                    expected_cash_fen=preview.cash.expected_fen,
                    counted_cash_fen=counted,
                    over_short_fen=over_short,
                    flagged_nozzles=len(preview.flagged_nozzles),
                    variance_note=note,
                    close_audit_id=event.id,
                    audit_head=event.hash,
                )
            )
            session.flush()
            return self._reconcile(session, shift)

    def preview_close(self, closing_totalizers: Totalizers, cash_count: Mapping[int, int]) -> Reconciliation:
        """The reconciliation the close would produce now, for the manager to read before confirming.

        Changes nothing; the same checks as :meth:`close_shift` on the readings and the count.
        """
        readings = _check_totalizers(closing_totalizers)
        counts = _check_cash_count(cash_count)
        ledger = self.ledger
        with ledger._read() as session:
            shift_id = ledger._open_shift_id(session)
            if shift_id is None:
                raise Refused("no_open_shift")
            shift = self._shift(session, shift_id)
            opened = {
                (t.dispenser, t.nozzle): t
                for t in session.scalars(select(ShiftTotalizer).where(ShiftTotalizer.shift_id == shift_id))
            }
            _match_nozzles(readings, sorted(opened))
            for key, (quantity, amount, _typed) in sorted(readings.items()):
                row = opened[key]
                if quantity < row.opening_quantity_centi:
                    raise InvalidInput("totalizer_backwards", dispenser=key[0], nozzle=key[1], which="quantity")
                if amount < row.opening_amount_fen:
                    raise InvalidInput("totalizer_backwards", dispenser=key[0], nozzle=key[1], which="amount")
            return self._reconcile(session, shift, closing=readings, counts=counts, end=ledger.now())

    def sign_off(self, manager: Actor, shift_id: int) -> Reconciliation:
        """Manager sign-off of a closed shift's reconciliation."""
        ledger = self.ledger
        with ledger._tx() as session:
            ledger._actor(session, manager, manager=True)
            shift = self._shift(session, shift_id, lock=True)
            closing = session.get(ShiftClosing, shift_id)
            if shift.status is not ShiftStatus.CLOSED or closing is None:
                raise Refused("shift_not_closed", shift=shift_id)
            if closing.signed_off_at is not None:
                raise Refused("shift_already_signed_off", shift=shift_id)
            closing.signed_off_at = ledger.now()
            closing.signed_off_by_id = manager.id
            ledger._audit(session, manager.id, "shift_signed_off", shift=shift_id, audit_head=closing.audit_head)
            session.flush()
            return self._reconcile(session, shift)

    # ------------------------------------------------------------------ reading

    def reconciliation(self, shift_id: int | None = None) -> Reconciliation:
        """The reconciliation of a shift (default: the open one, else the latest). Changes nothing."""
        with self.ledger._read() as session:
            if shift_id is None:
                shift_id = self.ledger._open_shift_id(session) or session.scalar(select(func.max(Shift.id)))
                if shift_id is None:
                    raise NotFound("shift_unknown", shift=None)
            return self._reconcile(session, self._shift(session, shift_id))

    def _reconcile(
        self,
        session: Session,
        shift: Shift,
        *,
        closing: Mapping[NozzleKey, TotalizerReading] | None = None,
        counts: Mapping[int, int] | None = None,
        end: dt.datetime | None = None,
    ) -> Reconciliation:
        ledger = self.ledger
        settings = ledger.settings
        names = self._names(session)
        sid = shift.id
        record = session.get(ShiftClosing, sid)
        end = end or shift.closed_at or ledger.now()
        tolerance = settings.thresholds.totalizer_tolerance

        def who(attendant_id: int | None) -> str:
            return names.get(attendant_id, "—") if attendant_id is not None else "—"

        # ---- fills of the shift
        fills = session.scalars(select(Fill).where(Fill.shift_id == sid).order_by(Fill.id)).all()

        # ---- nozzles
        totalizers = {
            (t.dispenser, t.nozzle): t
            for t in session.scalars(select(ShiftTotalizer).where(ShiftTotalizer.shift_id == sid))
        }
        keys = sorted(set(totalizers) | {(f.dispenser, f.nozzle) for f in fills})
        previous_shift = session.scalar(select(func.max(ShiftTotalizer.shift_id)).where(ShiftTotalizer.shift_id < sid))
        previous = {
            (t.dispenser, t.nozzle): t.closing_quantity_centi
            for t in session.scalars(select(ShiftTotalizer).where(ShiftTotalizer.shift_id == previous_shift))
        }
        nozzles: list[NozzleReconciliation] = []
        for key in keys:
            row = totalizers.get(key)
            # Between-shift fills happened before this opening reading: they explain the gap, not the delta.
            mine = [f for f in fills if (f.dispenser, f.nozzle) == key and not f.between_shifts]
            between = sum(f.quantity_centi for f in fills if (f.dispenser, f.nozzle) == key and f.between_shifts)
            product = mine[0].product_code if mine else self._product_of(key)
            list_price = self._price_at(session, product, 0, end) or 0
            amount_tolerance = amount_for(list_price, tolerance)
            fq = sum(f.quantity_centi for f in mine)
            fa = sum(f.amount_fen for f in mine)
            fda = sum(f.dispenser_amount_fen for f in mine)
            oq = row.opening_quantity_centi if row else None
            oa = row.opening_amount_fen if row else None
            cq: int | None
            ca: int | None
            if closing is not None and key in closing:
                cq, ca, ctyped = closing[key]
            elif row is not None:
                cq, ca, ctyped = row.closing_quantity_centi, row.closing_amount_fen, row.closing_typed
            else:
                cq, ca, ctyped = None, None, False
            dq = cq - oq if cq is not None and oq is not None else None
            da = ca - oa if ca is not None and oa is not None else None
            vq = dq - fq if dq is not None else None
            va = da - fda if da is not None else None
            prev = previous.get(key)
            gap = oq - prev if oq is not None and prev is not None else None
            flagged = (
                row is None
                or (vq is not None and abs(vq) > tolerance)
                or (va is not None and abs(va) > amount_tolerance)
                or (gap is not None and abs(gap - between) > tolerance)
            )
            nozzles.append(
                NozzleReconciliation(
                    dispenser=key[0],
                    nozzle=key[1],
                    product_code=product,
                    opening_quantity_centi=oq,
                    opening_amount_fen=oa,
                    opening_typed=row.opening_typed if row else False,
                    closing_quantity_centi=cq,
                    closing_amount_fen=ca,
                    closing_typed=ctyped,
                    delta_quantity_centi=dq,
                    delta_amount_fen=da,
                    fill_count=len(mine),
                    fills_quantity_centi=fq,
                    fills_amount_fen=fa,
                    fills_dispenser_amount_fen=fda,
                    variance_quantity_centi=vq,
                    variance_amount_fen=va,
                    gap_from_previous_centi=gap,
                    tolerance_centi=tolerance,
                    amount_tolerance_fen=amount_tolerance,
                    flagged=flagged,
                    between_shifts_quantity_centi=between,
                )
            )

        # ---- cash
        drawer_id = session.scalar(select(Account.id).where(Account.code == CASH_DRAWER))
        by_kind: dict[str, tuple[int, int]] = {}
        for kind, total, entries in session.execute(
            select(JournalEntry.kind, func.sum(Posting.amount_fen), func.count(func.distinct(JournalEntry.id)))
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .where(JournalEntry.shift_id == sid, Posting.account_id == drawer_id)
            .group_by(JournalEntry.kind)
        ):
            by_kind[str(kind)] = (int(total or 0), int(entries))
        # The float entry is already the opening float; over/short is posted by the close itself.
        other = sum(
            t for k, (t, _n) in by_kind.items() if k not in _CASH_KINDS and k not in ("cash_over_short", "float")
        )
        sales, sale_count = by_kind.get("fill_sale", (0, 0))
        recharges, recharge_count = by_kind.get("recharge", (0, 0))
        fees = by_kind.get("fee", (0, 0))[0]
        refunds = -by_kind.get("refund", (0, 0))[0]
        drops_total = -by_kind.get("cash_drop", (0, 0))[0]
        expected = shift.opening_float_fen + sales + recharges + fees - refunds - drops_total + other
        drops = tuple(
            CashDropLine(d.created_at, d.amount_fen, who(d.attendant_id))
            for d in session.scalars(select(CashDrop).where(CashDrop.shift_id == sid).order_by(CashDrop.id))
        )
        if counts is None and record is not None:
            counts = {
                c.denomination_fen: c.count
                for c in session.scalars(select(ShiftCashCount).where(ShiftCashCount.shift_id == sid))
            }
        counted = sum(d * c for d, c in counts.items()) if counts is not None else None
        cash = CashReconciliation(
            opening_float_fen=shift.opening_float_fen,
            cash_sales_fen=sales,
            cash_sale_count=sale_count,
            recharges_fen=recharges,
            recharge_count=recharge_count,
            fees_fen=fees,
            refunds_fen=refunds,
            drops_fen=drops_total,
            drops=drops,
            other_fen=other,
            expected_fen=expected,
            counted_fen=counted,
            over_short_fen=counted - expected if counted is not None else None,
            count=tuple((d, (counts or {}).get(d, 0)) for d in DENOMINATIONS_FEN),
        )

        # ---- cards
        cards = {c.id: c for c in session.scalars(select(Card))}
        card_accounts = {
            acct: c
            for c in cards.values()
            if c.card_type is not CardType.INTERNAL
            for acct in (c.account_id, c.hold_account_id)
        }
        sale_entries = {
            e.id: e
            for e in session.scalars(
                select(JournalEntry).where(JournalEntry.shift_id == sid, JournalEntry.kind == "fill_sale")
            )
        }
        card_fills = [
            f
            for f in session.scalars(
                select(Fill).where(Fill.payment_mode == PaymentMode.CARD, Fill.sale_entry_id.in_(list(sale_entries)))
            )
        ]
        paying = [
            f for f in card_fills if f.card_id is not None and cards[f.card_id].card_type is not CardType.INTERNAL
        ]
        internal = [f for f in card_fills if f.card_id is not None and cards[f.card_id].card_type is CardType.INTERNAL]
        debits = 0
        if sale_entries:
            for account_id, posted in session.execute(
                select(Posting.account_id, Posting.amount_fen).where(Posting.entry_id.in_(list(sale_entries)))
            ):
                if account_id in card_accounts:
                    debits += int(posted)
        card_fills_fen = sum(f.amount_fen for f in paying)
        holds = tuple(
            HoldLine(h.id, cards[h.card_id].number, h.amount_fen, h.dispenser, h.nozzle, h.created_at)
            for h in session.scalars(select(Hold).where(Hold.created_at <= end).order_by(Hold.id))
            if h.resolved_at is None or h.resolved_at > end
        )
        card_rec = CardReconciliation(
            card_fill_count=len(paying),
            card_fills_fen=card_fills_fen,
            card_debits_fen=debits,
            debit_variance_fen=debits - card_fills_fen,
            internal_fill_count=len(internal),
            internal_fills_fen=sum(f.amount_fen for f in internal),
            recharge_count=recharge_count,
            recharges_fen=recharges,
            open_holds=holds,
            open_holds_fen=sum(h.amount_fen for h in holds),
        )

        # ---- timers per attendant
        flow_limit = settings.timers.engine_off_to_flow_seconds * 1000
        commit_limit = settings.timers.fill_end_to_commit_seconds * 1000
        timers = _timers(fills, who, flow_limit, commit_limit)

        # ---- audited manager actions in the shift
        start_id = self._open_event_id(session, sid)
        stmt = select(AuditEvent).where(AuditEvent.id > start_id).order_by(AuditEvent.id)
        if record is not None and record.close_audit_id is not None:
            stmt = stmt.where(AuditEvent.id <= record.close_audit_id)
        reversals: list[EventLine] = []
        overrides: list[EventLine] = []
        adjustments: list[EventLine] = []
        cleared: list[FillLine] = []
        for event in session.scalars(
            stmt.where(AuditEvent.action.in_(("entry_reversed", "override", "card_adjusted", "unpaid_fill_cleared")))
        ):
            detail: dict[str, Any] = json.loads(event.detail)
            reason = str(detail.get("reason", ""))
            if event.action == "entry_reversed":
                original = session.get(JournalEntry, int(detail.get("entry", 0)))
                amount: int | None = (
                    sum(p.amount_fen for p in original.postings if p.amount_fen > 0) if original else None
                )
                kind = original.kind if original else "?"
                summary = f"#{detail.get('entry')} {kind} → #{detail.get('reversal')}"
                reversals.append(
                    EventLine(event.id, event.at, event.action, who(event.actor_id), "", summary, reason, amount)
                )
            elif event.action == "override":
                extra = {k: v for k, v in detail.items() if k not in ("what", "reason")}
                summary = str(detail.get("what", "")) + (
                    " " + " ".join(f"{k}={v}" for k, v in sorted(extra.items())) if extra else ""
                )
                overrides.append(EventLine(event.id, event.at, event.action, who(event.actor_id), "", summary, reason))
            elif event.action == "card_adjusted":
                amount_value = detail.get("amount_fen")
                adjustments.append(
                    EventLine(
                        event.id,
                        event.at,
                        event.action,
                        who(event.actor_id),
                        who(event.approver_id),
                        str(detail.get("number", "")),
                        reason,
                        int(amount_value) if amount_value is not None else None,
                    )
                )
            else:
                fill = session.get(Fill, int(detail.get("fill", 0)))
                if fill is not None:
                    cleared.append(_fill_line(fill, who, reason=reason, cleared_by=who(event.actor_id)))

        # ---- unpaid at the end of the shift
        unpaid = tuple(
            _fill_line(f, who)
            for f in fills
            if f.status is FillStatus.UNPAID or (f.settled_at is not None and f.settled_at > end and f.amount_fen)
        )

        # ---- prices
        level_keys = sorted({(str(p), int(lv)) for p, lv in session.execute(select(Price.product_code, Price.level))})
        at_open: list[PriceLine] = []
        for product, level in level_keys:
            price = self._price_at(session, product, level, shift.opened_at)
            if price is not None:
                at_open.append(PriceLine(product, level, price))
        changes: list[PriceChangeLine] = []
        for price_row in session.scalars(
            select(Price)
            .where(Price.effective_from > shift.opened_at, Price.effective_from <= end)
            .order_by(Price.effective_from, Price.id)
        ):
            old = session.scalar(
                select(Price.unit_price_fen)
                .where(
                    Price.product_code == price_row.product_code,
                    Price.level == price_row.level,
                    (Price.effective_from < price_row.effective_from)
                    | ((Price.effective_from == price_row.effective_from) & (Price.id < price_row.id)),
                )
                .order_by(Price.effective_from.desc(), Price.id.desc())
                .limit(1)
            )
            changes.append(
                PriceChangeLine(
                    price_row.product_code,
                    price_row.level,
                    None if old is None else int(old),
                    price_row.unit_price_fen,
                    price_row.effective_from,
                    who(price_row.set_by_id) if price_row.set_by_id is not None else "config",
                    price_row.reason,
                )
            )

        staff_ids = session.scalars(
            select(ShiftAttendant.attendant_id)
            .where(ShiftAttendant.shift_id == sid)
            .order_by(ShiftAttendant.attendant_id)
        ).all()
        adopted = [f for f in fills if f.between_shifts]
        adopted_entries = session.scalars(
            select(JournalEntry.id).where(JournalEntry.shift_id == sid, JournalEntry.between_shifts.is_(True))
        ).all()
        adopted_cash = 0
        if adopted_entries and drawer_id is not None:
            adopted_cash = int(
                session.scalar(
                    select(func.coalesce(func.sum(Posting.amount_fen), 0)).where(
                        Posting.entry_id.in_(list(adopted_entries)), Posting.account_id == drawer_id
                    )
                )
                or 0
            )
        between_shifts = BetweenShifts(
            fills=tuple(_fill_line(f, who) for f in adopted),
            quantity_centi=sum(f.quantity_centi for f in adopted),
            amount_fen=sum(f.amount_fen for f in adopted),
            entry_count=len(adopted_entries),
            cash_fen=adopted_cash,
        )
        head = record.audit_head if record is not None else _chain_head(session)
        closed = shift.status is ShiftStatus.CLOSED
        return Reconciliation(
            shift_id=sid,
            status=shift.status.value,
            opened_at=shift.opened_at,
            opened_by=who(shift.opened_by_id),
            closed_at=shift.closed_at,
            closed_by=who(shift.closed_by_id) if shift.closed_by_id else "",
            attendants=tuple(who(a) for a in staff_ids),
            signed_off_at=record.signed_off_at if record else None,
            signed_off_by=who(record.signed_off_by_id) if record and record.signed_off_by_id else "",
            note=shift.note,
            business_date=business_date_of(shift.closed_at) if closed and shift.closed_at else None,
            tolerance_centi=tolerance,
            flow_limit_ms=flow_limit,
            commit_limit_ms=commit_limit,
            fill_count=len(fills),
            quantity_centi=sum(f.quantity_centi for f in fills),
            sales_fen=sum(f.amount_fen for f in fills),
            amount_mismatch_count=sum(1 for f in fills if f.amount_mismatch),
            nozzles=tuple(nozzles),
            cash=cash,
            cards=card_rec,
            timers=timers,
            unpaid_fills=unpaid,
            cleared_fills=tuple(cleared),
            reversals=tuple(reversals),
            overrides=tuple(overrides),
            adjustments=tuple(adjustments),
            prices_at_open=tuple(at_open),
            price_changes=tuple(changes),
            audit_head=head,
            carried_cash_fen=shift.carried_cash_fen,
            opening_note=shift.opening_note,
            between_shifts=between_shifts,
        )

    # ------------------------------------------------------------------ the day

    def day_summary(self, business_date: dt.date) -> DaySummary:
        """The sums of the shifts closed on a business date (CST), whether or not the day is closed yet."""
        with self.ledger._read() as session:
            return self._day_summary(session, business_date)

    def _day_summary(self, session: Session, business_date: dt.date) -> DaySummary:
        start, stop = business_day_bounds(business_date)
        shifts = session.scalars(
            select(Shift)
            .where(Shift.status == ShiftStatus.CLOSED, Shift.closed_at >= start, Shift.closed_at < stop)
            .order_by(Shift.id)
        ).all()
        recs = [self._reconcile(session, s) for s in shifts]
        day = session.scalar(select(DayClose).where(DayClose.business_date == business_date))
        names = self._names(session)
        timers: dict[int | None, AttendantTimers] = {}
        for rec in recs:
            for t in rec.timers:
                timers[t.attendant_id] = _merge_timers(timers.get(t.attendant_id), t)
        return DaySummary(
            business_date=business_date,
            shift_ids=tuple(r.shift_id for r in recs),
            unsigned_shift_ids=tuple(r.shift_id for r in recs if r.signed_off_at is None),
            fill_count=sum(r.fill_count for r in recs),
            quantity_centi=sum(r.quantity_centi for r in recs),
            sales_fen=sum(r.sales_fen for r in recs),
            cash_sales_fen=sum(r.cash.cash_sales_fen for r in recs),
            card_sales_fen=sum(r.cards.card_fills_fen for r in recs),
            internal_fills_fen=sum(r.cards.internal_fills_fen for r in recs),
            recharges_fen=sum(r.cash.recharges_fen for r in recs),
            fees_fen=sum(r.cash.fees_fen for r in recs),
            refunds_fen=sum(r.cash.refunds_fen for r in recs),
            drops_fen=sum(r.cash.drops_fen for r in recs),
            expected_cash_fen=sum(r.cash.expected_fen for r in recs),
            counted_cash_fen=sum(r.cash.counted_fen or 0 for r in recs),
            over_short_fen=sum(r.cash.over_short_fen or 0 for r in recs),
            flagged_nozzles=sum(len(r.flagged_nozzles) for r in recs),
            unpaid_count=sum(len(r.unpaid_fills) for r in recs),
            unpaid_fen=sum(r.unpaid_fen for r in recs),
            timers=tuple(sorted(timers.values(), key=lambda t: t.attendant)),
            closed=day is not None,
            closed_by=names.get(day.closed_by_id, "") if day else "",
            closed_at=day.closed_at if day else None,
            note=day.note if day else "",
        )

    def day_close(self, manager: Actor, business_date: dt.date, note: str = "") -> DaySummary:
        """Close a business day (日结): every shift closed that day must be signed off, none may still be open."""
        if not isinstance(business_date, dt.date) or isinstance(business_date, dt.datetime):
            raise InvalidInput("date_invalid")
        ledger = self.ledger
        with ledger._tx() as session:
            ledger._actor(session, manager, manager=True)
            if session.scalar(select(DayClose.id).where(DayClose.business_date == business_date)) is not None:
                raise Refused("day_already_closed", date=business_date.isoformat())
            _start, stop = business_day_bounds(business_date)
            still_open = session.scalar(
                select(Shift.id).where(Shift.status == ShiftStatus.OPEN, Shift.opened_at < stop)
            )
            if still_open is not None:
                raise Refused("shift_still_open", shift=still_open)
            unpaid = session.scalar(select(Fill.id).where(Fill.status == FillStatus.UNPAID).order_by(Fill.id).limit(1))
            if unpaid is not None:
                raise Refused("day_has_unpaid_fill", fill=unpaid)
            hold = session.scalar(select(Hold).where(Hold.status == HoldStatus.OPEN).order_by(Hold.id).limit(1))
            if hold is not None:
                card = session.get(Card, hold.card_id)
                raise Refused("day_has_open_hold", hold=hold.id, number=card.number if card else "?")
            summary = self._day_summary(session, business_date)
            if not summary.shift_ids:
                raise Refused("day_has_no_shifts", date=business_date.isoformat())
            if summary.unsigned_shift_ids:
                raise Refused("shift_not_signed_off", shift=summary.unsigned_shift_ids[0])
            day = DayClose(
                business_date=business_date,
                shift_count=len(summary.shift_ids),
                fill_count=summary.fill_count,
                quantity_centi=summary.quantity_centi,
                sales_fen=summary.sales_fen,
                cash_sales_fen=summary.cash_sales_fen,
                card_sales_fen=summary.card_sales_fen,
                recharges_fen=summary.recharges_fen,
                drops_fen=summary.drops_fen,
                expected_cash_fen=summary.expected_cash_fen,
                counted_cash_fen=summary.counted_cash_fen,
                over_short_fen=summary.over_short_fen,
                closed_by_id=manager.id,
                closed_at=ledger.now(),
                note=note.strip(),
            )
            session.add(day)
            session.flush()
            for closing in session.scalars(select(ShiftClosing).where(ShiftClosing.shift_id.in_(summary.shift_ids))):
                closing.day_close_id = day.id
            ledger._audit(
                session,
                manager.id,
                "day_closed",
                date=business_date.isoformat(),
                shifts=list(summary.shift_ids),
                sales_fen=summary.sales_fen,
                over_short_fen=summary.over_short_fen,
            )
            session.flush()
            return self._day_summary(session, business_date)


# ---------------------------------------------------------------------------------------------- helpers


def _chain_head(session: Session) -> str:
    head = session.get(StationState, audit.HEAD_KEY)
    return head.value if head is not None else audit.GENESIS


def _fill_line(fill: Fill, who: Callable[[int | None], str], *, reason: str = "", cleared_by: str = "") -> FillLine:
    return FillLine(
        fill_id=fill.id,
        dispenser=fill.dispenser,
        nozzle=fill.nozzle,
        transaction_number=fill.transaction_number,
        quantity_centi=fill.quantity_centi,
        unit_price_fen=fill.unit_price_fen,
        amount_fen=fill.amount_fen,
        ended_at=fill.ended_at,
        attendant=who(fill.attendant_id),
        status=fill.status.value,
        reason=reason or fill.clear_reason,
        cleared_by=cleared_by,
    )


def _timers(
    fills: Sequence[Fill], who: Callable[[int | None], str], flow_limit: int, commit_limit: int
) -> tuple[AttendantTimers, ...]:
    groups: dict[int | None, list[Fill]] = {}
    for fill in fills:
        groups.setdefault(fill.attendant_id, []).append(fill)
    out: list[AttendantTimers] = []
    for attendant_id, mine in groups.items():
        flows = [f.engine_off_to_flow_ms for f in mine if f.engine_off_to_flow_ms is not None]
        commits = [f.fill_end_to_commit_ms for f in mine if f.fill_end_to_commit_ms is not None]
        out.append(
            AttendantTimers(
                attendant_id=attendant_id,
                attendant=str(who(attendant_id)),
                fill_count=len(mine),
                quantity_centi=sum(f.quantity_centi for f in mine),
                amount_fen=sum(f.amount_fen for f in mine),
                flow_timed=len(flows),
                flow_over=sum(1 for ms in flows if ms > flow_limit),
                flow_total_ms=sum(flows),
                commit_timed=len(commits),
                commit_over=sum(1 for ms in commits if ms > commit_limit),
                commit_total_ms=sum(commits),
            )
        )
    return tuple(sorted(out, key=lambda t: t.attendant))


def _merge_timers(a: AttendantTimers | None, b: AttendantTimers) -> AttendantTimers:
    if a is None:
        return b
    return AttendantTimers(
        attendant_id=b.attendant_id,
        attendant=b.attendant,
        fill_count=a.fill_count + b.fill_count,
        quantity_centi=a.quantity_centi + b.quantity_centi,
        amount_fen=a.amount_fen + b.amount_fen,
        flow_timed=a.flow_timed + b.flow_timed,
        flow_over=a.flow_over + b.flow_over,
        flow_total_ms=a.flow_total_ms + b.flow_total_ms,
        commit_timed=a.commit_timed + b.commit_timed,
        commit_over=a.commit_over + b.commit_over,
        commit_total_ms=a.commit_total_ms + b.commit_total_ms,
    )
