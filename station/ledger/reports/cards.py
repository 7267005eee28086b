"""A card's statement: its entries in a period with the running balance."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from station.ledger.errors import NotFound
from station.ledger.journal import card_account, hold_account
from station.ledger.models import Account, JournalEntry, Posting
from station.ledger.reports.sections import (
    pairs,
    table,
    yuan,
)
from station.ledger.services import Ledger
from station.printouts.report import (
    Cell,
    Report,
    Text,
    local_time,
)


def card_statement(
    ledger: Ledger, number: str, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> Report:
    """A card's entries in a period with the running balance (held amounts included: a hold and its release
    net to nothing, a sale shows once)."""
    view = ledger.card(number=number)
    with ledger._read() as session:
        accounts = [
            a
            for a in session.scalars(
                select(Account.id).where(Account.code.in_((card_account(view.number), hold_account(view.number))))
            )
        ]
        if not accounts:
            raise NotFound("card_unknown", number=number)
        rows = session.execute(
            select(JournalEntry.id, JournalEntry.kind, JournalEntry.created_at, JournalEntry.memo, Posting.amount_fen)
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .where(Posting.account_id.in_(accounts))
            .order_by(JournalEntry.id, Posting.id)
        ).all()
    nets: dict[int, int] = {}
    meta: dict[int, tuple[str, dt.datetime, str]] = {}
    for entry_id, kind, created_at, memo, amount in rows:
        nets[entry_id] = nets.get(entry_id, 0) - int(amount)  # liabilities: a credit raises the balance
        meta[entry_id] = (str(kind), created_at, str(memo))
    opening = 0
    balance = 0
    lines: list[list[Cell]] = []
    for entry_id, net in nets.items():
        kind, created_at, memo = meta[entry_id]
        if net == 0:
            continue
        if start is not None and created_at < start:
            opening += net
            balance += net
            continue
        if end is not None and created_at >= end:
            continue
        balance += net
        lines.append(
            [local_time(created_at), str(entry_id), _KINDS.get(kind, Text(kind, kind)), memo, yuan(net), yuan(balance)]
        )
    header = pairs(
        "card",
        Text("卡", "Card"),
        [
            (Text("卡号", "Card"), view.number),
            (Text("持卡人", "Holder"), view.holder),
            (Text("卡类型", "Type"), view.card_type.value),
            (Text("状态", "Status"), view.status.value),
            (Text("期间", "Period"), f"{local_time(start) or '…'} – {local_time(end) or '…'}"),
            (Text("期初余额", "Opening balance"), yuan(opening)),
            (Text("期末余额", "Closing balance"), yuan(balance)),
            (Text("当前可用余额", "Available now"), yuan(view.balance_fen)),
            (Text("当前冻结", "Held now"), yuan(view.held_fen)),
            (Text("信用额度", "Credit limit"), yuan(view.credit_limit_fen)),
        ],
    )
    entries = table(
        "entries",
        Text("明细", "Entries"),
        (
            ("time", "时间", "Time"),
            ("entry", "凭证号", "Entry"),
            ("kind", "类型", "Kind"),
            ("memo", "摘要", "Memo"),
            ("amount", "金额", "Amount"),
            ("balance", "余额", "Balance"),
        ),
        lines,
    )
    return Report("card", Text("加气卡对账单", "Card statement"), view.number, ledger.now(), (header, entries))


_KINDS = {
    "fill_sale": Text("加气", "fill"),
    "recharge": Text("充值", "recharge"),
    "refund": Text("退款", "refund"),
    "fee": Text("工本费", "fee"),
    "adjustment": Text("调账", "adjustment"),
    "reversal": Text("冲正", "reversal"),
    "card_transfer": Text("换卡转入/转出", "card transfer"),
    "hold": Text("灰锁", "hold"),
    "hold_release": Text("解锁", "hold release"),
}
