"""A nozzle on the forecourt as the core shows it (:class:`Lane`) and its state in the core's words
(:class:`NozzleState`), the events the core sends its screens, and :class:`CoreRefused`, the one refusal every
core call raises."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# Names only: the terminal's first frame imports this module (the events, the refusal) and must not wait for
# the ledger's ORM to load (issue 12).
if TYPE_CHECKING:
    from station.core.sequence import FuelingSequence
    from station.ledger.fills import FillView
    from station.ledger.locks import LockView
    from station.ledger.staff import Actor


class NozzleState(enum.Enum):
    """A nozzle's state as the core tells it: the dispenser driver's states are mapped onto these where its
    events arrive (:mod:`station.core.device_events`), so a screen reads the core, never a driver's protocol."""

    IDLE = "idle"
    NOZZLE_LIFTED = "nozzle_lifted"
    AUTHORIZED = "authorized"
    FILLING = "filling"
    FINISHED = "finished"  # fill ended normally, its transaction not acknowledged yet
    STOPPED = "stopped"  # fill ended abnormally (stop, leak, fault, hang-up), not acknowledged yet
    FAULT = "fault"  # an alarm is latched at the dispenser; cleared only there
    OFFLINE = "offline"  # the dispenser does not answer


class CoreRefused(Exception):
    """An operation was refused; ``code`` keys the catalogue (station.i18n ``err.<code>``). Nothing changed."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


# ---------------------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class CoreEvent:
    pass


@dataclass(frozen=True)
class LaneChanged(CoreEvent):
    lane: tuple[int, int]


@dataclass(frozen=True)
class Notice(CoreEvent):
    """A message for the attendant: ``key`` in the catalogue, severity information/warning/error."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    severity: str = "information"


@dataclass(frozen=True)
class CardRead(CoreEvent):
    uid: str


@dataclass(frozen=True)
class CodeScanned(CoreEvent):
    """A serial scanner read a code (a payment code, a receipt's QR): the screen in front takes it as typed."""

    code: str


@dataclass(frozen=True)
class StaffCardLogin(CoreEvent):
    actor: Actor


@dataclass
class Lane:
    """One nozzle on the forecourt, as the attendant sees it."""

    dispenser: int
    nozzle: int
    product: str
    state: NozzleState | None = None
    quantity: int = 0
    amount: int = 0
    pressure: int = 0
    flow: int = 0
    link_up: bool = False
    alarm: str = ""
    unpaid: list[FillView] = field(default_factory=list)
    sequence: FuelingSequence | None = None
    # The authorize went out but no answer came back: the nozzle may be delivering; nothing is given up.
    authorize_unknown: bool = False
    # Leak lock (泄漏锁定): set by a leak, kept in the ledger across restarts, cleared only by a manager.
    leak_locked_since: dt.datetime | None = None
    leak_lock_cause: str = ""  # "alarm" (the dispenser's) or "abort" (found at step 6)
    # An emergency stop reached this nozzle while it was in use; cleared when the nozzle is used again.
    estopped: bool = False
    # When the dispenser last reported the nozzle lifted off its hook, and back on it (core monotonic time):
    # a report completes a sequence's item only if it came after that sequence began (core/seen.py).
    lifted_at: float | None = None
    hung_at: float | None = None
    # Why the residual pressure could not be taken from the dispenser at step 6 (no reading, too low, full):
    # the attendant reads it on the screen and types the gauge or aborts. None once a pressure is recorded.
    reading_refused: CoreRefused | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.dispenser, self.nozzle)

    @property
    def leak_locked(self) -> bool:
        return self.leak_locked_since is not None

    def take_lock(self, lock: LockView | None) -> None:
        """What the ledger says; a lock set here a moment ago and not yet written is never dropped by a read."""
        if lock is not None:
            self.leak_locked_since, self.leak_lock_cause = lock.locked_at, lock.cause
