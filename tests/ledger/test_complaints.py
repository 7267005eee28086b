"""Complaints (seed 000: name, phone, content, answered within 48 hours; seed 001: a closed loop, never hidden):
taken down, through their states in order with who and when, overdue when not answered in time, amended
beside the original, never deleted; a refusal writes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from station.ledger.complaints import ComplaintEntry
from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.services import Ledger
from tests.conftest import FakeClock
from tests.ledger.helpers import fingerprint, staff

ENTRY = ComplaintEntry(
    channel="phone",
    customer="王先生",
    phone="139 0000 1234",
    category="service",
    content="加气员态度不好",
    plate="鲁e12345",
    about_attendant="1001",
)
HOUR = 3600


def test_a_complaint_through_its_loop_and_overdue_when_not_answered_in_time(ledger: Ledger, clock: FakeClock) -> None:
    manager, attendant = staff(ledger)
    first = ledger.take_complaint(attendant, ENTRY)
    second = ledger.take_complaint(attendant, ENTRY.__class__(**{**ENTRY.__dict__, "channel": "kiosk"}))
    assert ledger.overdue_complaints() == 0
    clock.advance(47 * HOUR)
    ledger.move_complaint(manager, first, "in_hand")
    assert ledger.overdue_complaints() == 0
    clock.advance(2 * HOUR)  # 49 hours after receipt: neither is answered
    assert ledger.overdue_complaints() == 2
    ledger.move_complaint(manager, first, "answered", "已致歉,加气员已培训")
    assert ledger.overdue_complaints() == 1  # the second one is still open and late
    ledger.move_complaint(manager, first, "closed")
    views = {c.id: c for c in ledger.complaints()}
    done = views[first]
    assert done.state == "closed" and done.answered_late() and done.answer == "已致歉,加气员已培训"
    assert [h[2] for h in done.history] == ["received", "in_hand", "answered", "closed"]
    assert [h[1] for h in done.history] == ["1001 加气员", "9001 站长", "9001 站长", "9001 站长"]
    assert done.plate == "鲁E12345" and done.about_attendant == "1001 加气员"
    assert (done.due_at - done.received_at).total_seconds() == 48 * HOUR
    assert [c.id for c in ledger.complaints(open_only=True)] == [second]
    assert views[second].overdue(clock.now) and not views[first].overdue(clock.now)


def test_states_only_go_forward_and_an_answer_needs_its_words(ledger: Ledger) -> None:
    manager, attendant = staff(ledger)
    complaint = ledger.take_complaint(attendant, ENTRY)
    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as refused:
        ledger.move_complaint(manager, complaint, "closed")  # not answered yet
    assert refused.value.code == "complaint_state_order"
    with pytest.raises(InvalidInput) as empty:
        ledger.move_complaint(manager, complaint, "answered", "  ")
    assert empty.value.code == "complaint_answer_required"
    with pytest.raises(NotFound):
        ledger.move_complaint(manager, 999_999, "in_hand")
    assert fingerprint(ledger.engine) == before
    ledger.move_complaint(manager, complaint, "answered", "已退差价")
    with pytest.raises(Refused):
        ledger.move_complaint(manager, complaint, "in_hand")  # never back


def test_an_amendment_keeps_the_original(ledger: Ledger) -> None:
    manager, attendant = staff(ledger)
    complaint = ledger.take_complaint(attendant, ENTRY)
    ledger.amend_complaint(manager, complaint, "加气员未说欢迎语,态度冷淡")
    view = ledger.complaints()[0]
    assert view.content == "加气员未说欢迎语,态度冷淡" and view.original == "加气员态度不好"
    assert view.history[-1][2:] == ("amended", "加气员未说欢迎语,态度冷淡")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"customer": " "}, "complaint_customer_required"),
        ({"phone": "abc"}, "phone_invalid"),
        ({"phone": "１３９"}, "phone_invalid"),  # full-width, and too short
        ({"content": ""}, "complaint_content_required"),
        ({"channel": "email"}, "complaint_channel_invalid"),
        ({"category": "x"}, "complaint_category_invalid"),
        ({"about_attendant": "7777"}, "attendant_unknown"),
    ],
)
def test_a_complaint_missing_a_detail_is_refused_and_nothing_is_written(
    ledger: Ledger, change: dict[str, str], code: str
) -> None:
    _manager, attendant = staff(ledger)
    before = fingerprint(ledger.engine)
    with pytest.raises((InvalidInput, NotFound)) as refused:
        ledger.take_complaint(attendant, ComplaintEntry(**{**ENTRY.__dict__, **change}))
    assert refused.value.code == code
    assert fingerprint(ledger.engine) == before
