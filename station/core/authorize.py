"""Steps 7–8: authorize the dispenser, with the card hold (灰锁) and the lane authorization written first, and
the read-back of an authorize that got no answer (never taken for a refusal)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from station.core.company_cards import CompanyHolds
from station.core.lanes import CoreRefused, Lane, LaneChanged
from station.core.sequence import (
    AbortReason,
    FuelingSequence,
    PaymentKind,
    PresetChoice,
    PresetKind,
    SequenceRefused,
    Step,
)
from station.devices import dispenser_protocol as proto
from station.devices.dispenser_bus import BusError, DeviceRejected
from station.ledger.models import CardType
from station.money import amount_for, quantity_for_amount

log = logging.getLogger(__name__)


# A card fill-up is authorized as an amount preset no larger than this, so the hold bounds the sale.
FILL_UP_HOLD_CAP_FEN = 100_000


class Authorize(CompanyHolds):
    # ------------------------------------------------------------------ step 7–8: authorize and fill

    async def authorize(self, key: tuple[int, int], preset: PresetChoice) -> int:
        """Hold the card (灰锁) if paying by card, then authorize the dispenser. Returns the unit price."""
        actor = self._need_actor()
        lane = self.lanes[key]
        seq = self._sequence(key)
        if seq.step is not Step.AUTHORIZE:
            raise CoreRefused("step_out_of_order")
        if preset.kind is not PresetKind.FILL_UP and preset.value <= 0:
            raise CoreRefused("amount_not_positive")
        await self._refuse_if_leak_locked(lane)  # a second guard: a lock set while the sequence was at step 6
        await self._reload_unpaid(lane)
        if lane.unpaid:
            raise CoreRefused("nozzle_has_unpaid")
        if self.bus is None:
            raise CoreRefused("dispenser_offline", detail="no dispenser configured")
        if (link_down := self.link_refusal()) is not None:
            raise link_down  # the port is the problem, not the nozzle
        state = self.bus.nozzle_state(lane.dispenser, lane.nozzle)
        if state is not proto.NozzleState.NOZZLE_LIFTED:
            # The poll's picture may be a cycle old (the nozzle lifted a moment ago): ask the nozzle itself.
            with contextlib.suppress(BusError):
                state = (await self.bus.read_progress(lane.dispenser, lane.nozzle)).state
        if state in (proto.NozzleState.FINISHED, proto.NozzleState.STOPPED):
            # The last fill is still unacknowledged at the dispenser (a lost ACK): record and acknowledge it now.
            self._tasks.append(asyncio.create_task(self.sweep_unacknowledged()))
            raise CoreRefused("nozzle_unacknowledged")
        if state is not proto.NozzleState.NOZZLE_LIFTED:
            raise CoreRefused("nozzle_not_lifted")
        level, card_type = self._card_levels.get(key, (0, CardType.STORED_VALUE))
        level = level if seq.payment is PaymentKind.CARD else 0
        price = await self._db(self.ledger.unit_price, lane.product, level)
        wire_preset = proto.Preset(proto.PresetKind.FILL_UP, 0)
        if preset.kind is PresetKind.AMOUNT:
            wire_preset = proto.Preset(proto.PresetKind.AMOUNT, preset.value)
        elif preset.kind is PresetKind.QUANTITY:
            wire_preset = proto.Preset(proto.PresetKind.QUANTITY, preset.value)
        hold_id, hold_fen = None, 0
        if seq.payment is PaymentKind.CARD and seq.card_number:
            if preset.kind is PresetKind.AMOUNT:
                hold_fen = preset.value
            elif preset.kind is PresetKind.QUANTITY:
                hold_fen = amount_for(price, preset.value)
            else:
                card = await self._db(self.ledger.card, number=seq.card_number)
                spendable = card.spendable_fen if card_type is not CardType.INTERNAL else FILL_UP_HOLD_CAP_FEN
                hold_fen = min(spendable, FILL_UP_HOLD_CAP_FEN)
                if hold_fen <= 0:
                    raise CoreRefused("balance_insufficient")
                # The dispenser stops at what the hold covers.
                wire_preset = proto.Preset(proto.PresetKind.QUANTITY, quantity_for_amount(price, hold_fen))
            company, plan = await self._company_standing(seq), None
            if company is not None:
                fill_up = preset.kind is PresetKind.FILL_UP
                plan, company_fen = await self._company_hold(seq, company, hold_fen, fill_up=fill_up)
                if company_fen != hold_fen:  # a fill-up cut to what the card's limits leave today
                    hold_fen = company_fen
                    wire_preset = proto.Preset(proto.PresetKind.QUANTITY, quantity_for_amount(price, hold_fen))
            # The hold and what the sequence knows are written before the dispenser hears of it: a restart
            # from here on finds the fill's card, hold, plate and attendant in the ledger. The same transaction
            # carries the steps so far and the write probe: no gas whose sale could not be recorded.
            try:
                hold_id = await self._db_with_steps(
                    seq,
                    self.ledger.place_hold,
                    actor,
                    seq.card_number,
                    hold_fen,
                    lane.dispenser,
                    lane.nozzle,
                    sequence_id=seq.sequence_id,
                    plate=seq.plate,
                    probe=True,
                    company=plan,
                )
            except Exception:  # cancelled, the write may still commit in its thread: head office's hold stays
                if plan is not None:
                    await self._company_hold_abandoned(plan, seq.card_number)
                raise
        else:
            await self._db_with_steps(
                seq,
                self.ledger.authorize_lane,
                actor,
                seq.sequence_id,
                lane.dispenser,
                lane.nozzle,
                seq.plate,
                probe=True,
            )
        try:
            await self.bus.authorize(lane.dispenser, lane.nozzle, wire_preset, price)
        except DeviceRejected as exc:  # a refusal is certain: nothing was authorized
            # Gives the hold back too.
            await self._db(self.ledger.drop_lane_authorization, actor, seq.sequence_id)
            raise CoreRefused("dispenser_refused", detail=str(exc)) from exc
        except BusError as exc:
            # No answer is not a refusal: the dispenser may have authorized and be filling. Ask it.
            carried_out = await self._authorized_at_dispenser(lane)
            if carried_out is False:
                await self._db(self.ledger.drop_lane_authorization, actor, seq.sequence_id)
                raise CoreRefused("authorize_not_carried_out", detail=str(exc)) from exc
            log.warning("authorize of %s/%s unanswered; read back: %s", *key, carried_out)
            self._step(key, lambda s: s.authorized(preset, price, hold_id, hold_fen))
            if carried_out is None:
                # Still unknown: keep the hold and the sequence at filling (no abort) until the dispenser answers.
                lane.authorize_unknown = True
                self.notice("authorize.unknown", "warning", lane=f"{key[0]}/{key[1]}")
                self.emit(LaneChanged(key))
                self._tasks.append(asyncio.create_task(self._resolve_authorize(lane, seq)))
            return price
        if seq.finished:
            # A leak stopped the sequence while the dispenser was being authorized: the lane authorization stays
            # live, so whatever the dispenser delivers before it stops lands on an unpaid fill with its hold.
            raise CoreRefused("nozzle_leak_locked", lane=f"{key[0]}/{key[1]}")
        self._step(key, lambda s: s.authorized(preset, price, hold_id, hold_fen))
        return price

    async def _authorized_at_dispenser(self, lane: Lane) -> bool | None:
        """Read the nozzle back after an unanswered authorize: True authorized (or already filled), False not,
        None when the dispenser still does not answer."""
        assert self.bus is not None
        try:
            progress = await self.bus.read_progress(lane.dispenser, lane.nozzle)
        except BusError:
            return None
        state = progress.state
        if state in (
            proto.NozzleState.AUTHORIZED,
            proto.NozzleState.FILLING,
            proto.NozzleState.FINISHED,  # filled and ended already: its transaction is on its way
            proto.NozzleState.STOPPED,
        ):
            return True
        if state in (proto.NozzleState.NOZZLE_LIFTED, proto.NozzleState.IDLE):
            return False
        return None  # FAULT hides whether a fill ran: wait until it is cleared

    async def _resolve_authorize(self, lane: Lane, seq: FuelingSequence) -> None:
        """Ask the dispenser until it says whether the unanswered authorize was carried out."""
        while not self._stopping and lane.sequence is seq and lane.authorize_unknown:
            if seq.step is not Step.FILLING:  # its transaction arrived and was recorded: it was authorized
                break
            carried_out = await self._authorized_at_dispenser(lane)
            recording = any(a == lane.dispenser and not t.done() for (a, _), t in self._recording.items())
            if carried_out is True:
                break
            if carried_out is False and not recording and seq.step is Step.FILLING:
                # Not authorized after all (no fill, nothing unacknowledged): give everything back.
                lane.authorize_unknown = False
                if self.actor is not None:
                    with contextlib.suppress(CoreRefused):
                        await self._db(self.ledger.drop_lane_authorization, self.actor, seq.sequence_id)
                    seq.hold_id = None
                with contextlib.suppress(SequenceRefused):
                    seq.abort(AbortReason.DISPENSER_FAULT, "authorize not carried out")
                lane.sequence = None
                self._card_levels.pop(lane.key, None)
                self.notice("authorize.not_carried_out", "warning", lane=f"{lane.dispenser}/{lane.nozzle}")
                self.emit(LaneChanged(lane.key))
                return
            await asyncio.sleep(0.5)
        if lane.authorize_unknown:
            lane.authorize_unknown = False
            self.notice("authorize.confirmed", lane=f"{lane.dispenser}/{lane.nozzle}")
            self.emit(LaneChanged(lane.key))
