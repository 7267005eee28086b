"""The payment simulator on loopback with the station's test keys, generated per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from station.payments.signing import create_key
from station.payments.simulator import PaymentSimulator


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    create_key(tmp_path / "wechat_merchant.pem")
    create_key(tmp_path / "alipay_app.pem")
    return tmp_path


@pytest.fixture
def sim(keys: Path) -> Iterator[PaymentSimulator]:
    server = PaymentSimulator(
        wechat_key=create_key(keys / "wechat_merchant.pem").public_key(),
        alipay_key=create_key(keys / "alipay_app.pem").public_key(),
    )
    server.start()
    yield server
    server.stop()
