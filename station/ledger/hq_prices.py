"""Head office's price schedules at the station (docs/protocols/hq_sync.md, "Prices").

Kept one row each as pulled (``keep_schedules``, in the pull's transaction); applied when due, in one
transaction per schedule, as price changes made by head office (no staff member: ``set_by_id`` empty, the
audit's actor empty, ``by: hq``, reason "总部调价 #N"); a schedule is applied at most once, its row's state
moving under a row lock in the transaction that records its prices. A bad item refuses the whole schedule. The
dispensers' read-back is recorded with a ``price_read_back`` event in the same transaction, so head office
hears of it exactly when the station has recorded it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from station.ledger import outbox
from station.ledger.models import Price, Product
from station.ledger.models_hq_pull import HqSchedule
from station.ledger.prices import Prices

log = logging.getLogger(__name__)

PENDING, APPLIED, READ_BACK, REFUSED, SUPERSEDED = "pending", "applied", "read_back", "refused", "superseded"
READ_BACK_KIND = "price_read_back"
MAX_PRICE_FEN = 100_000  # the desk's own ceiling (prices.set_price)


HQ_REASON_PREFIX = "总部调价"


def hq_reason(schedule_version: int) -> str:
    return f"{HQ_REASON_PREFIX} #{schedule_version}"


@dataclass(frozen=True)
class ScheduleDue:
    """A schedule with work to do: ``pending`` (due, to apply) or ``applied`` (to push again until read back)."""

    schedule_version: int
    state: str
    list_prices: dict[str, int]  # product -> fen at level 0: what the dispensers must read back


def _time(raw: object) -> dt.datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        at = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _fen(item: dict[str, Any]) -> object:
    return item.get("price_fen", item.get("unit_price_fen"))


def _list_prices(items_json: str) -> dict[str, int]:
    """An applied (so checked) schedule's level-0 prices."""
    out: dict[str, int] = {}
    for item in json.loads(items_json):
        fen = _fen(item)
        if item.get("level", 0) == 0 and isinstance(fen, int):
            out[str(item["product"])] = fen
    return out


def _tell(
    session: Session, row: HqSchedule, read_back: bool, dispensers: list[dict[str, Any]], now: dt.datetime
) -> None:
    """The outcome to head office, in the caller's transaction (one key per outcome: ok, no, end)."""
    tag = "ok" if read_back else ("no" if row.state == APPLIED else "end")
    payload = {
        "schedule_version": row.schedule_version,
        "read_back": read_back,
        "dispensers": dispensers,
        "reason": row.reason,
        "state": row.state,
    }
    outbox.emit(session, READ_BACK_KIND, f"{row.schedule_version}:{tag}", payload, now)


def _refuse(session: Session, row: HqSchedule, reason: str, now: dt.datetime) -> None:
    log.warning("head office price schedule #%s refused: %s", row.schedule_version, reason)
    row.state, row.reason = REFUSED, reason[:200]
    _tell(session, row, False, [], now)


def keep_schedules(session: Session, prices: list[Any], now: dt.datetime) -> None:
    """The pulled schedules kept as pending rows; one the station has already is left as it is (a replayed
    pull, or the same schedule listed again), so nothing is ever applied twice."""
    for raw in prices:
        version = raw.get("schedule_version") if isinstance(raw, dict) else None
        if not isinstance(version, int) or isinstance(version, bool):
            log.warning("head office sent a price schedule without a number: %.200r", raw)
            continue
        if session.get(HqSchedule, version) is not None:
            continue
        effective = _time(raw.get("effective_at"))
        row = HqSchedule(
            schedule_version=version,
            effective_at=effective or now,
            items=json.dumps(raw.get("items"), ensure_ascii=False, sort_keys=True),
            state=PENDING,
            reason="",
            pulled_at=now,
            pushes=0,
            told_not_read=False,
        )
        session.add(row)
        session.flush()
        if effective is None:
            _refuse(session, row, f"effective_at_invalid: {str(raw.get('effective_at'))[:40]}", now)


class HqPrices(Prices):
    """Head office's schedules: what is due, applied once, and the dispensers' read-back recorded."""

    def hq_schedules_due(self) -> list[ScheduleDue]:
        """Pending schedules in force by now, and applied ones not yet read back, oldest first."""
        now = self.now()
        with self._read() as session:
            rows = session.scalars(
                select(HqSchedule)
                .where(
                    or_(and_(HqSchedule.state == PENDING, HqSchedule.effective_at <= now), HqSchedule.state == APPLIED)
                )
                .order_by(HqSchedule.schedule_version)
            ).all()
            return [
                ScheduleDue(r.schedule_version, r.state, _list_prices(r.items) if r.state == APPLIED else {})
                for r in rows
            ]

    def hq_schedule_state(self, schedule_version: int) -> tuple[str, str] | None:
        """(state, reason) of a schedule the station holds; None when it has not been pulled."""
        with self._read() as session:
            row = session.get(HqSchedule, schedule_version)
            return None if row is None else (row.state, row.reason)

    def _items(self, session: Session, items_json: str) -> tuple[list[tuple[str, int, int]], str]:
        """The schedule's items as (product, level, fen), or the first problem: the whole schedule is refused."""
        items = json.loads(items_json)
        if not isinstance(items, list) or not items:
            return [], "items_missing"
        levels = {lv.level for lv in self.settings.price_levels}
        out: list[tuple[str, int, int]] = []
        for item in items:
            if not isinstance(item, dict):
                return [], "item_invalid"
            product, level, fen = item.get("product"), item.get("level", 0), _fen(item)
            if not isinstance(product, str) or session.get(Product, product) is None:
                return [], f"product_unknown: {str(product)[:40]}"
            if not isinstance(level, int) or isinstance(level, bool) or level not in levels:
                return [], f"level_unknown: {product} {str(level)[:20]}"
            if not isinstance(fen, int) or isinstance(fen, bool) or not 0 < fen <= MAX_PRICE_FEN:
                return [], f"price_invalid: {product} level {level}: {str(fen)[:20]}"
            if any(p == product and lv == level for p, lv, _ in out):
                return [], f"item_twice: {product} level {level}"
            out.append((product, level, fen))
        return out, ""

    def apply_hq_schedule(self, schedule_version: int) -> ScheduleDue | None:
        """The schedule's prices recorded as head office's, in force now, once. None when it is not pending and
        due (applied already, refused, or not yet in force); state ``refused`` when an item was bad."""
        now = self.now()
        with self._tx() as session:
            row = session.get(HqSchedule, schedule_version, with_for_update=True)
            if row is None or row.state != PENDING or row.effective_at > now:
                return None
            items, problem = self._items(session, row.items)
            if problem:
                _refuse(session, row, problem, now)
                return ScheduleDue(schedule_version, REFUSED, {})
            reason = hq_reason(schedule_version)
            for product, level, fen in items:
                # In force from now, never from the schedule's (past) time: fills already sold keep their price.
                price = Price(product_code=product, level=level, unit_price_fen=fen, effective_from=now, reason=reason)
                session.add(price)
                session.flush()
                change: dict[str, Any] = {
                    "product": product,
                    "level": level,
                    "unit_price_fen": fen,
                    "effective_from": now.isoformat(),
                    "reason": reason,
                }
                self._audit(session, None, "price_set", None, **change, by="hq", schedule_version=schedule_version)
                outbox.emit(session, "price_change", price.id, {**change, "schedule_version": schedule_version}, now)
            row.state, row.applied_at = APPLIED, now
            log.info("head office price schedule #%s applied: %s", schedule_version, items)
            return ScheduleDue(schedule_version, APPLIED, {p: fen for p, lv, fen in items if lv == 0})

    def record_hq_read_back(self, schedule_version: int, read_back: bool, dispensers: list[dict[str, Any]]) -> bool:
        """A push of an applied schedule and what the dispensers read back. Read back: the schedule is done and
        head office told. Not read back: told once (the worker pushes again on later rounds), unless another
        price has taken its place since (``superseded``: done, told). True when an event was written."""
        now = self.now()
        with self._tx() as session:
            row = session.get(HqSchedule, schedule_version, with_for_update=True)
            if row is None or row.state != APPLIED:
                return False
            row.pushes += 1
            if read_back:
                row.state, row.read_back_at, row.reason = READ_BACK, now, ""
                _tell(session, row, True, dispensers, now)
                return True
            silent = [d["dispenser"] for d in dispensers if not d.get("read_back")]
            row.reason = f"not_read_back: {','.join(str(d) for d in silent)}"[:200]
            for product, fen in _list_prices(row.items).items():
                if self._unit_price_in(session, product, now) != fen:
                    row.state, row.reason = SUPERSEDED, f"superseded: {product}"
                    _tell(session, row, False, dispensers, now)
                    return True
            if row.told_not_read:
                return False
            row.told_not_read = True
            _tell(session, row, False, dispensers, now)
            return True

    @staticmethod
    def _unit_price_in(session: Session, product: str, at: dt.datetime) -> int | None:
        found = session.scalar(
            select(Price.unit_price_fen)
            .where(Price.product_code == product, Price.level == 0, Price.effective_from <= at)
            .order_by(Price.effective_from.desc(), Price.id.desc())
            .limit(1)
        )
        return None if found is None else int(found)
