"""[invoices]: the shipped values, and a wrong value named with its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "config" / "station.toml").read_text(encoding="utf-8")


def test_shipped_invoice_settings() -> None:
    invoices = load_settings(ROOT / "config" / "station.toml").invoices
    assert invoices.vat_rate_percent == 900  # "9" %, in 0.01 %
    assert invoices.prepaid == "recharge" and invoices.tax_code == "1020102000000000000"
    assert invoices.provider_url == "" and invoices.provider_key_file == ""  # no platform: requests wait


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('prepaid = "recharge"', 'prepaid = "both"', "invoices.prepaid", "recharge"),
        ('vat_rate_percent = "9"', "vat_rate_percent = 0.09", "invoices.vat_rate_percent", "quoted text"),
        ('vat_rate_percent = "9"', 'vat_rate_percent = "9.001"', "invoices.vat_rate_percent", "two decimals"),
        ('tax_code = "1020102000000000000"', 'tax_code = "10201"', "invoices.tax_code", "pattern"),
    ],
)
def test_wrong_invoice_values_are_named(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    assert old in GOOD
    path = tmp_path / "station.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and key in message and words in message, message
