"""``station --help`` and the parser load nothing heavy: a subcommand's module only when it is named."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "alembic", "textual", "escpos", "pydantic", "station.ledger", "station.cli.db")

PROBE = """
import sys
from station.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in {"sqlalchemy", "alembic", "textual",
    "escpos", "pydantic"} or m.startswith(("station.ledger", "station.cli.")))))
"""


def loaded(*argv: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True).stdout
    return set(out.strip().splitlines()[-1].split())


def test_help_imports_nothing_heavy() -> None:
    assert not {m for m in loaded("--help") if m.startswith(HEAVY)}


def test_a_subcommand_loads_its_own_module_only() -> None:
    modules = loaded("sim", "printer", "--help")
    assert "station.cli.sim" in modules
    assert not {m for m in modules if m.startswith(("station.cli.db", "station.cli.run", "station.cli.report"))}
