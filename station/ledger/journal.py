"""The ledger's shared core: the standard accounts, the entry draft and its posting, sessions, the audit hook.

Every other module of the ledger is a mixin on :class:`LedgerCore`; :class:`station.ledger.services.Ledger`
assembles them. Roles are enforced by the services, not a UI. Every service either commits all its effects or
raises a :class:`~station.ledger.errors.LedgerError` with nothing changed (except PIN failure counters, which are
persisted *before* the refusal is returned, by design: a restart must not reset them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from station.config import Settings
from station.ledger import audit
from station.ledger.db import make_sessionmaker
from station.ledger.errors import InvalidInput, LedgerError, NotFound, Refused
from station.ledger.models import Account, AccountKind, JournalEntry, Posting, Shift, StationState
from station.ledger.outbox import STATION_INFO, register_station
from station.ledger.sql import DriverInsert, DriverSQL, execute_many, fetch, insert_row, table
from station.money import MAX_FEN

# Standard accounts. Card accounts are created per card: card:<number> and hold:<number>.
CASH_DRAWER = "cash:drawer"
CASH_SAFE = "cash:safe"
GAS_REVENUE = "revenue:gas"
FEE_REVENUE = "revenue:fees"
INTERNAL_USE = "expense:internal_use"
ADJUSTMENTS = "expense:adjustments"
OWNER_EQUITY = "equity:owner"
# Money a payment provider owes the station for scan-to-pay sales, until its settlement reaches the bank.
CLEARING_WECHAT = "clearing:wechat"
CLEARING_ALIPAY = "clearing:alipay"

STANDARD_ACCOUNTS: dict[str, tuple[str, AccountKind]] = {
    CASH_DRAWER: ("Cash drawer 钱箱", AccountKind.ASSET),
    CASH_SAFE: ("Safe 保险柜", AccountKind.ASSET),
    GAS_REVENUE: ("Gas sales 售气收入", AccountKind.REVENUE),
    FEE_REVENUE: ("Card fees 工本费", AccountKind.REVENUE),
    INTERNAL_USE: ("Internal use 内部用气", AccountKind.EXPENSE),
    ADJUSTMENTS: ("Manual adjustments 调账", AccountKind.EXPENSE),
    OWNER_EQUITY: ("Owner's equity 所有者权益", AccountKind.EQUITY),
    CLEARING_WECHAT: ("WeChat Pay clearing 微信待清算", AccountKind.ASSET),
    CLEARING_ALIPAY: ("Alipay clearing 支付宝待清算", AccountKind.ASSET),
}


_SHIFTS = table(Shift).c
# Built once: a statement object reused keeps its cache key, so each run skips building and keying it.
_ENTRY_COLUMNS = ("kind", "created_at", "actor_id", "memo", "shift_id", "between_shifts")
_ENTRY_INSERTS: dict[tuple[str, ...], DriverInsert] = {}  # by the extra columns a service gives (_post)
# On the driver's cursor: plain ints in and out (see DriverSQL); ShiftStatus.OPEN is stored as 'open'.
_OPEN_SHIFT = DriverSQL("SELECT id FROM shifts WHERE status = 'open' ORDER BY id DESC LIMIT 1")
_INSERT_POSTING = DriverSQL("INSERT INTO postings (entry_id, account_id, amount_fen) VALUES (?, ?, ?)")
_SEEN_ACCOUNTS = "station_account_ids"  # Session.info: account ids read in this transaction, cached at commit


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class EntryView:
    id: int
    kind: str
    created_at: dt.datetime
    memo: str
    actor_id: int | None
    postings: tuple[tuple[str, int], ...]
    reverses_id: int | None = None


@dataclass(frozen=True)
class PostedEntry:
    """A journal entry just written: its id is all its callers need (no ORM object is loaded for it)."""

    id: int


@dataclass
class _Posting:
    account: str
    amount_fen: int


@dataclass
class _EntryDraft:
    kind: str
    memo: str = ""
    postings: list[_Posting] = field(default_factory=list)

    def add(self, account: str, amount_fen: int) -> None:
        if amount_fen != 0:
            self.postings.append(_Posting(account, amount_fen))


def card_account(number: str) -> str:
    return f"card:{number}"


def clearing_account(provider: str) -> str:
    return f"clearing:{provider}"


def hold_account(number: str) -> str:
    return f"hold:{number}"


def _check_amount(amount_fen: int, *, name: str = "amount", allow_zero: bool = False) -> None:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise InvalidInput("amount_not_integer", field=name)
    if amount_fen < 0 or (amount_fen == 0 and not allow_zero):
        raise InvalidInput("amount_not_positive", field=name)
    if amount_fen > MAX_FEN:
        raise InvalidInput("amount_too_large", field=name)


class LedgerCore:
    """Sessions, the clock, accounts and balances, and the one way an entry is written (:meth:`_post`)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        pin_key: bytes,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self._pin_key = pin_key
        self._clock = clock
        self._sessions = make_sessionmaker(engine)
        self._readers = make_sessionmaker(engine, read_only=True)
        # Every writing session carries the audit chain's key: audit.append never writes an unkeyed link.
        self.audit_key = audit.chain_key(pin_key)
        self._sessions.configure(info={audit.KEY_INFO: self.audit_key, STATION_INFO: settings.station.code})
        self._lazy_sessions = make_sessionmaker(engine, lazy_sync=True)
        self._lazy_sessions.configure(info={audit.KEY_INFO: self.audit_key, STATION_INFO: settings.station.code})
        audit.register_key(engine, self.audit_key)
        register_station(engine, settings.station.code)
        # Account ids by code, only from transactions that committed: an id read or made inside a transaction
        # that rolls back may be given to another row (SQLite reuses rowids), so it waits for the commit.
        self._account_ids: dict[str, int] = {}
        self._known_products: set[str] = set()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session:
            with session.begin():
                yield session
            self._account_ids.update(session.info.get(_SEEN_ACCOUNTS, {}))

    @contextmanager
    def _lazy_tx(self) -> Iterator[Session]:
        """A write whose commit does not wait for the disk (see make_sessionmaker's lazy_sync): it survives a
        crash of the terminal, and the next ordinary commit makes it durable. Never for money or safety."""
        with self._lazy_sessions() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A look-up: never takes SQLite's write lock, so it never waits on (or holds up) a sale."""
        with self._readers() as session:
            yield session

    def now(self) -> dt.datetime:
        return self._clock()

    def _account(self, session: Session, code: str) -> Account:
        account = session.scalar(select(Account).where(Account.code == code))
        if account is None:
            if code not in STANDARD_ACCOUNTS:
                raise NotFound("account_unknown", account=code)
            name, kind = STANDARD_ACCOUNTS[code]
            account = Account(code=code, name=name, kind=kind)
            session.add(account)
            session.flush()
        return account

    def _account_id(self, session: Session, code: str) -> int:
        """The account's id: from the cache of committed ones, else read (or a standard account created)."""
        cached = self._account_ids.get(code)
        if cached is not None:
            return cached
        account_id = self._account(session, code).id
        session.info.setdefault(_SEEN_ACCOUNTS, {})[code] = account_id  # cached once this transaction commits
        return account_id

    def _post(
        self,
        session: Session,
        draft: _EntryDraft,
        actor_id: int | None,
        *,
        shift_id: int | bool | None = False,
        **extra: Any,
    ) -> PostedEntry:
        """Write one balanced entry into the open shift, or, with none open, into the between-shifts bucket.

        The shift books: every entry belongs to exactly one shift or to the bucket. Services that take money
        by choice (recharge, fee, refund, adjustment, reversal, drop) call :meth:`_require_shift` first, so only
        what cannot be refused reaches the bucket: the settlement of gas already delivered, and the holds of a
        fill the dispenser ran. Bucket entries keep ``between_shifts`` for ever; ``shift_id`` stays NULL until
        the next shift opens and adopts them (ShiftDesk.open_shift), whose reconciliation shows them apart.

        ``shift_id``: the open shift as the caller already read it in this transaction (False: read it here).
        Written with Core inserts: the ORM's unit of work cost more than the writes themselves.
        """
        total = sum(p.amount_fen for p in draft.postings)
        if total != 0 or not draft.postings:
            # A programming error, never a user error: refuse before anything is written.
            raise LedgerError("entry_unbalanced", total=total)
        if shift_id is False:
            shift_id = self._open_shift_id(session)
        assert shift_id is not True
        columns = tuple(sorted(extra))
        statement = _ENTRY_INSERTS.get(columns)
        if statement is None:
            statement = _ENTRY_INSERTS[columns] = DriverInsert(JournalEntry, (*_ENTRY_COLUMNS, *columns))
        entry_id = insert_row(
            session,
            statement,
            {
                "kind": draft.kind,
                "created_at": self.now(),
                "actor_id": actor_id,
                "memo": draft.memo[:200],
                "shift_id": shift_id,
                "between_shifts": shift_id is None,
                **extra,
            },
        )
        if shift_id is None:
            self._audit(session, actor_id, "between_shifts_entry", entry=entry_id, kind=draft.kind)
        rows = [(entry_id, self._account_id(session, p.account), p.amount_fen) for p in draft.postings]
        execute_many(session, _INSERT_POSTING, rows)
        # Every entry is a link of the keyed audit chain: deleting a sale's rows cannot go unseen (db check).
        audit.append(
            session,
            at=self.now(),
            actor_id=actor_id,
            action=audit.JOURNAL_ENTRY,
            detail={
                "entry": entry_id,
                "kind": draft.kind,
                "postings": [[p.account, p.amount_fen] for p in draft.postings],
            },
        )
        return PostedEntry(entry_id)

    def _audit(
        self, session: Session, actor_id: int | None, action: str, approver_id: int | None = None, **detail: Any
    ) -> None:
        audit.append(session, at=self.now(), actor_id=actor_id, action=action, detail=detail, approver_id=approver_id)

    def _open_shift_id(self, session: Session) -> int | None:
        found = fetch(session, _OPEN_SHIFT)
        return int(found[0][0]) if found else None

    def _require_shift(self, session: Session) -> int:
        """Money taken by choice needs an open shift: it must land in some shift's drawer and report."""
        shift_id = self._open_shift_id(session)
        if shift_id is None:
            raise Refused("no_open_shift")
        return shift_id

    def _balance(self, session: Session, account_code: str) -> int:
        """Natural balance: debit-positive for assets/expenses, credit-positive for the rest."""
        account = session.scalar(select(Account).where(Account.code == account_code))
        if account is None:
            return 0
        raw = session.scalar(
            select(func.coalesce(func.sum(Posting.amount_fen), 0)).where(Posting.account_id == account.id)
        )
        raw = int(raw or 0)
        return raw if account.kind in (AccountKind.ASSET, AccountKind.EXPENSE) else -raw

    def current_shift(self) -> int | None:
        with self._read() as session:
            return self._open_shift_id(session)

    def journal(self, limit: int = 50) -> list[EntryView]:
        with self._read() as session:
            entries = session.scalars(select(JournalEntry).order_by(JournalEntry.id.desc()).limit(limit)).all()
            codes = dict(session.execute(select(Account.id, Account.code)).all())
            return [
                EntryView(
                    e.id,
                    e.kind,
                    e.created_at,
                    e.memo,
                    e.actor_id,
                    tuple((codes[p.account_id], p.amount_fen) for p in e.postings),
                    e.reverses_id,
                )
                for e in entries
            ]

    def account_balance(self, code: str) -> int:
        with self._read() as session:
            return self._balance(session, code)

    # Enough for a fill's rows and their index pages; small beside any working disk.
    WRITE_PROBE_BYTES = 16_384

    def probe_write(self) -> None:
        """Commit a small write and take it back: refused with ``ledger_unwritable`` when the database cannot
        write now (disk full, read-only file), so no gas is authorized whose sale could not be recorded."""
        with self._probed_tx():
            pass

    @contextmanager
    def _probed_tx(self) -> Iterator[Session]:
        """A transaction that first writes the probe row and takes it back, so its commit proves the database
        can take a fill's rows now; any database failure in it is ``ledger_unwritable``. The authorization
        runs in one: no gas is authorized whose sale could not be recorded, and no separate probe commit."""
        try:
            with self._tx() as session:
                state = table(StationState)
                session.execute(insert(state), {"key": "write_probe", "value": "p" * self.WRITE_PROBE_BYTES})
                session.execute(delete(state).where(state.c.key == "write_probe"))
                yield session
        except DBAPIError as exc:
            raise Refused("ledger_unwritable", detail=str(exc.orig or exc).splitlines()[0][:200]) from exc


def _merge(draft: _EntryDraft) -> _EntryDraft:
    """Combine postings to the same account and drop zeros, so an entry never carries empty lines."""
    totals: dict[str, int] = {}
    for p in draft.postings:
        totals[p.account] = totals.get(p.account, 0) + p.amount_fen
    merged = _EntryDraft(draft.kind, draft.memo)
    for account, amount in totals.items():
        merged.add(account, amount)
    return merged
