"""Catalogue section of the served desk (``station desk serve``): the manager's desk, reports and card services in
a browser, without the forecourt, the dispensers or the card reader.

key -> (zh, en). ``err.desk_managers_only`` is the login's refusal for anyone but a manager.
"""

from __future__ import annotations

SERVED: dict[str, tuple[str, str]] = {
    "served.login_title": ("站长登录 (站长台)", "Manager login (desk)"),
    "served.login_hint": (
        "仅限站长: 输入工号和密码后按回车 · 加气员请在前庭终端登录",
        "Managers only: type your staff number and PIN, then Enter · attendants log in at the kiosk",
    ),
    "served.no_forecourt": (
        "此处不提供前庭 (加气机、读卡器): 请到前庭终端操作 · Ctrl+L 注销",
        "The forecourt (dispensers, card reader) is not served here: use the kiosk terminal · Ctrl+L logs out",
    ),
    "served.no_unloading": (
        "卸气记录需要卸气柱: 请到前庭终端操作",
        "The unloading log needs the unloading post: use the kiosk terminal",
    ),
    "served.prices_at_kiosk": (
        "调价请到前庭终端 (F4 → P): 由它立即把新价格下发到加气机",
        "Prices are changed at the kiosk terminal (F4 → P), which pushes them to the dispensers at once",
    ),
    "served.menu.cards": ("卡务 (充值、查询、挂失、补卡)", "Card services (recharge, statement, lost, replace)"),
    "served.menu.logout": ("注销", "Log out"),
    "err.desk_managers_only": (
        "站长台仅限站长登录: 加气员请在前庭终端登录",
        "The desk is for managers only: an attendant logs in at the kiosk terminal",
    ),
    "cards.no_reader_browser": (
        "浏览器中不能使用读卡器: 输入卡号后回车",
        "No card reader in the browser: type the card number + Enter",
    ),
    "cards.none_typed": ("尚未选卡。\n输入卡号后回车。", "No card yet.\nType its number and Enter."),
    "served.mobile_at_kiosk": (
        "移动支付退款请在收银台办理 (支付平台的密钥与连接在收银台)",
        "Mobile refunds are made at the kiosk (the payment providers' keys and line are there)",
    ),
}
