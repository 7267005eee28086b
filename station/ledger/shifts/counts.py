"""What the manager counts and reads at a change of shift: the drawer's cash by denomination and every nozzle's
totalizers, checked before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from station.ledger.errors import InvalidInput
from station.ledger.models import ShiftTotalizer
from station.ledger.shifts.values import (
    DENOMINATIONS_FEN,
    MAX_COUNT,
    MAX_TOTALIZER,
    NozzleKey,
    TotalizerReading,
    Totalizers,
)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_totalizers(readings: Totalizers) -> dict[NozzleKey, TotalizerReading]:
    out: dict[NozzleKey, TotalizerReading] = {}
    for key, value in readings.items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(_is_int(k) for k in key)):
            raise InvalidInput("nozzle_unknown", nozzle=str(key))
        dispenser, nozzle = key
        if not (isinstance(value, tuple) and len(value) == 3):
            raise InvalidInput("totalizer_invalid", dispenser=dispenser, nozzle=nozzle)
        quantity, amount, typed = value
        if not (_is_int(quantity) and _is_int(amount) and isinstance(typed, bool)):
            raise InvalidInput("totalizer_invalid", dispenser=dispenser, nozzle=nozzle)
        if not (0 <= quantity <= MAX_TOTALIZER and 0 <= amount <= MAX_TOTALIZER):
            raise InvalidInput("totalizer_invalid", dispenser=dispenser, nozzle=nozzle)
        out[(dispenser, nozzle)] = (quantity, amount, typed)
    return out


def _match_nozzles(readings: Mapping[NozzleKey, object], expected: Sequence[NozzleKey]) -> None:
    for key in expected:
        if key not in readings:
            raise InvalidInput("totalizer_missing", dispenser=key[0], nozzle=key[1])
    for key in sorted(readings):
        if key not in expected:
            raise InvalidInput("nozzle_unknown", dispenser=key[0], nozzle=key[1])


def _check_closing_readings(
    readings: Mapping[NozzleKey, TotalizerReading], opened: Mapping[NozzleKey, ShiftTotalizer]
) -> None:
    """Closing totalizers, for every nozzle opened and no other, none below its opening reading."""
    _match_nozzles(readings, sorted(opened))
    for key, (quantity, amount, _typed) in sorted(readings.items()):
        row = opened[key]
        if quantity < row.opening_quantity_centi:
            raise InvalidInput("totalizer_backwards", dispenser=key[0], nozzle=key[1], which="quantity")
        if amount < row.opening_amount_fen:
            raise InvalidInput("totalizer_backwards", dispenser=key[0], nozzle=key[1], which="amount")


def _check_cash_count(cash_count: Mapping[int, int]) -> dict[int, int]:
    out = dict.fromkeys(DENOMINATIONS_FEN, 0)
    for denomination, count in cash_count.items():
        if not _is_int(denomination) or denomination not in out:
            raise InvalidInput("denomination_unknown", denomination=denomination)
        if not _is_int(count):
            raise InvalidInput("count_invalid", denomination=denomination)
        if count < 0:
            raise InvalidInput("count_negative", denomination=denomination)
        if count > MAX_COUNT:
            raise InvalidInput("count_invalid", denomination=denomination)
        out[denomination] = count
    return out
