"""Recovery: recording the dispenser's transactions (record, then acknowledge), the sweep of what a dispenser
still holds unacknowledged, and the start-up read-back of the authorizations the ledger holds."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from station.core.base import CoreBase
from station.core.lanes import CoreRefused, Lane, LaneChanged
from station.core.sequence import PaymentKind, Step
from station.devices import dispenser_protocol as proto
from station.devices.dispenser_bus import BusError, TransactionCompleted
from station.ledger.fills import FillRecord
from station.ledger.lanes import ResumableAuthorization
from station.ledger.models import FillStatus
from station.money import format_centi, format_yuan

log = logging.getLogger(__name__)


class Recovery(CoreBase):
    async def _spool_committed_receipts(self) -> None:
        """Settle's (the printing of committed receipts); here for the payment recovery's second rounds."""
        raise NotImplementedError

    # ------------------------------------------------------------------ after a restart

    async def _resume_loop(self) -> None:
        """Until every authorization the ledger holds is resumed or proven unserved, ask again."""
        while not self._stopping:
            try:
                if await self.resume_authorizations() == 0:
                    return
            except asyncio.CancelledError:
                raise
            except Exception:  # the read-back must keep trying whatever one round met
                log.exception("resuming authorizations failed")
            await asyncio.sleep(min(self.sweep_interval, 1.0))

    def retry_payment_recovery(self) -> None:
        """Ask the providers about the open orders again (a refund they did not confirm), unless already asking."""
        running = self._payment_recovery
        if self.mobile_pay is None or self._stopping or (running is not None and not running.done()):
            return
        self._payment_recovery = asyncio.create_task(self._recover_payment_orders())
        self._tasks.append(self._payment_recovery)

    async def _recover_payment_orders(self) -> None:
        """Scan-to-pay orders a crash left open: each asked about by its number until paid (booked once) or
        reversed; a provider that does not answer is asked again later."""
        while not self._stopping and self.mobile_pay is not None:
            try:
                still_open = await self.mobile_pay.recover()
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad answer must not end the recovery of the others
                log.exception("recovering payment orders failed")
                still_open = -1
            if still_open == 0:
                self._payments_recovered.set()
                return
            if not self._payments_recovered.is_set():
                # The rest is asked again later; the receipts of what this round booked print now.
                self._payments_recovered.set()
            elif self.print_queue is not None:
                with contextlib.suppress(Exception):
                    await self._spool_committed_receipts()
            await asyncio.sleep(10.0)

    async def resume_authorizations(self) -> int:
        """One round of the start-up read-back; returns how many authorizations are still undecided.

        Each live authorization is read back at its nozzle: authorized or filling, the sequence comes back
        at filling; finished, it comes back there and its transaction (recorded by poll or sweep) moves it
        on; nothing there and nothing unacknowledged, the fill never happened, so the authorization is
        dropped and its hold given back. A recorded authorization whose fill is unpaid brings its sequence
        back at disconnect, so the attendant settles it where it stopped."""
        undecided = 0
        for auth in await self._db(self.ledger.authorizations_to_resume):
            lane = self.lanes.get((auth.dispenser, auth.nozzle))
            if lane is None:
                continue
            seq = lane.sequence
            if seq is not None and seq.sequence_id == auth.sequence_id:
                if auth.fill_id is not None and seq.step is Step.FILLING:
                    seq.fill_ended(auth.fill_id, "recorded_while_away")  # recorded before it was resumed
                    self._dispenser_saw(lane)
                    await self._reload_unpaid(lane)
                elif seq.step is Step.FILLING:
                    undecided += 1  # its transaction is still to come
                continue
            if seq is not None and not seq.finished:
                continue  # a newer sequence owns the nozzle; authorize will drop this one
            if auth.fill_id is not None:
                if not lane.leak_locked:  # a leak ended that sequence: its fill is settled with S, not resumed
                    self._resume(lane, auth, Step.DISCONNECT)
                    due = next((f.amount_fen for f in lane.unpaid if f.id == auth.fill_id), None)
                    if due is not None:  # the display came back blank: the driver sees the amount due again
                        self._show(self.display.show_due(due))
                continue
            state = await self._nozzle_state_now(lane)
            if state in (proto.NozzleState.AUTHORIZED, proto.NozzleState.FILLING):
                self._resume(lane, auth, Step.FILLING)
                undecided += 1  # until its transaction is recorded
            elif state in (proto.NozzleState.FINISHED, proto.NozzleState.STOPPED):
                self._resume(lane, auth, Step.FILLING)
                self._tasks.append(asyncio.create_task(self.sweep_unacknowledged()))
                undecided += 1
            elif state in (proto.NozzleState.IDLE, proto.NozzleState.NOZZLE_LIFTED) and await self._none_unacknowledged(
                lane.dispenser
            ):
                if await self._db(self.ledger.drop_unserved_authorization, auth.sequence_id, state.name.lower()):
                    self.notice("authorize.dropped_at_start", "warning", lane=f"{lane.dispenser}/{lane.nozzle}")
                    await self._reload_unpaid(lane)
            else:
                undecided += 1  # not answering, in fault, or a transaction still to record: ask again
        return undecided

    def _resume(self, lane: Lane, auth: ResumableAuthorization, at: Step) -> None:
        seq = self._new_sequence(
            lane,
            auth.attendant_id or 0,
            sequence_id=auth.sequence_id,
            payment=PaymentKind.CARD if auth.card_number else PaymentKind.CASH,
            card_number=auth.card_number,
            plate=auth.plate,
            hold_id=auth.hold_id,
            hold_fen=auth.hold_fen,
        )
        seq.resume(at, auth.fill_id)
        self._dispenser_saw(lane)  # back at disconnect with the nozzle reported on its hook: removed
        self.notice(f"sequence.resumed.{at.value}", "warning", lane=f"{lane.dispenser}/{lane.nozzle}")
        self.emit(LaneChanged(lane.key))

    async def _nozzle_state_now(self, lane: Lane) -> proto.NozzleState | None:
        if self.bus is None or self.link_refusal() is not None:
            return None
        try:
            return (await self.bus.read_progress(lane.dispenser, lane.nozzle)).state
        except BusError:
            return None

    async def _none_unacknowledged(self, address: int) -> bool:
        """Read after the nozzle's state: no transaction is waiting, so none can belong to the authorization."""
        assert self.bus is not None
        try:
            waiting = (await self.bus.read_unacknowledged(address)).numbers
        except BusError:
            return False
        if waiting:
            self._tasks.append(asyncio.create_task(self.sweep_unacknowledged()))
        return not waiting

    async def _record_transaction(self, event: TransactionCompleted) -> None:
        """Record the dispenser's transaction in the ledger, then acknowledge it: never the other way round."""
        txn = event.transaction
        key = (event.address, txn.nozzle)
        lane = self.lanes.get(key)
        product = lane.product if lane else self.settings.products[0].code
        seq = lane.sequence if lane else None
        # A fill a leak stopped is still this sequence's: its attendant, plate and card go on the unpaid fill.
        in_fill = seq is not None and (seq.step is Step.FILLING or seq.leak_fill_pending)
        record = FillRecord(
            dispenser=event.address,
            nozzle=txn.nozzle,
            transaction_number=txn.number,
            product_code=product,
            unit="Nm3" if txn.unit is proto.SaleUnit.NM3 else "kg",
            unit_price_fen=txn.unit_price,
            quantity_centi=txn.quantity,
            dispenser_amount_fen=txn.amount,
            started_at=dt.datetime.fromtimestamp(txn.start_time, dt.UTC),
            ended_at=dt.datetime.fromtimestamp(txn.end_time, dt.UTC),
            pressure_before_centi_mpa=txn.pressure_before,
            pressure_after_centi_mpa=txn.pressure_after,
            totalizer_before_centi=txn.totalizer_before,
            totalizer_after_centi=txn.totalizer_after,
            stop_reason=txn.stop_reason.name.lower(),
        )
        engine_ms = None
        if in_fill and seq is not None:
            if txn.quantity:
                seq.gas_flowing()
            engine_ms = seq.engine_timer.elapsed_ms(self.monotonic())
        try:
            if in_fill and seq is not None:
                # The sequence's steps so far commit with its fill, and all of them are linked to it there.
                fill = await self._db_with_steps(
                    seq,
                    self.ledger.record_fill,
                    record,
                    attendant=self.actor,
                    plate=seq.plate,
                    engine_off_to_flow_ms=engine_ms,
                    card_number=seq.card_number,
                    sequence_id=seq.sequence_id,
                )
            else:
                fill = await self._db(self.ledger.record_fill, record)
        except Exception:
            log.exception("could not record transaction %s/%s/%s", event.address, txn.nozzle, txn.number)
            return  # not acknowledged: the dispenser keeps it and the next poll offers it again
        if self.bus is not None:
            try:
                await self.bus.acknowledge(event.address, txn.number)
            except BusError:
                log.warning(
                    "ack of %s/%s failed; it will be offered again and recorded once", event.address, txn.number
                )
        if lane is not None:
            # The unpaid fill is on the lane before the sequence moves on, so the screen never sees a gap.
            await self._reload_unpaid(lane)
        if lane is not None and fill.created:
            # Announced once: a transaction offered again (by the poll and the sweep both) is not a new fill.
            self.notice(
                "fill.recorded",
                lane=f"{lane.dispenser}/{lane.nozzle}",
                qty=format_centi(fill.quantity_centi),
                unit=fill.unit,
                amount=format_yuan(fill.amount_fen),
            )
        if in_fill and seq is not None:
            seq.fill_ended(fill.id, record.stop_reason)
            if lane is not None:
                self._dispenser_saw(lane)  # hung up while the fill was being recorded: removed already
            if fill.status is FillStatus.PAID and seq.hold_id is not None and self.actor is not None:
                # Nothing flowed: give the hold back now; settling a zero fill has nothing to charge.
                with contextlib.suppress(CoreRefused):
                    await self._db(self.ledger.release_hold, self.actor, seq.hold_id)
                seq.hold_id = None
            if lane is not None:
                self.emit(LaneChanged(lane.key))

    def _record_once(self, event: TransactionCompleted) -> asyncio.Task[None]:
        """Record (then acknowledge) a transaction unless it is being recorded already; the task doing it."""
        key = (event.address, event.transaction.number)
        running = self._recording.get(key)
        if running is not None and not running.done():
            return running
        task = asyncio.create_task(self._record_transaction(event))
        self._recording[key] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._recording.get(key) is done:
                del self._recording[key]

        task.add_done_callback(forget)
        self._tasks.append(task)
        return task

    async def _sweep_loop(self) -> None:
        """While running, re-read what each dispenser still holds unacknowledged and see it recorded and acknowledged.

        The poll offers each transaction once per run; an acknowledgement lost on the wire, or a record that
        failed (disk full), would otherwise block the nozzle (UNACKED_PENDING) until a restart."""
        while not self._stopping:
            await asyncio.sleep(self.sweep_interval)
            try:
                await self.sweep_unacknowledged()
            except asyncio.CancelledError:
                raise
            except Exception:  # the sweep must keep running whatever one round met
                log.exception("unacknowledged-transaction sweep failed")

    async def sweep_unacknowledged(self) -> None:
        """One round: every transaction a dispenser still holds is recorded (idempotently) and acknowledged."""
        if self.bus is None or self.link_refusal() is not None:
            return
        for address in sorted({lane.dispenser for lane in self.lanes.values()}):
            try:
                unacked = await self.bus.read_unacknowledged(address)
            except BusError:
                continue  # not answering now: the next round asks again
            for number in unacked.numbers:
                running = self._recording.get((address, number))
                if running is not None and not running.done():
                    continue  # the poll's record of it is under way
                try:
                    txn = await self.bus.read_transaction(address, number)
                except BusError:
                    break
                if txn.acknowledged:
                    continue
                if await self._db(self.ledger.fill_recorded, address, txn.nozzle, txn.number):
                    # Recorded, but the acknowledgement was lost: send it again (idempotent at the dispenser).
                    with contextlib.suppress(BusError):
                        await self.bus.acknowledge(address, txn.number)
                    continue
                await self._record_once(TransactionCompleted(address, txn))
                told = (address, txn.number)
                if told not in self._unrecorded_told and not await self._db(
                    self.ledger.fill_recorded, address, txn.nozzle, txn.number
                ):
                    # Still not in the ledger (disk full…): the attendant hears it once; the sweep keeps trying.
                    self._unrecorded_told.add(told)
                    self.notice("fill.unrecorded", "error", lane=f"{address}/{txn.nozzle}", number=txn.number)
