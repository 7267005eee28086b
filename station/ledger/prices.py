"""Products and their prices per price level; :meth:`Prices.bootstrap` seeds them with the standard accounts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from station.ledger import outbox
from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.journal import STANDARD_ACCOUNTS, _check_amount
from station.ledger.models import Price, Product
from station.ledger.staff import Actor, Staff

PRICE_PAST_TOLERANCE = dt.timedelta(seconds=60)  # "now" typed at the desk is a little in the past by the save


class Prices(Staff):
    """The price list: the price in force at a moment, and a manager's price change."""

    def bootstrap(self) -> None:
        """Create standard accounts, products and configured prices; safe to run at every start."""
        with self._tx() as session:
            for code in STANDARD_ACCOUNTS:
                self._account(session, code)
            for product in self.settings.products:
                if session.get(Product, product.code) is None:
                    session.add(Product(code=product.code, name=product.name, name_en=product.name_en))
            session.flush()
            for price in self.settings.prices:
                exists = session.scalar(
                    select(Price.id).where(Price.product_code == price.product, Price.level == price.level)
                )
                if exists is None:
                    session.add(
                        Price(
                            product_code=price.product,
                            level=price.level,
                            unit_price_fen=price.unit_price,
                            effective_from=self.now(),
                            reason="config",
                        )
                    )

    def unit_price(self, product_code: str, level: int = 0, at: dt.datetime | None = None) -> int:
        """The price in force at ``at`` for the level, falling back to the list price (level 0)."""
        at = at or self.now()
        with self._read() as session:
            for lv in (level, 0):
                price = session.scalar(
                    select(Price.unit_price_fen)
                    .where(Price.product_code == product_code, Price.level == lv, Price.effective_from <= at)
                    .order_by(Price.effective_from.desc(), Price.id.desc())
                    .limit(1)
                )
                if price is not None:
                    return int(price)
        raise NotFound("price_unknown", product=product_code)

    def set_price(
        self,
        manager: Actor,
        product_code: str,
        level: int,
        unit_price_fen: int,
        reason: str,
        effective_from: dt.datetime | None = None,
    ) -> int:
        _check_amount(unit_price_fen, name="unit_price")
        if unit_price_fen > 100_000:
            raise InvalidInput("amount_too_large", field="unit_price")
        if not reason.strip():
            raise InvalidInput("reason_required")
        # A price cannot start in the past: the fills already sold at the old price would disagree with it.
        if effective_from is not None and effective_from < self.now() - PRICE_PAST_TOLERANCE:
            raise Refused("price_in_past", effective_from=effective_from.isoformat())
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            if session.get(Product, product_code) is None:
                raise NotFound("product_unknown", product=product_code)
            price = Price(
                product_code=product_code,
                level=level,
                unit_price_fen=unit_price_fen,
                effective_from=effective_from or self.now(),
                set_by_id=manager.id,
                reason=reason.strip()[:200],
            )
            session.add(price)
            session.flush()
            self._audit(
                session,
                manager.id,
                "price_set",
                product=product_code,
                level=level,
                unit_price_fen=unit_price_fen,
                effective_from=price.effective_from.isoformat(),
                reason=reason,
            )
            change = {
                "product": product_code,
                "level": level,
                "unit_price_fen": unit_price_fen,
                "effective_from": price.effective_from.isoformat(),
                "reason": reason.strip()[:200],
            }
            outbox.emit(session, "price_change", price.id, change, self.now())
            return price.id
