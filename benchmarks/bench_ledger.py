"""Ledger throughput on SQLite (WAL, synchronous=FULL): cash fills recorded and settled per second.

Run: .venv/bin/python benchmarks/bench_ledger.py [N]
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from station.config import load_settings
from station.ledger.db import make_engine, upgrade
from station.ledger.fills import FillRecord
from station.ledger.models import Role
from station.ledger.services import Ledger
from station.money import amount_for

ROOT = Path(__file__).resolve().parent.parent


def main(n: int = 300) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        ledger = Ledger(engine, load_settings(ROOT / "config" / "station.toml"), b"b" * 32)
        ledger.bootstrap()
        manager = ledger.create_attendant(None, number="9001", name="m", role=Role.MANAGER, pin="9999")
        now = dt.datetime.now(dt.UTC)
        start = time.perf_counter()
        for i in range(1, n + 1):
            qty = 1000 + i
            fill = ledger.record_fill(FillRecord(1, 1, i, "CNG", "kg", 450, qty, amount_for(450, qty), now, now))
            ledger.settle_cash(manager, fill.id, fill.amount_fen)
        elapsed = time.perf_counter() - start
        engine.dispose()
    print(
        f"ledger: {n} cash fills recorded+settled in {elapsed:.2f} s "
        f"= {n / elapsed:.0f} fills/s, {elapsed / n * 1000:.1f} ms per fill (SQLite, synchronous=FULL)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
