"""Catalogue section of nozzle locks (泄漏锁定): key -> (zh, en).

The wording follows the service standards: seed 002 "发现泄漏点立即停止加气" and "及时将发生的情况向站长汇报";
seed 004 on a gas leak "人离、火灭、阀关" (people away, no flame, valves shut).
"""

from __future__ import annotations

LOCKS: dict[str, tuple[str, str]] = {
    "err.nozzle_leak_locked": (
        "{lane} 泄漏报警未解除,已锁定:关闭阀门、疏散人员、严禁烟火,立即报告站长;站长检查后按 U 解除锁定",
        "{lane} is locked after a leak: close the valves, keep people away, no flames, call the manager; "
        "the manager checks it and clears the lock with U",
    ),
    "err.lock_note_required": ("请填写检查处理情况", "Write what was checked and done"),
    "err.nozzle_not_locked": ("{lane} 没有泄漏锁定", "{lane} is not locked"),
    "err.lock_cause_unknown": ("锁定原因无效:{cause}", "Unknown lock cause: {cause}"),
    "lane.leak_locked": ("⚠ 漏气锁定 · 站长按 U 解除", "⚠ LEAK — locked · manager: U"),
    "alarm.LEAK": ("泄漏报警", "LEAK alarm"),
    "alarm.OVER_PRESSURE": ("超压报警", "Over-pressure alarm"),
    "alarm.FLOW": ("流量报警", "Flow alarm"),
    "alarm.METER_FAULT": ("计量故障", "Meter fault"),
    "leak.locked": (
        "{lane} 泄漏报警:加气已停止,该枪已锁定,站长检查后解除",
        "{lane} LEAK ALARM: the fill stopped and the nozzle is locked until a manager clears it",
    ),
    "leak.lock_unwritten": (
        "{lane} 泄漏锁定未能写入账本;本终端仍锁定该枪,请报告站长",
        "{lane} leak lock could not be written to the ledger; this terminal keeps the nozzle locked: call the manager",
    ),
    "leak.found_locked": (
        "{lane} 发现泄漏:该枪已锁定。关闭阀门、疏散人员,报告站长;站长检查后按 U 解除",
        "{lane} leak found: the nozzle is locked. Close the valves, keep people away, call the manager; "
        "the manager clears it with U after checking",
    ),
    "leak.cleared": ("{lane} 泄漏锁定已由站长解除", "{lane} leak lock cleared by the manager"),
    "phrase.leak": (
        "对不起,加气机发现泄漏,已停止加气。请遵守加气站安全规定,熄火下车,远离加气机!",
        "Sorry, the dispenser found a leak and has stopped. Please follow the station's safety rules: "
        "engine off, get out, keep away from the dispenser!",
    ),
    "leak.stopped_title": ("泄漏报警 — 加气已停止", "LEAK ALARM — the fill has stopped"),
    "leak.stopped_what": (
        "{lane} 加气机报泄漏,加气已停止,该枪已锁定。",
        "Dispenser {lane} reported a leak: the fill stopped and the nozzle is locked.",
    ),
    "leak.stopped_do": (
        "1 关闭加气枪阀门和气瓶阀门\n2 疏散人员,熄火,严禁烟火和手机\n3 立即报告站长;站长检查后在总览按 U 解除锁定",
        "1 Close the nozzle valve and the cylinder valve\n2 Keep people away: engines off, no flames, no phones\n"
        "3 Call the manager now; after checking, the manager clears the lock with U on the forecourt",
    ),
    "leak.stopped_unpaid": (
        "已加气 {qty}{unit} ¥{amount} 记为未付,可在总览按 S 结算",
        "The gas delivered, {qty} {unit} ¥{amount}, is kept unpaid: settle it with S on the forecourt",
    ),
    "leak.stopped_back": ("回车或 Esc 返回总览", "Enter or Esc: back to the forecourt"),
    "key.clear_lock": ("解除锁定", "Clear lock"),
    "lock.title": ("解除泄漏锁定 — {lane}", "Clear the leak lock — {lane}"),
    "lock.why": (
        "只有站长可以解除:确认已检查阀门和接头、无泄漏后填写处理情况",
        "A manager only: after checking the valves and joints and finding no leak, write what was done",
    ),
    "lock.since": ("锁定时间 {since} · 原因 {cause}", "Locked since {since} · cause {cause}"),
    "lock.cause.alarm": ("加气机泄漏报警", "dispenser leak alarm"),
    "lock.cause.abort": ("检漏发现泄漏", "leak found at the check"),
    "lock.note": ("检查处理情况 (必填)", "What was checked and done (required)"),
    "lock.keys": ("⏎ 下一栏/确认 · Tab 换栏 · Esc 取消", "⏎ next field / confirm · Tab field · Esc cancel"),
    "lock.not_locked": ("此枪没有泄漏锁定", "This nozzle is not locked"),
}
