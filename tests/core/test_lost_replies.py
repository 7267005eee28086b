"""Lost replies, lost acknowledgements and a full disk, against the real dispenser simulator over TCP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import StationCore
from station.devices.dispenser_protocol import Command, Frame, NozzleState
from station.ledger.models import Fill
from station.simrig import SimulatedForecourt
from tests.conftest import until
from tests.core.test_core_fill import LANE, walk_to_authorize


@pytest.fixture
def fast_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unacknowledged-list sweep every 0.1 s instead of every few seconds (set before the core starts)."""
    monkeypatch.setattr(StationCore, "sweep_interval", 0.1, raising=False)


class LostOnTheWire:
    """Frames of the named commands vanish on the wire: ``requests`` never reach the dispenser, ``replies``
    are lost after the dispenser acted on the request. The simulator itself is unchanged."""

    def __init__(self, rig: SimulatedForecourt, monkeypatch: pytest.MonkeyPatch) -> None:
        self.requests: set[int] = set()
        self.replies: set[int] = set()
        sim = rig.dispensers
        answer: Callable[[Frame], Awaitable[bytes | None]] = sim._answer

        async def lossy(frame: Frame) -> bytes | None:
            if frame.command in self.requests:
                return None
            out = await answer(frame)
            return None if frame.command in self.replies else out

        monkeypatch.setattr(sim, "_answer", lossy)


async def test_lost_ack_is_sent_again_while_running(
    fast_sweep: None, forecourt: SimulatedForecourt, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig, core = forecourt, forecourt.core
    wire = LostOnTheWire(rig, monkeypatch)
    wire.requests.add(Command.ACK_TRANSACTION)  # every acknowledgement (and retry) is lost
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1500))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT)
    assert rig.dispensers.dispensers[1].unacked()  # recorded, but the dispenser never heard the ACK
    fill = core.lane(LANE).unpaid[0]
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    await core.settle_cash(LANE, 2000)
    await core.farewell(LANE)
    wire.requests.clear()  # the line is good again: no restart
    await until(lambda: not rig.dispensers.dispensers[1].unacked())
    # the same nozzle takes the next car
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))
    await until(
        lambda: (
            rig.dispensers.state_of(*LANE) in (NozzleState.AUTHORIZED, NozzleState.FILLING)
            or len(rig.dispensers.transactions(1)) == 2
        )
    )
    # recorded once: acknowledging it again did not make a second fill
    assert fills_of(core, fill.transaction_number) == 1


def fills_of(core: StationCore, number: int) -> int:
    with Session(core.ledger.engine) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Fill)
                .where(Fill.dispenser == LANE[0], Fill.transaction_number == number)
            )
            or 0
        )
