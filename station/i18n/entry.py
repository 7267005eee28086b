"""Strings for typed values refused by station.core.entry: each names the field and the rule broken."""

from __future__ import annotations

ENTRY: dict[str, tuple[str, str]] = {
    "err.entry_empty": ("请填写:{field}", "Required: {field}"),
    "err.entry_not_number": ("{field}:请输入数字,如 {example}", "{field}: type a number, e.g. {example}"),
    "err.entry_whole": ("{field}:请输入整数", "{field}: type a whole number"),
    "err.entry_decimals": ("{field}:最多 {places} 位小数", "{field}: at most {places} decimals"),
    "err.entry_negative": ("{field}:不能为负数", "{field}: cannot be negative"),
    "err.entry_not_positive": ("{field}:必须大于零", "{field}: must be above zero"),
    "err.entry_too_large": ("{field}:不能超过 {high}", "{field}: at most {high}"),
    "err.plate_format": (
        "{field}:车牌号格式不对,应为省份简称+字母+5位字母或数字(新能源6位),如 鲁E12345",
        "{field}: not a plate; a province character, a letter and 5 letters or digits (6 on new-energy "
        "plates), e.g. 鲁E12345",
    ),
    "err.staff_number_format": ("{field}:只能是1到16位数字或字母", "{field}: 1 to 16 letters or digits"),
    "field.staff_number": ("工号", "Staff number"),
    "field.manager_number": ("站长工号", "Manager number"),
    "field.manager_pin": ("站长密码", "Manager PIN"),
    "field.reason": ("原因", "Reason"),
    "field.amount": ("预置金额(元)", "Preset amount (yuan)"),
    "field.quantity": ("预置气量", "Preset quantity"),
    "field.pressure": ("余压(MPa)", "Residual pressure (MPa)"),
    "field.tendered": ("实收金额(元)", "Tendered (yuan)"),
    "field.recharge": ("充值金额(元)", "Recharge amount (yuan)"),
    "field.adjust": ("调整金额(元)", "Adjustment (yuan)"),
    "field.limit": ("信用额度(元)", "Credit limit (yuan)"),
    "field.float": ("备用金(元)", "Opening float (yuan)"),
    "field.drop": ("投库金额(元)", "Drop amount (yuan)"),
    "field.price": ("单价(元)", "Unit price (yuan)"),
    "field.count": ("张数", "Pieces"),
    "field.pin": ("密码", "PIN"),
    "field.plate": ("车牌号", "Plate"),
}
