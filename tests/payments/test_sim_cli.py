"""``station sim payments`` as a process: the base URL on line 1, the key folder on line 2 (keys owner-only, the
platform's public halves beside them), a fault on its control endpoint, signed payments both ways, SIGTERM ends it."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import httpx

from station.payments.alipay import Alipay
from station.payments.provider import PayRequest, PayState
from station.payments.signing import load_private_key, load_public_key
from station.payments.wechat import WeChatPay

RUNNER = """
import argparse, sys
from station.cli.sim import register_payments
parser = argparse.ArgumentParser()
sub = parser.add_subparsers(dest="sim_command", required=True)
register_payments(sub)
args = parser.parse_args(sys.argv[1:])
sys.exit(args.handler(args))
"""


async def test_sim_payments_process(tmp_path: Path) -> None:
    keys = tmp_path / "payment-keys"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUNNER, "payments", "--key-dir", str(keys), stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    try:
        url = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        assert (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip() == str(keys)
        for private in ("wechat_merchant.pem", "alipay_app.pem", "sim_platform.pem"):
            assert (keys / private).stat().st_mode & 0o077 == 0
        wechat = WeChatPay(
            url,
            mchid="1900000109",
            appid="wxsimstation",
            serial_no="SIM01",
            key=load_private_key(keys / "wechat_merchant.pem"),
            platform_key=load_public_key(keys / "wechat_platform_public.pem"),
        )
        alipay = Alipay(
            f"{url}/gateway.do",
            app_id="2021000000000001",
            key=load_private_key(keys / "alipay_app.pem"),
            platform_key=load_public_key(keys / "alipay_public.pem"),
        )
        try:
            async with httpx.AsyncClient() as client:
                (await client.post(f"{url}/control", json={"fault": "decline"})).raise_for_status()
            declined = await wechat.pay(PayRequest("ST01-1-1", "134567890123456789", 15_23, "CNG"))
            assert declined.state is PayState.FAILED
            paid = await alipay.pay(PayRequest("ST01-2-1", "2845678901234567", 88_88, "CNG"))
            assert (paid.state, paid.amount_fen) == (PayState.PAID, 88_88)
            async with httpx.AsyncClient() as client:
                orders = (await client.get(f"{url}/control")).json()["orders"]
            assert sorted((o["order_no"], o["state"]) for o in orders) == [
                ("ST01-1-1", "declined"),
                ("ST01-2-1", "paid"),
            ]
        finally:
            await wechat.aclose()
            await alipay.aclose()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
