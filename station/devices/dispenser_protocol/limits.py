"""The value ranges of protocol v1.1 (docs/protocols/dispenser.md §1, §7.3, §7.4): nozzles, prices, presets.

With these maxima every amount the rule of §1 produces fits its u32 field (99 999 x 999 999 / 100 < 2^32),
so no field a dispenser sends can overflow."""

from __future__ import annotations

MAX_NOZZLES = 8  # per dispenser: numbers 1..8; an 8-nozzle READ_TOTALIZERS reply is 146 bytes on the wire
MAX_UNIT_PRICE = 99_999  # fen per whole unit (999.99 yuan)
MAX_PRESET_AMOUNT = 9_999_999  # fen (99 999.99 yuan)
MAX_PRESET_QUANTITY = 999_999  # centi-units (9 999.99 kg or Nm³); also the most any one fill delivers
MAX_UNACKED = 64  # unacknowledged records a device holds before it answers BUFFER_FULL
KEEP_ACKED = 100  # acknowledged records a device keeps at least, for READ_TRANSACTION after the ACK


def valid_price(fen: int) -> bool:
    return 0 < fen <= MAX_UNIT_PRICE
