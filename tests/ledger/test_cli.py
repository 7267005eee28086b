"""The station command: db upgrade, check, backup while writing, audit verify, the walkthrough demo."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from station.cli import main
from station.ledger.db import make_engine
from station.ledger.services import Ledger
from station.runtime import open_station
from station.seed import seed_demo
from tests.ledger.helpers import record

ROOT = Path(__file__).resolve().parents[2]


def test_upgrade_check_and_audit(tmp_path: Path, capsys: object, monkeypatch: object) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert main(["db", "upgrade", "--db", url]) == 0
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))  # type: ignore[attr-defined]
    runtime = open_station(url)
    seed_demo(runtime.ledger)
    runtime.close()
    assert main(["db", "check", "--db", url]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "every invariant holds" in out and "audit chain" in out
    assert main(["audit", "verify", "--db", url]) == 0
    con = sqlite3.connect(tmp_path / "s.db")
    con.execute("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")
    con.commit()
    con.close()
    assert main(["audit", "verify", "--db", url]) == 1
    assert "tail was cut" in capsys.readouterr().out  # type: ignore[attr-defined]
    assert main(["db", "check", "--db", url]) == 1


def test_pin_key_is_owner_only_and_outside_db(tmp_path: Path, monkeypatch: object) -> None:
    key = tmp_path / "pin.key"
    monkeypatch.setenv("STATION_PIN_KEY", str(key))  # type: ignore[attr-defined]
    runtime = open_station(f"sqlite:///{tmp_path / 'k.db'}")
    seed_demo(runtime.ledger)
    runtime.close()
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_bytes() not in (tmp_path / "k.db").read_bytes()
    con = sqlite3.connect(tmp_path / "k.db")
    hashes = [r[0] for r in con.execute("SELECT pin_hash FROM attendants UNION ALL SELECT pin_hash FROM cards")]
    con.close()
    assert hashes and all(h.startswith("v1$") and len(h) > 60 for h in hashes)
    # The seeded clear PINs appear nowhere in the database file.
    raw = (tmp_path / "k.db").read_bytes()
    assert b"'123456'" not in raw and b"654321" not in raw


def test_backup_while_writing(tmp_path: Path, monkeypatch: object) -> None:
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))  # type: ignore[attr-defined]
    url = f"sqlite:///{tmp_path / 'live.db'}"
    runtime = open_station(url)
    seed_demo(runtime.ledger)
    stop = threading.Event()

    def writer() -> None:
        engine = make_engine(url)
        book = Ledger(engine, runtime.settings, runtime.ledger._pin_key)
        n = 1000
        while not stop.is_set():
            n += 1
            book.record_fill(record(n, 100))
        engine.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for i in range(3):
            assert main(["db", "backup", "--db", url, str(tmp_path / f"b{i}.db")]) == 0
    finally:
        stop.set()
        thread.join()
        runtime.close()
    for i in range(3):
        assert main(["db", "check", "--db", f"sqlite:///{tmp_path / f'b{i}.db'}"]) == 0


def test_walkthrough_demo_runs(tmp_path: Path) -> None:
    env = {"STATION_PIN_KEY": str(tmp_path / "pin.key"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "station.cli", "demo", "--walkthrough", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "every invariant holds" in result.stdout
    assert "找您11.88元" in result.stdout
