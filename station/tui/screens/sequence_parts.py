"""What the sequence screen's step mixins (its card step, its settle step) see of the screen they are part of."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from station.core.sequence import FuelingSequence
    from station.i18n import Language


class SequenceParts(Screen[None]):
    """The sequence screen as its step mixins call it (declared only for the type checker)."""

    if TYPE_CHECKING:
        lane_key: tuple[int, int]
        card_view_text: str

        @property
        def core(self) -> Any: ...

        @property
        def lang(self) -> Language: ...

        @property
        def seq(self) -> FuelingSequence | None: ...

        def show_message(self, text: str, severity: str = "error") -> None: ...
        async def _run(self, coro: Awaitable[Any], success: str = "") -> bool: ...
