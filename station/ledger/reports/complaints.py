"""The complaint slip (投诉处理单): one complaint as taken down, its deadline, and every step of its loop with who
and when — printed for the file, as seed 001 asks complaints be kept whole and handled in a closed loop."""

from __future__ import annotations

import datetime as dt

from station.config import STATION_TZ
from station.ledger.complaints import ComplaintView
from station.ledger.reports.sections import pairs, table
from station.printouts.report import Report, Text

_STATE = {
    "received": Text("已受理", "received"),
    "in_hand": Text("处理中", "in hand"),
    "answered": Text("已答复", "answered"),
    "closed": Text("已结案", "closed"),
    "amended": Text("更正", "amended"),
}
_CHANNEL = {"phone": Text("电话", "phone"), "kiosk": Text("现场", "kiosk")}
_CATEGORY = {
    "service": Text("服务", "service"),
    "price": Text("价格", "price"),
    "quality": Text("气质", "gas quality"),
    "safety": Text("安全", "safety"),
    "other": Text("其他", "other"),
}


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(STATION_TZ).strftime("%Y-%m-%d %H:%M")


def complaint_slip(view: ComplaintView, printed_at: dt.datetime) -> Report:
    summary = pairs(
        "complaint",
        Text("投诉", "Complaint"),
        [
            (Text("编号", "Number"), f"#{view.id}"),
            (Text("来源", "From"), _CHANNEL.get(view.channel, Text(view.channel, view.channel))),
            (Text("类别", "Class"), _CATEGORY.get(view.category, Text(view.category, view.category))),
            (Text("客户", "Customer"), view.customer),
            (Text("电话", "Phone"), view.phone),
            (Text("车牌/卡号", "Plate / card"), view.plate or view.card_number or "—"),
            (Text("涉及加气员", "Attendant concerned"), view.about_attendant or "—"),
            (Text("受理时间", "Received"), _local(view.received_at)),
            (Text("答复期限", "Answer by"), _local(view.due_at)),
            (Text("状态", "State"), _STATE.get(view.state, Text(view.state, view.state))),
            (Text("内容", "Content"), view.content),
            (Text("原始记录", "As first taken down"), view.original if view.original != view.content else "—"),
            (Text("答复", "Answer"), view.answer or "—"),
        ],
    )
    history = table(
        "history",
        Text("处理经过", "Handling"),
        (("at", "时间", "When"), ("who", "经办人", "Who"), ("action", "事项", "What"), ("note", "说明", "Note")),
        [[_local(at), who, _STATE.get(action, Text(action, action)), note] for at, who, action, note in view.history],
    )
    return Report("complaint", Text("投诉处理单", "Complaint slip"), f"#{view.id}", printed_at, (summary, history))
