"""Company cards (一卡通): the balance of record at head office, holds placed online, offline use settled on sync.

Every change to a card takes its row lock first, so holds from two stations at once queue on the card. A
hold_key is the idempotency key: placing, settling or releasing it again answers the same and moves nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from station.hq.db import next_version

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardState:
    hold_key: str
    balance_fen: int
    held_fen: int

    def as_json(self) -> dict[str, Any]:
        return {"hold_key": self.hold_key, "balance_fen": self.balance_fen, "held_fen": self.held_fen}


class HoldRefused(Exception):
    """The hold is refused: ``blocked``, ``insufficient``, ``daily_limit``, ``unknown``, ``no_hold``, ``resolved``,
    ``over_hold``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issue_card(
    engine: Engine,
    card_no: str,
    balance_fen: int = 0,
    *,
    daily_limit_fen: int | None = None,
    plates: list[str] | None = None,
) -> None:
    import json

    with engine.begin() as conn:
        conn.execute(
            text(
                """INSERT INTO hq_cards (card_no, balance_fen, daily_limit_fen, plates, version)
                VALUES (:c, :b, :l, CAST(:p AS jsonb), :v)"""
            ),
            {
                "c": card_no,
                "b": balance_fen,
                "l": daily_limit_fen,
                "p": json.dumps(plates or []),
                "v": next_version(conn),
            },
        )


def block_card(conn: Connection, card_no: str, reason: str) -> bool:
    """Block a card company-wide (it enters every station's blacklist pull); False if it is not known."""
    if not _lock(conn, card_no):
        return False
    done = conn.execute(
        text("UPDATE hq_cards SET status = 'blocked', reason = :r, version = :v WHERE card_no = :c"),
        {"c": card_no, "r": reason, "v": next_version(conn)},
    ).rowcount
    return bool(done)


def _lock(conn: Connection, card_no: str) -> bool:
    """The card's row lock, always taken before the version lock (a hold takes them in that order too)."""
    return bool(conn.execute(text("SELECT 1 FROM hq_cards WHERE card_no = :c FOR UPDATE"), {"c": card_no}).scalar())


def set_rules(conn: Connection, card_no: str, daily_limit_fen: int | None, plates: list[str]) -> bool:
    """A card's rules (daily limit, bound plates) as every station will pull them; False if it is not known."""
    import json

    if not _lock(conn, card_no):
        return False
    done = conn.execute(
        text("UPDATE hq_cards SET daily_limit_fen = :l, plates = CAST(:p AS jsonb), version = :v WHERE card_no = :c"),
        {"c": card_no, "l": daily_limit_fen, "p": json.dumps(plates), "v": next_version(conn)},
    ).rowcount
    return bool(done)


def _card(conn: Connection, card_no: str) -> Any:
    row = conn.execute(
        text("SELECT balance_fen, held_fen, status, daily_limit_fen FROM hq_cards WHERE card_no = :c FOR UPDATE"),
        {"c": card_no},
    ).one_or_none()
    if row is None:
        raise HoldRefused("unknown")
    return row


def _hold(conn: Connection, card_no: str, hold_key: str) -> Any:
    return conn.execute(
        text("SELECT station, amount_fen, state, settled_fen FROM hq_card_holds WHERE card_no = :c AND hold_key = :k"),
        {"c": card_no, "k": hold_key},
    ).one_or_none()


def _move(conn: Connection, card_no: str, balance_delta: int, held_delta: int) -> tuple[int, int]:
    row = conn.execute(
        text(
            """UPDATE hq_cards SET balance_fen = balance_fen + :b, held_fen = held_fen + :h, version = :v
            WHERE card_no = :c RETURNING balance_fen, held_fen"""
        ),
        {"c": card_no, "b": balance_delta, "h": held_delta, "v": next_version(conn)},
    ).one()
    return int(row[0]), int(row[1])


def _used_today(conn: Connection, card_no: str) -> int:
    """What the card took today (China's day) at every station: open holds at their amount, the rest as settled."""
    return int(
        conn.execute(
            text(
                """SELECT coalesce(sum(CASE WHEN state = 'held' THEN amount_fen ELSE coalesce(settled_fen, 0) END), 0)
                FROM hq_card_holds WHERE card_no = :c
                AND (created_at AT TIME ZONE 'Asia/Shanghai')::date = (now() AT TIME ZONE 'Asia/Shanghai')::date"""
            ),
            {"c": card_no},
        ).scalar_one()
    )


def place_hold(engine: Engine, card_no: str, hold_key: str, station: str, amount_fen: int) -> CardState:
    if amount_fen <= 0:
        raise HoldRefused("bad_amount")
    with engine.begin() as conn:
        card = _card(conn, card_no)
        if _hold(conn, card_no, hold_key) is not None:
            return CardState(hold_key, int(card.balance_fen), int(card.held_fen))
        if card.status != "active":
            raise HoldRefused("blocked")
        if card.balance_fen - card.held_fen < amount_fen:
            raise HoldRefused("insufficient")
        if card.daily_limit_fen is not None and _used_today(conn, card_no) + amount_fen > card.daily_limit_fen:
            raise HoldRefused("daily_limit")  # company-wide: every station's fills today count
        conn.execute(
            text(
                """INSERT INTO hq_card_holds (card_no, hold_key, station, amount_fen, state)
                VALUES (:c, :k, :s, :a, 'held')"""
            ),
            {"c": card_no, "k": hold_key, "s": station, "a": amount_fen},
        )
        balance, held = _move(conn, card_no, 0, amount_fen)
        return CardState(hold_key, balance, held)


def _resolve(
    engine: Engine, card_no: str, hold_key: str, state: str, amount_fen: int | None, station: str | None
) -> CardState:
    with engine.begin() as conn:
        return _resolve_on(conn, card_no, hold_key, state, amount_fen, station)


def _resolve_on(
    conn: Connection, card_no: str, hold_key: str, state: str, amount_fen: int | None, station: str | None
) -> CardState:
    card = _card(conn, card_no)
    hold = _hold(conn, card_no, hold_key)
    if hold is None or (station is not None and hold.station != station):
        raise HoldRefused("no_hold")  # another station's hold is none of this one's business
    if hold.state == state:
        return CardState(hold_key, int(card.balance_fen), int(card.held_fen))
    if hold.state not in ("held", "expired"):
        raise HoldRefused("resolved")
    spent = 0 if amount_fen is None else amount_fen
    if not 0 <= spent <= hold.amount_fen:
        raise HoldRefused("over_hold")
    _mark(conn, card_no, hold_key, state, spent)
    # An expired hold was given back by the sweep already: what was spent is still owed, debited now like an
    # offline use (and below zero the card is blocked the same way).
    held_back = 0 if hold.state == "expired" else int(hold.amount_fen)
    if not (spent or held_back):
        return CardState(hold_key, int(card.balance_fen), int(card.held_fen))
    balance, held = _move(conn, card_no, -spent, -held_back)
    if hold.state == "expired":
        _block_if_negative(conn, card_no, balance, f"on a late settle from {hold.station}")
    return CardState(hold_key, balance, held)


def _mark(conn: Connection, card_no: str, hold_key: str, state: str, settled_fen: int | None) -> None:
    """A hold's new state (and what was spent, when known), stamped now."""
    conn.execute(
        text(
            """UPDATE hq_card_holds SET state = :st, settled_fen = coalesce(:a, settled_fen), resolved_at = now()
            WHERE card_no = :c AND hold_key = :k"""
        ),
        {"c": card_no, "k": hold_key, "st": state, "a": settled_fen},
    )


def _block_if_negative(conn: Connection, card_no: str, balance: int, how: str) -> None:
    if balance < 0:
        log.warning("card %s went negative %s (%d fen): blocked company-wide", card_no, how, balance)
        block_card(conn, card_no, "negative")


def settle_hold(engine: Engine, card_no: str, hold_key: str, amount_fen: int, station: str | None = None) -> CardState:
    return _resolve(engine, card_no, hold_key, "settled", amount_fen, station)


def release_hold(engine: Engine, card_no: str, hold_key: str, station: str | None = None) -> CardState:
    return _resolve(engine, card_no, hold_key, "released", None, station)


def expire_holds(engine: Engine, older_than: dt.timedelta) -> int:
    """Give back online holds no station has settled or released for ``older_than`` (a station that crashed
    between head office's hold and its own); a settle that comes later still debits what was spent. How many."""
    with engine.begin() as conn:
        stale = conn.execute(
            text(
                """SELECT card_no, hold_key FROM hq_card_holds WHERE state = 'held' AND created_at < now() - :age
                ORDER BY card_no, hold_key"""
            ),
            {"age": older_than},
        ).all()
    done = 0
    for card_no, hold_key in stale:
        with engine.begin() as conn:
            _card(conn, card_no)  # the card's lock first, as every change takes it
            hold = _hold(conn, card_no, hold_key)
            if hold is None or hold.state != "held":
                continue  # settled meanwhile
            _mark(conn, card_no, hold_key, "expired", None)
            _move(conn, card_no, 0, -int(hold.amount_fen))
            log.warning(
                "hold %s on %s (%d fen, %s) expired unsettled", hold_key, card_no, hold.amount_fen, hold.station
            )
            done += 1
    return done


def hold_settled(conn: Connection, station: str, payload: dict[str, Any]) -> None:
    """A station's ``card_hold_settle`` event: its online hold settled at what the fill cost (once)."""
    _resolved_by_event(conn, station, payload, "settled")


def hold_released(conn: Connection, station: str, payload: dict[str, Any]) -> None:
    """A station's ``card_hold_release`` event: its online hold given back whole (nothing flowed)."""
    _resolved_by_event(conn, station, payload, "released")


def _resolved_by_event(conn: Connection, station: str, payload: dict[str, Any], state: str) -> None:
    card_no, hold_key, amount = payload.get("card_no"), payload.get("hold_key"), payload.get("amount_fen")
    if not isinstance(card_no, str) or not isinstance(hold_key, str) or not isinstance(amount, int) or amount < 0:
        log.warning("card hold event from %s not understood: %r", station, payload)
        return
    try:
        _resolve_on(conn, card_no, hold_key, state, amount if state == "settled" else None, station)
    except HoldRefused as exc:
        # Already resolved otherwise, or never placed here: the event is stored, the books are not moved twice.
        log.warning("card hold %s from %s not %s: %s", hold_key, station, state, exc.reason)


def card_service(conn: Connection, station: str, payload: dict[str, Any]) -> None:
    """A card service at a station on a company card: reported lost, blocked everywhere; replaced, the balance of
    record moves to the new card (issued here if head office has not seen it) and the old one is blocked."""
    service, card_no = payload.get("service"), payload.get("card_no")
    if not isinstance(card_no, str) or not _lock(conn, card_no):
        log.warning("card_service from %s for a card head office does not know: %r", station, payload)
        return
    if service == "lost":
        block_card(conn, card_no, "lost")
    elif service == "replaced" and isinstance(new := payload.get("new"), str) and new:
        balance = int(
            conn.execute(text("SELECT balance_fen FROM hq_cards WHERE card_no = :c"), {"c": card_no}).one()[0]
        )
        moved = conn.execute(
            text(
                """INSERT INTO hq_cards (card_no, balance_fen, daily_limit_fen, plates, version)
                SELECT :n, 0, daily_limit_fen, plates, :v FROM hq_cards WHERE card_no = :c
                ON CONFLICT DO NOTHING"""
            ),
            {"n": new, "c": card_no, "v": next_version(conn)},
        ).rowcount
        _lock(conn, new)
        _move(conn, card_no, -balance, 0)
        _move(conn, new, balance, 0)
        block_card(conn, card_no, "replaced")
        log.info(
            "card %s replaced by %s at %s (%d fen moved, new at head office: %s)",
            card_no,
            new,
            station,
            balance,
            bool(moved),
        )
    else:
        log.warning("card_service from %s not understood: %r", station, payload)


def offline_use(conn: Connection, station: str, payload: dict[str, Any]) -> None:
    """A fill a station accepted on a card while the line was down: debit it once; below zero blocks the card."""
    card_no, hold_key, amount = payload.get("card_no"), payload.get("hold_key"), payload.get("amount_fen")
    if not isinstance(card_no, str) or not isinstance(hold_key, str) or not isinstance(amount, int) or amount <= 0:
        log.warning("card_offline_use from %s not understood: %r", station, payload)
        return
    try:
        _card(conn, card_no)
    except HoldRefused:
        log.warning("card_offline_use from %s for a card head office does not know: %s", station, card_no)
        return
    new = conn.execute(
        text(
            """INSERT INTO hq_card_holds (card_no, hold_key, station, amount_fen, state, settled_fen, resolved_at)
            VALUES (:c, :k, :s, :a, 'offline', :a, now()) ON CONFLICT DO NOTHING"""
        ),
        {"c": card_no, "k": hold_key, "s": station, "a": amount},
    ).rowcount
    if not new:
        return
    balance, _held = _move(conn, card_no, -amount, 0)
    _block_if_negative(conn, card_no, balance, f"offline at {station}")


def credit(conn: Connection, station: str, payload: dict[str, Any]) -> None:
    """A recharge taken at a station on a company card: the balance of record grows by it."""
    card_no, amount = payload.get("card_no"), payload.get("amount_fen")
    if not isinstance(card_no, str) or not isinstance(amount, int) or amount <= 0:
        return
    known = conn.execute(text("SELECT 1 FROM hq_cards WHERE card_no = :c FOR UPDATE"), {"c": card_no}).scalar()
    if known:
        _move(conn, card_no, amount, 0)


def card_rows(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        text("SELECT card_no, balance_fen, held_fen, status, reason FROM hq_cards ORDER BY card_no")
    ).mappings()
    return [dict(r) for r in rows]


def offline_rows(conn: Connection) -> list[dict[str, Any]]:
    """The offline uses settled on sync, per card and station: the stations' booked risk, as head office took it."""
    rows = conn.execute(
        text(
            """SELECT card_no, station, count(*) AS fills, coalesce(sum(settled_fen), 0)::bigint AS amount_fen
            FROM hq_card_holds WHERE state = 'offline' GROUP BY card_no, station ORDER BY card_no, station"""
        )
    ).mappings()
    return [dict(r) for r in rows]
