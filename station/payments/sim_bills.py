"""The payment simulator's daily bills (对账单), laid out as the providers lay them out (the columns the station
reads, in their own names): WeChat Pay's trade bill with backticked values and its summary, Alipay's business
detail between ``#`` lines (served as plain UTF-8 CSV; the real one is a zipped GBK file)."""

from __future__ import annotations

from station.money import format_yuan
from station.payments.sim_books import SimOrder

WECHAT_COLUMNS = [
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
]
ALIPAY_COLUMNS = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
]


def _lines(order: SimOrder, day: str) -> list[tuple[str, str, int]]:
    """(kind, refund number, fen) of the money ``order`` moved on ``day``."""
    # A paid order stays on its day's bill even when reversed later; the reversal's refund is not simulated.
    moved = [("pay", "", order.amount_fen)] if order.created_on == day and order.state == "paid" else []
    moved += [("refund", no, fen) for no, fen in order.refunds.items() if order.refunded_on.get(no) == day]
    return moved


def wechat_bill(orders: list[SimOrder], day: str, mchid: str, appid: str) -> str:
    rows = [",".join(WECHAT_COLUMNS)]
    total = refunds = count = 0
    for o in orders:
        for kind, refund_no, fen in _lines(o, day):
            money = format_yuan(fen)
            row = {
                **{"交易时间": f"{day} 12:00:00", "公众账号ID": appid, "商户号": mchid, "微信订单号": o.txn_id},
                **{"商户订单号": o.order_no, "交易类型": "MICROPAY", "货币种类": "CNY", "商品名称": "CNG"},
                "交易状态": "SUCCESS" if kind == "pay" else "REFUND",
                "应结订单金额": money if kind == "pay" else "0.00",
                "订单金额": money if kind == "pay" else "0.00",
                "商户退款单号": refund_no,
                "退款金额": money if kind == "refund" else "0.00",
            }
            rows.append(",".join(f"`{row.get(name, '')}" for name in WECHAT_COLUMNS))
            total, refunds = (total + fen, refunds) if kind == "pay" else (total, refunds + fen)
            count += 1
    rows.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
    rows.append(f"`{count},`{format_yuan(total)},`{format_yuan(refunds)},`0.00,`0.00,`{format_yuan(total)},`0.00")
    return "\n".join(rows) + "\n"


def alipay_bill(orders: list[SimOrder], day: str) -> str:
    rows = ["#支付宝业务明细查询", f"#起始日期：[{day} 00:00:00]", "#-----业务明细列表-----", ",".join(ALIPAY_COLUMNS)]
    for o in orders:
        for kind, refund_no, fen in _lines(o, day):
            money = format_yuan(fen) if kind == "pay" else f"-{format_yuan(fen)}"
            row = {
                **{"支付宝交易号": o.txn_id, "商户订单号": o.order_no, "商品名称": "CNG"},
                **{"创建时间": f"{day} 12:00:00", "完成时间": f"{day} 12:00:00", "对方账户": "sim***@example.cn"},
                **{"业务类型": "交易" if kind == "pay" else "退款", "订单金额（元）": money, "商家实收（元）": money},
                "退款批次号/请求号": refund_no,
            }
            rows.append(",".join(row.get(name, "") for name in ALIPAY_COLUMNS))
    rows.append("#-----业务明细列表结束-----")
    return "\n".join(rows) + "\n"
