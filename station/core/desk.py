"""The manager's desk (SPEC §6): shifts, the drawer, prices and reports behind one async facade.

The screens call these coroutines; every ledger call runs off the event loop through ``core._db`` (a ledger
refusal becomes :class:`~station.core.station.CoreRefused`), every dispenser call goes over the core's bus.
Manager-only is enforced by the ledger services: the desk passes on the :class:`Actor` it is given (the
logged-in manager, or the one from ``core.manager(number, pin)``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from station.config import STATION_TZ
from station.core.station import CoreRefused, StationCore
from station.devices.dispenser_bus import BusError, DeviceRejected
from station.devices.printer import PrintOutcome
from station.ledger.company_cards import OFFLINE
from station.ledger.reports.attendants import attendant_report
from station.ledger.reports.day import day_report
from station.ledger.reports.satisfaction import satisfaction_report
from station.ledger.reports.shift import reconciliation_report, shift_report
from station.ledger.reports.unpaid import overrides_report, unpaid_report
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import (
    DaySummary,
    DrawerStatus,
    NozzleKey,
    Reconciliation,
    TotalizerReading,
    business_date_of,
)
from station.ledger.staff import Actor
from station.printouts.report import Report, to_csv, to_printable

log = logging.getLogger(__name__)

REPORT_KINDS = ("shift", "day", "attendants", "unpaid", "overrides", "satisfaction")


@dataclass(frozen=True)
class NozzleReading:
    """One nozzle's totalizers as read from its dispenser; ``online`` False means type them by hand."""

    dispenser: int
    nozzle: int
    product: str
    quantity_centi: int | None
    amount_fen: int | None
    online: bool
    error: str = ""  # why the dispenser did not answer

    @property
    def key(self) -> NozzleKey:
        return (self.dispenser, self.nozzle)


@dataclass(frozen=True)
class DispenserPush:
    """A price pushed to one dispenser and read back."""

    dispenser: int
    expected: dict[int, int]  # nozzle -> fen
    read_back: dict[int, int] = field(default_factory=dict)
    error: str = ""  # catalogue error code when it could not be set or read

    @property
    def confirmed(self) -> bool:
        return not self.error and all(self.read_back.get(n) == p for n, p in self.expected.items())


@dataclass(frozen=True)
class PriceChange:
    price_id: int
    product: str
    level: int
    unit_price_fen: int
    effective_from: dt.datetime
    pushed_now: bool  # level 0 and effective now: pushed to every dispenser
    scheduled: bool  # level 0 and effective later: pushed when it takes effect
    dispensers: tuple[DispenserPush, ...] = ()

    @property
    def unconfirmed(self) -> tuple[int, ...]:
        return tuple(p.dispenser for p in self.dispensers if not p.confirmed)


class ManagerDesk:
    """Shift handover, drawer, prices and reports for the screens, over a :class:`StationCore`."""

    def __init__(self, core: StationCore) -> None:
        self.core = core
        self.shifts = ShiftDesk(core.ledger)

    # ------------------------------------------------------------------ dispensers

    @property
    def dispensers(self) -> list[int]:
        return sorted({n.dispenser for n in self.core.settings.nozzles})

    def _nozzles_of(self, dispenser: int) -> list[tuple[int, str]]:
        return sorted((n.nozzle, n.product) for n in self.core.settings.nozzles if n.dispenser == dispenser)

    async def read_totalizers(self) -> list[NozzleReading]:
        """Every configured nozzle's totalizers from its dispenser; a silent dispenser's nozzles come back
        offline (the screen asks for them to be typed, stored with typed=True)."""
        out: list[NozzleReading] = []
        bus = self.core.bus
        for address in self.dispensers:
            table: dict[int, tuple[int, int]] = {}
            error = ""
            if bus is None:
                error = "dispenser_offline"
            else:
                try:
                    table = {n: (t.quantity, t.amount) for n, t in (await bus.read_totalizers(address)).items()}
                except BusError as exc:
                    log.warning("totalizers of dispenser %s not read: %s", address, exc)
                    error = "dispenser_offline"
            for nozzle, product in self._nozzles_of(address):
                if nozzle in table:
                    quantity, amount = table[nozzle]
                    out.append(NozzleReading(address, nozzle, product, quantity, amount, True))
                else:
                    out.append(NozzleReading(address, nozzle, product, None, None, False, error or "nozzle_unknown"))
        return out

    @staticmethod
    def totalizers(
        readings: Sequence[NozzleReading], typed: Mapping[NozzleKey, tuple[int, int]] | None = None
    ) -> dict[NozzleKey, TotalizerReading]:
        """The ledger's totalizer map: read values as read, typed values (offline nozzles) marked typed."""
        typed = typed or {}
        out: dict[NozzleKey, TotalizerReading] = {}
        for r in readings:
            if r.key in typed:
                quantity, amount = typed[r.key]
                out[r.key] = (quantity, amount, True)
            elif r.online and r.quantity_centi is not None and r.amount_fen is not None:
                out[r.key] = (r.quantity_centi, r.amount_fen, False)
            else:
                raise CoreRefused("totalizer_missing", dispenser=r.dispenser, nozzle=r.nozzle)
        return out

    # ------------------------------------------------------------------ shifts

    async def current_shift(self) -> int | None:
        return await self.core._db(self.shifts.current_shift)

    async def open_shift(
        self,
        manager: Actor,
        attendants: Sequence[Actor | str],
        float_fen: int,
        totalizers: Mapping[NozzleKey, TotalizerReading],
        note: str = "",
    ) -> int:
        return await self.core._db(self.shifts.open_shift, manager, list(attendants), float_fen, dict(totalizers), note)

    async def carried_cash(self) -> int | None:
        """The drawer counted at the last close: the next shift's float unless cash moved to or from the safe."""
        return await self.core._db(self.shifts.carried_cash_fen)

    async def drawer_status(self) -> DrawerStatus:
        return await self.core._db(self.shifts.drawer_status)

    async def offline_company_use(self) -> tuple[int, int]:
        """Today's company-card fills taken offline (the station's risk until head office debits them): how many
        and how much spent."""
        ledger = self.core.ledger
        rows = await self.core._db(ledger.company_use_on, business_date_of(ledger.now()))
        offline = [r for r in rows if r[1] == OFFLINE]
        return sum(r[2] for r in offline), sum(r[4] for r in offline)

    async def cash_drop(self, actor: Actor, amount_fen: int) -> DrawerStatus:
        """Drop cash to the safe (any staff); the returned status carries the 5,000-yuan warning."""
        return await self.core._db(self.shifts.cash_drop, actor, amount_fen)

    async def preview_close(
        self, closing_totalizers: Mapping[NozzleKey, TotalizerReading], cash_count: Mapping[int, int]
    ) -> Reconciliation:
        return await self.core._db(self.shifts.preview_close, dict(closing_totalizers), dict(cash_count))

    async def close_shift(
        self,
        manager: Actor,
        closing_totalizers: Mapping[NozzleKey, TotalizerReading],
        cash_count: Mapping[int, int],
        note: str = "",
    ) -> Reconciliation:
        return await self.core._db(self.shifts.close_shift, manager, dict(closing_totalizers), dict(cash_count), note)

    async def sign_off(self, manager: Actor, shift_id: int) -> Reconciliation:
        return await self.core._db(self.shifts.sign_off, manager, shift_id)

    async def day_close(self, manager: Actor, business_date: dt.date | None = None, note: str = "") -> DaySummary:
        day = business_date or self.core.ledger.now().astimezone(STATION_TZ).date()
        return await self.core._db(self.shifts.day_close, manager, day, note)

    async def reconciliation(self, shift_id: int | None = None) -> Reconciliation:
        return await self.core._db(self.shifts.reconciliation, shift_id)

    # ------------------------------------------------------------------ prices

    async def prices(self) -> list[tuple[str, int, int]]:
        """(product, level, fen) in force now for every product and configured level."""
        ledger = self.core.ledger
        out: list[tuple[str, int, int]] = []
        for product in self.core.settings.products:
            for level in self.core.settings.price_levels:
                with contextlib.suppress(CoreRefused):
                    fen = await self.core._db(ledger.unit_price, product.code, level.level)
                    out.append((product.code, level.level, fen))
        return out

    async def set_price(
        self,
        manager: Actor,
        product: str,
        level: int,
        fen: int,
        reason: str,
        effective_from: dt.datetime | None = None,
    ) -> PriceChange:
        """Record the price (manager only, audited); a list price (level 0) in force now goes to every
        dispenser and is read back; one effective later is pushed when it takes effect."""
        ledger = self.core.ledger
        now = ledger.now()
        if effective_from is not None and effective_from.tzinfo is None:
            raise CoreRefused("time_invalid")
        price_id = await self.core._db(ledger.set_price, manager, product, level, fen, reason, effective_from)
        effective = effective_from or now
        later = effective > now
        pushes: tuple[DispenserPush, ...] = ()
        if level == 0 and not later:
            pushes = await self.push_new_price(product, fen)
        elif level == 0:
            delay = (effective - now).total_seconds()
            self.core._tasks.append(asyncio.create_task(self._push_later(delay, product)))
        return PriceChange(
            price_id, product, level, fen, effective, level == 0 and not later, level == 0 and later, pushes
        )

    async def push_new_price(self, product: str, fen: int) -> tuple[DispenserPush, ...]:
        """The list prices pushed to the dispensers carrying ``product`` and read back; confirmed means the
        dispenser reads back the *new* price ``fen``, not merely whatever is in force."""
        return tuple(self._against_new_price(p, product, fen) for p in await self.push_prices(product))

    def _against_new_price(self, push: DispenserPush, product: str, fen: int) -> DispenserPush:
        expected = dict(push.expected)
        for nozzle, carried in self._nozzles_of(push.dispenser):
            if carried == product:
                expected[nozzle] = fen
        return dataclasses.replace(push, expected=expected)

    async def _push_later(self, delay: float, product: str) -> None:
        await asyncio.sleep(delay)
        pushes = await self.push_prices(product)
        for push in pushes:
            if not push.confirmed:
                self.core.notice("desk.price_not_confirmed", "error", dispenser=push.dispenser)

    async def push_prices(self, product: str | None = None) -> tuple[DispenserPush, ...]:
        """Push the list prices in force to every dispenser carrying ``product`` (all when None), then read
        them back."""
        out: list[DispenserPush] = []
        ledger = self.core.ledger
        for address in self.dispensers:
            nozzles = self._nozzles_of(address)
            if product is not None and all(p != product for _n, p in nozzles):
                continue
            expected = {n: await self.core._db(ledger.unit_price, p, 0) for n, p in nozzles}
            bus = self.core.bus
            if bus is None:
                out.append(DispenserPush(address, expected, error="dispenser_offline"))
                continue
            try:
                await bus.set_prices(address, expected)
                read = await bus.read_prices(address)
            except DeviceRejected as exc:
                log.warning("dispenser %s refused the prices: %s", address, exc)
                out.append(DispenserPush(address, expected, error="dispenser_refused"))
                continue
            except BusError as exc:
                log.warning("prices not pushed to dispenser %s: %s", address, exc)
                out.append(DispenserPush(address, expected, error="dispenser_offline"))
                continue
            out.append(DispenserPush(address, expected, {n: read[n] for n in expected if n in read}))
        return tuple(out)

    # ------------------------------------------------------------------ reports

    async def report(self, kind: str, *, shift_id: int | None = None, business_date: dt.date | None = None) -> Report:
        ledger = self.core.ledger
        if kind == "shift":
            return await self.core._db(shift_report, ledger, shift_id)
        if kind == "day":
            return await self.core._db(day_report, ledger, business_date)
        if kind == "attendants":
            return await self.core._db(lambda: attendant_report(ledger, shift_id=shift_id, business_date=business_date))
        if kind == "unpaid":
            return await self.core._db(unpaid_report, ledger)
        if kind == "overrides":
            return await self.core._db(overrides_report, ledger, shift_id)
        if kind == "satisfaction":  # the month holding the business date (default: this month)
            month = business_date or business_date_of(ledger.now())
            return await self.core._db(satisfaction_report, ledger, month)
        raise CoreRefused("report_unknown", kind=kind)

    def report_of(self, rec: Reconciliation) -> Report:
        return reconciliation_report(rec, self.core.ledger.now())

    async def print_report(self, report: Report) -> PrintOutcome | None:
        """On the receipt printer in the UI's language; None when the station has no printer."""
        queue = self.core.print_queue
        if queue is None:
            return None
        station = self.core.settings.station
        printable = to_printable(report, station.name, station.code, self.core.language)
        return await queue.submit_async(printable, self.core.language)

    async def export_csv(self, report: Report, directory: Path) -> Path:
        """Write the report as CSV (UTF-8 with a BOM, so spreadsheets read the Chinese) and return its path."""
        text = to_csv(report, self.core.language)
        stamp = report.generated_at.astimezone(STATION_TZ).strftime("%Y%m%d-%H%M%S")
        subject = re.sub(r"[^0-9A-Za-z_-]+", "", report.subject) or "all"
        path = Path(directory) / f"{report.kind}-{subject}-{stamp}.csv"

        def write() -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".csv.tmp")
            tmp.write_text(text, encoding="utf-8-sig", newline="")
            tmp.replace(path)
            return path

        try:
            return await asyncio.to_thread(write)
        except OSError as exc:
            raise CoreRefused("export_failed", detail=str(exc)) from exc
