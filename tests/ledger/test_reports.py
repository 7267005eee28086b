"""Reports on SQLite and PostgreSQL: shift report (text, CSV parsed back, printer lines), card statement with
running balance, unpaid and cleared fills, overrides and voids, day and attendant reports, `station report …`."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from station.cli import _add_common
from station.cli import report as report_cli
from station.ledger.errors import Refused
from station.ledger.reports.attendants import attendant_report
from station.ledger.reports.cards import card_statement
from station.ledger.reports.day import day_report
from station.ledger.reports.shift import shift_report
from station.ledger.reports.unpaid import overrides_report, unpaid_report
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.printouts.receipt import render
from station.printouts.report import as_report_lines, render_text, to_csv, to_printable
from tests.conftest import FakeClock
from tests.ledger.helpers import card, record, staff

ZERO = {(1, 1): (0, 0, False), (1, 2): (0, 0, False), (2, 1): (0, 0, False), (2, 2): (0, 0, False)}
CLOSING = {
    (1, 1): (1523, 6854, False),
    (1, 2): (1000, 4500, False),
    (2, 1): (200, 900, False),
    (2, 2): (100, 450, False),
}


def build_shift(ledger: Ledger, clock: FakeClock) -> tuple[ShiftDesk, int, dict[str, int]]:
    """One closed shift with a card sale through a hold, a cash sale, a cleared and an unpaid fill, a voided
    recharge and an override. Expected cash: 100.00 + 45.00 + 510.00 − 10.00 (void) = 645.00."""
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    c1 = card(ledger, manager, number="88000001", balance=0)
    clock.advance(60)
    shift = desk.open_shift(manager, [a], 10_000, ZERO)
    clock.advance(60)
    ledger.recharge(a, c1, 50_000)
    clock.advance(60)
    hold = ledger.place_hold(a, c1, 10_000, 1, 1)
    f1 = ledger.record_fill(record(1, 1523, dispenser=1, nozzle=1), attendant=a)
    ledger.settle_card(a, f1.id, c1, hold_id=hold)  # 68.54
    f2 = ledger.record_fill(record(1, 1000, dispenser=1, nozzle=2), attendant=a, engine_off_to_flow_ms=40_000)
    ledger.settle_cash(a, f2.id, 5_000, fill_end_to_commit_ms=10_000)  # 45.00
    f3 = ledger.record_fill(record(1, 200, dispenser=2, nozzle=1), attendant=a)
    ledger.clear_unpaid_fill(manager, f3.id, "drive-off")
    f4 = ledger.record_fill(record(1, 100, dispenser=2, nozzle=2), attendant=a)
    clock.advance(60)
    wrong = ledger.recharge(a, c1, 1_000)
    clock.advance(60)
    ledger.reverse_entry(manager, wrong.entry_id, "typed the wrong amount")
    ledger.record_override(manager, "cylinder_check", "certificate shown", plate="鲁E12345")
    clock.advance(60)
    desk.close_shift(manager, CLOSING, {10000: 6, 2000: 2, 500: 1})  # 645.00
    return desk, shift, {"f3": f3.id, "f4": f4.id, "reversed": wrong.entry_id}


def sections(text: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows[1:]:
        out.setdefault(row[0], []).append(row[1:])
    return out


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *data = rows
    return [dict(zip(header, row, strict=True)) for row in data]


def test_shift_report_csv_text_and_printer(ledger: Ledger, clock: FakeClock) -> None:
    _desk, shift, ids = build_shift(ledger, clock)
    report = shift_report(ledger, shift)
    text = to_csv(report, "en")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["report", "shift", "Shift report", f"#{shift}"]
    parsed = sections(text)
    cash = dict(parsed["cash"][1:])
    assert parsed["cash"][0] == ["Item", "Value"]
    assert cash == {
        "Carried from last count": "",  # the first shift: nothing counted before it
        "Opening float": "100.00",
        "Float variance": "",
        "Cash between shifts": "0.00",
        "Cash sales": "45.00",
        "Cash sales (count)": "1",
        "Cash recharges": "510.00",
        "Fees": "0.00",
        "Refunds": "0.00",
        "Drops to the safe": "0.00",
        "Other": "-10.00",
        "Expected": "645.00",
        "Counted": "645.00",
        "Over (+) / short (−)": "0.00",
    }
    nozzles = {r["Nozzle"]: r for r in as_dicts(parsed["nozzles"])}
    assert list(nozzles) == ["1/1", "1/2", "2/1", "2/2"]
    assert nozzles["1/1"] == {
        "Nozzle": "1/1",
        "Opening": "0.00",
        "Closing": "15.23",
        "Delta": "15.23",
        "Fills": "1",
        "Recorded": "15.23",
        "Variance": "0.00",
        "Amount delta": "68.54",
        "Recorded amount": "68.54",
        "Amount variance": "0.00",
        "Flagged": "no",
        "Typed": "",
        "Gap from last close": "",
        "Between shifts": "0.00",
        "Unexplained gap": "",
    }
    cards = dict(parsed["cards"][1:])
    assert (cards["Card fills amount"], cards["Card debits"], cards["Debit variance"]) == ("68.54", "68.54", "0.00")
    assert (cards["Recharges"], cards["Recharges amount"], cards["Holds open"]) == ("2", "510.00", "0")
    count = {r["Denomination"]: (r["Pieces"], r["Amount"]) for r in as_dicts(parsed["count"])}
    assert count["100.00"] == ("6", "600.00") and count["20.00"] == ("2", "40.00") and count["5.00"] == ("1", "5.00")
    (timer,) = as_dicts(parsed["timers"])
    assert timer == {
        "Attendant": "1001 加气员",
        "Fills": "4",
        "Quantity": "28.23",
        "Amount": "127.04",
        "Over 30 s": "1/1",
        "Share over 30 s": "100.0%",
        "Avg engine-off to flow": "40.0s",
        "Over 1 min": "0/1",
        "Share over 1 min": "0.0%",
        "Avg fill end to commit": "10.0s",
    }
    (unpaid,) = as_dicts(parsed["unpaid"])
    assert (unpaid["Fill"], unpaid["Nozzle"], unpaid["Amount"], unpaid["Status"]) == (
        str(ids["f4"]),
        "2/2",
        "4.50",
        "unpaid",
    )
    (cleared,) = as_dicts(parsed["cleared"])
    assert (cleared["Fill"], cleared["Amount"], cleared["Reason"], cleared["Cleared by"]) == (
        str(ids["f3"]),
        "9.00",
        "drive-off",
        "9001 站长",
    )
    (void,) = as_dicts(parsed["voids"])
    assert (void["By"], void["Amount"], void["Reason"]) == ("9001 站长", "10.00", "typed the wrong amount")
    assert void["What"].startswith(f"#{ids['reversed']} recharge")
    (override,) = as_dicts(parsed["overrides"])
    assert (override["What"], override["Reason"]) == ("cylinder_check plate=鲁E12345", "certificate shown")
    summary = dict(parsed["summary"][1:])
    assert summary["Problems"] == "unpaid fills" and summary["Status"] == "closed"
    assert len(summary["Audit chain head"]) == 64

    zh = sections(to_csv(report, "zh"))
    assert zh["cash"][0] == ["项目", "数值"] and dict(zh["cash"][1:])["应有现金"] == "645.00"

    lines = render_text(report)
    assert "== 现金 Cash ==" in lines and "应有现金 Expected: 645.00" in lines
    pairs = as_report_lines(report, "zh")
    assert ("应有现金", "645.00") in pairs and ("[泵码核对]", "") in pairs
    printable = to_printable(report, "东营南郊", "DY-0001", "zh")
    assert printable.title == f"交接班报表 #{shift}"
    printed = render(printable, "zh")
    assert any("645.00" in line for line in printed)


def test_card_statement_running_balance(ledger: Ledger, clock: FakeClock) -> None:
    build_shift(ledger, clock)
    report = card_statement(ledger, "88000001")
    entries = as_dicts(sections(to_csv(report, "en"))["entries"])
    # The hold and its release net to nothing; the sale shows once.
    assert [(e["Kind"], e["Amount"], e["Balance"]) for e in entries] == [
        ("recharge", "500.00", "500.00"),
        ("fill", "-68.54", "431.46"),
        ("recharge", "10.00", "441.46"),
        ("reversal", "-10.00", "431.46"),
    ]
    header = dict(sections(to_csv(report, "en"))["card"][1:])
    assert (header["Opening balance"], header["Closing balance"], header["Available now"]) == (
        "0.00",
        "431.46",
        "431.46",
    )
    # A period starting after the first recharge carries it in the opening balance.
    later = card_statement(ledger, "88000001", start=dt.datetime(2026, 11, 21, 8, 3, tzinfo=dt.UTC))
    parsed = sections(to_csv(later, "en"))
    assert dict(parsed["card"][1:])["Opening balance"] == "500.00"
    assert [e["Balance"] for e in as_dicts(parsed["entries"])] == ["431.46", "441.46", "431.46"]


def test_unpaid_overrides_day_and_attendant_reports(ledger: Ledger, clock: FakeClock) -> None:
    desk, shift, ids = build_shift(ledger, clock)
    unpaid = sections(to_csv(unpaid_report(ledger), "en"))
    assert [r["Fill"] for r in as_dicts(unpaid["unpaid"])] == [str(ids["f4"])]
    assert [(r["Fill"], r["Cleared by"]) for r in as_dicts(unpaid["cleared"])] == [(str(ids["f3"]), "9001 站长")]

    overrides = sections(to_csv(overrides_report(ledger, shift), "en"))
    assert set(overrides) == {"cleared", "voids", "overrides", "adjustments", "price_changes"}
    assert len(as_dicts(overrides["voids"])) == 1 and as_dicts(overrides["adjustments"]) == []

    manager = ledger.authenticate("9001", "9999")
    desk.sign_off(manager, shift)
    # The day does not close over an unpaid fill; written off (a drive-off), it does.
    with pytest.raises(Refused) as err:
        desk.day_close(manager, dt.date(2026, 11, 21))
    assert err.value.code == "day_has_unpaid_fill" and err.value.params == {"fill": ids["f4"]}
    ledger.clear_unpaid_fill(manager, ids["f4"], "drove off")
    desk.day_close(manager, dt.date(2026, 11, 21))
    day = sections(to_csv(day_report(ledger, dt.date(2026, 11, 21)), "en"))
    summary = dict(day["summary"][1:])
    assert (summary["Day closed"], summary["Shifts"], summary["Sales"], summary["Cash sales"]) == (
        "yes",
        "1",
        "127.04",
        "45.00",
    )
    assert (summary["Expected cash"], summary["Counted cash"], summary["Over (+) / short (−)"]) == (
        "645.00",
        "645.00",
        "0.00",
    )
    assert [r["Signed off"] for r in as_dicts(day["shifts"])] == ["yes"]
    by_day = sections(to_csv(attendant_report(ledger, business_date=dt.date(2026, 11, 21)), "en"))
    by_shift = sections(to_csv(attendant_report(ledger, shift_id=shift), "en"))
    assert by_day["timers"] == by_shift["timers"] and as_dicts(by_day["timers"])[0]["Fills"] == "4"


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="station")
    sub = parser.add_subparsers(dest="command", required=True)
    report_cli.register(sub, _add_common)
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


def test_station_report_cli(
    ledger: Ledger,
    clock: FakeClock,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _desk, shift, _ids = build_shift(ledger, clock)
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    assert run_cli(["report", "shift", "--id", str(shift), "--csv", "--lang", "en", "--db", db_url]) == 0
    parsed = sections(capsys.readouterr().out)
    assert dict(parsed["cash"][1:])["Expected"] == "645.00"
    assert run_cli(["report", "shift", "--db", db_url]) == 0
    assert "应有现金 Expected: 645.00" in capsys.readouterr().out.splitlines()
    assert run_cli(["report", "day", "--date", "2026-11-21", "--db", db_url, "--lang", "zh"]) == 0
    assert "营业日: 2026-11-21" in capsys.readouterr().out
    assert run_cli(["report", "attendants", "--db", db_url, "--csv"]) == 0
    assert "1001 加气员" in capsys.readouterr().out
    assert run_cli(["report", "card", "88000001", "--db", db_url, "--csv", "--lang", "en"]) == 0
    assert as_dicts(sections(capsys.readouterr().out)["entries"])[-1]["Balance"] == "431.46"
    assert run_cli(["report", "unpaid", "--db", db_url]) == 0
    assert "drive-off" in capsys.readouterr().out
    assert run_cli(["report", "card", "00000000", "--db", db_url]) == 1
    assert "card_unknown" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(["report", "day", "--date", "21/11/2026", "--db", db_url])


def test_the_attendant_report_shows_the_drivers_ratings(ledger: Ledger, clock: FakeClock) -> None:
    from tests.ledger.helpers import record, staff

    _manager, attendant = staff(ledger, shift=True)
    for number, score in enumerate([5, 4, None, 2], start=1):  # None: the driver left without a key
        fill = ledger.record_fill(record(number, 1000), attendant=attendant)
        ledger.record_rating(
            fill_id=fill.id,
            attendant_id=attendant.id,
            lane="1/1",
            asked_at=clock.now,
            score=score,
            answered_at=clock.now if score else None,
        )
    rows = as_dicts(sections(to_csv(attendant_report(ledger), "en"))["ratings"])
    # by hand: (5 + 4 + 2) / 3 = 3.666… → 3.67; one skipped; one "fair or worse" (the 2)
    assert [(r["Asked"], r["Answered"], r["Skipped"], r["Mean (of 5)"], r["Fair or worse"]) for r in rows] == [
        ("4", "3", "1", "3.67", "1")
    ]
    assert rows[0]["Attendant"].startswith(attendant.number)
