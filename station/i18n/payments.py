"""Catalogue section of scan-to-pay (付款码): key -> (zh, en)."""

from __future__ import annotations

PAYMENTS: dict[str, tuple[str, str]] = {
    "pay.code_empty": ("请扫描顾客的付款码", "Scan the driver's payment code"),
    "pay.code_not_digits": ("付款码只能是数字, 请重新扫描", "A payment code is digits only; scan it again"),
    "pay.code_wechat_length": ("微信付款码应为18位数字, 请重新扫描", "A WeChat Pay code has 18 digits; scan it again"),
    "pay.code_alipay_length": (
        "支付宝付款码应为16至24位数字, 请重新扫描",
        "An Alipay code has 16 to 24 digits; scan it again",
    ),
    "pay.code_unknown_provider": (
        "无法识别的付款码, 请使用微信或支付宝付款码",
        "Not a code we take; ask for a WeChat Pay or Alipay payment code",
    ),
    "phrase.settle_mobile": ("您好,请出示付款码,本次{amount}元", "Please show your payment code; {amount} yuan"),
    "do.settle_mobile": (
        "扫描顾客手机上的付款码 (或输入后回车); Esc 改收现金",
        "Scan the code on the driver's phone (or type it, Enter); Esc for cash",
    ),
    "do.or_mobile": ("顾客扫码付款按 M", "M: the driver pays by phone"),
    "settle.mobile_code": ("付款码", "Payment code"),
    "key.mobile": ("扫码付款", "Pay by phone"),
    "pay.asking": ("正在向支付平台收款…", "Asking the payment provider…"),
    "pay.wait_answer": (
        "正在收款, 请等待支付结果 (最长1分钟)",
        "A payment is in progress; wait for its answer (at most a minute)",
    ),
    "sim.pay_help": (
        "W 扫微信付款码 · A 扫支付宝付款码 (结算时即收款) · P 下一笔顾客需输密码 8秒 · D 下一笔拒付",
        "W scan a WeChat code · A scan an Alipay code (at settle: pays) · P next one: the driver types a "
        "password for 8 s · D next one declined",
    ),
    "sim.scanned": ("模拟:扫码 {code}", "Sim: code {code} scanned"),
    "sim.pay_fault": ("模拟:下一笔支付 {fault}", "Sim: next payment {fault}"),
    "err.mobile_pay_off": ("本站未开通移动支付", "Mobile payment is not set up at this station"),
    "mobile.title": ("移动支付收款与退款", "Mobile payments and refunds"),
    "mobile.help": (
        "↑↓ 选择一笔 · F8 退款 (需站长授权并填写原因) · Esc 返回",
        "↑↓ choose one · F8 refund (a manager, with a reason) · Esc back",
    ),
    "mobile.none": ("还没有移动支付", "No mobile payments yet"),
    "mobile.key.refund": ("退款", "Refund"),
    "mobile.why.refund": ("退款 {order} ({amount}元) 需站长授权", "Refund of {order} ({amount} yuan): a manager"),
    "mobile.refunded": ("已退款 {order} {amount}元, 销售已冲回", "Refunded {order}, {amount} yuan; the sale reversed"),
    "mobile.refund_pending": (
        "退款已提交, 等待支付平台确认 (将自动重试): {order}",
        "Refund sent; waiting for the provider to confirm (asked again): {order}",
    ),
    "mobile.state.created": ("已创建", "created"),
    "mobile.state.paying": ("支付中", "paying"),
    "mobile.state.paid": ("已支付", "paid"),
    "mobile.state.failed": ("未支付", "failed"),
    "mobile.state.reversed": ("已撤销", "reversed"),
    "mobile.state.duplicate": ("重复支付待退", "duplicate, to refund"),
    "mobile.state.refunding": ("退款中", "refunding"),
    "mobile.state.refunded": ("已退款", "refunded"),
    "desk.key.mobile": ("移动支付", "Mobile pay"),
    "desk.menu.mobile": ("移动支付: 收款记录与退款", "Mobile payments: list and refunds"),
    "scan.no_field": ("扫码: 当前界面没有可接收扫码的输入框", "Scanned: no field on this screen takes a code"),
    "pay.provider.wechat": ("微信支付", "WeChat Pay"),
    "pay.provider.alipay": ("支付宝", "Alipay"),
    "pay.paying": ("顾客正在手机上确认支付…", "The driver is confirming on the phone…"),
    "pay.paid": ("{provider} 已收款 {amount}", "{provider}: {amount} received"),
    "pay.declined": ("支付未成功, 请改用现金或卡", "Payment declined; offer cash or card"),
    "pay.timed_out": ("支付超时已撤销, 请改用现金或卡", "Payment timed out and was reversed; offer cash or card"),
    "pay.unresolved": (
        "支付结果未确认, 系统将自动查询, 请改用现金或卡",
        "Payment outcome unknown; it will be checked again. Offer cash or card",
    ),
    "pay.off": ("本站未开通移动支付", "Mobile payment is not set up at this station"),
    "err.fill_already_paid": ("该笔加气已付款, 不能重复收款", "This fill is already paid; it cannot be paid twice"),
    "err.payment_order_unknown": ("找不到支付订单 {order}", "No payment order {order}"),
    "err.payment_order_final": ("支付订单 {order} 已结束 ({state})", "Payment order {order} is finished ({state})"),
    "err.payment_amount_mismatch": (
        "支付金额与应收不符 (应收 {due_fen} 分)",
        "The amount paid does not match the amount due ({due_fen} fen)",
    ),
    "err.payment_order_pending": ("此笔已有进行中的移动支付", "A mobile payment for this fill is in progress"),
    "err.payment_order_move": ("支付订单状态不允许此操作", "The payment order's state does not allow that"),
    "err.payment_order_not_refundable": ("只有已支付的订单可以退款", "Only a paid order can be refunded"),
    "err.payment_provider_unknown": ("未知的支付渠道", "Unknown payment provider"),
}
