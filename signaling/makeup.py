"""Who is owed a visit, and when it is made up, as pure rules.

A family loses a visit, or part of one, through no fault of its own when the facility cancels a
call it already made (the inmate cannot come, the station is broken), when the line breaks for
good, or when the server stops during the call. It is owed the minutes it did not have: at the
head of its own queue again while that session still runs, else as a make-up ticket at the head
of the next session the inmate may be visited in. Only the family itself (it asked to stop, or
was not there when called), a ban or a no-show ends a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from signaling.schedule import Schedule, SessionWindow, sessions_for, sessions_on

# Less than this is not worth bringing the family and the inmate back for.
MIN_MAKEUP_SECONDS = 60
# How far ahead a make-up session is looked for.
MAKEUP_HORIZON_DAYS = 14


class CancelCause(StrEnum):
    """Why the officer cancelled a called visit: the console offers these."""

    INMATE_UNAVAILABLE = "inmate_unavailable"
    STATION_FAULT = "station_fault"
    FAMILY_ABSENT = "family_absent"  # called, but nobody came to the phone: a no-show
    FAMILY_REQUEST = "family_request"  # the family asked to stop


FAMILY_CAUSES = frozenset({CancelCause.FAMILY_ABSENT, CancelCause.FAMILY_REQUEST})


class AfterCancel(StrEnum):
    NO_SHOW = "no_show"  # the family was not there: the request ends
    DONE = "done"  # the family asked: the request ends
    BACK_TO_QUEUE = "queue"  # its session still runs: first in the queue again
    MAKEUP = "makeup"  # its session is over: a make-up ticket for the next one


def cancel_cause(reason: str) -> CancelCause | None:
    """The cause named at the start of a cancel reason ("station_fault: no sound"), if any."""
    head = reason.split(":", 1)[0].strip()
    try:
        return CancelCause(head)
    except ValueError:
        return None


def after_cancel(reason: str, session_still_open: bool) -> AfterCancel:
    """What becomes of a ticket whose called visit was cancelled for `reason`. A reason that
    names no family cause is the facility's: the family never loses its visit to it."""
    cause = cancel_cause(reason)
    if cause is CancelCause.FAMILY_ABSENT:
        return AfterCancel.NO_SHOW
    if cause is CancelCause.FAMILY_REQUEST:
        return AfterCancel.DONE
    return AfterCancel.BACK_TO_QUEUE if session_still_open else AfterCancel.MAKEUP


def session_still_open(schedule: Schedule | None, day: str, session_name: str | None,
                       now: datetime, seconds: int = 0) -> bool:
    """Whether the ticket's session (of local date `day`) still runs at local time `now` for
    long enough to hold `seconds` more. A ticket without a session (given at the desk) belongs
    to whichever session runs now; a facility without a schedule runs its queue all day."""
    if now.date().isoformat() != day:
        return False
    if schedule is None:
        return True
    until = (now + timedelta(seconds=seconds)).replace(tzinfo=None)
    for session in sessions_on(schedule, now.date()):
        if session_name and session.name != session_name:
            continue
        start = datetime.combine(now.date(), session.start)
        end = datetime.combine(now.date(), session.end)
        if (session_name or start <= now.replace(tzinfo=None)) and until < end:
            return True
    return False


@dataclass(frozen=True)
class MakeupSlot:
    """Where a make-up goes: a local date and its session (None: a facility without a
    schedule, the day's queue)."""

    day: date
    session: SessionWindow | None


def makeup_slot(schedule: Schedule | None, inmate_groups: set[str], now: datetime,
                seconds: int) -> MakeupSlot | None:
    """The first session, from now on, that admits the inmate and still has `seconds` to run:
    the one running now when it does, else the next one. None when the schedule has none within
    the horizon (the officers then arrange it by hand)."""
    if schedule is None:
        return MakeupSlot(now.date(), None)
    for offset in range(MAKEUP_HORIZON_DAYS + 1):
        day = now.date() + timedelta(days=offset)
        for session in sorted(sessions_for(schedule, inmate_groups, day),
                              key=lambda s: s.start):
            end = datetime.combine(day, session.end, tzinfo=now.tzinfo)
            if now + timedelta(seconds=seconds) < end:
                return MakeupSlot(day, session)
    return None


def owed_seconds(allotted: int, had: int) -> int:
    """The minutes a family did not have of its call (whole seconds, never negative)."""
    return max(0, allotted - max(0, had))


def worth_making_up(seconds: int) -> bool:
    return seconds >= MIN_MAKEUP_SECONDS
