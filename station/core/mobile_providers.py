"""The payment providers the configuration names, built when the station starts (not at import: the adapters
bring httpx and cryptography, which ``station --help`` must not wait for)."""

from __future__ import annotations

from pathlib import Path

from station.config import Payments, Settings
from station.core.mobile_pay import MobilePay
from station.ledger.services import Ledger
from station.payments.provider import PaymentProvider


def providers_from_config(config: Payments | None) -> dict[str, PaymentProvider]:
    """By name ("wechat", "alipay"); empty when the ``[payments]`` section is absent (mobile payment off)."""
    if config is None:
        return {}
    from station.payments.signing import load_private_key, load_public_key

    providers: dict[str, PaymentProvider] = {}
    if config.wechat_url:
        from station.payments.wechat import WeChatPay

        providers["wechat"] = WeChatPay(
            config.wechat_url,
            mchid=config.wechat_mchid,
            appid=config.wechat_appid,
            serial_no=config.wechat_serial_no,
            key=load_private_key(Path(config.wechat_key_file)),
            timeout_s=config.timeout_seconds,
            platform_key=load_public_key(Path(config.wechat_platform_key_file))
            if config.wechat_platform_key_file
            else None,
        )
    if config.alipay_url:
        from station.payments.alipay import Alipay

        providers["alipay"] = Alipay(
            config.alipay_url,
            app_id=config.alipay_app_id,
            key=load_private_key(Path(config.alipay_key_file)),
            timeout_s=config.timeout_seconds,
            platform_key=load_public_key(Path(config.alipay_public_key_file))
            if config.alipay_public_key_file
            else None,
        )
    return providers


def mobile_pay_for(ledger: Ledger, settings: Settings) -> MobilePay | None:
    """The station's scan-to-pay service, or None when ``[payments]`` is absent."""
    config = settings.payments
    if config is None:
        return None
    return MobilePay(
        ledger,
        providers_from_config(config),
        poll_seconds=config.poll_seconds,
        window_seconds=config.window_seconds,
    )
