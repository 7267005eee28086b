"""Company cards (一卡通) at the station. Head office keeps their balance of record; a card is one of them when
head office's pull names its balance. A fill on one is held at head office while the line is up, or accepted
offline up to the station's limit per card and day (the station's risk, booked in ``company_holds``). When the
local hold resolves, head office hears of it through the outbox in the same transaction: the online hold settled
or released, or the offline use to be debited (docs/protocols/hq_sync.md)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.ledger import outbox
from station.ledger.journal import LedgerCore
from station.ledger.models_company_cards import CompanyHold, CompanyMove
from station.ledger.models_hq_pull import HqBalance, HqCardRule, HqPull
from station.ledger.shifts.values import business_date_of

ONLINE, OFFLINE = "online", "offline"


@dataclass(frozen=True)
class CompanyStanding:
    """What the station knows of a company card: head office's figures as of the last pull, and its own use."""

    card_no: str
    hq_available_fen: int  # head office's balance of record as last pulled, with this station's moves since
    daily_limit_fen: int | None
    plates: tuple[str, ...]
    used_today_fen: int  # this station's holds on it today: settled at what was spent, open at their amount
    offline_today_fen: int  # of which accepted offline


@dataclass(frozen=True)
class CompanyHoldPlan:
    """How the core placed a company card's hold, written with the local hold."""

    hold_key: str
    mode: str  # ONLINE or OFFLINE


def company_standing(session: Session, card_no: str, day: dt.date) -> CompanyStanding | None:
    balance = company_balance(session, card_no)
    if balance is None:
        return None
    rule = session.get(HqCardRule, card_no)
    used = dict(
        session.execute(
            select(CompanyHold.mode, func.sum(func.coalesce(CompanyHold.settled_fen, CompanyHold.amount_fen)))
            .where(CompanyHold.card_no == card_no, CompanyHold.day == day)
            .group_by(CompanyHold.mode)
        ).all()
    )
    plates = tuple(str(p) for p in json.loads(rule.plates or "[]")) if rule is not None else ()
    return CompanyStanding(
        card_no=card_no,
        hq_available_fen=balance,
        daily_limit_fen=None if rule is None or rule.daily_limit_fen is None else int(rule.daily_limit_fen),
        plates=plates,
        used_today_fen=int(sum(int(v or 0) for v in used.values())),
        offline_today_fen=int(used.get(OFFLINE) or 0),
    )


def record_company_hold(
    session: Session, hold_id: int, card_no: str, plan: CompanyHoldPlan, amount_fen: int, at: dt.datetime
) -> None:
    session.add(
        CompanyHold(
            hold_id=hold_id,
            card_no=card_no,
            hold_key=plan.hold_key,
            mode=plan.mode,
            amount_fen=amount_fen,
            day=business_date_of(at),  # China's day, as the shifts and the day report count it
            placed_at=at,
        )
    )


def company_balance(session: Session, card_no: str) -> int | None:
    """A company card's balance as this station knows it: head office's balance of record as last pulled, plus
    what this station did to it since that head office had not yet taken in. None: not a company card."""
    pulled = session.get(HqBalance, card_no)
    if pulled is None:
        return None
    high_water = session.scalar(select(HqPull.high_water).where(HqPull.id == 1)) or 0
    unsynced = session.scalar(
        select(func.coalesce(func.sum(CompanyMove.delta_fen), 0)).where(
            CompanyMove.card_no == card_no, CompanyMove.seq > high_water
        )
    )
    return int(pulled.balance_fen) + int(unsynced or 0)


def record_company_move(session: Session, seq: int, card_no: str, delta_fen: int) -> None:
    """A move on a company card told to head office under outbox number ``seq`` (nothing for a station card)."""
    if delta_fen and is_company_card(session, card_no):
        session.add(CompanyMove(seq=seq, card_no=card_no, delta_fen=delta_fen))


def company_hold_resolved(session: Session, hold_id: int, spent_fen: int, at: dt.datetime) -> None:
    """The local hold resolved: head office told in this transaction (nothing when it is not a company hold)."""
    row = session.get(CompanyHold, hold_id)
    if row is None:
        return
    row.settled_fen = spent_fen
    payload = {"card_no": row.card_no, "hold_key": row.hold_key, "amount_fen": spent_fen}
    if row.mode == ONLINE:
        kind = "card_hold_settle" if spent_fen else "card_hold_release"
        record_company_move(session, outbox.emit(session, kind, hold_id, payload, at), row.card_no, -spent_fen)
    elif spent_fen:
        seq = outbox.emit(session, "card_offline_use", hold_id, payload, at)
        record_company_move(session, seq, row.card_no, -spent_fen)


def company_card_service(session: Session, service: str, card_no: str, at: dt.datetime, **detail: str) -> bool:
    """A card service on a company card, told to head office in this transaction (``lost`` blocks it at every
    station; ``replaced`` moves its balance of record to ``new``); False when it is not a company card."""
    balance = company_balance(session, card_no)
    if balance is None:
        return False
    payload = {"service": service, "card_no": card_no, **detail}
    seq = outbox.emit(session, "card_service", f"{service}:{card_no}", payload, at)
    if service == "replaced":  # the balance follows the card here at once, as head office will move it
        session.add(HqBalance(card_no=detail["new"], balance_fen=0))
        session.flush()
        record_company_move(session, seq, card_no, -balance)
        record_company_move(session, seq, detail["new"], balance)
    return True


def is_company_card(session: Session, card_no: str) -> bool:
    return session.get(HqBalance, card_no) is not None


class CompanyCards(LedgerCore):
    def company_standing(self, card_no: str) -> CompanyStanding | None:
        """None when head office has not named the card (a station card, or no pull yet)."""
        with self._read() as session:
            return company_standing(session, card_no, business_date_of(self.now()))

    def company_use_on(self, day: dt.date) -> list[tuple[str, str, int, int, int]]:
        """Per company card and mode, the day's holds (China's day): how many, how many still open, what was
        spent. The offline rows are the station's risk until head office debits them."""
        with self._read() as session:
            rows = session.execute(
                select(
                    CompanyHold.card_no,
                    CompanyHold.mode,
                    func.count(),
                    func.count(CompanyHold.hold_id).filter(CompanyHold.settled_fen.is_(None)),
                    func.coalesce(func.sum(CompanyHold.settled_fen), 0),
                )
                .where(CompanyHold.day == day)
                .group_by(CompanyHold.card_no, CompanyHold.mode)
                .order_by(CompanyHold.card_no, CompanyHold.mode)
            ).all()
        return [(str(c), str(m), int(n), int(o), int(f or 0)) for c, m, n, o, f in rows]
