"""``station hq …``: the head office (总部): serve, db upgrade, station add, card, price push, reports.

The head office runs on PostgreSQL only (``--db`` or STATION_HQ_DB_URL); docs/protocols/hq_sync.md is what
stations send it, docs/scale.md how it grows past one node.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

from station.cli import help_line

AddCommon = Callable[[argparse.ArgumentParser], None]


def _say(key: str, lang: str = "both", **params: Any) -> str:
    from station.i18n import t

    if lang in ("zh", "en"):
        return t(key, lang, **params)  # type: ignore[arg-type]
    return f"{t(key, 'zh', **params)} / {t(key, 'en', **params)}"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text[:24]!r}") from exc


def _fen(text: str) -> int:
    from station.money import MoneyFormatError, parse_decimal_units

    try:
        return parse_decimal_units(text)
    except MoneyFormatError as exc:
        raise argparse.ArgumentTypeError(_say("hq.err.bad_amount", text=text[:24])) from exc


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=None, help="head office PostgreSQL URL (default: STATION_HQ_DB_URL or .../hq)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    hq = sub.add_parser("hq", help=help_line("hq"))
    hq_sub = hq.add_subparsers(dest="hq_command", required=True)

    p = hq_sub.add_parser("serve", help="the head office's HTTP service (uvicorn)")
    _db(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--admin-key-file", default=None, help="key that signs POST /v1/prices (X-Station: HQ)")
    p.add_argument(
        "--hold-expiry-s",
        type=int,
        default=6 * 3600,
        help="a company card's online hold no station settled this long is given back (default 6 h)",
    )
    p.set_defaults(handler=_serve)

    p = hq_sub.add_parser("db", help="the head office's schema")
    p.add_argument("action", choices=("upgrade",))
    _db(p)
    p.set_defaults(handler=_upgrade)

    p = hq_sub.add_parser("station", help="register a station and its key file")
    p.add_argument("action", choices=("add",))
    p.add_argument("code", help="station code, e.g. DY-0001")
    p.add_argument("--key-file", required=True, help="the station's secret (the same file the station reads)")
    _db(p)
    p.set_defaults(handler=_station_add)

    p = hq_sub.add_parser("card", help="company cards (一卡通): issue, block, set rules")
    p.add_argument("action", choices=("add", "block", "rules"))
    p.add_argument("card_no")
    p.add_argument("--balance", type=_fen, default=0, help="opening balance in yuan (add)")
    p.add_argument("--daily-limit", type=_fen, default=None, help="daily limit in yuan (add, rules)")
    p.add_argument("--plate", action="append", default=[], help="a bound plate (add, rules; repeat for more)")
    p.add_argument("--reason", default="lost", help="why it is blocked (block)")
    _db(p)
    p.set_defaults(handler=_card)

    p = hq_sub.add_parser("price", help="push a price schedule to chosen stations")
    p.add_argument("action", choices=("push",))
    p.add_argument("--stations", required=True, help="comma-separated station codes")
    p.add_argument("--product", default="CNG")
    p.add_argument("--level", type=int, default=0)
    p.add_argument("--price", type=_fen, required=True, help="unit price in yuan")
    p.add_argument("--effective", default=None, help="ISO time it takes effect (default: now)")
    _db(p)
    p.set_defaults(handler=_price)

    p = hq_sub.add_parser("report", help="reports across stations: day, shift, card, stock, timers, prices")
    p.add_argument("kind", choices=("day", "shift", "card", "stock", "timers", "prices", "sync"))
    p.add_argument("--date", type=_date, default=None, help="business date YYYY-MM-DD (default: today, China time)")
    p.add_argument("--csv", action="store_true", help="CSV instead of text")
    p.add_argument("--lang", choices=("zh", "en", "both"), default="both")
    _db(p)
    p.set_defaults(handler=_report)


def _engine(args: argparse.Namespace) -> Any:
    from station.hq.db import make_engine

    return make_engine(args.db, pool_size=2)


def _serve(args: argparse.Namespace) -> int:
    from station.hq.serve import serve
    from station.hq.signing import read_key

    admin_key = read_key(args.admin_key_file) if args.admin_key_file else None
    print(_say("hq.serving", host=args.host, port=args.port), flush=True)
    serve(args.db, args.host, args.port, admin_key=admin_key, hold_expiry_s=args.hold_expiry_s)
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from station.hq.db import resolve_url, upgrade

    upgrade(resolve_url(args.db))
    print(_say("hq.migrated"))
    return 0


def _station_add(args: argparse.Namespace) -> int:
    from station.hq.stations import StationError, add_station

    engine = _engine(args)
    try:
        new = add_station(engine, args.code, args.key_file)
    except StationError as exc:
        print(f"error: {_say(str(exc))}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(_say("hq.station_added" if new else "hq.station_rekeyed", code=args.code))
    return 0


def _card(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from station.hq import cards
    from station.money import format_yuan

    engine = _engine(args)
    try:
        if args.action == "add":
            try:
                cards.issue_card(
                    engine, args.card_no, args.balance, daily_limit_fen=args.daily_limit, plates=args.plate
                )
            except IntegrityError:
                print(f"error: {_say('hq.err.card_exists', card_no=args.card_no)}", file=sys.stderr)
                return 1
            print(_say("hq.card_added", card_no=args.card_no, balance=format_yuan(args.balance)))
            return 0
        with engine.begin() as conn:
            if args.action == "rules":
                known = cards.set_rules(conn, args.card_no, args.daily_limit, args.plate)
            else:
                known = cards.block_card(conn, args.card_no, args.reason)
            if not known:
                print(f"error: {_say('hq.err.unknown_card', card_no=args.card_no)}", file=sys.stderr)
                return 1
        print(_say("hq.card_rules" if args.action == "rules" else "hq.card_blocked", card_no=args.card_no))
        return 0
    finally:
        engine.dispose()


def _price(args: argparse.Namespace) -> int:
    from station.hq.prices import push_schedule

    stations = [s.strip() for s in args.stations.split(",") if s.strip()]
    try:
        effective = dt.datetime.fromisoformat(args.effective) if args.effective else dt.datetime.now(dt.UTC)
    except ValueError:
        print(f"error: --effective: expected an ISO time, got {args.effective[:32]!r}", file=sys.stderr)
        return 2
    engine = _engine(args)
    try:
        items = [{"product": args.product, "level": args.level, "price_fen": args.price}]
        schedule = push_schedule(engine, stations, effective, items)
    except ValueError:
        print(f"error: {_say('hq.err.unknown_stations', codes=','.join(stations))}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(_say("hq.schedule_pushed", schedule=schedule, count=len(stations)))
    return 0


def _report(args: argparse.Namespace) -> int:
    from station.config import STATION_TZ
    from station.hq import pages
    from station.printouts.report import render_text, to_csv

    date = args.date or dt.datetime.now(STATION_TZ).date()
    engine = _engine(args)
    try:
        with engine.connect() as conn:
            if args.kind == "prices":
                report = pages.prices_page(conn)
            else:
                report = getattr(pages, f"{args.kind}_page")(conn, date)
    finally:
        engine.dispose()
    if args.csv:
        sys.stdout.write(to_csv(report, args.lang))
    else:
        print("\n".join(render_text(report, args.lang)))
    return 0
