"""Wiring shared by every entry point: settings, database, PIN key, ledger. No UI here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from station.config import Settings, config_path, load_settings
from station.ledger.db import make_engine, read_engine, resolve_db_url, upgrade_if_behind
from station.ledger.journal import STANDARD_ACCOUNTS
from station.ledger.models import Account, Price, Product
from station.ledger.pins import load_or_create_key
from station.ledger.services import Ledger


def pin_key_path(config_file: Path) -> Path:
    """The PIN key lives beside the config (or where STATION_PIN_KEY says), never in the database."""
    env = os.environ.get("STATION_PIN_KEY")
    return Path(env) if env else config_file.resolve().parent / "pin.key"


@dataclass
class StationRuntime:
    settings: Settings
    db_url: str
    engine: Engine
    ledger: Ledger

    def close(self) -> None:
        self.engine.dispose()


def open_station(db: str | None = None, config: str | None = None, *, migrate: bool = True) -> StationRuntime:
    """The station from its configuration and database; with ``migrate``, the schema brought to the head first
    (the database made if need be) when it is not there: a database at the head is only looked at."""
    path = config_path(config)
    settings = load_settings(path)
    url = resolve_db_url(db)
    if migrate:
        upgrade_if_behind(url)
    engine = make_engine(url)
    ledger = Ledger(engine, settings, load_or_create_key(pin_key_path(path)))
    if not _bootstrapped(engine, settings):
        ledger.bootstrap()
    return StationRuntime(settings, url, engine, ledger)


def _bootstrapped(engine: Engine, settings: Settings) -> bool:
    """Whether what :meth:`Ledger.bootstrap` makes is all there already (the standard accounts, the configured
    products, a price for each configured product and level), read without the write lock: then a start
    writes nothing, and never waits on a sale holding the lock."""
    with Session(read_engine(engine)) as session:
        accounts = set(session.scalars(select(Account.code).where(Account.code.in_(list(STANDARD_ACCOUNTS)))))
        products = set(session.scalars(select(Product.code)))
        priced = {(str(p), int(lv)) for p, lv in session.execute(select(Price.product_code, Price.level).distinct())}
    return (
        accounts == set(STANDARD_ACCOUNTS)
        and {product.code for product in settings.products} <= products
        and {(price.product, price.level) for price in settings.prices} <= priced
    )
