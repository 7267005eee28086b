"""Both adapters against the payment simulator over real HTTP on loopback, signed with generated test keys."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from station.payments.alipay import Alipay
from station.payments.provider import PaymentProvider, PayRequest, PayResult, PayState, ProviderUnavailable
from station.payments.signing import create_key
from station.payments.simulator import PaymentSimulator
from station.payments.wechat import WeChatPay

CODES = {"wechat": "134567890123456789", "alipay": "2845678901234567"}


def adapter(
    name: str, sim: PaymentSimulator, key_file: Path, timeout_s: float = 5.0, platform: rsa.RSAPublicKey | None = None
) -> PaymentProvider:
    """An adapter that signs with ``key_file`` and trusts only replies signed by the simulator's platform key."""
    key, trusted = create_key(key_file), platform or sim.platform_key.public_key()
    if name == "wechat":
        return WeChatPay(
            sim.url,
            mchid=sim.mchid,
            appid=sim.appid,
            serial_no="SIM01",
            key=key,
            timeout_s=timeout_s,
            platform_key=trusted,
        )
    return Alipay(f"{sim.url}/gateway.do", app_id=sim.alipay_app_id, key=key, timeout_s=timeout_s, platform_key=trusted)


@pytest.fixture(params=["wechat", "alipay"])
async def provider(request: pytest.FixtureRequest, sim: PaymentSimulator, keys: Path) -> AsyncIterator[PaymentProvider]:
    name = request.param
    made = adapter(name, sim, keys / ("wechat_merchant.pem" if name == "wechat" else "alipay_app.pem"))
    yield made
    await made.aclose()


def fault(sim: PaymentSimulator, kind: str, seconds: float = 0.0) -> None:
    httpx.post(f"{sim.url}/control", json={"fault": kind, "seconds": seconds}).raise_for_status()


def order(provider: PaymentProvider, order_no: str = "ST01-42-1", amount_fen: int = 15_23) -> PayRequest:
    return PayRequest(order_no, CODES[provider.name], amount_fen, "CNG 加气 3.38kg")


async def settled(provider: PaymentProvider, order_no: str) -> PayResult:
    """Query as the core does until the driver has decided (bounded: the simulator decides within a second)."""
    for _ in range(100):
        result = await provider.query(order_no)
        if result.state is not PayState.USER_PAYING:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("still user paying")


async def test_pay_then_query_finds_the_same_payment(provider: PaymentProvider) -> None:
    paid = await provider.pay(order(provider))
    assert paid.state is PayState.PAID and paid.amount_fen == 15_23 and paid.provider_txn_id
    found = await provider.query("ST01-42-1")
    assert (found.state, found.provider_txn_id, found.amount_fen) == (PayState.PAID, paid.provider_txn_id, 15_23)
    again = await provider.pay(order(provider))  # the same order number: the same payment, not a second one
    assert again.provider_txn_id == paid.provider_txn_id


async def test_user_paying_then_paid_on_query(provider: PaymentProvider, sim: PaymentSimulator) -> None:
    fault(sim, "user_paying", 0.3)
    assert (await provider.pay(order(provider))).state is PayState.USER_PAYING
    done = await settled(provider, "ST01-42-1")
    assert done.state is PayState.PAID and done.amount_fen == 15_23


async def test_decline_takes_nothing(provider: PaymentProvider, sim: PaymentSimulator) -> None:
    fault(sim, "decline")
    declined = await provider.pay(order(provider))
    assert declined.state is PayState.FAILED and declined.message
    assert (await provider.query("ST01-42-1")).state in (PayState.FAILED, PayState.NOT_PAID)


async def test_user_paying_reversed_is_never_paid(provider: PaymentProvider, sim: PaymentSimulator) -> None:
    fault(sim, "user_paying", 3600)
    assert (await provider.pay(order(provider))).state is PayState.USER_PAYING
    assert (await provider.reverse("ST01-42-1")).state is PayState.REVERSED
    assert (await provider.query("ST01-42-1")).state in (PayState.REVERSED, PayState.NOT_PAID)


async def test_lost_reply_is_unavailable_and_the_query_finds_the_money(
    provider: PaymentProvider, sim: PaymentSimulator
) -> None:
    fault(sim, "lose_reply")
    with pytest.raises(ProviderUnavailable):
        await provider.pay(order(provider))
    assert (await provider.query("ST01-42-1")).state is PayState.PAID
    assert (await provider.reverse("ST01-42-1")).state is PayState.REVERSED  # 撤销 gives a paid order back


@pytest.mark.parametrize("name", ["wechat", "alipay"])
async def test_no_answer_is_unavailable_and_nothing_was_taken(name: str, sim: PaymentSimulator, keys: Path) -> None:
    slow = adapter(name, sim, keys / ("wechat_merchant.pem" if name == "wechat" else "alipay_app.pem"), 0.3)
    try:
        fault(sim, "timeout", 2.0)
        with pytest.raises(ProviderUnavailable):
            await slow.pay(order(slow))
        assert (await slow.query("ST01-42-1")).state is PayState.UNKNOWN_ORDER
        assert (await slow.reverse("ST01-42-1")).state is PayState.UNKNOWN_ORDER
    finally:
        await slow.aclose()


async def test_refund_at_most_the_total_and_once_per_number(provider: PaymentProvider) -> None:
    assert (await provider.pay(order(provider))).state is PayState.PAID
    assert (await provider.refund("ST01-42-1", "ST01-42-1-R1", 10_00, 15_23)).done
    assert (await provider.refund("ST01-42-1", "ST01-42-1-R1", 10_00, 15_23)).done  # asked again: same refund
    too_much = await provider.refund("ST01-42-1", "ST01-42-1-R2", 6_00, 15_23)
    assert not too_much.done and too_much.message
    assert (await provider.query("ST01-42-1")).state is PayState.PAID  # a refund does not undo the sale


@pytest.mark.parametrize("name", ["wechat", "alipay"])
async def test_a_request_signed_with_another_key_is_refused(name: str, sim: PaymentSimulator, tmp_path: Path) -> None:
    stranger = adapter(name, sim, tmp_path / "not_the_registered_key.pem")
    try:
        refused = await stranger.pay(order(stranger))
        assert refused.state is PayState.FAILED
        assert "SIGN" in refused.message.upper()
        assert sim.books.snapshot() == []  # nothing taken
    finally:
        await stranger.aclose()


async def test_a_code_of_the_other_provider_is_refused(provider: PaymentProvider) -> None:
    other = "alipay" if provider.name == "wechat" else "wechat"
    refused = await provider.pay(PayRequest("ST01-42-1", CODES[other], 15_23, "CNG"))
    assert refused.state is PayState.FAILED and "AUTH_CODE" in refused.message


@pytest.mark.parametrize("name", ["wechat", "alipay"])
async def test_a_reply_not_signed_by_the_platform_is_no_answer(name: str, sim: PaymentSimulator, keys: Path) -> None:
    """A "paid" from anyone but the provider is never believed: the outcome stays unknown until a signed query."""
    own_key = keys / ("wechat_merchant.pem" if name == "wechat" else "alipay_app.pem")
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    fooled, honest = adapter(name, sim, own_key, platform=impostor), adapter(name, sim, own_key)
    try:
        with pytest.raises(ProviderUnavailable, match="signed"):
            await fooled.pay(order(fooled))
        assert (await honest.query("ST01-42-1")).state is PayState.PAID
    finally:
        await fooled.aclose()
        await honest.aclose()
