"""Gas stock: movements by fill, delivery and adjustment, and the stock on hand."""

from __future__ import annotations

from sqlalchemy import func, select

from station.ledger.errors import InvalidInput
from station.ledger.models import StockMovement
from station.ledger.staff import Actor, Staff


class Stock(Staff):
    """Stock movements and the stock on hand per product."""

    def stock_centi(self, product_code: str) -> int:
        with self._read() as session:
            total = session.scalar(
                select(func.coalesce(func.sum(StockMovement.quantity_centi), 0)).where(
                    StockMovement.product_code == product_code
                )
            )
            return int(total or 0)

    def record_stock_movement(
        self, actor: Actor, product_code: str, quantity_centi: int, kind: str, reference: str
    ) -> int:
        if kind not in ("delivery", "adjustment"):
            raise InvalidInput("stock_kind_invalid")
        if quantity_centi == 0 or abs(quantity_centi) > 10**9 or (kind == "delivery" and quantity_centi < 0):
            raise InvalidInput("quantity_invalid")
        with self._tx() as session:
            row = self._actor(session, actor, manager=kind == "adjustment")
            move = StockMovement(
                kind=kind,
                product_code=product_code,
                quantity_centi=quantity_centi,
                reference=reference[:64],
                created_at=self.now(),
                actor_id=row.id,
            )
            session.add(move)
            session.flush()
            self._audit(
                session, row.id, f"stock_{kind}", product=product_code, quantity_centi=quantity_centi, ref=reference
            )
            return move.id
