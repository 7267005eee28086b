"""Card services at the counter (加气卡业务)."""

from station.tui.screens.cards.screen import CardServicesScreen

__all__ = ["CardServicesScreen"]
