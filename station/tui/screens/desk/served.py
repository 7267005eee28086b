"""The desk as the first screen of the desk-only terminal (``station desk serve``, a browser's session): the
manager's desk menu with card services on F3 and log out on Ctrl+L; there is no forecourt under it, so Esc says
where the forecourt is instead of leaving for it. Prices are not changed here: a new price must reach the
dispensers at once, and only the kiosk's terminal has the bus to push it (P says so)."""

from __future__ import annotations

from station.i18n import t
from station.tui.common import Key, app_of
from station.tui.screens.desk.menu import ManagerDeskScreen


class ServedDeskScreen(ManagerDeskScreen):
    """The desk menu with nothing under it: F3 card services, Ctrl+L log out; Esc (the forecourt's way) and P
    (prices, pushed to the dispensers) say where they are instead."""

    def keys(self) -> list[Key]:
        desk = [key for key in ManagerDeskScreen.keys(self) if key.key not in ("escape", "p", "m")]
        return [
            *desk,
            Key("p", "prices", "desk.key.prices", show=False),
            Key("m", "mobile", "desk.key.mobile", show=False),
            Key("f3", "app.cards", "key.cards"),
            Key("ctrl+l", "logout", "key.logout"),
            Key("escape", "back", "key.back", show=False),
        ]

    def menu_items(self) -> list[tuple[str, str]]:
        desk = [item for item in super().menu_items() if item[0] not in ("Esc", "P", "M")]
        return [*desk, ("F3", "served.menu.cards"), ("Ctrl+L", "served.menu.logout")]

    def action_back(self) -> None:
        """Esc, the way back to the forecourt at the kiosk: there is none here, and the desk says so."""
        self.show(t("served.no_forecourt", self.lang), "warning")

    def action_prices(self) -> None:
        """A price changed here would be in the books but not on the dispensers: the kiosk pushes it."""
        self.show(t("served.prices_at_kiosk", self.lang), "warning")

    def action_mobile(self) -> None:
        """Refunds go back through the payment providers, whose keys and line are the kiosk's."""
        self.show(t("served.mobile_at_kiosk", self.lang), "warning")

    def action_logout(self) -> None:
        app_of(self).logout()
