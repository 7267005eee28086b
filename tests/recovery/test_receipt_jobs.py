"""A kill between the sale's commit and the printer spool loses no receipt (finding 7)."""

from __future__ import annotations

import asyncio

from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.devices.printer_sim import decode_escpos_text
from station.ledger.services import Ledger
from station.simrig import SimulatedForecourt
from tests.conftest import until
from tests.core.test_core_fill import LANE, walk_to_authorize
from tests.ledger.helpers import record, staff
from tests.recovery.restart import restart


def test_each_sale_writes_its_numbered_receipt_job_in_its_own_transaction(ledger: Ledger) -> None:
    _manager, attendant = staff(ledger)
    first = ledger.settle_cash(attendant, ledger.record_fill(record(1, 1000), attendant=attendant).id, 5000)
    second = ledger.settle_cash(attendant, ledger.record_fill(record(2, 500), attendant=attendant).id, 5000)
    jobs = ledger.unspooled_receipts()
    assert [(j.fill.id, j.receipt_no) for j in jobs] == [
        (first.fill.id, first.receipt_no),
        (second.fill.id, second.receipt_no),
    ]
    assert second.receipt_no == first.receipt_no + 1
    assert jobs[0].detail == {"tendered_fen": 5000, "change_fen": 5000 - first.due_fen}
    ledger.mark_receipt_spooled(first.receipt_no)
    assert [j.receipt_no for j in ledger.unspooled_receipts()] == [second.receipt_no]


async def test_receipt_of_a_sale_killed_before_the_spool_prints_after_restart(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1500))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT)
    fill = core.lane(LANE).unpaid[0]
    # The terminal dies right after the sale commits: the ledger call runs, the core never reaches the spool.
    sale = core.ledger.settle_cash(core._need_actor(), fill.id, 2000)
    assert not rig.receipts_file.exists() or f"{sale.receipt_no:08d}" not in decode_escpos_text(
        rig.receipts_file.read_bytes()
    )
    new = await restart(rig)
    await asyncio.sleep(0)  # the print drain starts with the committed, unspooled receipts
    await until(
        lambda: (
            rig.receipts_file.exists()
            and f"{sale.receipt_no:08d}" in decode_escpos_text(rig.receipts_file.read_bytes())
        )
    )
    await until(lambda: not new.ledger.unspooled_receipts())
