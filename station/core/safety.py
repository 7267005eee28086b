"""Safety: the emergency stop (F9), abort, and the leak lock (泄漏锁定) a leak sets and only a manager clears."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from station.core.base import CoreBase
from station.core.lanes import CoreRefused, Lane, LaneChanged
from station.core.sequence import AbortReason, FuelingSequence, Step
from station.devices.dispenser_bus import BusError, LinkDownError

log = logging.getLogger(__name__)


class Safety(CoreBase):
    async def emergency_stop(self, key: tuple[int, int] | None = None) -> None:
        """One key stops at once: the given nozzle, or (F9) every nozzle of every dispenser.

        The stop frames go out before any database work and ahead of every other request on the bus; the
        incident is recorded afterwards, off the loop. A stop that cannot reach a dispenser is said loudly.
        """
        if self.bus is None:
            raise CoreRefused("dispenser_offline", detail="no dispenser configured")
        if key is not None:
            orders = [(self.lanes[key].dispenser, self.lanes[key].nozzle)]
        else:  # nozzle 0: all of the dispenser's nozzles, also one authorized a moment ago
            orders = [(address, 0) for address in sorted({lane.dispenser for lane in self.lanes.values()})]
        # One attempt to every dispenser first, so a dispenser that does not answer holds up no other.
        failed: dict[tuple[int, int], BusError] = {}
        for order in orders:
            try:
                await self.bus.stop(*order, retries=0)
            except BusError as exc:
                failed[order] = exc
        for order, first in list(failed.items()):
            if isinstance(first, LinkDownError):
                continue
            try:
                await self.bus.stop(*order)
                del failed[order]
            except BusError as exc:
                failed[order] = exc
        for address, nozzle in orders:
            lane_label = f"{address}/{nozzle}" if nozzle else f"{address}/*"
            if (address, nozzle) in failed:
                log.error("emergency stop of %s failed: %s", lane_label, failed[(address, nozzle)])
                if isinstance(failed[(address, nozzle)], LinkDownError):
                    self.notice("estop.failed_link", "error", lane=lane_label, port=self.bus.url)
                else:
                    self.notice("estop.failed", "error", lane=lane_label)
            else:
                self.notice("estop.done", "warning", lane=lane_label)
                for lane in self.lanes.values():
                    if lane.dispenser == address and nozzle in (0, lane.nozzle) and self._in_use(lane):
                        lane.estopped = True
                        self.emit(LaneChanged(lane.key))
        with contextlib.suppress(Exception):
            await self._db(
                self.ledger.record_incident,
                self.actor,
                "emergency_stop",
                lanes=[f"{d}/{n}" if n else f"{d}/*" for d, n in orders],
                failed=[f"{d}/{n}" if n else f"{d}/*" for d, n in failed],
            )

    async def abort(self, key: tuple[int, int], reason: AbortReason, note: str = "") -> None:
        actor = self._need_actor()
        lane = self.lanes[key]
        seq = self._sequence(key)
        if seq.step is Step.FILLING and self.bus is not None:
            with contextlib.suppress(BusError):
                await self.bus.stop(lane.dispenser, lane.nozzle)
        if seq.step is Step.FILLING:
            # Stopped mid-fill: whatever flowed arrives as a transaction and is settled, not aborted.
            raise CoreRefused("fill_must_be_settled")
        self._step(key, lambda s: s.abort(reason, note))
        if seq.hold_id is not None:
            with contextlib.suppress(CoreRefused):
                await self._db(self.ledger.release_hold, actor, seq.hold_id)
        if reason is AbortReason.LEAK:
            # A leak found at step 6: the incident and the nozzle's lock in one transaction.
            lane.leak_locked_since, lane.leak_lock_cause = lane.leak_locked_since or self.ledger.now(), "abort"
            lock, _new = await self._db(self.locks.lock_for_leak, actor, *key, "abort", note=note)
            lane.take_lock(lock)
            self.notice("leak.found_locked", "error", lane=f"{key[0]}/{key[1]}")
        if reason in (AbortReason.SAFETY_REFUSED, AbortReason.EMERGENCY_STOP):
            # The sequence ends here: its steps, the abort included, commit with the incident.
            await self._db_with_steps(
                seq, self.ledger.record_incident, actor, reason.value, lane=f"{key[0]}/{key[1]}", note=note
            )
        else:
            with contextlib.suppress(CoreRefused):  # kept for the next write if this one fails
                await self._db_with_steps(seq, self.ledger.record_steps)
        lane.sequence = None
        self._card_levels.pop(key, None)
        self.emit(LaneChanged(key))

    async def clear_leak_lock(self, key: tuple[int, int], manager_number: str, manager_pin: str, note: str) -> None:
        """A manager checked the nozzle after a leak and frees it, with a note of what was checked; audited."""
        lane = self.lanes[key]
        if not note.strip():
            raise CoreRefused("lock_note_required")
        manager = await self.manager(manager_number, manager_pin)
        try:
            await self._db(self.locks.clear, manager, lane.dispenser, lane.nozzle, note)
        except CoreRefused as exc:
            if exc.code != "nozzle_not_locked" or not lane.leak_locked:
                raise
            # Locked here only (its write failed, e.g. disk full): nothing in the ledger to clear.
            log.warning("leak lock of %s/%s was never written; cleared here only", *key)
        lane.leak_locked_since, lane.leak_lock_cause = None, ""
        self.notice("leak.cleared", lane=f"{lane.dispenser}/{lane.nozzle}")
        self.emit(LaneChanged(key))

    def _leak_alarm(self, lane: Lane) -> None:
        """A leak at a nozzle: it is locked and its sequence ends here, before anything else can run on it.

        The dispenser stops itself; a stop is sent anyway. Gas that already flowed still arrives as the
        dispenser's transaction and is recorded as an unpaid fill (its card hold kept for it by the lane
        authorization), to be settled later; the lock and its incident are written off the loop.
        """
        lane.alarm = "LEAK"  # as the bus names it (AlarmKind.LEAK); the tile says it in words
        lane.leak_locked_since = lane.leak_locked_since or self.ledger.now()
        lane.leak_lock_cause = lane.leak_lock_cause or "alarm"
        seq = lane.sequence
        stopped_at = seq.step if seq is not None else None
        if seq is not None and seq.stop_for_leak():
            self._card_levels.pop(lane.key, None)
        self.notice("leak.locked", "error", lane=f"{lane.dispenser}/{lane.nozzle}")
        self.emit(LaneChanged(lane.key))
        self._tasks.append(asyncio.create_task(self._leak_stop(lane, seq, stopped_at)))

    async def _leak_stop(self, lane: Lane, seq: FuelingSequence | None, stopped_at: Step | None) -> None:
        if self.bus is not None:
            with contextlib.suppress(BusError):
                await self.bus.stop(lane.dispenser, lane.nozzle)
        actor = self.actor
        detail: dict[str, Any] = {"alarm": "LEAK"}
        if seq is not None and stopped_at is not None:
            detail.update(sequence=seq.sequence_id, step=stopped_at.value)
        if seq is not None and not seq.leak_fill_pending:
            # The sequence ended at the leak (no fill of it to come and carry them): its steps are written now.
            with contextlib.suppress(CoreRefused):
                await self._db_with_steps(seq, self.ledger.record_steps)
        try:
            lock, _new = await self._db(self.locks.lock_for_leak, actor, lane.dispenser, lane.nozzle, "alarm", **detail)
        except CoreRefused as exc:
            # The lock stays set here until a restart; the attendant is told the ledger did not take it.
            log.error("leak lock of %s/%s not written: %s", lane.dispenser, lane.nozzle, exc.code)
            self.notice("leak.lock_unwritten", "error", lane=f"{lane.dispenser}/{lane.nozzle}")
            return
        lane.take_lock(lock)
        self.emit(LaneChanged(lane.key))

    async def _incident(self, lane: str, what: str) -> None:
        with contextlib.suppress(Exception):
            await self._db(self.ledger.record_incident, self.actor, f"alarm:{what}", lane=lane)
