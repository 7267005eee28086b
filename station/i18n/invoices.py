"""Catalogue section of digital invoices (数电发票): the desk's refusals about invoice requests."""

from __future__ import annotations

INVOICES: dict[str, tuple[str, str]] = {
    "err.invoice_amount_mismatch": (
        "金额与小票 {receipt} 不符,不能开票",
        "The amount does not match receipt {receipt}: no invoice",
    ),
    "err.invoice_internal_use": ("小票 {receipt} 为内部用气,不开发票", "Receipt {receipt} is internal use: no invoice"),
    "err.invoice_prepaid_at_recharge": (
        "储值卡在充值时开票,小票 {receipt} 的加气消费不再开票",
        "Prepaid cards are invoiced at recharge: receipt {receipt} (a card fill) is not invoiced",
    ),
    "err.invoice_prepaid_at_consumption": (
        "储值卡在消费时开票,充值小票 {receipt} 不开票",
        "Prepaid cards are invoiced at consumption: recharge receipt {receipt} is not invoiced",
    ),
    "err.invoice_receipt_unknown": ("查无小票 {receipt}", "No receipt {receipt}"),
    "err.invoice_already_requested": (
        "小票 {receipt} 已申请过发票 (状态: {state}),不能重复开票",
        "Receipt {receipt} already has an invoice request ({state}): not invoiced twice",
    ),
    "err.invoice_link_invalid": ("二维码无效: {why}", "Not a valid receipt QR code: {why}"),
    "err.invoice_not_failed": (
        "小票 {receipt} 的发票申请状态为 {state},不能重新提交",
        "Receipt {receipt}'s invoice request is {state}: it cannot be resubmitted",
    ),
    "err.invoice_not_issued": (
        "小票 {receipt} 的发票状态为 {state},不能红冲",
        "Receipt {receipt}'s invoice is {state}: it cannot be reversed",
    ),
    "err.invoice_unknown": ("小票 {receipt} 没有发票申请", "Receipt {receipt} has no invoice request"),
    "err.invoice_buyer_name": (
        "请填写购买方名称(个人填姓名)",
        "Enter the buyer's name (a person's name for individuals)",
    ),
    "err.invoice_tax_number": (
        "纳税人识别号 {tax_no} 无效(统一社会信用代码18位,含校验位)",
        "Tax number {tax_no} is not valid (an 18-character credit code with its check character)",
    ),
    "err.invoice_email": ("邮箱地址 {email} 无效", "E-mail address {email} is not valid"),
    "err.invoice_receipt_number": ("小票号应为数字", "A receipt number is digits"),
    # --- the desk's invoice screen
    "desk.menu.invoices": ("发票 (扫小票二维码或输小票号)", "Invoices (scan a receipt's QR or type its number)"),
    "desk.key.invoices": ("发票", "Invoices"),
    "invoices.key.reverse": ("红冲", "Reverse"),
    "invoices.title": ("数电发票", "Digital invoices"),
    "invoices.help": (
        "扫小票二维码或输入小票号,填购买方后回车 · ↑↓ 选择 · F8 红冲 · Esc 返回",
        "Scan the receipt's QR or type its number, fill the buyer, ⏎ · ↑↓ select · F8 reverse · Esc back",
    ),
    "invoices.f.link": ("二维码/小票号", "QR link / receipt no."),
    "invoices.f.amount": ("小票金额(元)", "Receipt amount (yuan)"),
    "invoices.f.buyer": ("购买方名称", "Buyer's name"),
    "invoices.f.tax": ("税号(个人不填)", "Tax no. (none: a person)"),
    "invoices.f.email": ("接收邮箱", "E-mail"),
    "invoices.none": ("还没有发票申请", "No invoice requests yet"),
    "invoices.requested": (
        "小票 {receipt} 已申请发票:¥{amount}(税额 ¥{tax}),开具后发送到 {email}",
        "Receipt {receipt}: invoice requested, ¥{amount} (tax ¥{tax}); sent to {email} once issued",
    ),
    "invoices.reversing": ("小票 {receipt} 的发票已申请红冲", "Receipt {receipt}: reversal requested"),
    "invoices.why.reverse": (
        "红冲小票 {receipt} 的发票需要站长",
        "Reversing receipt {receipt}'s invoice needs a manager",
    ),
    "invoices.state.requested": ("已申请", "requested"),
    "invoices.state.issued": ("已开具", "issued"),
    "invoices.state.failed": ("被拒", "refused"),
    "invoices.state.reversing": ("红冲中", "reversing"),
    "invoices.state.reversed": ("已红冲", "reversed"),
}
