"""Callbacks (seed 000: random callbacks within 48 hours; seed 003 §7–8: a stratified sample balanced across
the attendants, two scores 1–10, satisfaction = the mean of each, final = their arithmetic mean, fair or poor
answers followed up): drawn once a day, each sale once, scores refused out of range, and the month's figures
checked against a hand computation. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from station.ledger.callbacks import CallbackAnswer, balanced_sample
from station.ledger.complaints import ComplaintEntry
from station.ledger.errors import InvalidInput, NotFound, PermissionDenied, Refused
from station.ledger.models import CardType, Role
from station.ledger.reports.satisfaction import satisfaction_report
from station.ledger.reports.shift import shift_report
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import ServiceDue
from station.ledger.staff import Actor
from station.printouts.report import render_text
from station.tui.screens.desk.reconciliation_lines import reconciliation_lines
from tests.conftest import FakeClock
from tests.ledger.helpers import card, fingerprint, record, staff
from tests.ledger.test_reports import run_cli

HOUR = 3600
DRAW_DAY = dt.date(2026, 11, 22)  # the clock starts 2026-11-21 16:00 China time: the sales are the day before
GOOD = CallbackAnswer(reached=True, attitude=9, ability=9)


def per_day(ledger: Ledger, count: int) -> None:
    service = ledger.settings.service.model_copy(update={"callbacks_per_day": count})
    ledger.settings = ledger.settings.model_copy(update={"service": service})


def attendant(ledger: Ledger, manager: Actor, number: str) -> Actor:
    return ledger.create_attendant(manager, number=number, name=f"加气员{number[-1]}", role=Role.ATTENDANT, pin="1234")


class Sales:
    """Card sales one after another, a minute apart, each with its own dispenser transaction number."""

    def __init__(self, ledger: Ledger, clock: FakeClock) -> None:
        self.ledger, self.clock, self.txn = ledger, clock, 0

    def card(self, who: Actor, number: str) -> int:
        self.txn += 1
        fill = self.ledger.record_fill(record(self.txn, 1000, when=self.clock.now), attendant=who)
        self.ledger.settle_card(who, fill.id, number)
        self.clock.advance(60)
        return fill.id

    def cash(self, who: Actor) -> int:
        self.txn += 1
        fill = self.ledger.record_fill(record(self.txn, 1000, when=self.clock.now), attendant=who)
        self.ledger.settle_cash(who, fill.id, fill.amount_fen)
        self.clock.advance(60)
        return fill.id


def test_a_days_sample_is_balanced_across_attendants_drawn_once_and_never_twice_the_same_sale(
    ledger: Ledger, clock: FakeClock
) -> None:
    manager, a = staff(ledger, shift=True)
    b, c = attendant(ledger, manager, "1002"), attendant(ledger, manager, "1003")
    phone = card(ledger, manager, "88000001", balance=200_000, phone="13900001111")
    no_phone = card(ledger, manager, "88000002", balance=50_000, uid="04D4E5F6")
    internal = card(ledger, manager, "88000009", balance=0, uid="04999999", card_type=CardType.INTERNAL, phone="1")
    sales = Sales(ledger, clock)
    eligible = {who.number: [sales.card(who, phone) for _ in range(n)] for who, n in ((a, 6), (b, 4), (c, 1))}
    sales.cash(a)  # not a card sale: nobody to call
    sales.card(b, no_phone)  # the holder left no phone
    sales.card(c, internal)  # the station's own vehicle
    per_day(ledger, 9)

    with pytest.raises(PermissionDenied):
        ledger.draw_callbacks(DRAW_DAY, a, seed=7)
    drawn = ledger.draw_callbacks(DRAW_DAY, manager, seed=7)
    counts = {n: sum(1 for cb in drawn if cb.attendant.startswith(n)) for n in ("1001", "1002", "1003")}
    # One each in turn: 1003 has one sale, 1001 and 1002 share the rest evenly (9 = 1 + 4 + 4).
    assert counts == {"1001": 4, "1002": 4, "1003": 1}
    everyone = {f for fills in eligible.values() for f in fills}
    assert {cb.fill_id for cb in drawn} <= everyone
    assert all(cb.state == "pending" and cb.phone == "13900001111" and cb.receipt_no for cb in drawn)
    assert all((cb.due_at - cb.sale_at).total_seconds() == 48 * HOUR for cb in drawn)
    assert [cb.due_at for cb in drawn] == sorted(cb.due_at for cb in drawn)

    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as again:
        ledger.draw_callbacks(DRAW_DAY, manager, seed=8)
    assert again.value.code == "callbacks_already_drawn"
    assert fingerprint(ledger.engine) == before

    # The next day's list takes only the sales not drawn yet: 1001's last two.
    following = ledger.draw_callbacks(DRAW_DAY + dt.timedelta(days=1), manager)
    assert {cb.fill_id for cb in following} == everyone - {cb.fill_id for cb in drawn}
    assert {cb.attendant for cb in following} == {"1001 加气员"}
    with pytest.raises(Refused) as empty:
        ledger.draw_callbacks(DRAW_DAY + dt.timedelta(days=2), manager)
    assert empty.value.code == "callbacks_none_to_draw"


def test_the_sample_is_the_same_for_the_same_seed() -> None:
    sales = {1: [10, 11, 12, 13, 14], 2: [20, 21, 22], 3: [30]}
    first = balanced_sample(sales, 6, seed=42)
    assert first == balanced_sample(sales, 6, seed=42)
    assert len(first) == len(set(first)) == 6
    shares = sorted(sum(1 for f in first if f // 10 == a) for a in (1, 2, 3))
    assert shares == [1, 2, 3]  # 3 has its one sale; 1 and 2 split the other five, 2 and 3
    assert balanced_sample(sales, 100, seed=1) and sorted(balanced_sample(sales, 100, seed=1)) == sorted(
        f for fs in sales.values() for f in fs
    )


@pytest.mark.parametrize(
    ("answer", "code", "field"),
    [
        ({"attitude": 0}, "callback_score_invalid", "attitude"),
        ({"attitude": 11}, "callback_score_invalid", "attitude"),
        ({"ability": None}, "callback_score_invalid", "ability"),
        ({"ability": -3}, "callback_score_invalid", "ability"),
        ({"ability": True}, "callback_score_invalid", "ability"),  # a bool is not a score
        ({"environment": "ok"}, "callback_answer_invalid", "environment"),
        ({"speed": "一般"}, "callback_answer_invalid", "speed"),  # the code, not the word
    ],
)
def test_scores_out_of_range_are_refused_and_nothing_is_written(
    ledger: Ledger, clock: FakeClock, answer: dict[str, Any], code: str, field: str
) -> None:
    manager, a = staff(ledger, shift=True)
    Sales(ledger, clock).card(a, card(ledger, manager, balance=20_000, phone="13900001111"))
    [callback] = ledger.draw_callbacks(DRAW_DAY, manager, seed=1)
    before = fingerprint(ledger.engine)
    with pytest.raises(InvalidInput) as refused:
        ledger.record_callback(manager, callback.id, CallbackAnswer(**{**GOOD.__dict__, **answer}))
    assert (refused.value.code, refused.value.params["field"]) == (code, field)
    assert fingerprint(ledger.engine) == before


def test_a_call_is_recorded_once_not_by_the_attendant_it_is_about_and_fair_answers_are_followed_up(
    ledger: Ledger, clock: FakeClock
) -> None:
    manager, a = staff(ledger, shift=True)
    number = card(ledger, manager, balance=50_000, phone="13900001111")
    sales = Sales(ledger, clock)
    for _ in range(4):
        sales.card(a, number)
    first, second, third, fourth = ledger.draw_callbacks(DRAW_DAY, manager, seed=3)
    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as own:
        ledger.record_callback(a, first.id, GOOD)
    assert own.value.code == "callback_own_sale"
    with pytest.raises(NotFound):
        ledger.record_callback(manager, 999_999, GOOD)
    assert fingerprint(ledger.engine) == before
    clock.advance(HOUR)
    done = ledger.record_callback(manager, first.id, GOOD)
    assert (done.state, done.attitude, done.ability, done.follow_up) == ("done", 9, 9, False)
    assert done.recorded_by == "9001 站长" and done.recorded_at == clock.now
    with pytest.raises(Refused) as twice:
        ledger.record_callback(manager, first.id, GOOD)
    assert twice.value.code == "callback_already_recorded"
    fair = ledger.record_callback(manager, second.id, CallbackAnswer(True, 9, 9, "satisfied", "fair", "等了很久"))
    low = ledger.record_callback(manager, third.id, CallbackAnswer(True, 6, 9))  # 6: at the low-score line
    missed = ledger.record_callback(manager, fourth.id, CallbackAnswer(reached=False, note="无人接听"))
    assert (fair.follow_up, fair.speed, fair.note) == (True, "fair", "等了很久")
    assert low.follow_up and missed.state == "not_reached" and missed.attitude is None
    assert ledger.callbacks() == []  # none pending


def test_the_months_satisfaction_matches_the_hand_computation(
    ledger: Ledger,
    clock: FakeClock,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    manager, a = staff(ledger, shift=True)
    b = attendant(ledger, manager, "1002")
    number = card(ledger, manager, balance=100_000, phone="13900001111")
    sales = Sales(ledger, clock)
    for _ in range(4):
        sales.card(a, number)
        sales.card(b, number)
    per_day(ledger, 8)
    drawn = ledger.draw_callbacks(DRAW_DAY, manager, seed=5)
    mine = {n: [cb for cb in drawn if cb.attendant.startswith(n)] for n in ("1001", "1002")}
    # 1001: three reached (9, 8), (10, 7), (8, 8) and one not reached.
    for cb, (att, abl) in zip(mine["1001"], ((9, 8), (10, 7), (8, 8)), strict=False):
        ledger.record_callback(manager, cb.id, CallbackAnswer(True, att, abl))
    ledger.record_callback(manager, mine["1001"][3].id, CallbackAnswer(reached=False))
    # 1002: four reached; (7, 6) is at the low line, (7, 7) had a fair speed: two follow-ups.
    for cb, (att, abl, speed) in zip(
        mine["1002"], ((7, 6, "satisfied"), (8, 9, "satisfied"), (7, 7, "fair"), (7, 8, "satisfied")), strict=True
    ):
        ledger.record_callback(manager, cb.id, CallbackAnswer(True, att, abl, speed=speed))
    # Complaints of the month: answered after 10 h and after 50 h (late), one still open past its 48 h.
    entry = ComplaintEntry(channel="phone", customer="王先生", phone="13900002222", category="service", content="慢")
    quick, slow, _open = (ledger.take_complaint(a, entry) for _ in range(3))
    clock.advance(10 * HOUR)
    ledger.move_complaint(manager, quick, "answered", "已致歉")
    clock.advance(40 * HOUR)
    ledger.move_complaint(manager, slow, "answered", "已致歉")

    report = satisfaction_report(ledger, dt.date(2026, 11, 1))
    rows = [[c if isinstance(c, str) else c.zh for c in row] for row in report.section("satisfaction").rows]
    # By hand, seed 003 §7.7.1: satisfaction = (A1 + … + An) / n per score; final = the two means' mean.
    # 1001: attitude (9+10+8)/3 = 9.0; ability (8+7+8)/3 = 7.67 → 7.7; final (9 + 7.667)/2 = 8.33 → 8.3
    # 1002: attitude (7+8+7+7)/4 = 7.25 → 7.3 (half up); ability (6+9+7+8)/4 = 7.5; final 7.375 → 7.4
    # station: attitude 56/7 = 8.0; ability 53/7 = 7.571 → 7.6; final (8 + 7.571)/2 = 7.786 → 7.8
    assert rows == [
        ["1001 加气员", "4", "3", "1", "0", "9.0", "7.7", "8.3", "0"],
        ["1002 加气员2", "4", "4", "0", "0", "7.3", "7.5", "7.4", "2"],
        ["全站", "8", "7", "1", "0", "8.0", "7.6", "7.8", "2"],
    ]
    times = {label.zh: value for label, value in report.section("complaints").rows}  # type: ignore[union-attr]
    # answered after 10 h and 50 h: median 30.0, longest 50.0; one late, one open and overdue
    assert times == {
        "受理": "3",
        "已答复": "2",
        "答复用时中位数 (小时)": "30.0",
        "最长用时 (小时)": "50.0",
        "超时答复": "1",
        "超时未答复": "1",
    }
    assert "服务满意度月报 2026-11" in render_text(report, "zh")[0]
    assert satisfaction_report(ledger, dt.date(2026, 12, 1)).section("satisfaction").rows == ()

    # The same figures from `station report satisfaction --month 2026-11`
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    assert run_cli(["report", "satisfaction", "--month", "2026-11", "--db", db_url, "--lang", "zh"]) == 0
    printed = capsys.readouterr().out
    assert "1002 加气员2 | 4 | 4 | 0 | 0 | 7.3 | 7.5 | 7.4 | 2" in printed
    assert "全站 | 8 | 7 | 1 | 0 | 8.0 | 7.6 | 7.8 | 2" in printed
    with pytest.raises(SystemExit):
        run_cli(["report", "satisfaction", "--month", "2026-13", "--db", db_url])


def test_the_reconciliation_shows_an_overdue_complaint_and_the_callbacks_due(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger, shift=True)
    Sales(ledger, clock).card(a, card(ledger, manager, balance=20_000, phone="13900001111"))
    ledger.take_complaint(
        a, ComplaintEntry(channel="kiosk", customer="刘女士", phone="13900003333", category="price", content="价高")
    )
    clock.advance(20 * HOUR)  # 2026-11-22 12:00 China time: the day's list drawn
    ledger.draw_callbacks(DRAW_DAY, manager, seed=1)
    assert ShiftDesk(ledger).reconciliation().service == ServiceDue(0, 1, 0)
    clock.advance(29 * HOUR)  # 49 h after both: the complaint unanswered, the callback not made
    rec = ShiftDesk(ledger).reconciliation()
    service = rec.service
    assert (service.complaints_overdue, service.callbacks_due, service.callbacks_overdue) == (1, 1, 1)
    on_screen = "\n".join(reconciliation_lines(rec, "zh"))  # the desk's reconciliation screen says it too
    assert "✗[/] 投诉超时未答复 1 件 · 待回访 1 个 · 回访超时 1 个" in on_screen
    rows = {label.zh: value for label, value in shift_report(ledger).section("service").rows}  # type: ignore[union-attr]
    assert rows == {"投诉超时未答复": "1", "待回访": "1", "回访超时": "1"}
