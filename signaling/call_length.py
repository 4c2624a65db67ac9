"""How long today's calls are: an officer's choice for the day, else the fair share of the open
session (Rutan Pekalongan: shorter when the queue is long, longer when it is short), else the
facility's default. Pure functions of what the facility knows now."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from signaling.schedule import (
    Schedule,
    current_session,
    fair_share_minutes,
    minutes_until_close,
    servable,
)


@dataclass(frozen=True)
class SessionLoad:
    schedule: Schedule  # with the stations in use today, not the schedule's count
    waiting: int  # families still to be served, called ones not yet started included
    minutes_left: float  # until the session closes


def session_load(schedule: Schedule | None, local_now: datetime, waiting: int,
                 stations: int) -> SessionLoad | None:
    """None without a session open today."""
    if schedule is None:
        return None
    session = current_session(schedule, local_now)
    if session is None:
        return None
    # A kiosk that is off serves nobody; there is always at least one station.
    today = replace(schedule, stations=max(1, stations))
    return SessionLoad(today, waiting, minutes_until_close(session, local_now))


def fair_share_seconds(load: SessionLoad | None) -> int | None:
    """The length that serves everyone waiting before the session closes, within the
    schedule's minimum and maximum; None without a session."""
    if load is None:
        return None
    return 60 * fair_share_minutes(load.schedule, load.waiting, load.minutes_left)


def unserved(load: SessionLoad | None, call_seconds: int) -> int:
    """Families still waiting who will not be served before the session closes at this call
    length: the officer's cue to extend the session or reschedule them."""
    if load is None:
        return 0
    fitting = servable(load.schedule, load.minutes_left, max(1, call_seconds // 60))
    return max(0, load.waiting - fitting)


def call_length(override: int | None, fair_share: int | None, default: int) -> tuple[int, str]:
    """The seconds of calls started now, and where that length comes from."""
    if override is not None:
        return override, "officer"
    if fair_share is not None:
        return fair_share, "fair_share"
    return default, "default"


def session_started(schedule: Schedule | None, local_now: datetime) -> bool:
    """Whether today's session has begun (always, without a schedule): a family approved at
    dawn for the morning session hears "your turn is near" when it is."""
    if schedule is None:
        return True
    session = current_session(schedule, local_now)
    return session is not None and local_now.time() >= session.start
