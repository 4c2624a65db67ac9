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
# How long a line may stay down before the visit ends as connection_lost (a facility setting).
DEFAULT_RECONNECT_GRACE = 120


class VisitState(StrEnum):
    CALLED = "called"  # the inmate is being brought to the station, the family was told
    LIVE = "live"  # media flows through the relay; the deadline runs
    ENDED = "ended"


class Outcome(StrEnum):
    COMPLETED = "completed"  # ran to its deadline
    ENDED_EARLY = "ended_early"  # an officer ended it before the deadline
    CANCELLED = "cancelled"  # ended before it started (inmate not available, family gone)
    CONNECTION_LOST = "connection_lost"  # a line stayed down past the facility's grace
    INTERRUPTED = "interrupted"  # the server stopped while it ran (closed at the next start)


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
    reconnect_grace: float = DEFAULT_RECONNECT_GRACE


@dataclass(frozen=True)
class Pause:
    """A line is down: its media stopped at `since` (at or before now)."""

    since: float


@dataclass(frozen=True)
class Resume:
    """Every line is back."""


@dataclass(frozen=True)
class Extend:
    seconds: int


@dataclass(frozen=True)
class Tick:
    pass


@dataclass(frozen=True)
class End:
    reason: str = ""


Event = Start | Extend | Tick | End | Pause | Resume

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
class Paused:
    since: float


@dataclass(frozen=True)
class Resumed:
    """The clock goes on; the deadline moved by the time it stood still."""

    deadline: float
    paused_for: float


@dataclass(frozen=True)
class CutMedia:
    pass


@dataclass(frozen=True)
class Finished:
    outcome: Outcome
    reason: str


Action = OpenMedia | Warn | DeadlineMoved | Paused | Resumed | CutMedia | Finished


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
    # The clock stands still while a line is down: since when, and for how long in all.
    reconnect_grace: float = DEFAULT_RECONNECT_GRACE
    paused_at: float | None = None
    paused_seconds: float = 0.0
    resumed_at: float | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def seconds_left(self, now: float) -> float:
        if self.deadline is None:
            return float(self.allotted_seconds)
        clock = self.paused_at if self.paused_at is not None else now
        return max(0.0, self.deadline - clock)

    def actual_seconds(self) -> int:
        """The time the visit was connected: from start to end, less its pauses."""
        if self.started_at is None or self.ended_at is None:
            return 0
        return max(0, round(self.ended_at - self.started_at - self.paused_seconds))

    def missed_seconds(self) -> int:
        """What the family was given and did not have (its make-up time)."""
        return max(0, self.allotted_seconds - self.actual_seconds())

    def gives_up_at(self) -> float | None:
        """When a pause that lasts ends the visit as connection_lost."""
        return None if self.paused_at is None else self.paused_at + self.reconnect_grace

    def handle(self, event: Event, now: float) -> list[Action]:
        match event:
            case Start(allotted_seconds=allotted, reconnect_grace=grace):
                self.reconnect_grace = grace
                return self._start(allotted, now)
            case Pause(since=since):
                return self._pause(since, now)
            case Resume():
                return self._resume(now)
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
        left = self.seconds_left(now)
        # A warning already given for a threshold the visit is now above must come again.
        self.warned = {w for w in self.warned if w >= left}
        return [DeadlineMoved(deadline=self.deadline)]

    def _pause(self, since: float, now: float) -> list[Action]:
        if self.state is not VisitState.LIVE or self.paused_at is not None:
            return []
        # Never before the start or the last resume: no second is paused twice.
        floor = max(t for t in (self.started_at, self.resumed_at) if t is not None)
        self.paused_at = min(now, max(since, floor))
        log.info("visit %s: clock stopped (line down since %.1f)", self.visit_id,
                 self.paused_at)
        return [Paused(since=self.paused_at)]

    def _resume(self, now: float) -> list[Action]:
        if self.state is not VisitState.LIVE or self.paused_at is None:
            return []
        assert self.deadline is not None
        stood = max(0.0, now - self.paused_at)
        self.close_pause(now)
        self.deadline += stood
        # A warning given for a threshold the visit is now above must come again.
        left = self.deadline - now
        self.warned = {w for w in self.warned if w >= left}
        log.info("visit %s: clock goes on after %.1f s", self.visit_id, stood)
        return [Resumed(deadline=self.deadline, paused_for=stood)]

    def close_pause(self, now: float) -> None:
        if self.paused_at is not None:
            self.paused_seconds += max(0.0, now - self.paused_at)
            self.paused_at = None
            self.resumed_at = now

    def _tick(self, now: float) -> list[Action]:
        if self.state is not VisitState.LIVE or self.deadline is None:
            return []
        if self.paused_at is not None:
            if now - self.paused_at >= self.reconnect_grace:
                return self._finish(Outcome.CONNECTION_LOST, "connection_lost", now)
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
        self.close_pause(now)
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


# Outcomes after which the family is owed the minutes it did not have (a make-up ticket).
MAKEUP_OUTCOMES = frozenset({Outcome.CONNECTION_LOST, Outcome.INTERRUPTED})


def makeup_seconds(visit: Visit) -> int:
    """The make-up time a finished visit earns its family: what it was given and did not have,
    when the visit was cut by a line or a server, never when it ran out or an officer ended it."""
    if visit.outcome not in MAKEUP_OUTCOMES:
        return 0
    return visit.missed_seconds()
