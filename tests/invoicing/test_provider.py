"""The httpx adapter against the platform simulator over real HTTP on loopback: issue, refuse, faults, red."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from station.invoicing.provider import HttpInvoicingProvider, IssueRequest, ProviderUnavailable
from station.invoicing.simulator import InvoicingSimulator
from station.ledger.vat import split_tax

KEY = bytes(range(32))


@pytest.fixture
def platform() -> Iterator[InvoicingSimulator]:
    sim = InvoicingSimulator(KEY)
    sim.start()
    yield sim
    sim.stop()


def adapter(sim: InvoicingSimulator, key: bytes = KEY, timeout: float = 5.0) -> HttpInvoicingProvider:
    return HttpInvoicingProvider(sim.url, "station-test", key, timeout)


def request(request_no: str, amount_fen: int = 6854) -> IssueRequest:
    tax = split_tax(amount_fen, 900)
    return IssueRequest(
        request_no=request_no,
        station_code="DY-0001",
        receipt_no=1,
        seller_tax_no="91370500MA3C000000",
        buyer_name="东营市运输有限公司",
        buyer_tax_no="91350100M000100Y43",
        buyer_email="",
        goods_name="*燃气*压缩天然气",
        tax_code="1020102000000000000",
        rate_centi_percent=900,
        amount_fen=amount_fen,
        net_fen=tax.net_fen,
        tax_fen=tax.tax_fen,
    )


async def test_issue_is_idempotent_by_request_number(platform: InvoicingSimulator) -> None:
    provider = adapter(platform)
    first = await provider.issue(request("R-1"))
    assert first.state == "issued" and len(first.invoice_no) == 20
    assert await provider.issue(request("R-1")) == first
    assert (await provider.query("R-1")).invoice_no == first.invoice_no
    assert (await provider.query("R-2")).state == "unknown"
    assert list(platform.state.invoices) == ["R-1"]
    body = platform.state.invoices["R-1"].body
    assert body["total_fen"] == 6854 and body["items"][0]["tax_fen"] == 566


async def test_a_wrong_signature_is_refused(platform: InvoicingSimulator) -> None:
    with pytest.raises(ProviderUnavailable, match="401"):
        await adapter(platform, key=b"x" * 32).issue(request("R-1"))
    assert platform.state.invoices == {}


async def test_rejected_with_the_platforms_reason(platform: InvoicingSimulator) -> None:
    platform.control(fault="reject", reason="购买方名称与税号不符")
    provider = adapter(platform)
    result = await provider.issue(request("R-1"))
    assert (result.state, result.message) == ("rejected", "购买方名称与税号不符")
    assert (await provider.query("R-1")).state == "rejected"
    assert (await provider.issue(request("R-2"))).state == "issued"  # the fault was for one request


async def test_down_then_up(platform: InvoicingSimulator) -> None:
    platform.control(fault="down")
    provider = adapter(platform)
    with pytest.raises(ProviderUnavailable, match="503"):
        await provider.issue(request("R-1"))
    platform.control(fault="none")
    assert (await provider.issue(request("R-1"))).state == "issued"


async def test_reply_lost_then_query_finds_the_one_invoice(platform: InvoicingSimulator) -> None:
    platform.control(fault="lose_reply")
    provider = adapter(platform)
    with pytest.raises(ProviderUnavailable):
        await provider.issue(request("R-1"))
    found = await provider.query("R-1")
    assert found.state == "issued"
    assert (await provider.issue(request("R-1"))).invoice_no == found.invoice_no
    assert len(platform.state.invoices) == 1


async def test_slow_platform_times_out_and_a_retry_issues_once(platform: InvoicingSimulator) -> None:
    platform.control(fault="slow", seconds=1.5)
    with pytest.raises(ProviderUnavailable):
        await adapter(platform, timeout=0.3).issue(request("R-1"))
    platform.control(fault="none")
    retried = await adapter(platform).issue(request("R-1"))
    assert retried.state == "issued"
    # The slow call may still land after the retry: by its request number it changes nothing.
    again = await adapter(platform).issue(request("R-1"))
    assert again.invoice_no == retried.invoice_no and len(platform.state.invoices) == 1


async def test_red_letter_reversal(platform: InvoicingSimulator) -> None:
    provider = adapter(platform)
    issued = await provider.issue(request("R-1"))
    red = await provider.reverse("R-1", issued.invoice_no, "开错抬头")
    assert red.red_invoice_no and red.red_invoice_no != issued.invoice_no
    assert (await provider.reverse("R-1", issued.invoice_no, "开错抬头")) == red  # asked again: the same one
    with pytest.raises(ProviderUnavailable, match="not done"):
        await provider.reverse("R-9", issued.invoice_no, "无此发票")
