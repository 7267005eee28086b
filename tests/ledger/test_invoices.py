"""Invoice requests in the ledger (SQLite and PostgreSQL): once per receipt, for its amount, the prepaid rule."""

from __future__ import annotations

import pytest

from station.config import Invoices as InvoiceSettings
from station.ledger.errors import InvalidInput, NotFound, PermissionDenied, Refused
from station.ledger.invoice_link import InvoiceLink, make_link
from station.ledger.invoice_views import Buyer
from station.ledger.models import CardType
from station.ledger.services import Ledger
from station.ledger.staff import Actor
from tests.ledger.helpers import card, fingerprint, record, staff
from tests.ledger.test_services import assert_refused_unchanged

COMPANY = Buyer("东营市运输有限公司", "91350100M000100Y43", "fapiao@example.cn")


def cash_sale(ledger: Ledger, attendant: Actor, number: int = 1, quantity: int = 1523) -> tuple[int, int]:
    fill = ledger.record_fill(record(number, quantity), attendant=attendant)
    sale = ledger.settle_cash(attendant, fill.id, fill.amount_fen)
    return sale.receipt_no, fill.amount_fen


def card_sale(ledger: Ledger, attendant: Actor, number: str, txn: int = 1) -> tuple[int, int]:
    fill = ledger.record_fill(record(txn, 1000), attendant=attendant)
    sale = ledger.settle_card(attendant, fill.id, number)
    return sale.receipt_no, fill.amount_fen


def prepaid(ledger: Ledger, rule: str) -> None:
    ledger.settings = ledger.settings.model_copy(update={"invoices": InvoiceSettings(prepaid=rule)})  # type: ignore[arg-type]


def test_a_receipt_is_invoiced_once_and_the_second_request_is_refused(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    receipt_no, amount = cash_sale(ledger, attendant)
    view = ledger.request_invoice(attendant, receipt_no, amount, COMPANY)
    assert (view.state, view.kind, view.amount_fen) == ("requested", "fill", 6854)
    assert view.net_fen + view.tax_fen == 6854 and view.tax_fen == 566 and view.rate_centi_percent == 900
    assert view.tax_code == "1020102000000000000"
    error = assert_refused_unchanged(
        ledger,
        Refused,
        "invoice_already_requested",
        lambda: ledger.request_invoice(attendant, receipt_no, amount, Buyer("张三")),
    )
    assert error.params == {"receipt": receipt_no, "state": "requested"}
    # Issued, then reversed: still one row, never a second invoice, never deleted.
    assert ledger.invoice_issued(view.request_no, "26370000000000000001")
    assert not ledger.invoice_issued(view.request_no, "26370000000000000002")  # a repeated answer: no change
    with pytest.raises(PermissionDenied):
        ledger.request_reversal(attendant, receipt_no, "开错抬头")
    ledger.request_reversal(manager, receipt_no, "开错抬头")
    assert ledger.invoice_reversed(view.request_no, "26370000000000000003")
    history = ledger.invoice(receipt_no)
    assert history.state == "reversed" and history.provider_invoice_no == "26370000000000000001"
    assert [(e.from_state, e.to_state, e.actor_id) for e in history.events] == [
        ("", "requested", attendant.id),
        ("requested", "issued", None),
        ("issued", "reversing", manager.id),
        ("reversing", "reversed", None),
    ]
    assert_refused_unchanged(
        ledger,
        Refused,
        "invoice_already_requested",
        lambda: ledger.request_invoice(attendant, receipt_no, amount, COMPANY),
    )


def test_request_from_the_link_and_a_tampered_amount_refused(ledger: Ledger) -> None:
    _, attendant = staff(ledger, shift=True)
    receipt_no, amount = cash_sale(ledger, attendant)
    base = ledger.settings.invoices.request_url
    forged = make_link(base, ledger.invoice_link_key, InvoiceLink("DY-0001", receipt_no, amount)).replace(
        f"a={amount}", f"a={amount * 10}"
    )
    assert_refused_unchanged(
        ledger, Refused, "invoice_link_invalid", lambda: ledger.request_invoice_from_link(attendant, forged, COMPANY)
    )
    # Typed at the desk with another amount: the books say otherwise.
    assert_refused_unchanged(
        ledger,
        Refused,
        "invoice_amount_mismatch",
        lambda: ledger.request_invoice(attendant, receipt_no, amount + 1, COMPANY),
    )
    assert_refused_unchanged(
        ledger, NotFound, "invoice_receipt_unknown", lambda: ledger.request_invoice(attendant, 999, amount, COMPANY)
    )
    good = make_link(base, ledger.invoice_link_key, InvoiceLink("DY-0001", receipt_no, amount))
    assert ledger.request_invoice_from_link(attendant, good, Buyer("李四", email="li@example.cn")).buyer.tax_no == ""


def test_buyer_details_are_checked(ledger: Ledger) -> None:
    _, attendant = staff(ledger, shift=True)
    receipt_no, amount = cash_sale(ledger, attendant)
    for buyer, code in [
        (Buyer("某公司", "91350100M000100Y44"), "invoice_tax_number"),
        (Buyer(" "), "invoice_buyer_name"),
        (Buyer("某公司", email="not-an-address"), "invoice_email"),
    ]:
        before = fingerprint(ledger.engine)
        with pytest.raises(InvalidInput) as info:
            ledger.request_invoice(attendant, receipt_no, amount, buyer)
        assert info.value.code == code
        assert fingerprint(ledger.engine) == before


def test_prepaid_cards_invoiced_at_recharge_refuse_their_fills(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    number = card(ledger, manager, balance=0)
    recharge = ledger.recharge(attendant, number, 20_000)
    fill_receipt, fill_amount = card_sale(ledger, attendant, number)
    prepaid(ledger, "recharge")
    assert_refused_unchanged(
        ledger,
        Refused,
        "invoice_prepaid_at_recharge",
        lambda: ledger.request_invoice(attendant, fill_receipt, fill_amount, COMPANY),
    )
    view = ledger.request_invoice(attendant, recharge.receipt_no, 20_000, COMPANY)
    assert (view.kind, view.amount_fen, view.tax_fen) == ("recharge", 20_000, 1651)


def test_prepaid_cards_invoiced_at_consumption_refuse_their_recharges(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    number = card(ledger, manager, balance=0)
    recharge = ledger.recharge(attendant, number, 20_000)
    fill_receipt, fill_amount = card_sale(ledger, attendant, number)
    prepaid(ledger, "consumption")
    assert_refused_unchanged(
        ledger,
        Refused,
        "invoice_prepaid_at_consumption",
        lambda: ledger.request_invoice(attendant, recharge.receipt_no, 20_000, COMPANY),
    )
    assert ledger.request_invoice(attendant, fill_receipt, fill_amount, COMPANY).kind == "fill"


def test_account_card_fills_are_invoiced_and_internal_ones_never(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    account = card(ledger, manager, number="88000002", balance=0, card_type=CardType.ACCOUNT, credit_limit_fen=100_000)
    internal = card(ledger, manager, number="88000003", balance=0, card_type=CardType.INTERNAL)
    billed, billed_amount = card_sale(ledger, attendant, account, txn=1)
    own, own_amount = card_sale(ledger, attendant, internal, txn=2)
    assert ledger.request_invoice(attendant, billed, billed_amount, COMPANY).state == "requested"
    assert_refused_unchanged(
        ledger, Refused, "invoice_internal_use", lambda: ledger.request_invoice(attendant, own, own_amount, COMPANY)
    )


def test_a_refused_request_is_resubmitted_under_a_new_number(ledger: Ledger) -> None:
    _, attendant = staff(ledger, shift=True)
    receipt_no, amount = cash_sale(ledger, attendant)
    first = ledger.request_invoice(attendant, receipt_no, amount, COMPANY)
    assert ledger.invoice_failed(first.request_no, "购买方税号与名称不符")
    assert [v.receipt_no for v in ledger.invoices(("failed",))] == [receipt_no]
    again = ledger.resubmit_invoice(attendant, receipt_no, Buyer("东营市运输有限公司", "91110000710925243K"))
    assert again.state == "requested" and again.request_no != first.request_no
    assert [v.request_no for v in ledger.invoices_due()] == [again.request_no]
