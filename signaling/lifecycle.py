"""The visit lifecycle as pure code.

A `Visit` never reads a clock and never does IO: `handle(event, now)` moves it and returns the
actions that a driver must carry out (open media, warn, cut media, record). Every state change goes
through `_move`, which logs old -> new, so a visit's history can be read from the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

log = logging.getLogger(__name__)

# Seconds left at which both pages are warned; the seeds' officers call out "one minute".
WARNINGS: tuple[int, ...] = (60, 10)
MAX_EXTENSION_SECONDS = 30 * 60


class VisitState(StrEnum):
    CALLED = "called"  # the inmate is being brought to the station, the family was told
    LIVE = "live"  # media flows through the relay; the deadline runs
    ENDED = "ended"


class Outcome(StrEnum):
    COMPLETED = "completed"  # ran to its deadline
    ENDED_EARLY = "ended_early"  # an officer ended it before the deadline
    CANCELLED = "cancelled"  # ended before it started (inmate not available, family gone)


class IllegalTransition(Exception):
    """An event that the visit's current state does not allow."""

    def __init__(self, visit_id: int, state: VisitState, event: str) -> None:
        super().__init__(f"visit {visit_id}: cannot {event} while {state}")
        self.visit_id = visit_id
        self.state = state
        self.event = event


# Events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    allotted_seconds: int


@dataclass(frozen=True)
class Extend:
    seconds: int


@dataclass(frozen=True)
class Tick:
    pass


@dataclass(frozen=True)
class End:
    reason: str = ""


Event = Start | Extend | Tick | End

# Actions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenMedia:
    deadline: float


@dataclass(frozen=True)
class Warn:
    seconds_left: int


@dataclass(frozen=True)
class DeadlineMoved:
    deadline: float


@dataclass(frozen=True)
class CutMedia:
    pass


@dataclass(frozen=True)
class Finished:
    outcome: Outcome
    reason: str


Action = OpenMedia | Warn | DeadlineMoved | CutMedia | Finished


@dataclass
class Visit:
    visit_id: int
    ticket_id: int
    station_id: int
    called_at: float
    state: VisitState = VisitState.CALLED
    allotted_seconds: int = 0
    started_at: float | None = None
    deadline: float | None = None
    ended_at: float | None = None
    outcome: Outcome | None = None
    end_reason: str = ""
    warned: set[int] = field(default_factory=set)

    def seconds_left(self, now: float) -> float:
        if self.deadline is None:
            return float(self.allotted_seconds)
        return max(0.0, self.deadline - now)

    def actual_seconds(self) -> int:
        if self.started_at is None or self.ended_at is None:
            return 0
        return round(self.ended_at - self.started_at)

    def handle(self, event: Event, now: float) -> list[Action]:
        match event:
            case Start(allotted_seconds=allotted):
                return self._start(allotted, now)
            case Extend(seconds=seconds):
                return self._extend(seconds, now)
            case Tick():
                return self._tick(now)
            case End(reason=reason):
                return self._end(reason, now)
        raise TypeError(f"unknown event {event!r}")

    def _start(self, allotted: int, now: float) -> list[Action]:
        if self.state is not VisitState.CALLED:
            raise IllegalTransition(self.visit_id, self.state, "start")
        if allotted <= 0:
            raise ValueError("allotted_seconds must be positive")
        self.allotted_seconds = allotted
        self.started_at = now
        self.deadline = now + allotted
        self._move(VisitState.LIVE)
        return [OpenMedia(deadline=self.deadline)]

    def _extend(self, seconds: int, now: float) -> list[Action]:
        if self.state is not VisitState.LIVE or self.deadline is None:
            raise IllegalTransition(self.visit_id, self.state, "extend")
        if not 0 < seconds <= MAX_EXTENSION_SECONDS:
            raise ValueError(f"an extension is 1..{MAX_EXTENSION_SECONDS} seconds")
        self.deadline += seconds
        self.allotted_seconds += seconds
        left = self.deadline - now
        # A warning already given for a threshold the visit is now above must come again.
        self.warned = {w for w in self.warned if w >= left}
        return [DeadlineMoved(deadline=self.deadline)]

    def _tick(self, now: float) -> list[Action]:
        if self.state is not VisitState.LIVE or self.deadline is None:
            return []
        left = self.deadline - now
        if left <= 0:
            return self._finish(Outcome.COMPLETED, "deadline", now)
        due = [w for w in WARNINGS if left <= w and w not in self.warned]
        if not due:
            return []
        # Only the most urgent warning is shown when several fall due at once.
        self.warned.update(due)
        return [Warn(seconds_left=min(due))]

    def _end(self, reason: str, now: float) -> list[Action]:
        if self.state is VisitState.ENDED:
            raise IllegalTransition(self.visit_id, self.state, "end")
        outcome = Outcome.ENDED_EARLY if self.state is VisitState.LIVE else Outcome.CANCELLED
        return self._finish(outcome, reason, now)

    def _finish(self, outcome: Outcome, reason: str, now: float) -> list[Action]:
        was_live = self.state is VisitState.LIVE
        self.ended_at = now
        self.outcome = outcome
        self.end_reason = reason
        self._move(VisitState.ENDED)
        actions: list[Action] = [CutMedia()] if was_live else []
        actions.append(Finished(outcome=outcome, reason=reason))
        return actions

    def _move(self, new: VisitState) -> None:
        log.info("visit %s: %s -> %s", self.visit_id, self.state, new)
        self.state = new
