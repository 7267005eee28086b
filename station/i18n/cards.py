"""Catalogue section of card services at the counter (加气卡业务): key -> (zh, en)."""

from __future__ import annotations

CARDS: dict[str, tuple[str, str]] = {
    "cards.title": ("加气卡业务", "Card services"),
    "cards.lookup": ("卡号", "Card no."),
    "cards.lookup_hint": ("刷卡或输入卡号后回车 · F 查卡", "Present a card, or type it + Enter"),
    "cards.none": (
        "尚未选卡。\n在读卡器上刷卡,\n或输入卡号后回车。",
        "No card yet.\nPresent a card on the reader\nor type its number and Enter.",
    ),
    "cards.need_card": ("请先刷卡或输入卡号", "Present a card or type its number first"),
    # --- keys
    "cards.key.recharge": ("充值", "Recharge"),
    "cards.key.statement": ("对账单", "Statement"),
    "cards.key.lost": ("挂失", "Lost"),
    "cards.key.issue": ("开卡", "New card"),
    "cards.key.pin": ("密码/解锁", "PIN/unlock"),
    "cards.key.replace": ("补卡", "Replace"),
    "cards.key.close": ("销户退款", "Close+refund"),
    "cards.key.adjust": ("调账", "Adjust"),
    "cards.key.find": ("查卡", "Find"),
    # --- the card panel
    "cards.number": ("卡号", "Card"),
    "cards.type": ("类型", "Type"),
    "cards.status": ("状态", "Status"),
    "cards.holder": ("持卡人", "Holder"),
    "cards.phone": ("电话", "Phone"),
    "cards.plates": ("车牌", "Plates"),
    "cards.balance": ("余额", "Balance"),
    "cards.held": ("冻结", "Held"),
    "cards.limit": ("信用额度", "Credit limit"),
    "cards.available": ("可用", "Available"),
    "cards.pin_fails": ("密码错误", "Wrong PINs"),
    "cards.type.stored_value": ("储值卡", "stored value"),
    "cards.type.account": ("记账卡", "account (credit)"),
    "cards.type.staff": ("员工卡", "staff"),
    "cards.type.internal": ("内部卡", "internal"),
    "cards.status.active": ("正常", "active"),
    "card.read_details": ("读到卡 {number}:{holder},{status}", "Card {number} read: {holder}, {status}"),
    "cards.status.lost": ("已挂失", "LOST"),
    "cards.status.locked": ("已锁定", "LOCKED"),
    "cards.status.closed": ("已注销", "CLOSED"),
    "cards.status.lost.note": ("此卡已挂失:不能加气或充值,可补卡 (X)", "This card is reported lost: replace it (X)"),
    "cards.status.locked.note": (
        "此卡因密码错误已锁定:站长可重置密码解锁 (P)",
        "Locked by wrong PINs: a manager resets the PIN (P)",
    ),
    "cards.status.closed.note": ("此卡已注销,不能再办理业务", "This card is closed: no more services"),
    # --- the form
    "cards.form.idle": ("业务", "Services"),
    "cards.form.recharge": ("现金充值", "Cash recharge"),
    "cards.form.lost": ("挂失", "Report lost"),
    "cards.form.issue": ("开新卡", "Open a new card"),
    "cards.form.pin": ("重置密码 / 解锁 (站长)", "PIN reset / unlock (manager)"),
    "cards.form.replace": ("补卡 (站长)", "Replace the card (manager)"),
    "cards.form.close": ("销户退款 (站长)", "Close and refund (manager)"),
    "cards.form.adjust": ("调账 (站长)", "Manual adjustment (manager)"),
    "cards.form.statement": ("余额与对账单", "Balance and statement"),
    "cards.f.amount": ("充值金额 (元)", "Amount (yuan)"),
    "cards.f.adjust": ("调整金额 (元,±)", "Amount (yuan, ±)"),
    "cards.f.cause": ("原因 (1/2)", "Cause (1/2)"),
    "cards.f.type": ("类型 (1-4)", "Type (1-4)"),
    "cards.f.number": ("新卡号", "New card no."),
    "cards.f.uid": ("卡UID (刷卡)", "UID (present)"),
    "cards.f.holder": ("持卡人", "Holder"),
    "cards.f.phone": ("电话", "Phone"),
    "cards.f.plates": ("车牌 (逗号分隔)", "Plates (a,b)"),
    "cards.f.limit": ("信用额度 (元)", "Credit limit (yuan)"),
    "cards.f.staff": ("员工工号", "Staff number"),
    "cards.f.pin": ("密码 (4-8位)", "PIN (4-8 digits)"),
    "cards.f.pin2": ("再输一次", "PIN again"),
    "cards.help": (
        "R 现金充值 (打印小票)\nB 余额与对账单\nL 挂失\nN 开新卡\n"
        "P 重置密码/解锁 (站长)\nX 补卡 (站长)\nZ 销户退款 (站长)\nJ 调账 (站长)\nF 查其他卡 · Esc 返回",
        "R cash recharge (receipt)\nB balance and statement\nL report lost\nN open a new card\n"
        "P PIN reset/unlock (manager)\nX replace (manager)\nZ close + refund (manager)\n"
        "J adjustment (manager)\nF find another card · Esc back",
    ),
    "cards.recharge_help": (
        "收取等额现金,回车入账并打印小票\n(小票金额等于充值金额)",
        "Take the cash, Enter credits the card\nand prints the receipt (same amount)",
    ),
    "cards.confirm_lost": (
        "确认挂失 {card}?\n挂失后此卡加气、充值都被拒绝。\n回车确认 · Esc 取消",
        "Report {card} lost?\nAfter this every use is refused.\nEnter confirms · Esc cancels",
    ),
    "cards.confirm_close": (
        "销户 {card},退还现金 ¥{refund}\n回车后由站长授权 · Esc 取消",
        "Close {card} and refund ¥{refund} cash\nEnter, then a manager approves · Esc cancels",
    ),
    "cards.replace_help": (
        "原因 1:客户遗失或损坏,收工本费 ¥{fee}\n原因 2:卡本身故障,不收费\n"
        "余额转入新卡,旧卡注销。\n在读卡器上刷新卡,自动填入UID",
        "Cause 1: the customer lost or broke it,\n  fee ¥{fee}\nCause 2: the card failed, no fee\n"
        "The balance moves to the new card.\nPresent the new card for its UID",
    ),
    "cards.adjust_help": (
        "正数补入,负数扣减 (如 -20)\n超过 ¥{limit} 需第二位站长审批",
        "Positive credits, negative debits (-20)\nOver ¥{limit} a second manager approves",
    ),
    "cards.issue_help": (
        "类型:1储值 2记账 3内部 4员工\n储值卡加气员可开;其他需站长授权。\n"
        "记账卡需填信用额度。\n在读卡器上刷新卡,自动填入UID",
        "Type: 1 stored value, 2 account,\n  3 internal, 4 staff\nAttendants open stored-value cards;\n"
        "the others need a manager.\nPresent the new card for its UID",
    ),
    "cards.pin_help": (
        "新密码4-8位数字,输入两次;\n锁定的卡同时解锁。站长授权",
        "New PIN, 4-8 digits, twice;\na locked card is unlocked. Manager approves",
    ),
    "cards.bill": ("记账卡应付 ¥{due} · 可用额度 ¥{available}", "Account card owes ¥{due} · available ¥{available}"),
    "cards.statement_print": ("回车打印对账单 · Esc 返回", "Enter prints the statement · Esc back"),
    "cards.statement_printed": ("对账单已打印", "Statement printed"),
    "cards.cancelled": ("已取消,未做任何更改", "Cancelled: nothing changed"),
    "cards.why.issue": ("开记账/内部/员工卡需站长授权", "Account, internal and staff cards need a manager"),
    "cards.why.pin": ("重置密码/解锁 {card}", "PIN reset / unlock {card}"),
    "cards.why.replace": ("补卡 {card}", "Replace {card}"),
    "cards.why.close": ("销户退款 {card}", "Close and refund {card}"),
    "cards.why.adjust": ("调账 {card} ¥{amount}", "Adjust {card} by ¥{amount}"),
    "cards.why.second": (
        "第二位站长审批:调账 ¥{amount} 超过 ¥{limit}",
        "Second manager: adjustment ¥{amount} is over ¥{limit}",
    ),
    # --- outcomes
    "cards.recharged": (
        "已充值 ¥{amount},余额 ¥{balance},小票已打印",
        "Recharged ¥{amount}; balance ¥{balance}; receipt printed",
    ),
    "cards.lost_done": ("{card} 已挂失", "{card} reported lost"),
    "cards.issued": ("已开卡 {number}", "Card {number} opened"),
    "cards.pin_done": ("{card} 密码已重置,已解锁", "{card}: PIN reset, unlocked"),
    "cards.replaced": (
        "已补卡 {old} → {new},转入 ¥{moved},工本费 ¥{fee}",
        "Replaced {old} → {new}; moved ¥{moved}; fee ¥{fee}",
    ),
    "cards.closed": ("已销户,退还现金 ¥{refund},退款单已打印", "Closed; ¥{refund} refunded in cash; slip printed"),
    "cards.adjusted": ("已调账 ¥{amount}", "Adjusted by ¥{amount}"),
    # --- refusals not yet in the main catalogue
    "err.card_type_not_rechargeable": ("员工卡和内部卡不能充值", "Staff and internal cards cannot be recharged"),
    "err.card_exists": ("卡号 {number} 已存在", "Card number {number} already exists"),
    "err.card_uid_exists": ("此卡片 (UID {uid}) 已经开过卡", "That card (UID {uid}) is already issued"),
    "err.holder_required": ("请填写持卡人", "The holder's name is required"),
    "err.credit_limit_only_for_account_cards": ("只有记账卡有信用额度", "Only account cards have a credit limit"),
    "err.card_owes": ("此卡欠款 ¥{balance},先结清再销户", "This card owes ¥{balance}: settle it before closing"),
    "err.attendant_unknown": ("查无此员工:{number}", "No such staff member: {number}"),
    "err.card_not_account": ("不是记账卡", "Not an account card"),
    "err.card_type_invalid": ("类型请输入 1、2、3 或 4", "Type 1, 2, 3 or 4"),
    "err.cause_invalid": ("原因请输入 1 (客户原因) 或 2 (卡故障)", "Cause: 1 (customer) or 2 (card fault)"),
    "err.staff_number_required": ("员工卡请填写员工工号", "A staff card needs the staff number"),
    "err.phone_invalid": ("电话号码只能包含数字", "A phone number has digits only"),
    "err.uid_invalid": ("卡UID应为十六进制 (刷卡自动填入)", "A UID is hexadecimal (present the card)"),
    "err.pin_mismatch": ("两次输入的密码不一致", "The two PINs differ"),
}
