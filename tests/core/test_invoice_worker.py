"""The invoicing worker against the platform simulator over HTTP, and resumed after a restart: a new Ledger on
the same database issues each pending request exactly once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from station.config import Settings
from station.core.invoice_worker import InvoiceWorker
from station.invoicing.provider import HttpInvoicingProvider
from station.invoicing.simulator import InvoicingSimulator
from station.ledger.db import make_engine
from station.ledger.invoice_views import Buyer
from station.ledger.services import Ledger
from tests.conftest import FakeClock
from tests.ledger.helpers import record, staff

KEY = bytes(range(32))
COMPANY = Buyer("东营市运输有限公司", "91350100M000100Y43", "fapiao@example.cn")


@pytest.fixture
def platform() -> Iterator[InvoicingSimulator]:
    sim = InvoicingSimulator(KEY)
    sim.start()
    yield sim
    sim.stop()


def worker(ledger: Ledger, sim: InvoicingSimulator) -> InvoiceWorker:
    return InvoiceWorker(ledger, ledger.settings, HttpInvoicingProvider(sim.url, "station-test", KEY, 5.0))


def sale_with_request(ledger: Ledger, txn: int) -> int:
    attendant = ledger.authenticate("1001", "1234")
    fill = ledger.record_fill(record(txn, 1000 + txn), attendant=attendant)
    sale = ledger.settle_cash(attendant, fill.id, fill.amount_fen)
    ledger.request_invoice(attendant, sale.receipt_no, fill.amount_fen, COMPANY)
    return sale.receipt_no


async def test_issue_refuse_and_reverse_through_the_worker(ledger: Ledger, platform: InvoicingSimulator) -> None:
    manager, _ = staff(ledger, shift=True)
    first = sale_with_request(ledger, 1)
    platform.control(fault="reject", reason="购买方名称与税号不符")
    run = worker(ledger, platform)
    assert await run.run_once() == 1
    failed = ledger.invoice(first)
    assert (failed.state, failed.reason) == ("failed", "购买方名称与税号不符")
    ledger.resubmit_invoice(ledger.authenticate("1001", "1234"), first, COMPANY)
    assert await run.run_once() == 1
    issued = ledger.invoice(first)
    assert issued.state == "issued" and issued.provider_invoice_no
    ledger.request_reversal(manager, first, "开错抬头")
    assert await run.run_once() == 1
    reversed_ = ledger.invoice(first)
    assert reversed_.state == "reversed" and reversed_.red_invoice_no
    assert platform.state.invoices[issued.request_no].red_invoice_no == reversed_.red_invoice_no
    assert await run.run_once() == 0  # nothing left to send


async def test_the_worker_resumes_after_a_restart_and_issues_once(
    ledger: Ledger, db_url: str, station_settings: Settings, clock: FakeClock, platform: InvoicingSimulator
) -> None:
    staff(ledger, shift=True)
    while_down, reply_lost = sale_with_request(ledger, 1), sale_with_request(ledger, 2)
    before = worker(ledger, platform)
    platform.control(fault="down")
    (due_first, due_second) = ledger.invoices_due()
    await before._send_or_wait(due_first)
    platform.control(fault="none")
    platform.control(fault="lose_reply")
    await before._send_or_wait(due_second)  # issued on the platform, the answer lost
    assert [ledger.invoice(n).state for n in (while_down, reply_lost)] == ["requested", "requested"]
    assert len(platform.state.invoices) == 1
    assert ledger.invoices_due() == []  # each waits for its next try

    # Restart: a new Ledger on the same database, a new worker; the time of the next try has come.
    engine = make_engine(db_url)
    try:
        after = Ledger(engine, station_settings, b"k" * 32, clock=clock)
        clock.advance(3600)
        assert await worker(after, platform).run_once() == 2
        assert await worker(after, platform).run_once() == 0
        views = [after.invoice(n) for n in (while_down, reply_lost)]
        assert [v.state for v in views] == ["issued", "issued"]
        on_platform = {r: inv.invoice_no for r, inv in platform.state.invoices.items()}
        assert on_platform == {v.request_no: v.provider_invoice_no for v in views}  # one invoice each
    finally:
        engine.dispose()
