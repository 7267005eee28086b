"""The driver's rating at farewell: asked on the rating pad once the lane is free, recorded with the sale and the
attendant; nobody pressing is recorded as skipped; the lane never waits (the pad's simulator, over TCP)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.devices.rating_pad import NullRatingPad
from station.ledger.errors import InvalidInput
from station.ledger.models_ratings import ServiceRating
from station.ledger.services import Ledger
from station.simrig import SimulatedForecourt
from tests.conftest import FakeClock, until
from tests.core.test_core_fill import LANE, walk_to_authorize
from tests.ledger.helpers import record, staff


async def cash_fill_to_farewell(rig: SimulatedForecourt) -> int:
    core = rig.core
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT)
    await core.confirm_disconnect_item(LANE)
    rig.hang(*LANE)
    await until(lambda: seq.step is Step.SETTLE)
    result = await core.settle_cash(LANE, 5000)
    await core.farewell(LANE)
    assert core.lane(LANE).sequence is None  # the lane is free at once, whatever the pad does
    return result.fill.id


def ratings(rig: SimulatedForecourt) -> list[ServiceRating]:
    with rig.core.ledger._read() as session:
        return list(session.scalars(select(ServiceRating).order_by(ServiceRating.id)))


async def test_the_driver_presses_a_key_and_the_sale_is_rated(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    assert rig.rating_sim is not None
    fill_id = await cash_fill_to_farewell(rig)
    await until(lambda: rig.rating_sim is not None and rig.rating_sim.asked is not None)
    assert rig.rating_sim.press(4)
    await until(lambda: len(ratings(rig)) == 1)
    row = ratings(rig)[0]
    attendant = rig.core.ledger.authenticate("1001", "1234")
    assert (row.fill_id, row.attendant_id, row.lane, row.score) == (fill_id, attendant.id, "1/1", 4)
    assert row.answered_at is not None and row.answered_at >= row.asked_at


async def test_the_next_car_withdraws_an_unanswered_question_recorded_as_skipped(
    forecourt: SimulatedForecourt,
) -> None:
    rig = forecourt
    assert rig.rating_sim is not None
    first = await cash_fill_to_farewell(rig)
    await until(lambda: rig.rating_sim is not None and rig.rating_sim.asked is not None)
    first_question = rig.rating_sim.asked
    second = await cash_fill_to_farewell(rig)  # nobody pressed: the first driver drove off
    await until(lambda: rig.rating_sim is not None and rig.rating_sim.asked not in (None, first_question))
    assert rig.rating_sim.press(5)
    await until(lambda: len(ratings(rig)) == 2)
    skipped, rated = ratings(rig)
    assert (skipped.fill_id, skipped.score, skipped.answered_at) == (first, None, None)
    assert (rated.fill_id, rated.score) == (second, 5)


async def test_no_pad_asks_nobody_and_records_nothing(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    await rig.core.rating_pad.stop()
    rig.core.rating_pad = NullRatingPad()
    await cash_fill_to_farewell(rig)
    assert rig.rating_sim is not None and rig.rating_sim.asked is None
    assert ratings(rig) == []


def test_satisfaction_per_attendant_by_the_integer_mean(ledger: Ledger, clock: FakeClock) -> None:
    manager, attendant = staff(ledger, shift=True)
    asked = clock.now
    scores = {manager: [5, 4, 4], attendant: [5, 3, None, 1]}  # None: nobody pressed
    number = 0
    for actor, keys in scores.items():
        for score in keys:
            number += 1
            fill = ledger.record_fill(record(number, 1000), attendant=actor)
            ledger.record_rating(
                fill_id=fill.id,
                attendant_id=actor.id,
                lane="1/1",
                asked_at=asked,
                score=score,
                answered_at=asked + dt.timedelta(seconds=3) if score else None,
            )
    # a second record of the same sale changes nothing
    again = ledger.record_rating(
        fill_id=fill.id, attendant_id=attendant.id, lane="1/1", asked_at=asked, score=5, answered_at=asked
    )
    assert again == ledger.record_rating(
        fill_id=fill.id, attendant_id=attendant.id, lane="1/1", asked_at=asked, score=2, answered_at=asked
    )
    for bad in (0, 6):
        with pytest.raises(InvalidInput):
            ledger.record_rating(
                fill_id=None, attendant_id=None, lane="1/1", asked_at=asked, score=bad, answered_at=asked
            )
    got = {s.attendant_id: s for s in ledger.satisfaction(asked - dt.timedelta(hours=1), asked + dt.timedelta(1))}
    m, a = got[manager.id], got[attendant.id]
    # by hand: (5 + 4 + 4) / 3 = 4.333… → 4.33; (5 + 3 + 1) / 3 = 3.00, one skipped, two fair or worse
    assert (m.asked, m.answered, m.mean_centi, m.skipped, m.fair_or_worse) == (3, 3, 433, 0, 0)
    assert (a.asked, a.answered, a.mean_centi, a.skipped, a.fair_or_worse) == (4, 3, 300, 1, 2)
