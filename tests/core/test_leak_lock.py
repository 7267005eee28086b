"""A leak stops the sequence on its nozzle and locks the nozzle until a manager clears it (泄漏锁定).

The dispenser simulator raises the leak alarm over its byte protocol; the gas that flowed before it is kept as
an unpaid fill with its card hold, the lock is in the ledger (so a restart still sees it), and only a manager
with a note frees the nozzle.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from station.core.sequence import AbortReason, PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import CoreEvent, CoreRefused, LaneChanged, Notice, StationCore
from station.devices.dispenser_protocol import StopReason
from station.i18n import error_text
from station.ledger.checks import check_ledger
from station.ledger.locks import LOCK_CLEARED, LOCKED
from station.ledger.models import AuditEvent, FillStatus
from station.simrig import SimulatedForecourt
from tests.conftest import until
from tests.core.test_core_fill import LANE, walk_to_authorize


async def refused(call: object) -> CoreRefused:
    with pytest.raises(CoreRefused) as info:
        await call  # type: ignore[misc]
    return info.value


def audit_of(core: StationCore, action: str) -> list[dict[str, object]]:
    with core.ledger.engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.detail).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [json.loads(detail) for (detail,) in rows]


async def test_leak_mid_fill_keeps_the_gas_unpaid_and_locks_the_nozzle_across_a_restart(
    forecourt: SimulatedForecourt,
) -> None:
    rig, core = forecourt, forecourt.core
    ledger = core.ledger
    before = ledger.card(number="88000001").balance_fen
    await walk_to_authorize(rig, PaymentKind.CARD)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 5000))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: core.lane(LANE).quantity > 0)
    rig.leak(*LANE)
    await until(lambda: seq.step is Step.ABORTED)  # the sequence ends: it never goes on to disconnect and settle
    # (at filling: the alarm is polled before the transaction; the 5 s sweep could record it first, rarely)
    assert seq.leak_stopped_at in (Step.FILLING, Step.DISCONNECT) and seq.abort_reason is AbortReason.LEAK
    assert core.lane(LANE).leak_locked
    await until(lambda: bool(core.lane(LANE).unpaid) and seq.fill_id is not None)
    assert rig.dispensers.transactions(1)[-1].stop_reason is StopReason.LEAK_ALARM
    fill = core.lane(LANE).unpaid[0]
    assert fill.id == seq.fill_id and fill.status is FillStatus.UNPAID and 0 < fill.amount_fen < 5000
    # Nothing lost: the fill carries its card, hold, plate and attendant, and the hold stays for it.
    assert (fill.card_number, fill.plate) == ("88000001", "鲁E12345")
    assert fill.hold_id is not None and fill.attendant_id == core.actor.id  # type: ignore[union-attr]
    assert ledger.card(number="88000001").held_fen == 5000
    await until(lambda: bool(core.locks.active(*LANE)))
    [lock] = core.locks.active(*LANE)
    assert lock.cause == "alarm" and lock.detail["sequence"] == seq.sequence_id
    assert [d["lock"] for d in audit_of(core, LOCKED)] == [lock.id]
    assert any(d["what"] == "leak:alarm" and d["lane"] == "1/1" for d in audit_of(core, "incident"))
    assert check_ledger(ledger.engine, ledger.audit_key).ok  # every open hold has its unpaid fill

    # The nozzle starts nothing; the refusal says what to do, in both languages.
    exc = await refused(core.start_sequence(LANE))
    assert exc.code == "nozzle_leak_locked"
    assert "站长" in error_text(exc.code, "zh", **exc.params) and "关闭阀门" in error_text(exc.code, "zh", **exc.params)
    assert "manager" in error_text(exc.code, "en", **exc.params)

    # A restart: a new core on the same ledger loads the lock and still refuses.
    await core.stop()
    restarted = StationCore(ledger, core.settings)
    events: list[CoreEvent] = []
    restarted.subscribe(events.append)
    await restarted.start()
    try:
        assert restarted.lane(LANE).leak_locked and restarted.lane(LANE).leak_lock_cause == "alarm"
        assert not restarted.lane((1, 2)).leak_locked
        await restarted.login("1001", "1234")
        assert (await refused(restarted.start_sequence(LANE))).code == "nozzle_leak_locked"
        # The gas is settled through the settle-unpaid path, against the hold kept for it; the lock stays.
        result = await restarted.settle_card(LANE)
        assert result.fill.status is FillStatus.PAID
        card = ledger.card(number="88000001")
        assert (card.held_fen, card.balance_fen) == (0, before - fill.amount_fen)
        assert (await refused(restarted.start_sequence(LANE))).code == "nozzle_leak_locked"

        # Clearing: an attendant cannot, an empty note is refused, a manager with a note can.
        exc = await refused(restarted.clear_leak_lock(LANE, "1001", "1234", "checked"))
        assert exc.code == "manager_only"
        assert (await refused(restarted.clear_leak_lock(LANE, "9001", "9999", "   "))).code == "lock_note_required"
        assert restarted.lane(LANE).leak_locked and core.locks.active(*LANE)
        events.clear()
        await restarted.clear_leak_lock(LANE, "9001", "9999", "接头已紧固,检漏合格")
        assert not restarted.lane(LANE).leak_locked and restarted.locks.active() == []
        assert LaneChanged(LANE) in events
        manager = ledger.authenticate("9001", "9999")
        [cleared] = audit_of(restarted, LOCK_CLEARED)
        assert cleared == {"lock": lock.id, "lane": "1/1", "note": "接头已紧固,检漏合格"}
        [history] = restarted.locks.history(*LANE)
        assert history.cleared_by_id == manager.id
        await restarted.start_sequence(LANE)  # free again
        assert check_ledger(ledger.engine, ledger.audit_key).ok
    finally:
        await restarted.stop()


async def test_leak_found_at_step_6_locks_the_nozzle(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await walk_to_authorize(rig, PaymentKind.CASH)
    notices: list[CoreEvent] = []
    core.subscribe(notices.append)
    await core.abort(LANE, AbortReason.LEAK, "瓶阀接头漏气")  # "有泄漏按 X 中止"
    assert Notice("leak.found_locked", {"lane": "1/1"}, "error") in notices
    assert core.lane(LANE).sequence is None and core.lane(LANE).leak_locked
    [lock] = core.locks.active(*LANE)
    assert (lock.cause, lock.detail) == ("abort", {"note": "瓶阀接头漏气"})
    assert any(d["what"] == "leak:abort" for d in audit_of(core, "incident"))
    assert (await refused(core.start_sequence(LANE))).code == "nozzle_leak_locked"
    assert others_unlocked(core)


def others_unlocked(core: StationCore) -> bool:
    """The other nozzles are not touched by one nozzle's lock."""
    return all(not lane.leak_locked for key, lane in core.lanes.items() if key != LANE)


async def test_authorize_refuses_a_nozzle_locked_in_the_ledger_meanwhile(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await walk_to_authorize(rig, PaymentKind.CASH)
    # Another kiosk (or a restart of this one) recorded a leak on this nozzle while the sequence was at step 6.
    core.locks.lock_for_leak(None, *LANE, "abort", note="seen from kiosk 2")
    exc = await refused(core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000)))
    assert exc.code == "nozzle_leak_locked" and exc.params == {"lane": "1/1"}
    assert core.lane(LANE).sequence is not None and core.lane(LANE).sequence.step is Step.AUTHORIZE  # type: ignore[union-attr]
    assert core.ledger.live_lane_authorizations() == []  # the dispenser was never asked


async def test_leak_alarm_on_an_idle_nozzle_locks_it(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await core.login("1001", "1234")
    other = (1, 2)
    rig.leak(*other)
    await until(lambda: bool(core.locks.active(*other)))
    assert core.lane(other).leak_locked and core.lane(other).sequence is None
    assert (await refused(core.start_sequence(other))).code == "nozzle_leak_locked"
    await core.start_sequence(LANE)  # the other nozzle works on
