"""Random sequences of the services, with engine restarts, shift opens and closes and day closes, checking
SPEC §5's invariants after every step, and the shift books: Σ over the shifts + the between-shifts bucket =
the whole journal per account, every fill in exactly one shift or the bucket."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from station.config import load_settings
from station.ledger.cards import ReplaceCause
from station.ledger.checks import check_ledger
from station.ledger.db import make_engine, upgrade
from station.ledger.errors import LedgerError
from station.ledger.models import CardType, Role
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import business_date_of
from tests.conftest import FakeClock
from tests.ledger.helpers import record

SETTINGS = load_settings(Path(__file__).resolve().parents[2] / "config" / "station.toml")
amounts = st.integers(min_value=-100, max_value=200_000)


class LedgerMachine(RuleBasedStateMachine):
    url: str

    @initialize()
    def start(self) -> None:
        upgrade(self.url)
        self.clock = FakeClock()
        self._open()
        self.manager = self.ledger.create_attendant(None, number="9001", name="m", role=Role.MANAGER, pin="9999")
        self.attendant = self.ledger.create_attendant(
            self.manager, number="1001", name="a", role=Role.ATTENDANT, pin="1234"
        )
        self.cards: list[str] = []
        self.holds: list[int] = []
        self.fills: list[int] = []
        self.txn = 0
        self.expected_fills: set[tuple[int, int, int]] = set()
        # Each nozzle's totalizer as the dispenser would show it: every recorded fill moves it.
        self.totalizer = {(n.dispenser, n.nozzle): 0 for n in SETTINGS.nozzles}

    def _open(self) -> None:
        self.engine = make_engine(self.url)
        self.ledger = Ledger(self.engine, SETTINGS, b"s" * 32, clock=self.clock)
        self.ledger.bootstrap()

    def _try(self, call: object) -> object:
        try:
            return call()  # type: ignore[operator]
        except LedgerError:
            return None

    @rule(
        kind=st.sampled_from([CardType.STORED_VALUE, CardType.ACCOUNT, CardType.INTERNAL]), limit=st.integers(0, 50_000)
    )
    def issue(self, kind: CardType, limit: int) -> None:
        number = f"8800{len(self.cards):04d}"
        self.ledger.issue_card(
            self.manager,
            number=number,
            uid=None,
            card_type=kind,
            holder="h",
            pin="123456",
            credit_limit_fen=limit if kind is CardType.ACCOUNT else 0,
        )
        self.cards.append(number)

    @precondition(lambda self: self.cards)
    @rule(data=st.data(), amount=amounts)
    def recharge(self, data: st.DataObject, amount: int) -> None:
        self._try(lambda: self.ledger.recharge(self.attendant, data.draw(st.sampled_from(self.cards)), amount))

    @precondition(lambda self: self.cards)
    @rule(data=st.data(), amount=amounts)
    def hold(self, data: st.DataObject, amount: int) -> None:
        # As the terminal does: the hold comes with its lane authorization (on a lane of its own, so the
        # machine's fills on dispenser 1 are not attached to it), else it would be an orphan by design.
        lane = 100 + len(self.holds)
        hold = self._try(
            lambda: self.ledger.place_hold(
                self.attendant,
                data.draw(st.sampled_from(self.cards)),
                amount,
                lane,
                1,
                sequence_id=f"machine-{lane}",
            )
        )
        if isinstance(hold, int):
            self.holds.append(hold)

    @precondition(lambda self: self.holds)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        self._try(lambda: self.ledger.release_hold(self.attendant, data.draw(st.sampled_from(self.holds))))

    @rule(quantity=st.integers(0, 20_000), again=st.booleans(), nozzle=st.integers(1, 2))
    def fill(self, quantity: int, again: bool, nozzle: int) -> None:
        if not again or self.txn == 0:
            self.txn += 1
        view = self.ledger.record_fill(record(self.txn, quantity, nozzle=nozzle))
        if view.created:
            self.totalizer[(1, nozzle)] += quantity
        self.expected_fills.add((1, nozzle, self.txn))
        self.fills.append(view.id)

    @precondition(lambda self: self.fills and self.cards)
    @rule(data=st.data(), use_hold=st.booleans())
    def settle_card(self, data: st.DataObject, use_hold: bool) -> None:
        fill = data.draw(st.sampled_from(self.fills))
        number = data.draw(st.sampled_from(self.cards))
        hold = data.draw(st.sampled_from(self.holds)) if use_hold and self.holds else None
        self._try(lambda: self.ledger.settle_card(self.attendant, fill, number, hold_id=hold))

    @precondition(lambda self: self.fills)
    @rule(data=st.data(), tendered=amounts)
    def settle_cash(self, data: st.DataObject, tendered: int) -> None:
        fill = data.draw(st.sampled_from(self.fills))
        self._try(lambda: self.ledger.settle_cash(self.attendant, fill, tendered))

    @precondition(lambda self: self.cards)
    @rule(data=st.data(), amount=st.integers(-60_000, 60_000))
    def adjust(self, data: st.DataObject, amount: int) -> None:
        self._try(lambda: self.ledger.adjust(self.manager, data.draw(st.sampled_from(self.cards)), amount, "r"))

    @precondition(lambda self: self.cards)
    @rule(data=st.data(), fault=st.booleans())
    def replace(self, data: st.DataObject, fault: bool) -> None:
        old = data.draw(st.sampled_from(self.cards))
        new = f"8800{len(self.cards):04d}"
        cause = ReplaceCause.CARD_FAULT if fault else ReplaceCause.CUSTOMER
        if self._try(
            lambda: self.ledger.replace_card(self.manager, old, new_number=new, new_uid=None, cause=cause, pin="123456")
        ):
            self.cards.append(new)

    @precondition(lambda self: self.cards)
    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        self._try(lambda: self.ledger.close_card(self.manager, data.draw(st.sampled_from(self.cards)), "r"))

    @rule(amount=amounts)
    def drop(self, amount: int) -> None:
        self._try(lambda: self.ledger.cash_drop(self.attendant, amount))

    # ---- shifts and days: fills and settlements between shifts land in the bucket the next shift adopts

    @rule(float_fen=st.integers(0, 100_000), note=st.sampled_from(["", "handover"]), skew=st.integers(0, 300))
    def open_shift(self, float_fen: int, note: str, skew: int) -> None:
        readings = {k: (q + (skew if k == (2, 2) else 0), 0, False) for k, q in self.totalizer.items()}
        if self._try(
            lambda: ShiftDesk(self.ledger).open_shift(self.manager, [self.attendant], float_fen, readings, note)
        ):
            self.totalizer[(2, 2)] += skew  # gas that left with no fill recorded: a gap the note explains

    @rule(over=st.integers(-500, 500), note=st.sampled_from(["", "counted"]))
    def close_shift(self, over: int, note: str) -> None:
        drawer = self.ledger.drawer_cash() + over
        count = {10000: max(drawer, 0) // 10000, 1: max(drawer, 0) % 10000}
        readings = {k: (q, 0, False) for k, q in self.totalizer.items()}
        self._try(lambda: ShiftDesk(self.ledger).close_shift(self.manager, readings, count, note))

    @rule()
    def sign_off(self) -> None:
        desk = ShiftDesk(self.ledger)
        for summary in desk.shifts(50):
            if summary.status == "closed" and not summary.signed_off:
                desk.sign_off(self.manager, summary.shift_id)

    @rule()
    def day_close(self) -> None:
        self._try(lambda: ShiftDesk(self.ledger).day_close(self.manager, business_date_of(self.clock.now)))

    @rule()
    def end_of_day(self) -> None:
        """Everything settled, written off or released, every shift closed and signed off: the day closes,
        and then takes no new shift."""
        desk = ShiftDesk(self.ledger)
        if self.ledger.current_shift() is not None:
            self.close_shift(0, "end of day")
        for fill in self.ledger.unpaid_fills():
            self.ledger.clear_unpaid_fill(self.manager, fill.id, "end of day")
        for hold in self.holds:
            self._try(lambda: self.ledger.release_hold(self.attendant, hold))  # noqa: B023 (called at once)
        self.sign_off()
        day = business_date_of(self.clock.now)
        try:
            desk.day_close(self.manager, day)
        except LedgerError as exc:
            assert exc.code in ("day_already_closed", "day_has_no_shifts"), exc
            return
        readings = {k: (q, 0, False) for k, q in self.totalizer.items()}
        try:
            desk.open_shift(self.manager, [self.attendant], 0, readings, "next")
        except LedgerError as exc:
            assert exc.code == "day_closed"
        else:
            raise AssertionError("a shift opened on a closed day")

    @rule(minutes=st.integers(1, 24 * 60))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes * 60)

    @rule()
    def restart(self) -> None:
        """Close the engine and reopen the database, as a crash and restart would."""
        self.engine.dispose()
        self._open()

    @invariant()
    def books_hold(self) -> None:
        if not hasattr(self, "ledger"):
            return
        report = check_ledger(self.engine)
        assert report.ok, report.render()
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from station.ledger.models import Account, Fill, JournalEntry, Posting

        with Session(self.engine) as s:
            keys = set(s.execute(select(Fill.dispenser, Fill.nozzle, Fill.transaction_number)).all())
            # Every fill in exactly one shift, or in the bucket waiting for the next shift.
            for fill in s.scalars(select(Fill)):
                assert fill.shift_id is not None or fill.between_shifts, f"fill {fill.id} in no shift"
            # Σ over every shift + the bucket = the whole journal, per account (summed here, apart from the check).
            rows = s.execute(
                select(Account.code, JournalEntry.shift_id, JournalEntry.between_shifts, Posting.amount_fen)
                .join(Posting, Posting.account_id == Account.id)
                .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            ).all()
        assert keys == self.expected_fills
        whole: dict[str, int] = {}
        per_shift: dict[int, dict[str, int]] = {}
        bucket: dict[str, int] = {}
        for code, shift_id, between, amount in rows:
            whole[code] = whole.get(code, 0) + amount
            if shift_id is not None:
                per_shift.setdefault(shift_id, {})
                per_shift[shift_id][code] = per_shift[shift_id].get(code, 0) + amount
            elif between:
                bucket[code] = bucket.get(code, 0) + amount
        for code, total in whole.items():
            assert sum(p.get(code, 0) for p in per_shift.values()) + bucket.get(code, 0) == total, code

    def teardown(self) -> None:
        if hasattr(self, "engine"):
            self.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_ledger_stateful(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from hypothesis import settings

    counter = iter(range(10**6))
    if backend == "postgres":
        from tests.conftest import require_postgres

        require_postgres()
        # Each Hypothesis example gets its own fresh schema.
        import uuid

        from sqlalchemy import create_engine, text

        from tests.conftest import PG_URL

        admin = create_engine(PG_URL)
        schemas: list[str] = []

        def new_url() -> str:
            schema = f"s_{uuid.uuid4().hex[:12]}"
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            schemas.append(schema)
            return f"{PG_URL}?options=-csearch_path%3D{schema}"
    else:

        def new_url() -> str:
            return f"sqlite:///{tmp_path / f'm{next(counter)}.db'}"

    class Machine(LedgerMachine):
        def __init__(self) -> None:
            super().__init__()
            self.url = new_url()

    try:
        Machine.TestCase.settings = settings(
            settings.get_current_profile_name() and settings(),
            max_examples=12 if settings.get_current_profile_name() == "default" else 500,
            stateful_step_count=25 if settings.get_current_profile_name() == "default" else 60,
            deadline=None,
        )
        Machine.TestCase().runTest()
    finally:
        if backend == "postgres":
            for schema in schemas:  # one transaction each: hundreds of schemas at once exhaust the lock table
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    _ = dt
