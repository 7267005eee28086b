"""Scan-to-pay sales at the desk: the latest payment orders with their receipts, and a manager's refund (退款).

The refund is kept (its number and reason) before the provider is asked; a provider that does not confirm
leaves it "refunding", asked again by the payment recovery until it does, so money given back is booked once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from station.core.lanes import CoreRefused
from station.ledger.payment_orders import MobileSale

__all__ = ["MobileSale", "MobileSalesDesk"]
from station.ledger.staff import Actor

if TYPE_CHECKING:
    from station.core.station import StationCore


class MobileSalesDesk:
    def __init__(self, core: StationCore) -> None:
        self.core = core

    async def sales(self, limit: int = 8) -> list[MobileSale]:
        return await self.core._db(self.core.ledger.mobile_sales, limit)

    async def manager(self, number: str, pin: str) -> Actor:
        """A manager's credentials for one refund; an attendant's are refused (``manager_only``)."""
        if not number.strip() or not pin:
            raise CoreRefused("input_empty")
        return await self.core.manager(number, pin)

    async def refund(self, manager: Actor, order_no: str, reason: str) -> bool:
        """True: the provider gave the money back and the sale is reversed in the books; False: kept as
        refunding and asked again in the background."""
        mobile = self.core.mobile_pay
        if mobile is None:
            raise CoreRefused("mobile_pay_off")
        # Kept first (refund number, reason, who), through the core so a refusal reads as the attendant's words.
        order = await self.core._db(self.core.ledger.begin_refund, manager, order_no, reason)
        if await mobile._finish_refund(order):
            return True
        self.core.retry_payment_recovery()
        return False
