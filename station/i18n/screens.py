"""Catalogue section of the terminal's shared pieces: modal key hints, leave-confirmations, tiles, footer."""

from __future__ import annotations

SCREENS: dict[str, tuple[str, str]] = {
    # --- every modal shows its keys inside the box
    "modal.keys": ("⏎ {confirm} · Esc 返回", "⏎ {confirm} · Esc back"),
    "modal.keys_pick": ("{first}–{last} 选择 · Esc 返回", "{first}–{last} choose · Esc back"),
    "modal.keys_back": ("Esc 返回", "Esc back"),
    "modal.next_field": ("⏎ 下一项 · Tab/Shift+Tab 切换 · Esc 返回", "⏎ next · Tab/Shift+Tab field · Esc back"),
    # --- leaving while work is open
    "leave.quit_title": ("确定退出收银系统?", "Quit the terminal?"),
    "leave.logout_title": ("确定注销?", "Log out?"),
    "leave.running": ("以下工作尚未完成:", "Still open:"),
    "leave.sequence": ("{lane}:流程进行中 {step}", "{lane}: sequence at {step}"),
    "leave.delivering": ("{lane}:{state}", "{lane}: {state}"),
    "leave.unpaid": ("{lane}:未付 {count} 笔 ¥{amount}", "{lane}: unpaid {count}, ¥{amount}"),
    "leave.kept": ("流程和未付记录会保留,重新登录后可继续。", "Sequences and unpaid fills are kept for later."),
    "leave.starts_again": (" (尚未授权,重启后需从头开始)", " (not authorized yet: starts again after the restart)"),
    "leave.kept_quit": (
        "未付记录和已授权的加气会保留,重启后可继续;尚未授权的流程需重新开始。",
        "Unpaid and authorized fills are kept across the restart; a sequence not yet authorized starts again.",
    ),
    "leave.quit": ("退出", "quit"),
    "leave.logout": ("注销", "log out"),
    # --- forecourt tiles
    "tile.estop": ("急停", "E-STOP"),
    "tile.timer.engine": ("熄火 {clock}", "Engine off {clock}"),
    "tile.timer.settle": ("结算 {clock}", "Settle {clock}"),
    # --- footer while a field is being typed in
    "footer.tab": ("下一项", "Next field"),
    "login.clear": ("重输", "Clear"),
}
