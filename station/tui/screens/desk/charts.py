"""The desk's charts (图表, key G): ←/→ or 1–4 switch between sales by hour today, the stock through the day,
the timers per attendant and the drivers' satisfaction by month. The numbers come from the core
(:class:`station.core.charts.ChartDesk`); this screen only draws them with plotext.

Titles, legends and names are written above the plot by Textual (it measures Chinese as two cells); plotext's
own canvas gets only ASCII (hours, months, attendant numbers) so its columns stay aligned.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.widgets import Static
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from station.core.charts import ChartDesk, HourlySales, MonthSatisfaction, StockDay, TimerBars
from station.i18n import t
from station.money import format_centi, format_yuan, round_half_up_div
from station.tui.common import Key, app_of, esc
from station.tui.screens.desk.base import DESK_CSS, DeskScreen

CHARTS = ("sales", "stock", "timers", "satisfaction")
TIMER_COLOURS = ("green", "red", "cyan", "magenta")
TIMER_KEYS = ("charts.flow_ok", "charts.flow_over", "charts.commit_ok", "charts.commit_over")


class ChartsScreen(DeskScreen):
    TITLE_KEY: ClassVar[str] = "charts.title"
    DEFAULT_CSS = (
        DESK_CSS
        + """
    ChartsScreen #chart-head { height: auto; max-height: 4; padding: 0 1; }
    ChartsScreen #chart-plot { height: 1fr; }
    """
    )

    def __init__(self) -> None:
        super().__init__()
        self.index = 0
        self.sales: HourlySales | None = None
        self.stock: StockDay | None = None
        self.timers: list[TimerBars] = []
        self.months: list[MonthSatisfaction] = []
        self.loaded = False

    @property
    def chart(self) -> str:
        return CHARTS[self.index]

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield Static("", id="chart-head")
        yield PlotextPlot(id="chart-plot")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [
            Key("escape", "back", "key.back"),
            Key("left", "step(-1)", "charts.key.prev"),
            Key("right", "step(1)", "charts.key.next"),
            *(Key(str(i + 1), f"pick({i})", f"charts.{name}", show=False) for i, name in enumerate(CHARTS)),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.run_worker(self.load(), group="charts", exclusive=True)

    async def load(self) -> None:
        desk = ChartDesk(app_of(self).core)
        try:
            self.sales = await desk.sales()
            self.stock = await desk.stock()
            self.timers = await desk.timers()
            self.months = await desk.satisfaction()
        except Exception as exc:
            self.refuse(exc)
            return
        self.loaded = True
        self.refresh_body()

    def action_step(self, step: int) -> None:
        self.action_pick((self.index + step) % len(CHARTS))

    def action_pick(self, index: int) -> None:
        self.index = index
        self.refresh_body()

    # ---- drawing

    def refresh_body(self) -> None:
        if not self.is_mounted:
            return
        lang = self.lang
        tabs = "  ".join(
            f"[reverse]{i + 1} {t(f'charts.{n}', lang).split(' (')[0]}[/]" if i == self.index else f"{i + 1}"
            for i, n in enumerate(CHARTS)
        )
        head = [f"{tabs}  [dim]{t('charts.help', lang)}[/]"]
        plt = self.query_one(PlotextPlot).plt
        plt.clear_figure()
        if self.loaded:
            head += getattr(self, f"_draw_{self.chart}")(plt)
        self.query_one("#chart-head", Static).update("\n".join(head))
        self.query_one(PlotextPlot).refresh()

    def _draw_sales(self, plt: Plot) -> list[str]:
        lang, sales = self.lang, self.sales
        assert sales is not None
        total, count = sum(sales.amount_fen), sum(sales.count)
        line = [
            f"[b]{t('charts.sales', lang)}[/b] · {t('charts.sales_total', lang, total=format_yuan(total), count=count)}"
        ]
        if not count:
            return [*line, t("charts.empty", lang)]
        yuan = [round_half_up_div(fen, 100) for fen in sales.amount_fen]  # whole yuan: a bar, not a sum
        plt.bar([str(h) for h in range(24)], yuan, color="green")
        return line

    def _draw_stock(self, plt: Plot) -> list[str]:
        lang, stock = self.lang, self.stock
        if stock is None:
            return [t("charts.no_product", lang)]
        now = stock.level_centi[-1] if stock.level_centi else stock.opening_centi
        unit = app_of(self).core.settings.station.sale_unit
        figures = t(
            "charts.stock_now", lang, opening=format_centi(stock.opening_centi), now=format_centi(now), unit=unit
        )
        line = [f"[b]{t('charts.stock', lang)}[/b] · {esc(stock.product_code)} · {figures}"]
        levels = [stock.opening_centi, *stock.level_centi]
        plt.plot(list(range(len(levels))), [round_half_up_div(c, 100) for c in levels], marker="braille", color="cyan")
        plt.xticks(list(range(0, 25, 3)), [str(h) for h in range(0, 25, 3)])
        plt.xlim(0, 24)
        return line

    def _draw_timers(self, plt: Plot) -> list[str]:
        lang = self.lang
        legend = " ".join(f"[{c}]■[/] {t(k, lang)}" for c, k in zip(TIMER_COLOURS, TIMER_KEYS, strict=True))
        line = [f"[b]{t('charts.timers', lang)}[/b] · {legend}"]
        if not self.timers:
            return [*line, t("charts.empty", lang)]
        names = [esc(bar.attendant) for bar in self.timers]
        line.append(" · ".join(names))
        numbers = [bar.attendant.split(" ")[0] for bar in self.timers]  # ASCII on the canvas
        series = [
            [b.flow_within for b in self.timers],
            [b.flow_over for b in self.timers],
            [b.commit_within for b in self.timers],
            [b.commit_over for b in self.timers],
        ]
        plt.multiple_bar(numbers, series, color=list(TIMER_COLOURS))  # type: ignore[arg-type]  # one colour per series
        return line

    def _draw_satisfaction(self, plt: Plot) -> list[str]:
        lang = self.lang
        line = [f"[b]{t('charts.satisfaction', lang)}[/b]"]
        points = [(m.month.strftime("%Y-%m"), m.mean_centi) for m in self.months if m.mean_centi is not None]
        if not points:
            return [*line, t("charts.empty", lang)]
        last_month, last = points[-1]
        line[0] += f" · {last_month}: {last // 100}.{last % 100:02d}"
        labels = [m for m, _ in points]
        plt.plot(
            list(range(len(points))), [c / 100 for _, c in points], marker="dot", color="yellow"
        )  # a score, not money
        plt.xticks(list(range(len(points))), [m[2:] for m in labels])
        plt.ylim(1, 5)
        return line
