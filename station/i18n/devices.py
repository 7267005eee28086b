"""Catalogue section of the devices as the attendant sees them: key -> (zh, en).

The dispenser link naming its port, lost replies, lost ACK, a full disk, authorizations read back after a restart.
"""

from __future__ import annotations

DEVICES: dict[str, tuple[str, str]] = {
    "sim.display": ("客显:", "Customer display:"),
    # --- the dispenser link, naming the port (err.link_<cause>: also the refusal to authorize)
    "err.link_connecting": ("加气机通讯中断:{port}(正在连接)", "Dispenser link down: {port} (connecting)"),
    "err.link_missing": ("加气机通讯中断:{port}(无此设备)", "Dispenser link down: {port} (no such device)"),
    "err.link_permission": ("加气机通讯中断:{port}(无权访问)", "Dispenser link down: {port} (permission denied)"),
    "err.link_refused": ("加气机通讯中断:{port}(连接被拒绝)", "Dispenser link down: {port} (connection refused)"),
    "err.link_not_serial": ("加气机通讯中断:{port}(不是串口)", "Dispenser link down: {port} (not a serial port)"),
    "err.link_timeout": ("加气机通讯中断:{port}(连接超时)", "Dispenser link down: {port} (timed out)"),
    "err.link_lost": ("加气机通讯中断:{port}(线路断开)", "Dispenser link down: {port} (line lost)"),
    "err.link_other": ("加气机通讯中断:{port}({detail})", "Dispenser link down: {port} ({detail})"),
    "err.device_refused": (
        "加气机地址 {address} 未接入:协议版本 {version},本站为 {ours}",
        "Dispenser at address {address} not driven: protocol version {version}, this station speaks {ours}",
    ),
    "estop.failed": (
        "{lane} 紧急停止未送达:加气机无应答。立即按加气机上的急停按钮!",
        "E-STOP did not reach {lane}: the dispenser did not answer. Press the dispenser's own emergency button now!",
    ),
    "estop.failed_link": (
        "{lane} 紧急停止未送达:加气机通讯中断 {port}。立即按加气机上的急停按钮!",
        "E-STOP did not reach {lane}: dispenser link down: {port}. Press the dispenser's own emergency button now!",
    ),
    "err.ledger_unavailable": (
        "数据库暂时无法使用,未做任何更改。请重试;如仍失败请联系站长",
        "The database is not available: nothing was changed. Retry; if it persists call the manager",
    ),
    "err.screen_reset": (
        "出现意外错误 ({detail}),已记录日志,画面已重置。请重试;如仍失败请联系站长",
        "Unexpected error ({detail}): logged, the screen was reset. Retry; if it persists call the manager",
    ),
    "err.fatal": (
        "终端遇到意外错误 ({detail}) 已退出,详情见日志。请重新启动;如仍失败请联系站长",
        "The terminal stopped on an unexpected error ({detail}); see the log. Restart; if it persists call the manager",
    ),
    # --- lost replies, lost ACK, disk full
    "err.nozzle_unacknowledged": (
        "该枪上一笔交易尚未确认,正在补记,请稍候再授权",
        "This nozzle's last fill is not yet acknowledged; recording it now, authorize again in a moment",
    ),
    "err.authorize_not_carried_out": (
        "加气机未应答授权,已确认未授权,卡冻结已退回,请重新授权",
        "The dispenser did not answer the authorize and reports it not carried out; hold given back, authorize again",
    ),
    "card.offline_accepted": (
        "总部断线,一卡通 {card} 脱机受理 ¥{amount},今日脱机额度余 ¥{left}",
        "Head office unreachable: company card {card} taken offline for ¥{amount}; ¥{left} of today's offline "
        "allowance left",
    ),
    "authorize.unknown": (
        "{lane} 授权结果未知:加气机未应答,可能正在加气;保持冻结,等待加气机应答",
        "{lane} authorize unknown: no answer, the nozzle may be filling; hold kept until the dispenser answers",
    ),
    "err.ledger_unwritable": (
        "账本无法写入(磁盘已满或只读),不能授权加气;请联系站长处理:{detail}",
        "The ledger cannot write (disk full or read-only), so no fill is authorized; call the manager: {detail}",
    ),
    "fill.unrecorded": (
        "{lane} 第{number}笔交易无法记入账本(磁盘已满?),加气机保留该笔,恢复后自动补记",
        "{lane} transaction {number} cannot be written to the ledger (disk full?); the dispenser keeps it and it "
        "is recorded as soon as the ledger can write",
    ),
    "sequence.resumed.filling": (
        "{lane} 重启前已授权:流程恢复到第8步 加气,加气结束后继续",
        "{lane} was authorized before the restart: back at step 8 Filling; carry on when the fill ends",
    ),
    "sequence.resumed.disconnect": (
        "{lane} 重启前已加气未结算:流程恢复到第9步 关阀拔枪,然后结算",
        "{lane} was filled but not paid before the restart: back at step 9 Disconnect, then settle",
    ),
    "authorize.dropped_at_start": (
        "{lane} 重启前的授权未执行(加气机无授权、无交易):已撤销,卡冻结已退回",
        "{lane} the authorize before the restart was never carried out (no authorization, no transaction at "
        "the dispenser): dropped, hold given back",
    ),
    "authorize.confirmed": ("{lane} 加气机已应答:授权有效", "{lane} dispenser answered: the authorize holds"),
    "authorize.not_carried_out": (
        "{lane} 加气机已应答:未授权,未加气,冻结已退回,请重新开始",
        "{lane} dispenser answered: not authorized, no gas; hold given back, start again",
    ),
}
