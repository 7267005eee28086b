"""``station demo --hq``: a head office beside the demo station, on the local PostgreSQL, so a newcomer sees the
station's sales arrive there (``station hq report day --db URL`` in another terminal).

It migrates the head office's database, registers the demo station with a key made on first use, starts
``station hq serve`` as its own process on loopback, and gives the station its ``[hq]`` section."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from station.config import HeadOffice

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/hq"


class DemoHeadOffice:
    def __init__(self, directory: Path, code: str, db: str = DEFAULT_DB, port: int = 8765) -> None:
        self.directory, self.code, self.db, self.port = directory, code, db, port
        self.key_file = directory / "hq" / f"{code}.key"
        self.log = directory / "hq" / "hq.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, fresh: bool = False) -> HeadOffice:
        """Ready to take the station's events (or an error naming what is missing: PostgreSQL, the port).
        ``fresh``: the demo station's database is new, so what head office holds of the old one goes."""
        from station.hq.db import make_engine, upgrade
        from station.hq.stations import add_station

        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        if not self.key_file.exists():
            self.key_file.write_text(secrets.token_hex(32) + "\n")
            self.key_file.chmod(0o600)
        upgrade(self.db)
        engine = make_engine(self.db, pool_size=1)
        try:
            add_station(engine, self.code, self.key_file)
            if fresh:
                self._forget_station(engine)
            self._company_card(engine)
        finally:
            engine.dispose()
        argv = [sys.executable, "-m", "station.cli", "hq", "serve", "--db", self.db, "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the demo's head office did not start; see {self.log}") from None
                time.sleep(0.1)
        return HeadOffice(url=f"http://127.0.0.1:{self.port}", key_file=str(self.key_file), idle_s=1, pull_every_s=5)

    def _forget_station(self, engine: Engine) -> None:
        """The demo only: its station's events, holds and high-water mark, and the demo's company card, gone."""
        from sqlalchemy import text

        from station.seed import SAMPLE_CARDS

        with engine.begin() as conn:
            conn.execute(text("DELETE FROM hq_events WHERE station = :s"), {"s": self.code})
            conn.execute(text("DELETE FROM hq_card_holds WHERE station = :s"), {"s": self.code})
            conn.execute(text("DELETE FROM hq_price_targets WHERE station = :s"), {"s": self.code})
            conn.execute(text("DELETE FROM hq_cards WHERE card_no = :c"), {"c": SAMPLE_CARDS[0][0]})
            conn.execute(text("UPDATE hq_stations SET high_water = 0 WHERE station = :s"), {"s": self.code})

    @staticmethod
    def _company_card(engine: Engine) -> None:
        """The demo's first sample card is a company card (一卡通): its balance of record at head office, so a card
        fill is held there (``station hq report card``); issued once, the first time."""
        from sqlalchemy import text

        from station.hq.cards import issue_card
        from station.seed import SAMPLE_CARDS

        number, *_, balance, _level, _limit = SAMPLE_CARDS[0]
        with engine.begin() as conn:
            known = conn.execute(text("SELECT 1 FROM hq_cards WHERE card_no = :c"), {"c": number}).scalar()
        if not known:
            issue_card(engine, number, balance)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
