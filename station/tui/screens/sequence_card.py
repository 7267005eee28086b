"""Step 4, the card, on the sequence screen: the card read from the reader (its number, holder and status shown
at once, a lost card refused before any PIN) or typed by hand, the plate checked against it, and the PIN the
driver types. A read that answers after the step is over changes nothing on the screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.widgets import Input

from station.core import entry
from station.core.cards import CardDesk
from station.core.sequence import FuelingSequence, Step
from station.core.station import CoreRefused
from station.i18n import t
from station.money import format_yuan
from station.tui.common import InputError, esc, read_entry, refusal_text
from station.tui.screens.sequence_parts import SequenceParts

if TYPE_CHECKING:
    pass


class CardSteps(SequenceParts):
    """The card step's fields; the sequence screen is the rest."""

    if TYPE_CHECKING:
        card_uid: str | None

    _step_shown: Step | None = None

    def card_step_shown(self, seq: FuelingSequence) -> None:
        """On coming to the card step (from step 3, or back in after Esc) with a card already on the reader (put
        down early, or left there): read it, as when it is put down. Only on coming to the step, so a refused
        card lying there is not read again at every repaint."""
        if seq.step is Step.CARD and self._step_shown is not Step.CARD:
            self.call_after_refresh(self._card_already_on_reader)
        self._step_shown = seq.step

    def _card_already_on_reader(self) -> None:
        uid = self.core.card_on_reader
        if uid is not None and not self.query_one("#card-number", Input).value:
            self.on_card_read(uid)

    def on_card_read(self, uid: str) -> None:
        seq = self.seq
        if seq is None or seq.step is not Step.CARD:
            return
        self.card_uid = None  # known only once the card is found and can pay
        self.run_worker(self._card_presented(uid), group="card-read", exclusive=True)

    async def _card_presented(self, uid: str) -> None:
        """Number, holder and status as soon as the card is read; a lost card is refused before any PIN."""
        lang = self.lang
        number = self.query_one("#card-number", Input)
        d, n = self.lane_key
        try:
            view = await CardDesk(self.core).presented_at_pump(uid, f"{d}/{n}")
        except CoreRefused as exc:
            if self._card_step_over():
                return
            number.placeholder = t("card.number", lang)
            self.show_message(refusal_text(exc, lang))
            return
        if self._card_step_over():
            return  # a read that answered after the card was checked by hand: nothing to fill in, no focus to take
        self.card_uid = uid
        number.value = ""
        number.placeholder = view.number
        status = t(f"cards.status.{view.status.value}", lang)
        self.show_message(
            t("card.read_details", lang, number=view.number, holder=view.holder, status=status), "information"
        )
        # On to the first field still empty: a plate typed before the card must not be typed over by the PIN.
        plate = self.query_one("#card-plate", Input)
        (self.query_one("#card-pin", Input) if plate.value.strip() else plate).focus()

    def _card_step_over(self) -> bool:
        seq = self.seq
        return seq is None or seq.step is not Step.CARD

    @on(Input.Submitted, "#card-number")
    def _card_number(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.card_uid = None
        self.query_one("#card-plate", Input).focus()

    @on(Input.Submitted, "#card-plate")
    def _card_plate(self) -> None:
        self.query_one("#card-pin", Input).focus()

    @on(Input.Submitted, "#card-pin")
    async def _card_pin(self) -> None:
        number = self.query_one("#card-number", Input).value.strip() or None
        plate = self.query_one("#card-plate", Input).value
        pin_input = self.query_one("#card-pin", Input)
        pin = pin_input.value
        pin_input.value = ""  # never left on screen, even masked

        async def check() -> None:
            if number is None and self.card_uid is None:
                raise InputError("input_empty")
            checked_plate = read_entry(entry.plate, plate) if plate.strip() else ""
            # A malformed PIN is a typo, not a try: refused here before the card's counter is touched.
            checked_pin = read_entry(entry.pin, pin)
            view = await self.core.check_card(
                self.lane_key,
                number=entry.normalise(number) if number else None,
                uid=None if number else self.card_uid,
                plate=checked_plate,
                pin=checked_pin,
            )
            self.card_view_text = (
                "[green]✓ "
                + esc(
                    t(
                        "card.accepted_company" if view.company else "card.accepted",
                        self.lang,
                        holder=view.holder,
                        balance=format_yuan(view.balance_fen),
                    )
                )
                + "[/]"
            )

        if not await self._run(check()):
            pin_input.focus()
