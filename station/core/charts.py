"""The desk's charts (图表): the ledger's plain numbers, read off the event loop; the screen only draws them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from station.config import STATION_TZ
from station.ledger.reports.charts import (
    HourlySales,
    MonthSatisfaction,
    StockDay,
    TimerBars,
    sales_by_hour,
    satisfaction_by_month,
    stock_through_day,
    timer_bars,
)

if TYPE_CHECKING:
    from station.core.station import StationCore

__all__ = ["ChartDesk", "HourlySales", "MonthSatisfaction", "StockDay", "TimerBars"]


class ChartDesk:
    def __init__(self, core: StationCore) -> None:
        self.core = core

    def _today(self) -> dt.date:
        return self.core.ledger.now().astimezone(STATION_TZ).date()

    async def sales(self) -> HourlySales:
        return await self.core._db(sales_by_hour, self.core.ledger, self._today())

    async def stock(self) -> StockDay | None:
        products = self.core.settings.products
        if not products:
            return None
        return await self.core._db(stock_through_day, self.core.ledger, self._today(), products[0].code)

    async def timers(self) -> list[TimerBars]:
        return await self.core._db(timer_bars, self.core.ledger)

    async def satisfaction(self) -> list[MonthSatisfaction]:
        return await self.core._db(satisfaction_by_month, self.core.ledger)

    @property
    def sale_unit(self) -> str:
        return self.core.settings.station.sale_unit
