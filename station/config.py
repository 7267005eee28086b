"""Station settings: ``config/station.toml`` loaded into typed, validated values.

Money is written as quoted yuan ("4.50") and converted to integer fen here; pressures as quoted MPa and
converted to integer 0.01 MPa. A wrong value raises :class:`ConfigError` naming the key, what was expected
and the file.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from station.gas import COMPONENTS
from station.money import MoneyFormatError, parse_decimal_units, parse_yuan

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "station.toml"

# China Standard Time (UTC+8, no daylight saving): business days and every time on paper are in it.
STATION_TZ = dt.timezone(dt.timedelta(hours=8), "CST")


class ConfigError(Exception):
    """The configuration file is missing or holds a wrong value."""


def _yuan_to_fen(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('expected yuan as quoted text, e.g. "4.50"')
    try:
        return parse_yuan(str(value), allow_zero=True)
    except MoneyFormatError as exc:
        raise ValueError(f'expected yuan as quoted text with at most two decimals, e.g. "4.50" ({exc})') from exc


def _mpa_to_centi(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('expected MPa as quoted text, e.g. "20.0"')
    try:
        return parse_decimal_units(str(value), places=2, maximum=10_000)
    except MoneyFormatError as exc:
        raise ValueError(f'expected MPa as quoted text with at most two decimals, e.g. "20.0" ({exc})') from exc


def _units_to_centi(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('expected a quantity as quoted text, e.g. "0.05"')
    try:
        return parse_decimal_units(str(value), places=2)
    except MoneyFormatError as exc:
        raise ValueError(f"expected a quantity with at most two decimals ({exc})") from exc


Fen = Annotated[int, BeforeValidator(_yuan_to_fen)]
CentiMPa = Annotated[int, BeforeValidator(_mpa_to_centi)]
CentiUnits = Annotated[int, BeforeValidator(_units_to_centi)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StationInfo(_Strict):
    name: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=20)
    language: Literal["zh", "en"] = "zh"
    # Receipts go to drivers: they print in this language whatever language the attendant's screen is in.
    receipt_language: Literal["zh", "en"] = "zh"
    sale_unit: Literal["kg", "Nm3"] = "kg"
    timezone: str = "Asia/Shanghai"  # receipts and reports show the station's local time

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}, e.g. Asia/Shanghai") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Product(_Strict):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class PriceLevel(_Strict):
    level: int = Field(ge=0, le=9)
    name: str
    name_en: str


class Price(_Strict):
    product: str
    level: int = Field(ge=0, le=9)
    unit_price: Fen = Field(gt=0, le=100_000)


class Thresholds(_Strict):
    low_balance_reminder: Fen
    minimum_card_balance: Fen
    cash_drop_limit: Fen = Field(gt=0)
    pin_tries: int = Field(ge=1, le=10)
    fill_pressure_limit_mpa: CentiMPa = Field(gt=0, le=3000)
    minimum_residual_pressure_mpa: CentiMPa = Field(ge=0, le=3000)
    totalizer_tolerance: CentiUnits = Field(ge=0)
    adjustment_approval_limit: Fen = Field(gt=0)
    replacement_card_fee: Fen = Field(ge=0)
    amount_mismatch_fen: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _residual_below_limit(self) -> Thresholds:
        if self.minimum_residual_pressure_mpa >= self.fill_pressure_limit_mpa:
            raise ValueError("minimum_residual_pressure_mpa must be below fill_pressure_limit_mpa")
        return self


class Timers(_Strict):
    engine_off_to_flow_seconds: int = Field(gt=0, le=3600)
    fill_end_to_commit_seconds: int = Field(gt=0, le=3600)
    amber_fraction_percent: int = Field(gt=0, lt=100)


class Service(_Strict):
    """Service standards (seed 000): a complaint answered within 48 hours of its receipt."""

    complaint_answer_hours: int = Field(default=48, gt=0, le=24 * 30)
    # Callbacks (回访, seed 000 and seed 003 §7–8): each day a sample of the card sales of the last few days
    # (seed 003: the previous three to five), balanced across the attendants, called back within 48 hours.
    callbacks_per_day: int = Field(default=10, ge=1, le=500)
    callback_lookback_days: int = Field(default=3, ge=1, le=31)
    callback_hours: int = Field(default=48, gt=0, le=24 * 30)
    callback_low_score: int = Field(default=6, ge=1, le=10)  # a score at or below this is followed up


class NozzleConfig(_Strict):
    dispenser: int = Field(ge=1, le=247)
    nozzle: int = Field(ge=1, le=8)
    product: str


DISPLAY_BAUDS = (1200, 2400, 4800, 9600, 19200)


class Devices(_Strict):
    dispenser_port: str = ""
    dispenser_baud: int = Field(default=9600, gt=0)
    reader_port: str = ""
    printer: Literal["file", "serial", "network", "usb", "none"] = "file"
    printer_target: str = "receipts.bin"
    printer_encoding: str = "gb18030"
    customer_display: str = ""  # the pole display's port (pyserial URL); empty: no display
    customer_display_baud: int = 2400
    rating_pad: str = ""  # the rating pad's (服务评价器) port (pyserial URL); empty: no pad, ratings skipped
    rating_pad_baud: int = Field(default=9600, gt=0)
    rating_pad_wait_s: int = Field(default=20, gt=0, le=300)  # how long a question stays lit at farewell
    # A serial barcode scanner (扫码枪, pyserial URL): payment codes and receipt QRs; empty: a USB scanner (it
    # types like a keyboard) or typing.
    code_scanner: str = ""
    code_scanner_baud: int = Field(default=9600, gt=0)

    @field_validator("customer_display_baud")
    @classmethod
    def _display_baud(cls, value: int) -> int:
        # The rates these displays can be set to; most are delivered at 2400. Any other is a typo.
        if value not in DISPLAY_BAUDS:
            rates = ", ".join(str(rate) for rate in DISPLAY_BAUDS)
            raise ValueError(f"expected the customer display's baud rate, one of {rates} (most are delivered at 2400)")
        return value


def _percent_to_centi(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('expected a percentage as quoted text, e.g. "1.0"')
    try:
        return parse_decimal_units(str(value), places=2, maximum=100_00)
    except MoneyFormatError as exc:
        raise ValueError(f'expected a percentage 0..100 with at most two decimals, e.g. "1.0" ({exc})') from exc


CentiPercent = Annotated[int, BeforeValidator(_percent_to_centi)]


class Unloading(_Strict):
    """The unloading post (卸气柱) and its log: tolerances in 0.01 %, volumes in litres."""

    declared_tolerance_percent: CentiPercent = 100  # received vs the delivery note: over this is flagged
    stock_tolerance_percent: CentiPercent = 50  # book vs measured stock, as a share of throughput
    default_water_volume_l: int = Field(default=18_000, gt=0, le=100_000)
    post_address: int = Field(default=0, ge=0, le=247)  # bus address of the unloading post; 0: none
    product: str = "CNG"


def _default_composition() -> dict[str, str]:
    # ISO 12213-2 Annex C test gas 1: a typical pipeline natural gas
    return {
        "methane": "0.9650",
        "ethane": "0.0180",
        "propane": "0.0045",
        "isobutane": "0.0010",
        "n_butane": "0.0010",
        "isopentane": "0.0005",
        "n_pentane": "0.0003",
        "hexane": "0.0007",
        "nitrogen": "0.0030",
        "carbon_dioxide": "0.0060",
    }


class Gas(_Strict):
    """Gas composition as mole fractions (quoted text) for the AGA8 DETAIL equation of state."""

    composition: dict[str, str] = Field(default_factory=_default_composition)

    @model_validator(mode="after")
    def _fractions(self) -> Gas:
        total = Decimal(0)
        for name, text in self.composition.items():
            if name not in COMPONENTS:
                raise ValueError(f"composition: unknown component {name!r}")
            try:
                value = Decimal(text)
            except InvalidOperation as exc:
                raise ValueError(f"composition.{name}: expected a mole fraction as quoted text") from exc
            if not value.is_finite() or not 0 <= value <= 1:
                raise ValueError(f"composition.{name}: a mole fraction is between 0 and 1")
            total += value
        if abs(total - 1) > Decimal("0.0001"):
            raise ValueError(f"composition: mole fractions sum to {total}, not 1")
        return self


# 天然气 in the State Taxation Administration's goods and services tax classification table (商品和服务税收分类编码);
# a station's tax office may assign another (e.g. for CNG as a vehicle fuel): set tax_code in [invoices].
NATURAL_GAS_TAX_CODE = "1020102000000000000"


class Invoices(_Strict):
    """Digital invoices (数电发票): the QR on each receipt, the tax figures, and the invoicing provider."""

    request_url: str = "https://fapiao.example.cn/r"  # the QR's link: the driver's invoice request page
    # A prepaid card is invoiced once: at its recharge, or at each fill it pays for (company policy).
    prepaid: Literal["recharge", "consumption"] = "recharge"
    vat_rate_percent: CentiPercent = 900  # natural gas: 9 % VAT (0.01 % units)
    tax_code: str = Field(default=NATURAL_GAS_TAX_CODE, pattern=r"^[0-9]{19}$")
    goods_name: str = Field(default="*燃气*压缩天然气", min_length=1, max_length=90)
    seller_tax_no: str = Field(default="", max_length=20)
    provider_url: str = ""  # the invoicing platform's API base; empty: requests wait, nothing is sent
    provider_key_file: str = ""  # the request-signing key (a file outside the database and the repository)
    provider_app_id: str = "station"
    provider_timeout_seconds: int = Field(default=10, gt=0, le=120)
    retry_seconds: int = Field(default=30, gt=0, le=3600)  # wait after an unanswered request


class Payments(_Strict):
    """Scan-to-pay (付款码): the providers' gateways and the files holding their keys (never the database or the
    repository). The section absent: mobile payment off. A provider with an empty URL: that provider off."""

    wechat_url: str = ""  # WeChat Pay API v3 base, e.g. https://api.mch.weixin.qq.com (station sim payments prints one)
    wechat_mchid: str = Field(default="", max_length=32)
    wechat_appid: str = Field(default="", max_length=32)
    wechat_serial_no: str = Field(default="", max_length=64)  # the merchant certificate's serial number
    wechat_key_file: str = ""  # the merchant's private key (PEM)
    wechat_platform_key_file: str = ""  # WeChat Pay's platform public key (PEM): replies checked; empty: not
    alipay_url: str = ""  # Alipay gateway, e.g. https://openapi.alipay.com/gateway.do
    alipay_app_id: str = Field(default="", max_length=32)
    alipay_key_file: str = ""  # the app's private key (PEM), RSA2
    alipay_public_key_file: str = ""  # Alipay's public key (PEM): replies checked; empty: not
    timeout_seconds: int = Field(default=10, gt=0, le=60)  # one request; no answer is "unknown", then a query
    poll_seconds: int = Field(default=3, gt=0, le=15)  # between queries while the driver types the password
    window_seconds: int = Field(default=60, ge=10, le=300)  # then the payment is reversed (撤销)


class HeadOffice(_Strict):
    """The line to head office (总部): the outbox pushed there, prices and card lists pulled. The section absent:
    the station stands alone (nothing is lost: the outbox keeps every event for the day it joins)."""

    url: str  # e.g. https://hq.example.cn (station hq serve)
    key_file: str  # the station's signing key (the same file head office registered), outside the repository
    batch_size: int = Field(default=500, ge=1, le=5000)
    timeout_seconds: int = Field(default=10, gt=0, le=120)
    backoff_max_s: int = Field(default=60, ge=1, le=3600)  # the longest wait between tries while the line is down
    backlog_alert_s: int = Field(default=600, ge=10)  # older unsent events than this: shown as an alert
    idle_s: int = Field(default=2, ge=1, le=60)  # nothing to send: look again after this
    pull_every_s: int = Field(default=60, ge=1, le=86_400)  # head office's blacklist, card rules, balances, prices
    # A company card (一卡通) while head office is out of reach: the station accepts up to this much per card and
    # day on its own risk (head office debits it on sync; a card that goes negative is blocked company-wide).
    offline_card_limit_fen: int = Field(default=50_000, ge=0, le=10_000_000)
    hold_timeout_seconds: int = Field(default=3, ge=1, le=30)  # a company card's hold: no answer by then, offline


class Settings(_Strict):
    station: StationInfo
    products: list[Product] = Field(min_length=1)
    price_levels: list[PriceLevel] = Field(min_length=1)
    prices: list[Price] = Field(min_length=1)
    thresholds: Thresholds
    timers: Timers
    nozzles: list[NozzleConfig] = Field(min_length=1)
    devices: Devices = Devices()
    unloading: Unloading = Unloading()
    gas: Gas = Gas()
    service: Service = Service()
    invoices: Invoices = Invoices()
    payments: Payments | None = None
    hq: HeadOffice | None = None
    source: str = ""

    @model_validator(mode="after")
    def _references(self) -> Settings:
        codes = {p.code for p in self.products}
        levels = {lv.level for lv in self.price_levels}
        if len(codes) != len(self.products):
            raise ValueError("products: two products share a code")
        for price in self.prices:
            if price.product not in codes:
                raise ValueError(f"prices: product {price.product!r} is not in [[products]]")
            if price.level not in levels:
                raise ValueError(f"prices: level {price.level} is not in [[price_levels]]")
        for nozzle in self.nozzles:
            if nozzle.product not in codes:
                raise ValueError(f"nozzles: product {nozzle.product!r} is not in [[products]]")
        keys = [(n.dispenser, n.nozzle) for n in self.nozzles]
        if len(set(keys)) != len(keys):
            raise ValueError("nozzles: a dispenser/nozzle pair is listed twice")
        if 0 not in levels:
            raise ValueError("price_levels: level 0 (the list price) is required")
        for code in codes:
            if not any(p.product == code and p.level == 0 for p in self.prices):
                raise ValueError(f"prices: product {code!r} has no level-0 price")
        return self

    def unit_price(self, product: str, level: int = 0) -> int:
        for price in self.prices:
            if price.product == product and price.level == level:
                return price.unit_price
        for price in self.prices:
            if price.product == product and price.level == 0:
                return price.unit_price
        raise KeyError(product)


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("STATION_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG


def _describe(error: ValidationError, path: Path) -> str:
    lines = [f"{path}: {error.error_count()} wrong value(s)"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        got = item.get("input")
        shown = "" if isinstance(got, dict | list) else f" (found {got!r})"
        lines.append(f"  {key}: {message}{shown}")
    return "\n".join(lines)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Load and validate the station configuration; raise ConfigError with a readable report."""
    resolved = config_path(path)
    try:
        raw = tomllib.loads(resolved.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{resolved}: configuration file not found (set --config or STATION_CONFIG)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{resolved}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{resolved}: not UTF-8 text: {exc}") from exc
    raw["source"] = str(resolved)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, resolved)) from exc
