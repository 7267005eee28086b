"""Reports across stations from the events they sent; price schedules pushed, pulled and confirmed; the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text

from station.cli import main
from station.hq import reports
from station.hq.db import make_engine
from station.hq.ingest import ingest
from station.hq.prices import confirmations, pull, push_schedule
from station.hq.wire import Event
from tests.hq.conftest import event

pytestmark = pytest.mark.postgres
DAY = dt.date(2026, 11, 21)


def send(engine: Engine, code: str, events: list[dict[str, object]]) -> None:
    ingest(engine, code, [Event.model_validate(e) for e in events])


def a_day(code: str, fills: list[tuple[int, str]], shift_id: int, business_date: str, first: int = 1) -> list[dict]:
    """Fills (amount, mode) in one shift and its close, numbered from ``first``."""
    out = [
        event(code, first + i, "sale", shift_id=shift_id, amount_fen=a, quantity_centi=a // 4, mode=m, attendant="A1")
        for i, (a, m) in enumerate(fills)
    ]
    total = sum(a for a, _ in fills)
    close = {
        "shift_id": shift_id,
        "business_date": business_date,
        "fill_count": len(fills),
        "sales_fen": total,
        "expected_cash_fen": sum(a for a, m in fills if m == "cash"),
        "counted_cash_fen": sum(a for a, m in fills if m == "cash") - 50,
        "over_short_fen": -50,
        "timers": {"A1": {"fills": len(fills), "breaches_30s": 1, "breaches_60s": 0}},
    }
    out.append(event(code, first + len(fills), "shift_close", **close))
    return out


def test_the_day_report_per_station_comes_from_the_sales_joined_to_their_shift_close(
    hq_engine: Engine, capsys: pytest.CaptureFixture[str], hq_url: str
) -> None:
    one = a_day("DY-0001", [(2000, "cash"), (3000, "card"), (1234, "mobile")], shift_id=4, business_date="2026-11-21")
    two = a_day("DY-0002", [(999, "cash"), (500, "internal")], shift_id=9, business_date="2026-11-21")
    # DY-0002's next shift belongs to the next business day, though its fills' clocks are that same UTC day.
    two += a_day("DY-0002", [(7000, "cash")], shift_id=10, business_date="2026-11-22", first=len(two) + 1)
    send(hq_engine, "DY-0001", list(reversed(one)))
    send(hq_engine, "DY-0002", two)
    send(hq_engine, "DY-0003", [event("DY-0003", 1, "unloading", delivered_centi=150_000)])
    with hq_engine.connect() as conn:
        rows = {r["station"]: r for r in reports.day(conn, DAY)}
        timers = reports.timers(conn, DAY)
        stock = {r["station"]: r for r in reports.stock(conn, DAY)}
    assert set(rows) == {"DY-0001", "DY-0002"}
    assert (rows["DY-0001"]["fills"], rows["DY-0001"]["sales_fen"]) == (3, 6234)
    assert (rows["DY-0001"]["cash_fen"], rows["DY-0001"]["card_fen"], rows["DY-0001"]["mobile_fen"]) == (
        2000,
        3000,
        1234,
    )
    assert (rows["DY-0002"]["fills"], rows["DY-0002"]["sales_fen"], rows["DY-0002"]["internal_fen"]) == (2, 1499, 500)
    assert all(r["agree"] and r["over_short_fen"] == -50 for r in rows.values())
    assert {(t["station"], t["attendant"], t["fills"], t["breaches_30s"]) for t in timers} == {
        ("DY-0001", "A1", 3, 1),
        ("DY-0002", "A1", 2, 1),
    }
    assert (stock["DY-0003"]["deliveries"], stock["DY-0003"]["delivered_centi"]) == (1, 150_000)
    assert stock["DY-0002"]["sold_centi"] == 999 // 4 + 500 // 4 + 7000 // 4  # by the UTC day of the station's clock

    assert main(["hq", "report", "day", "--date", "2026-11-21", "--lang", "en", "--db", hq_url]) == 0
    out = capsys.readouterr().out
    assert "DY-0001" in out and "62.34" in out and "14.99" in out and "70.00" not in out
    assert main(["hq", "report", "day", "--date", "2026-11-21", "--csv", "--db", hq_url]) == 0
    assert "62.34" in capsys.readouterr().out
    for kind in ("shift", "card", "stock", "timers", "prices"):
        assert main(["hq", "report", kind, "--date", "2026-11-21", "--lang", "zh", "--db", hq_url]) == 0
    assert "卸气次数" in capsys.readouterr().out


def test_a_price_schedule_reaches_only_its_stations_and_is_confirmed_by_their_read_back(
    hq_engine: Engine, capsys: pytest.CaptureFixture[str], hq_url: str
) -> None:
    items = [{"product": "CNG", "level": 0, "price_fen": 398}]
    schedule = push_schedule(hq_engine, ["DY-0001", "DY-0002"], dt.datetime(2026, 11, 22, tzinfo=dt.UTC), items)
    with hq_engine.begin() as conn:
        got = pull(conn, "DY-0001", 0)
        assert [p["schedule_version"] for p in got["prices"]] == [schedule]
        assert got["prices"][0]["items"] == items
        assert pull(conn, "DY-0003", 0)["prices"] == []
        assert pull(conn, "DY-0001", got["version"])["prices"] == []
    # The price change itself is only stored; the dispensers' read-back confirms.
    send(hq_engine, "DY-0001", [event("DY-0001", 1, "price_change", schedule_version=schedule, read_back=True)])
    with hq_engine.connect() as conn:
        assert all(c["confirmed_at"] is None for c in confirmations(conn))
    send(hq_engine, "DY-0001", [event("DY-0001", 2, "price_read_back", schedule_version=schedule, read_back=True)])
    reason = "product_unknown: LNG"
    send(
        hq_engine,
        "DY-0002",
        [
            event(
                "DY-0002",
                1,
                "price_read_back",
                schedule_version=schedule,
                read_back=False,
                state="refused",
                reason=reason,
            )
        ],
    )
    assert main(["hq", "report", "prices", "--lang", "en", "--db", hq_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("DY-0001" in line and "confirmed" in line for line in lines)
    assert any("DY-0002" in line and "refused by the station" in line and reason in line for line in lines)
    assert main(["hq", "price", "push", "--stations", "DY-0009", "--price", "3.98", "--db", hq_url]) == 1


def test_every_table_is_partitioned_by_its_key_and_the_versions_live_in_their_own_table(hq_engine: Engine) -> None:
    with hq_engine.connect() as conn:
        parted = dict(
            conn.execute(
                text(
                    """SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_partitioned_table p
                    JOIN pg_class c ON c.oid = p.partrelid
                    WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"""
                )
            ).all()
        )
        version = conn.execute(text("SELECT version_num FROM hq_alembic_version")).scalar()
    assert parted == {
        "hq_stations": "HASH (station)",
        "hq_events": "HASH (station)",
        "hq_price_targets": "HASH (station)",
        "hq_cards": "HASH (card_no)",
        "hq_card_holds": "HASH (card_no)",
    }
    assert version == "hq_0001_schema"


def test_station_add_refuses_a_bad_code_or_key_file(hq_url: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    short = tmp_path / "short.key"
    short.write_bytes(b"abc")
    assert main(["hq", "station", "add", "dy 1", "--key-file", str(short), "--db", hq_url]) == 2
    assert main(["hq", "station", "add", "DY-0100", "--key-file", str(short), "--db", hq_url]) == 2
    assert main(["hq", "station", "add", "HQ", "--key-file", str(short), "--db", hq_url]) == 2
    err = capsys.readouterr().err
    assert "A station code is" in err and "fewer than 16 bytes" in err
    good = tmp_path / "good.key"
    good.write_bytes(b"s" * 32)
    assert main(["hq", "station", "add", "DY-0100", "--key-file", str(good), "--db", hq_url]) == 0
    assert "DY-0100" in capsys.readouterr().out


def test_company_cards_from_the_console_reach_every_station_and_the_card_report(
    hq_engine: Engine, capsys: pytest.CaptureFixture[str], hq_url: str
) -> None:
    assert main(["hq", "card", "add", "8800000002", "--balance", "500.00", "--plate", "川A12345", "--db", hq_url]) == 0
    assert main(["hq", "card", "add", "8800000002", "--db", hq_url]) == 1  # issued once
    assert main(["hq", "card", "block", "8800000002", "--reason", "lost", "--db", hq_url]) == 0
    assert main(["hq", "card", "block", "8899999999", "--db", hq_url]) == 1
    with hq_engine.begin() as conn:
        pulled = pull(conn, "DY-0002", 0)
    assert pulled["blacklist"] == [{"card_no": "8800000002", "reason": "lost"}]
    assert pulled["balances"] == [{"card_no": "8800000002", "balance_fen": 50_000, "record_fen": 50_000}]
    rules = ["hq", "card", "rules", "8800000002", "--daily-limit", "800", "--plate", "川A1", "--plate", "川A2"]
    assert main([*rules, "--db", hq_url]) == 0
    with hq_engine.begin() as conn:
        again = pull(conn, "DY-0002", pulled["version"])
    assert again["card_rules"] == [{"card_no": "8800000002", "daily_limit_fen": 80_000, "plates": ["川A1", "川A2"]}]
    fill = event(
        "DY-0001", 1, "sale", shift_id=2, amount_fen=4321, quantity_centi=1000, mode="card", card_no="8800000002"
    )
    close = event("DY-0001", 2, "shift_close", shift_id=2, business_date="2026-11-21", fill_count=1, sales_fen=4321)
    send(hq_engine, "DY-0001", [fill, close])
    capsys.readouterr()
    assert main(["hq", "report", "card", "--date", "2026-11-21", "--lang", "en", "--db", hq_url]) == 0
    out = capsys.readouterr().out
    assert "500.00" in out and "blocked" in out and "lost" in out
    assert any("8800000002" in line and "DY-0001" in line and "43.21" in line for line in out.splitlines())


def test_the_schema_upgrades_from_the_console_twice_and_downgrades_to_nothing(
    pg_schema_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command

    from station.hq.db import alembic_config

    assert main(["hq", "db", "upgrade", "--db", pg_schema_url]) == 0
    assert main(["hq", "db", "upgrade", "--db", pg_schema_url]) == 0
    assert "upgraded" in capsys.readouterr().out
    command.downgrade(alembic_config(pg_schema_url), "base")
    engine = make_engine(pg_schema_url, pool_size=1)
    with engine.connect() as conn:
        left = (
            conn.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert sorted(left) == ["hq_alembic_version", "hq_alembic_version_pkc"]  # the table and its key


def test_unknown_kinds_are_stored_and_a_skewed_clock_moves_no_fill_to_another_day(hq_engine: Engine) -> None:
    # DY-0003's clock runs a day and five hours slow: its fills still belong to the business day of their close.
    skewed = a_day("DY-0003", [(1500, "cash"), (2500, "card")], shift_id=1, business_date="2026-11-21")
    for e in skewed:
        at = dt.datetime.fromisoformat(str(e["at"])) - dt.timedelta(days=1, hours=5)
        e["at"] = at.isoformat()
    skewed.append(event("DY-0003", len(skewed) + 1, "telemetry_v9", whatever={"nested": [1, 2]}))
    result = ingest(hq_engine, "DY-0003", [Event.model_validate(e) for e in skewed])
    assert (result.accepted, result.high_water) == (len(skewed), len(skewed))
    with hq_engine.connect() as conn:
        (day,) = reports.day(conn, DAY)
        assert reports.day(conn, DAY - dt.timedelta(days=1)) == []
        kinds = conn.execute(text("SELECT kind, payload FROM hq_events WHERE kind = 'telemetry_v9'")).all()
    assert (day["station"], day["fills"], day["sales_fen"], day["agree"]) == ("DY-0003", 2, 4000, True)
    assert [(k, p) for k, p in kinds] == [("telemetry_v9", {"whatever": {"nested": [1, 2]}})]
