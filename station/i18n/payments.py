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
