"""Catalogue section of callbacks (回访) and the satisfaction figures: key -> (zh, en).

The phrases to say on the phone are seed 000 §15's (回访电话服务要求), shown in Chinese in both languages."""

from __future__ import annotations

CALLBACKS: dict[str, tuple[str, str]] = {
    "desk.menu.callbacks": ("回访 (抽取名单、电话回访评分)", "Callbacks (draw the list, call, score)"),
    "desk.key.callbacks": ("回访", "Callbacks"),
    "desk.callbacks_overdue": ("{count} 个回访已超过 48 小时", "{count} callbacks past their 48 hours"),
    "desk.rec.service": (
        "投诉超时未答复 {complaints} 件 · 待回访 {due} 个 · 回访超时 {late} 个",
        "Complaints overdue: {complaints} · callbacks due: {due} · overdue: {late}",
    ),
    "desk.report.satisfaction": ("满意度", "Satisfaction"),
    "callbacks.title": ("客户回访", "Customer callbacks"),
    "callbacks.none": ("今日回访名单尚未抽取 (按 D 抽取)", "Today's callback list is not drawn yet (press D)"),
    "callbacks.help": (
        "↑↓ 选择 · D 抽取今日名单 · 回车 记录回访 · U 未接通 · Esc 返回",
        "↑↓ select · D draw today's list · ⏎ record the call · U not reached · Esc back",
    ),
    "callbacks.help_form": (
        "评分 1-10 分 · 其他问题: 1满意 2一般 3差 · 回车下一项 · Esc 返回",
        "Scores 1-10 · other questions: 1 satisfied 2 fair 3 poor · ⏎ next · Esc back",
    ),
    "callbacks.opening": (
        "开头语:“您好,我是{station}{number}号服务员,想对您做一下回访,能占用您一点时间吗?”",
        "Say: “您好,我是{station}{number}号服务员,想对您做一下回访,能占用您一点时间吗?”",
    ),
    "callbacks.closing": (
        "结束语:“感谢您对我们工作的支持,再见!”",
        "Close with: “感谢您对我们工作的支持,再见!”",
    ),
    "callbacks.key.draw": ("抽取名单", "Draw list"),
    "callbacks.key.record": ("记录回访", "Record"),
    "callbacks.key.not_reached": ("未接通", "Not reached"),
    "callbacks.key.move": ("选择", "Select"),
    "callbacks.f.attitude": ("服务态度 (1-10分)", "Service attitude (1-10)"),
    "callbacks.f.ability": ("业务能力 (1-10分)", "Professional ability (1-10)"),
    "callbacks.f.environment": ("站容站貌 1满意 2一般 3差", "Station tidy? 1 sat. 2 fair 3 poor"),
    "callbacks.f.speed": ("加气速度 1满意 2一般 3差", "Fill speed 1 sat. 2 fair 3 poor"),
    "callbacks.f.note": ("意见和建议", "Remarks and suggestions"),
    "callbacks.drawn": ("已抽取今日回访 {count} 个", "Today's list drawn: {count} callbacks"),
    "callbacks.recorded": ("回访 #{id}:{state}", "Callback #{id}: {state}"),
    "callbacks.follow_up": ("需跟进", "follow up"),
    "callbacks.overdue": ("超时", "overdue"),
    "callbacks.due": ("限 {due}", "due {due}"),
    "callbacks.scores": ("态度 {attitude} 能力 {ability}", "attitude {attitude} ability {ability}"),
    "callbacks.state.pending": ("待回访", "to call"),
    "callbacks.state.done": ("已回访", "done"),
    "callbacks.state.not_reached": ("未接通", "not reached"),
    "callbacks.answer.satisfied": ("满意", "satisfied"),
    "callbacks.answer.fair": ("一般", "fair"),
    "callbacks.answer.poor": ("差", "poor"),
    "field.attitude": ("服务态度", "Service attitude"),
    "field.ability": ("业务能力", "Professional ability"),
    "field.environment": ("站容站貌", "Station tidiness"),
    "field.speed": ("加气速度", "Fill speed"),
    "err.callback_score_invalid": (
        "{field}请输入 {low} 到 {high} 的整数分",
        "{field}: a whole score from {low} to {high}",
    ),
    "err.callback_answer_invalid": ("{field}请输入 1满意 2一般 3差", "{field}: type 1 satisfied, 2 fair or 3 poor"),
    "err.callback_unknown": ("没有回访 #{callback}", "No callback #{callback}"),
    "err.callback_already_recorded": ("回访 #{callback} 已记录,不能更改", "Callback #{callback} is recorded already"),
    "err.callback_own_sale": ("不能为自己的服务记录回访", "Nobody records the callback on their own service"),
    "err.callbacks_already_drawn": ("{day} 的回访名单已抽取,不能重抽", "The callback list of {day} is drawn already"),
    "err.callbacks_none_to_draw": (
        "前 {days} 天没有可回访的刷卡销售 (需持卡人电话)",
        "No card sales with a holder's phone in the {days} days before",
    ),
}
