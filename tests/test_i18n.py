"""The catalogue: every key in both languages with the same placeholders, and every key the code names exists."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from station.i18n import CATALOGUE, SECTIONS

ROOT = Path(__file__).resolve().parents[1] / "station"
# Calls whose first argument is a catalogue key, and the prefix the key gets.
KEYED_CALLS = {"t": "", "notice": "", "CoreRefused": "err.", "error_text": "err."}
# Refusals raised by the ledger, the sequence and the field parsers: their code is shown as err.<code>.
REFUSALS = {"Refused", "InvalidInput", "NotFound", "PermissionDenied", "SequenceRefused", "EntryRefused", "InputError"}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_with_the_same_placeholders() -> None:
    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip() and en.strip(), key
        assert placeholders(zh) == placeholders(en), key


def test_each_area_keeps_its_own_keys() -> None:
    assert sum(len(section) for section in SECTIONS.values()) == len(CATALOGUE)


def keys_named_in_code() -> dict[str, str]:
    """Every literal key the code passes to a keyed call, with where it was found."""
    named: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            if name in KEYED_CALLS:
                named[KEYED_CALLS[name] + first.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
            elif name in REFUSALS:
                named["err." + first.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return named


def test_every_key_the_code_names_is_in_the_catalogue() -> None:
    named = keys_named_in_code()
    assert len(named) > 300  # the scan sees the code's keys, not nothing
    missing = {key: where for key, where in named.items() if key not in CATALOGUE}
    assert not missing, missing
