"""Random sequences of the services, with engine restarts, checking SPEC §5's invariants after every step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from station.config import load_settings
from station.ledger.checks import check_ledger
from station.ledger.db import make_engine, upgrade
from station.ledger.errors import LedgerError
from station.ledger.models import CardType, Role
from station.ledger.services import Ledger, ReplaceCause
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
        hold = self._try(
            lambda: self.ledger.place_hold(self.attendant, data.draw(st.sampled_from(self.cards)), amount, 1, 1)
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

        from station.ledger.models import Fill

        with Session(self.engine) as s:
            keys = set(s.execute(select(Fill.dispenser, Fill.nozzle, Fill.transaction_number)).all())
        assert keys == self.expected_fills

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
