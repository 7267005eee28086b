"""``station db …`` and ``station audit …``: the schema, an online backup, the ledger check, the audit chain.

Also :func:`read_pin_key`, the PIN key read (never created) by these commands and by ``station report``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from station.cli import help_line

AddCommon = Callable[[argparse.ArgumentParser], None]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    db = sub.add_parser("db", help=help_line("db"))
    db_sub = db.add_subparsers(dest="db_command", required=True)
    p = db_sub.add_parser("upgrade", help="create or migrate the schema to the newest version")
    add_common(p)
    p.set_defaults(handler=_upgrade)
    p = db_sub.add_parser("backup", help="online backup of a SQLite database, safe while the station writes")
    add_common(p)
    p.add_argument("path", type=Path)
    p.set_defaults(handler=_backup)
    p = db_sub.add_parser("check", help="integrity check and every ledger invariant")
    add_common(p)
    p.set_defaults(handler=_check)

    au = sub.add_parser("audit", help=help_line("audit"))
    au_sub = au.add_subparsers(dest="audit_command", required=True)
    p = au_sub.add_parser("verify", help="verify the chain; report the first broken link")
    add_common(p)
    p.add_argument(
        "--head",
        dest="printed_head",
        default=None,
        help="the chain head printed on a shift report: it must be in the chain",
    )
    p.set_defaults(handler=_audit_verify)


def _url(args: argparse.Namespace) -> str:
    from station.ledger.db import resolve_db_url

    return resolve_db_url(getattr(args, "db", None))


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: the error that follows says so
        return url


def _upgrade(args: argparse.Namespace) -> int:
    """The one command that creates a database."""
    from station.ledger.db import checked_url, upgrade

    url = _url(args)
    checked_url(url)
    upgrade(url)
    print(f"database at head: {_shown(url)}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    import sqlite3

    from station.ledger.db import backup_sqlite, open_existing

    open_existing(_url(args)).dispose()  # never back up (or create) a database that is not there
    try:
        pages = backup_sqlite(_url(args), args.path)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"error: backup to {args.path} failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {pages} pages to {args.path}")
    return 0


def read_pin_key(config: str | None) -> tuple[bytes | None, Path]:
    """The PIN key beside the configuration (or at STATION_PIN_KEY), read only: never created here."""
    from station.config import config_path
    from station.ledger.pins import KEY_BYTES
    from station.runtime import pin_key_path

    path = pin_key_path(config_path(config))
    try:
        key = path.read_bytes()
    except OSError:
        return None, path
    return (key if len(key) == KEY_BYTES else None), path


def _audit_key(args: argparse.Namespace) -> tuple[bytes | None, Path]:
    """The audit chain's key, derived from the PIN key."""
    from station.ledger import audit

    key, path = read_pin_key(getattr(args, "config", None))
    return (audit.chain_key(key) if key is not None else None), path


def _check(args: argparse.Namespace) -> int:
    from station.ledger.checks import check_ledger
    from station.ledger.db import open_existing

    key, key_path = _audit_key(args)
    engine = open_existing(_url(args))
    report = check_ledger(engine, key)
    engine.dispose()
    print(report.render())
    if key is None:
        print(f"note: no PIN key at {key_path}: the audit chain's keyed links were not checked", file=sys.stderr)
    return 0 if report.ok else 1


def _audit_verify(args: argparse.Namespace) -> int:
    from station.ledger import audit
    from station.ledger.db import open_existing, read_engine

    engine = open_existing(_url(args))
    key, key_path = _audit_key(args)
    if key is None:
        engine.dispose()
        print(f"error: no PIN key at {key_path}: the keyed audit chain cannot be verified without it", file=sys.stderr)
        return 2
    with Session(read_engine(engine)) as session:
        report = audit.verify(session, key, printed_head=args.printed_head)
    engine.dispose()
    if report.ok:
        print(f"audit chain intact: {report.events} events ({report.keyed} keyed), head {report.head}")
        if report.after_printed is not None:
            print(f"the printed head is in the chain; {report.after_printed} events since")
        return 0
    where = f"event {report.first_broken_id}" if report.first_broken_id else "the end of the chain"
    print(f"audit chain BROKEN at {where}: {report.problem}")
    return 1
