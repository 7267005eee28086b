"""Config: typed, validated, and a wrong value names the key, the expectation and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "config" / "station.toml").read_text(encoding="utf-8")


def test_shipped_config_loads() -> None:
    s = load_settings(ROOT / "config" / "station.toml")
    assert s.thresholds.cash_drop_limit == 500_000
    assert s.thresholds.pin_tries == 3
    assert s.thresholds.fill_pressure_limit_mpa == 2000
    assert s.unit_price("CNG", 1) == 430 and s.unit_price("CNG", 7) == 450
    assert s.timers.engine_off_to_flow_seconds == 30 and s.timers.fill_end_to_commit_seconds == 60
    assert s.devices.customer_display == "" and s.devices.customer_display_baud == 2400  # no display by default


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('unit_price = "4.50"', "unit_price = 4.5", "prices.0.unit_price", "quoted text"),
        ('unit_price = "4.50"', 'unit_price = "4.505"', "prices.0.unit_price", "two decimals"),
        ('sale_unit = "kg"', 'sale_unit = "litre"', "station.sale_unit", "kg"),
        ("pin_tries = 3", "pin_tries = 0", "thresholds.pin_tries", "greater than or equal to 1"),
        ('cash_drop_limit = "5000.00"', 'cash_drop_limit = "-1"', "thresholds.cash_drop_limit", "yuan"),
        ('minimum_residual_pressure_mpa = "0.5"', 'minimum_residual_pressure_mpa = "25"', "thresholds", "below"),
        ('product = "CNG"\nlevel = 1', 'product = "LNG"\nlevel = 1', "(top level)", "LNG"),
        ("customer_display_baud = 2400", "customer_display_baud = 2401", "devices.customer_display_baud", "2400"),
        ("customer_display_baud = 2400", "customer_display_baud = 0", "devices.customer_display_baud", "one of"),
        ("customer_display_baud = 2400", 'customer_display_baud = "fast"', "devices.customer_display_baud", "integer"),
        ('customer_display = ""', "customer_display = 3", "devices.customer_display", "string"),
    ],
)
def test_wrong_values_are_named(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    assert old in GOOD
    path = tmp_path / "station.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and key in message and words in message, message


def test_missing_and_malformed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[station\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text(GOOD.replace("[timers]", "[timers]\nspeed = 3"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"timers\.speed"):
        load_settings(unknown)


def test_the_commented_head_office_example_loads_once_uncommented(tmp_path: Path) -> None:
    """The shipped [hq] example is a working section: uncommented, it loads as written."""
    start = GOOD.index("# [hq]")
    example = "\n".join(line.removeprefix("# ") for line in GOOD[start:].splitlines())
    path = tmp_path / "station.toml"
    path.write_text(GOOD[:start] + example + "\n", encoding="utf-8")
    hq = load_settings(path).hq
    assert hq is not None and hq.url == "https://hq.example.cn"
    assert (hq.hold_timeout_seconds, hq.offline_card_limit_fen, hq.pull_every_s) == (3, 50_000, 60)
