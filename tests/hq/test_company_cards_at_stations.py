"""A company card (一卡通) at two whole stations (simulated forecourts, their sync workers) and one real head office:
held at head office while the line is up; used at both stations while head office is down, each under its own
offline limit; on sync head office debits both, the card goes negative, is blocked company-wide, and both
stations refuse it at the card step after their next pull."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from station.config import HeadOffice
from station.core.lanes import CoreRefused
from station.core.sequence import AbortReason, PaymentKind, PresetChoice, PresetKind, Step
from station.hq import pages
from station.hq.cards import issue_card
from station.hq.db import current_version
from station.ledger.company_cards import OFFLINE, ONLINE
from station.ledger.models_company_cards import CompanyHold
from station.ledger.reports.day import day_report
from station.money import format_yuan
from station.printouts.report import Text
from station.runtime import open_station
from station.seed import seed_demo
from station.simrig import SimulatedForecourt, open_first_shift, start_forecourt
from tests.conftest import WAIT, until
from tests.core.test_core_fill import LANE, begin_fill, walk_to_authorize
from tests.hq.conftest import Server

CONFIG = Path(__file__).resolve().parents[2] / "config" / "station.toml"
CARD = "88000001"  # the demo's stored-value card, issued at both stations (PIN 123456, plate 鲁E12345)
OFFLINE_LIMIT = 20_000


async def open_rig(tmp_path: Path, code: str, base: str, offline_limit: int = OFFLINE_LIMIT) -> SimulatedForecourt:
    home = tmp_path / code
    home.mkdir()
    config = home / "station.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8").replace('code = "DY-0001"', f'code = "{code}"'), "utf-8")
    runtime = open_station(f"sqlite:///{home / 'station.db'}", str(config))
    seed_demo(runtime.ledger)
    hq = HeadOffice(
        url=base,
        key_file=str(tmp_path / f"{code}.key"),
        offline_card_limit_fen=offline_limit,
        hold_timeout_seconds=1,
        backoff_max_s=1,
        idle_s=1,
        pull_every_s=1,
    )
    rig = await start_forecourt(runtime, home / "rig", speed=40.0, poll_interval=0.03, reader_poll=0.05, hq=hq)
    assert await rig.bus.wait_connected(WAIT)
    assert await open_first_shift(rig.core) is not None
    return rig


async def card_fill(rig: SimulatedForecourt, amount_fen: int) -> int:
    """A card fill preset at ``amount_fen``, settled and the driver seen off; what it cost (the receipt's balance
    after it is the card's balance before less that, whether head office has heard of the fill yet or not)."""
    before = rig.core.ledger.card(number=CARD).balance_fen
    core = rig.core
    await walk_to_authorize(rig, PaymentKind.CARD, capacity_kg=80.0)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, amount_fen))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT, timeout=60)
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    rig.hang(*LANE)
    result = await core.settle_card(LANE)
    await core.farewell(LANE)
    assert result.balance_fen == before - result.fill.amount_fen
    return result.fill.amount_fen


def hq_card(engine: Engine) -> tuple[int, int, str]:
    with engine.begin() as conn:
        row = conn.execute(text("SELECT balance_fen, held_fen, status FROM hq_cards WHERE card_no = :c"), {"c": CARD})
        balance, held, status = row.one()
    return int(balance), int(held), str(status)


def modes(rig: SimulatedForecourt) -> list[str]:
    with rig.core.ledger._read() as session:  # the station's company holds, in the order placed
        return list(session.scalars(select(CompanyHold.mode).order_by(CompanyHold.hold_id)))


async def refused_at_card_step(rig: SimulatedForecourt) -> str:
    core = rig.core
    await begin_fill(core, PaymentKind.CARD)
    with pytest.raises(CoreRefused) as refused:
        await core.check_card(LANE, number=CARD, uid=None, plate="鲁E12345", pin="123456")
    await core.abort(LANE, AbortReason.CARD_REFUSED)
    return refused.value.code


async def test_a_company_card_held_online_then_used_at_two_stations_offline_is_blocked_on_sync(
    hq_process: Server, hq_engine: Engine, tmp_path: Path
) -> None:
    issue_card(hq_engine, CARD, 30_000)
    east = await open_rig(tmp_path, "DY-0001", hq_process.base)
    west = await open_rig(tmp_path, "DY-0002", hq_process.base)
    try:
        for rig in (east, west):  # the first pull names the card a company card, with head office's balance
            await until(lambda rig=rig: rig.core.ledger.company_standing(CARD) is not None, timeout=60)
            assert rig.core.ledger.card(number=CARD).balance_fen == 30_000

        # Line up: the hold is placed at head office, and the settlement reaches it through the outbox.
        first = await card_fill(east, 5_000)
        assert modes(east) == [ONLINE]
        await until(lambda: hq_card(hq_engine) == (30_000 - first, 0, "active"), timeout=60)
        # Pulled again after head office took the fill in: the same balance, not the fill counted twice.
        with hq_engine.begin() as conn:
            version = current_version(conn)
        await until(lambda: east.core.ledger.hq_version() >= version, timeout=60)
        assert east.core.ledger.card(number=CARD).balance_fen == 30_000 - first
        assert west.core.ledger.card(number=CARD).balance_fen in (30_000, 30_000 - first)

        # Head office down: each station accepts the card offline, up to its own limit per card and day.
        hq_process.kill()
        second = await card_fill(east, 15_000)
        third = await card_fill(west, 15_000)
        assert modes(east) == [ONLINE, OFFLINE] and modes(west) == [OFFLINE]
        await walk_to_authorize(east, PaymentKind.CARD, capacity_kg=80.0)
        with pytest.raises(CoreRefused) as over:  # 150 of 200 used offline here today: 100 more is refused
            await east.core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 10_000))
        assert over.value.code == "card_offline_limit" and over.value.params["left_fen"] == OFFLINE_LIMIT - second
        await east.core.abort(LANE, AbortReason.ATTENDANT)
        east.hang(*LANE)

        # Head office back: both stations' offline use debited once; below zero, the card is blocked everywhere.
        hq_process.start()
        spent = first + second + third
        await until(lambda: hq_card(hq_engine) == (30_000 - spent, 0, "blocked"), timeout=60)
        assert 30_000 - spent < 0
        for rig in (east, west):
            await until(lambda rig=rig: rig.core.ledger.company_standing(CARD) is not None, timeout=60)
            await until(lambda rig=rig: rig.core.ledger.hq_version() > 0 and _blocked(rig), timeout=60)
            assert await refused_at_card_step(rig) == "card_blacklisted"
        with hq_engine.begin() as conn:
            holds = conn.execute(
                text("SELECT station, state, settled_fen FROM hq_card_holds WHERE card_no = :c"),
                {"c": CARD},
            ).all()
        assert sorted((s, st, f) for s, st, f in holds) == sorted(
            [("DY-0001", "settled", first), ("DY-0001", "offline", second), ("DY-0002", "offline", third)]
        )
        with hq_engine.connect() as conn:  # head office's card report shows the risk each station took
            report = pages.card_page(conn, dt.date.today())
        risk = next(s for s in report.sections if s.key == "card_offline")
        assert [r[:3] for r in risk.rows] == [(CARD, "DY-0001", "1"), (CARD, "DY-0002", "1")]
        assert [r[3] for r in risk.rows] == [format_yuan(second), format_yuan(third)]
        # The station's own day report books the same: the fill held online, and the one taken at its risk.
        own = day_report(east.core.ledger)
        company = next(s for s in own.sections if s.key == "company_cards")
        assert [(r[0], r[1].render() if isinstance(r[1], Text) else r[1], r[2], r[3], r[4]) for r in company.rows] == [
            (CARD, "脱机受理 taken offline", "1", "0", format_yuan(second)),
            (CARD, "总部联机 held at head office", "1", "0", format_yuan(first)),
        ]
    finally:
        for rig in (east, west):
            await rig.stop()


def _blocked(rig: SimulatedForecourt) -> bool:
    try:
        rig.core.ledger.check_card_for_fill(number=CARD)
    except Exception as exc:  # the ledger's refusal, read by its code
        return getattr(exc, "code", "") == "card_blacklisted"
    return False


async def test_with_no_offline_allowance_left_the_card_is_refused_at_the_card_step(
    hq_process: Server, hq_engine: Engine, tmp_path: Path
) -> None:
    """The line known down and the day's offline allowance used (here: none allowed), the driver hears so at the
    card step, before the nozzle is connected, not at step 7."""
    issue_card(hq_engine, CARD, 30_000)
    rig = await open_rig(tmp_path, "DY-0001", hq_process.base, offline_limit=0)
    try:
        await until(lambda: rig.core.ledger.company_standing(CARD) is not None, timeout=60)
        hq_process.kill()
        sync = rig.core.hq_sync
        assert sync is not None
        await until(lambda: sync.state.line_up is False, timeout=60)
        assert await refused_at_card_step(rig) == "card_offline_limit"
    finally:
        await rig.stop()
