"""A seeded year of station books, written fast and consistent with every invariant ``station db check`` proves.

Run: .venv/bin/python scripts/gen_year.py --db sqlite:///var/bench/year.db [--days 365] [--fills-per-shift 1370]

The staff, the cards and their opening balances go through the ledger itself (so PIN hashes, accounts and the
first audit links are the ledger's own); the days then follow with raw ``sqlite3`` ``executemany``: two shifts a
day, cash and card fills over the configured nozzles, card holds placed and resolved, recharges, cash drops,
closes with counts and sign-offs, the day close, journal entries and their postings, stock movements, receipt
jobs, and one keyed audit link per event computed with ``station.ledger.audit``'s own functions under the PIN key
the CLI reads. SQLite only: the bulk path is sqlite3's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from station.config import STATION_TZ, config_path, load_settings
from station.ledger import audit
from station.ledger.db import make_engine, upgrade
from station.ledger.journal import CASH_DRAWER, CASH_SAFE, GAS_REVENUE, card_account, hold_account
from station.ledger.models import CardType, Role
from station.ledger.pins import load_or_create_key
from station.ledger.services import Ledger
from station.ledger.shifts.values import DENOMINATIONS_FEN
from station.money import MAX_FEN, amount_for
from station.runtime import pin_key_path

ROOT = Path(__file__).resolve().parent.parent
START = dt.date(2025, 1, 1)
HOLD_FEN = 20_000  # every card fill holds 200 yuan; no fill reaches it (≤ 25 kg at ≤ 4.50)
FLOAT_FEN = 50_000  # the drawer is left with 500 yuan at each close (the rest dropped to the safe)
CARDS = 80
ATTENDANTS = 6


def _fmt(moment: dt.datetime) -> str:
    # How SQLAlchemy stores a UTCDateTime on SQLite: naive UTC with microseconds.
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Writer:
    """Ids, the chain head and the rows waiting for ``executemany``, flushed per day."""

    conn: sqlite3.Connection
    key: bytes
    head: str
    ids: dict[str, int]
    accounts: dict[str, int]
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows.setdefault(table, []).append(row)

    def event(
        self, at: dt.datetime, actor: int | None, action: str, detail: dict[str, Any], approver: int | None = None
    ) -> tuple[int, str]:
        text = audit._canonical(detail)
        at = at.astimezone(dt.UTC)
        digest = audit.keyed_hash(self.key, self.head, at, actor, approver, action, text)
        event_id = self.next_id("audit_events")
        self.add("audit_events", (event_id, _fmt(at), actor, approver, action, text, self.head, digest))
        self.head = digest
        return event_id, digest

    def entry(
        self, kind: str, at: dt.datetime, actor: int, shift: int, memo: str, postings: list[tuple[str, int]]
    ) -> int:
        assert sum(a for _c, a in postings) == 0 and all(a for _c, a in postings)
        entry_id = self.next_id("journal_entries")
        self.add("journal_entries", (entry_id, kind, _fmt(at), actor, None, shift, 0, memo, None))
        for code, amount in postings:
            self.add("postings", (self.next_id("postings"), entry_id, self.accounts[code], amount))
        self.event(
            at, actor, audit.JOURNAL_ENTRY, {"entry": entry_id, "kind": kind, "postings": [list(p) for p in postings]}
        )
        return entry_id

    def flush(self) -> None:
        for table, rows in self.rows.items():
            marks = ",".join("?" * len(rows[0]))
            self.conn.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", rows)
        self.rows.clear()


COLUMNS = {
    "audit_events": "id, at, actor_id, approver_id, action, detail, prev_hash, hash",
    "journal_entries": "id, kind, created_at, actor_id, approver_id, shift_id, between_shifts, memo, reverses_id",
    "postings": "id, entry_id, account_id, amount_fen",
    "shifts": "id, status, opened_at, opened_by_id, opening_float_fen, closed_at, closed_by_id, counted_cash_fen, "
    "note, carried_cash_fen, opening_note",
    "shift_attendants": "shift_id, attendant_id",
    "shift_totalizers": "id, shift_id, dispenser, nozzle, opening_quantity_centi, opening_amount_fen, opening_typed, "
    "closing_quantity_centi, closing_amount_fen, closing_typed",
    "shift_cash_counts": "shift_id, denomination_fen, count",
    "shift_closings": "shift_id, expected_cash_fen, counted_cash_fen, over_short_fen, flagged_nozzles, variance_note, "
    "close_audit_id, audit_head, signed_off_at, signed_off_by_id, day_close_id",
    "day_closes": "id, business_date, shift_count, fill_count, quantity_centi, sales_fen, cash_sales_fen, "
    "card_sales_fen, recharges_fen, drops_fen, expected_cash_fen, counted_cash_fen, over_short_fen, closed_by_id, "
    "closed_at, note",
    "holds": "id, card_id, amount_fen, status, placed_entry_id, resolved_entry_id, dispenser, nozzle, created_at, "
    "resolved_at",
    "lane_authorizations": "id, sequence_id, dispenser, nozzle, attendant_id, plate, card_id, hold_id, status, "
    "fill_id, created_at",
    "fills": "id, dispenser, nozzle, transaction_number, product_code, unit, unit_price_fen, quantity_centi, "
    "amount_fen, dispenser_amount_fen, amount_mismatch, pressure_before_centi_mpa, pressure_after_centi_mpa, "
    "totalizer_before_centi, totalizer_after_centi, started_at, ended_at, stop_reason, status, payment_mode, "
    "card_id, hold_id, plate, attendant_id, shift_id, between_shifts, sale_entry_id, tendered_fen, change_fen, "
    "engine_off_to_flow_ms, fill_end_to_commit_ms, settled_at, clear_reason",
    "stock_movements": "id, kind, product_code, quantity_centi, fill_id, reference, created_at, actor_id",
    "receipt_jobs": "id, fill_id, receipt_no, payment, detail, created_at, spooled_at",
    "cash_drops": "id, shift_id, amount_fen, attendant_id, entry_id, created_at",
}


@dataclass
class CardState:
    id: int
    number: str
    kind: CardType
    level: int
    balance: int


def _setup(url: str, key: bytes, rng: random.Random, first: dt.datetime) -> tuple[list[int], int, list[CardState]]:
    """Staff, cards and opening balances through the ledger (clock just before the first day)."""
    settings = load_settings(ROOT / "config" / "station.toml")
    engine = make_engine(url)
    tick = [first - dt.timedelta(days=1)]

    def clock() -> dt.datetime:
        tick[0] += dt.timedelta(milliseconds=1)
        return tick[0]

    ledger = Ledger(engine, settings, key, clock=clock)
    ledger.bootstrap()
    manager = ledger.create_attendant(None, number="9001", name="站长", role=Role.MANAGER, pin="9999")
    staff = [
        ledger.create_attendant(manager, number=f"{1001 + i}", name=f"加气员{i + 1}", role=Role.ATTENDANT, pin="1234")
        for i in range(ATTENDANTS)
    ]
    cards: list[CardState] = []
    for i in range(CARDS):
        account = i % 8 == 0  # one fleet (account) card in eight, the rest stored value
        number = f"8800{i + 1:04d}"
        ledger.issue_card(
            manager,
            number=number,
            uid=f"04{i + 1:06X}",
            card_type=CardType.ACCOUNT if account else CardType.STORED_VALUE,
            holder=f"客户{i + 1}",
            pin="123456",
            price_level=1 if account else 0,
            credit_limit_fen=MAX_FEN if account else 0,
        )
        balance = 0 if account else rng.randrange(50_000, 300_000, 100)
        if balance:
            ledger.load_opening_balance(manager, number, balance)
        cards.append(
            CardState(0, number, CardType.ACCOUNT if account else CardType.STORED_VALUE, int(account), balance)
        )
    engine.dispose()
    return [a.id for a in staff], manager.id, cards


def generate(
    url: str, *, days: int, fills_per_shift: int, seed: int, pin_key: Path, last_shift_fills: int | None = None
) -> dict[str, int]:
    """Write the database; ``last_shift_fills``: the size of the very last shift (the benchmarks' 5,000-fill one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise SystemExit("gen_year writes SQLite databases (sqlite:///PATH)")
    path = Path(parsed.database)
    if path.exists():
        raise SystemExit(f"{path} exists: gen_year writes a new database")
    rng = random.Random(seed)
    key = load_or_create_key(pin_key)
    first = dt.datetime.combine(START, dt.time(6, 0), tzinfo=STATION_TZ).astimezone(dt.UTC)
    upgrade(url)
    staff, manager, cards = _setup(url, key, rng, first)
    settings = load_settings(ROOT / "config" / "station.toml")
    nozzles = [(n.dispenser, n.nozzle, n.product) for n in settings.nozzles]
    prices = {(p.product, p.level): p.unit_price for p in settings.prices}

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")  # a generated file: rebuilt, never recovered
    conn.execute("PRAGMA foreign_keys=OFF")
    tables = [*COLUMNS, "accounts", "cards"]
    keyed = [t for t in tables if t not in ("shift_attendants", "shift_cash_counts", "shift_closings")]
    ids = {t: int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]) for t in keyed}
    accounts = {str(c): int(i) for i, c in conn.execute("SELECT id, code FROM accounts")}
    by_number = {str(n): int(i) for i, n in conn.execute("SELECT id, number FROM cards")}
    for state in cards:
        state.id = by_number[state.number]
    head = str(conn.execute("SELECT value FROM station_state WHERE key = ?", (audit.HEAD_KEY,)).fetchone()[0])
    w = Writer(conn, audit.chain_key(key), head, ids, accounts)
    totalizers = {(d, n): [rng.randrange(10**6, 10**7), 0] for d, n, _p in nozzles}
    for q in totalizers.values():
        q[1] = q[0] * 4
    drawer = 0
    counted_prev: int | None = None
    receipt = 0
    txn = dict.fromkeys(totalizers, 0)
    fills_total = 0
    started = time.perf_counter()
    conn.execute("BEGIN")
    for day in range(days):
        date = START + dt.timedelta(days=day)
        day_shifts: list[int] = []
        day_sums = dict.fromkeys(("fills", "qty", "sales", "cash", "card", "recharge", "drops", "expected"), 0)
        for half in range(2):
            opened = dt.datetime.combine(date, dt.time(6 + 8 * half, 0), tzinfo=STATION_TZ).astimezone(dt.UTC)
            closed = opened + dt.timedelta(hours=8)
            sid = w.next_id("shifts")
            day_shifts.append(sid)
            crew = sorted(rng.sample(staff, 3))
            numbers = [f"{1001 + staff.index(a)}" for a in crew]
            if counted_prev is None:
                w.entry(
                    "float", opened, manager, sid, "opening float", [(CASH_DRAWER, FLOAT_FEN), (CASH_SAFE, -FLOAT_FEN)]
                )
                drawer = FLOAT_FEN
            float_fen = drawer
            for a in crew:
                w.add("shift_attendants", (sid, a))
            opening = {k: tuple(v) for k, v in totalizers.items()}
            w.event(
                opened,
                manager,
                "shift_opened",
                {
                    "shift": sid,
                    "float_fen": float_fen,
                    "carried_fen": counted_prev,
                    "note": "",
                    "adopted_fills": [],
                    "adopted_entries": [],
                    "attendants": numbers,
                    "typed": [],
                },
            )
            last = day == days - 1 and half == 1 and last_shift_fills is not None
            shift_fills = last_shift_fills if last and last_shift_fills is not None else fills_per_shift
            step = (closed - opened - dt.timedelta(minutes=20)) / max(shift_fills, 1)
            for i in range(shift_fills):
                d, n, product = nozzles[rng.randrange(len(nozzles))]
                attendant = crew[rng.randrange(3)]
                ended = opened + dt.timedelta(minutes=8) + step * i
                started_at = ended - dt.timedelta(seconds=rng.randrange(90, 300))
                settled = ended + dt.timedelta(seconds=rng.randrange(10, 90))
                qty = rng.randrange(500, 2500)
                card = cards[rng.randrange(len(cards))] if rng.random() < 0.35 else None
                price = prices[(product, card.level if card else 0)]
                amount = amount_for(price, qty)
                fid = w.next_id("fills")
                txn[(d, n)] += 1
                before = totalizers[(d, n)][0]
                totalizers[(d, n)][0] += qty
                totalizers[(d, n)][1] += amount
                ref = f"{d}/{n}/{txn[(d, n)]}"
                hold_id = None
                if card is None:
                    sale = w.entry(
                        "fill_sale",
                        settled,
                        attendant,
                        sid,
                        f"cash sale {ref}",
                        [(CASH_DRAWER, amount), (GAS_REVENUE, -amount)],
                    )
                    drawer += amount
                    day_sums["cash"] += amount
                    tendered = -(-amount // 1000) * 1000
                    receipt_detail = f'{{"change_fen": {tendered - amount}, "tendered_fen": {tendered}}}'
                else:
                    if card.kind is CardType.STORED_VALUE and card.balance < HOLD_FEN + 10_000:
                        top_up = 100_000
                        w.entry(
                            "recharge",
                            started_at - dt.timedelta(seconds=60),
                            attendant,
                            sid,
                            f"recharge card {card.number}",
                            [(CASH_DRAWER, top_up), (card_account(card.number), -top_up)],
                        )
                        w.event(
                            started_at - dt.timedelta(seconds=60),
                            attendant,
                            "card_recharged",
                            {"number": card.number, "amount_fen": top_up, "entry": w.ids["journal_entries"]},
                        )
                        card.balance += top_up
                        drawer += top_up
                        day_sums["recharge"] += top_up
                    placed_at = started_at - dt.timedelta(seconds=20)
                    placed = w.entry(
                        "hold",
                        placed_at,
                        attendant,
                        sid,
                        f"hold on {card.number} for {d}/{n}",
                        [(card_account(card.number), HOLD_FEN), (hold_account(card.number), -HOLD_FEN)],
                    )
                    hold_id = w.next_id("holds")
                    sale = w.entry(
                        "fill_sale",
                        settled,
                        attendant,
                        sid,
                        f"card sale {card.number} {ref}",
                        [(hold_account(card.number), amount), (GAS_REVENUE, -amount)],
                    )
                    release = w.entry(
                        "hold_release",
                        settled,
                        attendant,
                        sid,
                        f"release hold #{hold_id}",
                        [
                            (hold_account(card.number), HOLD_FEN - amount),
                            (card_account(card.number), amount - HOLD_FEN),
                        ],
                    )
                    w.add(
                        "holds",
                        (
                            hold_id,
                            card.id,
                            HOLD_FEN,
                            "completed",
                            placed,
                            release,
                            d,
                            n,
                            _fmt(placed_at),
                            _fmt(settled),
                        ),
                    )
                    w.add(
                        "lane_authorizations",
                        (
                            w.next_id("lane_authorizations"),
                            f"seq-{fid}",
                            d,
                            n,
                            attendant,
                            "",
                            card.id,
                            hold_id,
                            "recorded",
                            fid,
                            _fmt(placed_at),
                        ),
                    )
                    card.balance -= amount
                    day_sums["card"] += amount
                    tendered = None
                    receipt_detail = (
                        f'{{"balance_fen": {card.balance}, "card_number": "{card.number}", "low_balance": false}}'
                    )
                flow_ms = rng.randrange(3_000, 40_000)
                commit_ms = rng.randrange(5_000, 75_000)
                w.add(
                    "fills",
                    (
                        fid,
                        d,
                        n,
                        txn[(d, n)],
                        product,
                        "kg",
                        price,
                        qty,
                        amount,
                        amount,
                        0,
                        200,
                        2000,
                        before,
                        before + qty,
                        _fmt(started_at),
                        _fmt(ended),
                        "auto",
                        "paid",
                        "card" if card else "cash",
                        card.id if card else None,
                        hold_id,
                        "",
                        attendant,
                        sid,
                        0,
                        sale,
                        tendered,
                        None if tendered is None else tendered - amount,
                        flow_ms,
                        commit_ms,
                        _fmt(settled),
                        "",
                    ),
                )
                w.add(
                    "stock_movements",
                    (w.next_id("stock_movements"), "fill", product, -qty, fid, ref, _fmt(ended), attendant),
                )
                receipt += 1
                w.add(
                    "receipt_jobs",
                    (
                        w.next_id("receipt_jobs"),
                        fid,
                        receipt,
                        "card" if card else "cash",
                        receipt_detail,
                        _fmt(settled),
                        _fmt(settled),
                    ),
                )
                day_sums["fills"] += 1
                day_sums["qty"] += qty
                day_sums["sales"] += amount
            fills_total += shift_fills
            # The close: everything over the float goes to the safe, the count equals the books.
            drop = drawer - FLOAT_FEN
            drop_at = closed - dt.timedelta(minutes=5)
            if drop > 0:
                entry = w.entry(
                    "cash_drop", drop_at, crew[0], sid, "drop to safe", [(CASH_SAFE, drop), (CASH_DRAWER, -drop)]
                )
                w.add("cash_drops", (w.next_id("cash_drops"), sid, drop, crew[0], entry, _fmt(drop_at)))
                w.event(drop_at, crew[0], "cash_drop", {"amount_fen": drop, "entry": entry})
                drawer -= drop
                day_sums["drops"] += drop
            for (d, n), (tq, ta) in totalizers.items():
                oq, oa = opening[(d, n)]
                w.add("shift_totalizers", (w.next_id("shift_totalizers"), sid, d, n, oq, oa, 0, tq, ta, 0))
            left = drawer
            for denomination in DENOMINATIONS_FEN:
                w.add("shift_cash_counts", (sid, denomination, left // denomination))
                left %= denomination
            close_id, close_head = w.event(
                closed,
                manager,
                "shift_closed",
                {
                    "shift": sid,
                    "expected_fen": drawer,
                    "counted_fen": drawer,
                    "over_short_fen": 0,
                    "flagged": [],
                    "problems": [],
                    "note": "",
                },
            )
            signed = closed + dt.timedelta(minutes=1)
            w.event(signed, manager, "shift_signed_off", {"shift": sid, "audit_head": close_head})
            w.add(
                "shifts",
                (sid, "closed", _fmt(opened), manager, float_fen, _fmt(closed), manager, drawer, "", counted_prev, ""),
            )
            w.add("shift_closings", (sid, drawer, drawer, 0, 0, "", close_id, close_head, _fmt(signed), manager, None))
            day_sums["expected"] += drawer
            counted_prev = drawer
        day_at = dt.datetime.combine(date, dt.time(22, 30), tzinfo=STATION_TZ).astimezone(dt.UTC)
        day_id = w.next_id("day_closes")
        w.add(
            "day_closes",
            (
                day_id,
                date.isoformat(),
                2,
                day_sums["fills"],
                day_sums["qty"],
                day_sums["sales"],
                day_sums["cash"],
                day_sums["card"],
                day_sums["recharge"],
                day_sums["drops"],
                day_sums["expected"],
                day_sums["expected"],
                0,
                manager,
                _fmt(day_at),
                "",
            ),
        )
        w.event(
            day_at,
            manager,
            "day_closed",
            {
                "date": date.isoformat(),
                "shifts": day_shifts,
                "sales_fen": day_sums["sales"],
                "over_short_fen": 0,
            },
        )
        w.flush()
        conn.executemany(
            "UPDATE shift_closings SET day_close_id = ? WHERE shift_id = ?", [(day_id, s) for s in day_shifts]
        )
        if day % 30 == 29:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.executemany(
        "INSERT OR REPLACE INTO station_state (key, value) VALUES (?, ?)",
        [
            (audit.HEAD_KEY, w.head),
            (audit.ANCHOR_KEY, audit.anchor_value(w.key, w.head)),
            ("receipt_counter", str(receipt)),
        ],
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"fills": fills_total, "seconds": int(time.perf_counter() - started)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="sqlite:///PATH (a new file)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--fills-per-shift", type=int, default=1370, help="1370 × 730 shifts ≈ 1,000,000 fills")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--last-shift-fills", type=int, default=None, help="size of the last shift (default: as the rest)"
    )
    parser.add_argument(
        "--pin-key",
        type=Path,
        default=None,
        help="the PIN key the audit chain is keyed with (default: the one station db check reads)",
    )
    args = parser.parse_args(argv)
    pin_key = args.pin_key or pin_key_path(config_path(None))
    started = time.perf_counter()
    stats = generate(
        args.db,
        days=args.days,
        fills_per_shift=args.fills_per_shift,
        seed=args.seed,
        pin_key=pin_key,
        last_shift_fills=args.last_shift_fills,
    )
    elapsed = time.perf_counter() - started
    print(f"gen_year: {stats['fills']} fills over {args.days} days in {elapsed:.1f} s ({args.db}, key {pin_key})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
