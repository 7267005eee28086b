"""F9 while the dispenser link is lost: the attendant is told the stop did not get through, and again when it
did, once the link was back (docs/protocols/dispenser.md §2.1: the owed STOP is repeated until answered)."""

from __future__ import annotations

from station.core.station import Notice
from station.simrig import SimulatedForecourt
from tests.conftest import until


async def test_an_estop_cut_off_by_the_link_is_delivered_when_it_is_back(forecourt: SimulatedForecourt) -> None:
    core, bus, sim = forecourt.core, forecourt.bus, forecourt.dispensers
    notices: list[Notice] = []
    core.subscribe(lambda e: notices.append(e) if isinstance(e, Notice) else None)
    await sim.disconnect(1.0)
    await until(lambda: not bus.connected)
    await core.emergency_stop(None)
    assert sorted(n.params["lane"] for n in notices if n.key == "estop.failed_link") == ["1/*", "2/*"]
    assert sorted(bus.stops_owed) == [(1, 0), (2, 0)]
    await until(lambda: sorted(n.params["lane"] for n in notices if n.key == "estop.done") == ["1/*", "2/*"])
    assert bus.stops_owed == []
