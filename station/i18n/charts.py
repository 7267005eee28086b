"""Catalogue section of report exports (CSV, PDF) and the desk's charts (图表): key -> (zh, en)."""

from __future__ import annotations

CHARTS: dict[str, tuple[str, str]] = {
    "export.station": ("加气站", "Station"),
    "export.printed_at": ("打印时间", "Printed at"),
    "export.generated_at": ("生成时间", "Generated"),
    "export.none": ("(无)", "(none)"),
    "desk.menu.charts": ("图表 (销量、库存、计时、满意度)", "Charts (sales, stock, timers, satisfaction)"),
    "desk.key.charts": ("图表", "Charts"),
    "charts.title": ("图表", "Charts"),
    "charts.key.prev": ("上一图", "Previous"),
    "charts.key.next": ("下一图", "Next"),
    "charts.help": ("←/→ 或 1-4 切换图表 · Esc 返回", "←/→ or 1-4 switch the chart · Esc back"),
    "charts.sales": ("今日每小时销售额 (元)", "Sales by hour today (yuan)"),
    "charts.stock": ("今日库存 (开班库存 + 进气 − 售气)", "Stock today (opening + in − sold)"),
    "charts.timers": ("加气员计时 (笔数)", "Timers per attendant (fills)"),
    "charts.satisfaction": ("每月满意度 (评价器平均分, 5分制)", "Satisfaction by month (rating pad mean, of 5)"),
    "charts.hour": ("时", "Hour"),
    "charts.month": ("月份", "Month"),
    "charts.flow_ok": ("30秒内", "≤30 s"),
    "charts.flow_over": ("超30秒", ">30 s"),
    "charts.commit_ok": ("1分钟内", "≤1 min"),
    "charts.commit_over": ("超1分钟", ">1 min"),
    "charts.empty": ("暂无数据", "No data yet"),
    "charts.sales_total": ("合计 {total} 元 · {count} 笔", "Total ¥{total} · {count} sales"),
    "charts.stock_now": ("开班 {opening} · 现在 {now} {unit}", "opening {opening} · now {now} {unit}"),
    "charts.no_product": ("未设置产品", "No product set"),
}
