"""A facility's visiting rules, as pure functions: which sessions run on a day, which inmates may
visit in each, when registration is open, how many visits a week, and the fair-share call length
(Rutan Pekalongan's practice: shorter calls when the queue is long, longer when it is short).

Schedules are read from TOML files (examples/facilities/ holds the seed facilities'); every time
here is the facility's local time.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """A schedule file that does not say what the facility does. `code` and `values` let a page
    say it in the reader's language; str() is the English sentence."""

    ENGLISH = {
        "missing_section": "missing section [{section}]",
        "missing_rule": "[rules] lacks {rule}",
        "bad_time": "{where}: {value} is not a time like 08:30",
        "bad_days": "{where}: days is a list such as [\"mon\", \"thu\"]",
        "unknown_day": "{where}: unknown day {value}",
        "ends_before_start": "{where}: ends before it starts",
        "call_lengths": "call lengths must be min <= default <= max",
        "bad_value": "a value has the wrong form: {detail}",
    }

    def __init__(self, code: str, **values: str) -> None:
        super().__init__(self.ENGLISH[code].format(**values))
        self.code = code
        self.values = values


@dataclass(frozen=True)
class SessionWindow:
    name: str
    weekdays: frozenset[int]  # 0 = Monday
    start: time
    end: time
    # Blocks, cells or categories allowed in this session; empty means everyone.
    groups: frozenset[str] = frozenset()
    registration_start: time | None = None  # same-day registration window, when there is one
    registration_end: time | None = None

    def admits(self, inmate_groups: set[str]) -> bool:
        # Facilities write "Kamar 12" or "kamar 12" as it comes: compare without case.
        allowed = {g.casefold() for g in self.groups}
        return not allowed or bool(allowed & {g.casefold() for g in inmate_groups})


@dataclass(frozen=True)
class Schedule:
    facility: str
    timezone: str
    sessions: tuple[SessionWindow, ...]
    default_call_minutes: int
    min_call_minutes: int
    max_call_minutes: int
    changeover_minutes: int
    visits_per_week: int
    stations: int
    same_day_queue: bool = True
    holidays: frozenset[date] = field(default_factory=frozenset)


def sessions_on(schedule: Schedule, day: date) -> list[SessionWindow]:
    if day in schedule.holidays:
        return []
    return [s for s in schedule.sessions if day.weekday() in s.weekdays]


def sessions_for(schedule: Schedule, inmate_groups: set[str], day: date) -> list[SessionWindow]:
    """The sessions of `day` in which an inmate of these blocks/cells/categories may be visited."""
    return [s for s in sessions_on(schedule, day) if s.admits(inmate_groups)]


def registration_open(session: SessionWindow, now: datetime) -> bool:
    """Whether a visit for today's `session` may still be asked for at local time `now`."""
    if session.registration_start is not None and session.registration_end is not None:
        return session.registration_start <= now.time() < session.registration_end
    return now.time() < session.end


@dataclass(frozen=True)
class Slot:
    """A session on a given day that a visitor may ask for."""

    day: date
    index: int  # the session's place in the schedule
    session: SessionWindow

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}/{self.index}"


def week_of(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def week_start(day: date) -> date:
    """The Monday of `day`'s week: weekly limits count from there."""
    return day - timedelta(days=day.weekday())


def no_slot_reason(schedule: Schedule, today: date, booked: dict[tuple[int, int], int]) -> str:
    """Why nothing can be asked for: this week's visits are used up, or no session is open."""
    if visits_left(schedule, booked.get(week_of(today), 0)) == 0:
        return "weekly_limit"
    return "no_session"


def open_slots(schedule: Schedule, inmate_groups: set[str], now: datetime,
               booked: dict[tuple[int, int], int], horizon_days: int = 14) -> list[Slot]:
    """The sessions a visitor may ask for now (local time) for an inmate of these groups.

    Today's sessions only where the facility runs same-day queues and registration is still
    open; later days only for sessions without a same-day registration window (those are asked
    for on the day); never a week in which the inmate's visits (`booked`, by ISO week) are used
    up."""
    today = now.date()
    slots = []
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        if visits_left(schedule, booked.get(week_of(day), 0)) == 0:
            continue
        for session in sessions_for(schedule, inmate_groups, day):
            index = schedule.sessions.index(session)
            if offset == 0:
                if schedule.same_day_queue and registration_open(session, now):
                    slots.append(Slot(day, index, session))
            elif session.registration_start is None:
                slots.append(Slot(day, index, session))
    return slots


def find_slot(slots: list[Slot], key: str) -> Slot | None:
    return next((s for s in slots if s.key == key), None)


def current_session(schedule: Schedule, now: datetime) -> SessionWindow | None:
    """Today's session running at `now`, or the next one today."""
    upcoming = [s for s in sessions_on(schedule, now.date()) if now.time() < s.end]
    return min(upcoming, key=lambda s: s.start) if upcoming else None


QUEUE_OPENS_MINUTES = 30  # a session's queue room opens this long before it starts


def queue_opens_at(schedule: Schedule | None, session_name: str | None, day: date,
                   tzinfo: tzinfo | None = None) -> datetime | None:
    """When the queue of `day`'s session `session_name` opens: half an hour before the session
    starts, so afternoon families do not wait in the morning's queue. None for a ticket without
    a session (or of a session no longer in the schedule): it joins at once."""
    if schedule is None or not session_name:
        return None
    for session in sessions_on(schedule, day):
        if session.name == session_name:
            return datetime.combine(day, session.start, tzinfo=tzinfo) - timedelta(
                minutes=QUEUE_OPENS_MINUTES)
    return None


def queue_open_for(schedule: Schedule | None, session_name: str | None, now: datetime) -> bool:
    """Whether a ticket for today's session `session_name` joins the queue at `now`."""
    opens = queue_opens_at(schedule, session_name, now.date(), now.tzinfo)
    return opens is None or now >= opens


def minutes_until_close(session: SessionWindow, now: datetime) -> float:
    start = max(now, datetime.combine(now.date(), session.start, tzinfo=now.tzinfo))
    end = datetime.combine(now.date(), session.end, tzinfo=now.tzinfo)
    return max(0.0, (end - start).total_seconds() / 60)


def visits_left(schedule: Schedule, visits_this_week: int) -> int:
    return max(0, schedule.visits_per_week - visits_this_week)


def fair_share_minutes(schedule: Schedule, waiting: int, minutes_until_close: float) -> int:
    """The call length that serves everyone waiting before the session closes.

    Visits go `stations` at a time, each followed by the changeover; the length is clamped to the
    facility's minimum and maximum, and is the default when nobody waits."""
    if waiting <= 0:
        return schedule.default_call_minutes
    rounds = math.ceil(waiting / max(1, schedule.stations))
    fitting = minutes_until_close / rounds - schedule.changeover_minutes
    return int(max(schedule.min_call_minutes, min(schedule.max_call_minutes, fitting)))


def servable(schedule: Schedule, minutes_until_close: float, call_minutes: int) -> int:
    """How many visits of `call_minutes` (plus changeover) fit before the session closes."""
    per_visit = call_minutes + schedule.changeover_minutes
    if per_visit <= 0:
        return 0
    return max(1, schedule.stations) * int(minutes_until_close // per_visit)


@dataclass(frozen=True)
class Coverage:
    """How a schedule meets the register: per block/cell/category, how many inmates and which
    sessions admit them; blocks no session admits; schedule groups that match nobody."""

    groups: dict[str, tuple[int, tuple[str, ...]]]  # group -> (inmates, sessions admitting it)
    unvisitable: tuple[str, ...]  # groups of the register no session admits
    unknown: tuple[str, ...]  # groups named in the schedule that no inmate has


def coverage(schedule: Schedule, inmates_groups: list[set[str]]) -> Coverage:
    counts: dict[str, int] = {}
    for groups in inmates_groups:
        for group in groups:
            counts[group] = counts.get(group, 0) + 1
    table = {
        group: (count, tuple(s.name for s in schedule.sessions if s.admits({group})))
        for group, count in sorted(counts.items(), key=lambda item: item[0].casefold())
    }
    # An inmate nobody can visit: none of their groups is admitted by any session.
    stranded = {g for groups in inmates_groups
                if not any(s.admits(groups) for s in schedule.sessions) for g in groups}
    known = {g.casefold() for g in counts}
    named = {g for s in schedule.sessions for g in s.groups}
    return Coverage(table, tuple(sorted(stranded, key=str.casefold)),
                    tuple(sorted((g for g in named if g.casefold() not in known),
                                 key=str.casefold)))


# Reading TOML --------------------------------------------------------------------------------


def _time(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ScheduleError("bad_time", where=where, value=repr(value)) from None


def _weekdays(value: Any, where: str) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise ScheduleError("bad_days", where=where)
    days = set()
    for item in value:
        if str(item).lower() not in WEEKDAYS:
            raise ScheduleError("unknown_day", where=where, value=repr(item))
        days.add(WEEKDAYS.index(str(item).lower()))
    return frozenset(days)


def parse_schedule(data: dict[str, Any]) -> Schedule:
    for section, kind in (("facility", dict), ("rules", dict), ("sessions", list)):
        if not isinstance(data.get(section), kind):
            raise ScheduleError("missing_section", section=section)
    if "default_call_minutes" not in data["rules"]:
        raise ScheduleError("missing_rule", rule="default_call_minutes")
    try:
        schedule = _parse(data)
    except ScheduleError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError,
            OverflowError) as exc:
        # A table where a list belongs, text where a number does: say which value, not crash.
        raise ScheduleError("bad_value", detail=f"{type(exc).__name__}: {exc}") from None
    _check_bounds(schedule)
    return schedule


def _check_bounds(schedule: Schedule) -> None:
    """Values that read but make no sense: a zero-minute call, no station, no session."""
    if not schedule.sessions:
        raise ScheduleError("bad_value", detail="no [[sessions]]")
    seen: set[tuple[str, int]] = set()
    for session in schedule.sessions:
        for day in session.weekdays:
            # Requests and tickets name their session: one name means one session a day.
            if (session.name, day) in seen:
                raise ScheduleError("bad_value", detail=f"two sessions named {session.name!r} "
                                                        f"on {WEEKDAYS[day]}")
            seen.add((session.name, day))
    for name, value, low, high in (
        ("min_call_minutes", schedule.min_call_minutes, 1, 120),
        ("max_call_minutes", schedule.max_call_minutes, 1, 120),
        ("changeover_minutes", schedule.changeover_minutes, 0, 60),
        ("visits_per_week", schedule.visits_per_week, 1, 50),
        ("stations", schedule.stations, 1, 200),
    ):
        if not low <= value <= high:
            raise ScheduleError("bad_value", detail=f"{name} = {value} (from {low} to {high})")


def _parse(data: dict[str, Any]) -> Schedule:
    facility = data["facility"]
    rules = data["rules"]
    raw_sessions = data["sessions"]
    sessions = []
    for n, raw in enumerate(raw_sessions, start=1):
        where = f"session {n}"
        start, end = _time(raw.get("start"), where), _time(raw.get("end"), where)
        if end <= start:
            raise ScheduleError("ends_before_start", where=where)
        reg = raw.get("registration")
        sessions.append(SessionWindow(
            name=str(raw.get("name", where)),
            weekdays=_weekdays(raw.get("days"), where),
            start=start, end=end,
            groups=frozenset(str(g) for g in raw.get("groups", [])),
            registration_start=_time(reg[0], where) if reg else None,
            registration_end=_time(reg[1], where) if reg else None,
        ))
    schedule = Schedule(
        facility=str(facility["name"]),
        timezone=str(facility.get("timezone", "Asia/Jakarta")),
        sessions=tuple(sessions),
        default_call_minutes=int(rules["default_call_minutes"]),
        min_call_minutes=int(rules.get("min_call_minutes", rules["default_call_minutes"])),
        max_call_minutes=int(rules.get("max_call_minutes", rules["default_call_minutes"])),
        changeover_minutes=int(rules.get("changeover_minutes", 0)),
        visits_per_week=int(rules.get("visits_per_week", 7)),
        stations=int(facility.get("stations", 1)),
        same_day_queue=bool(rules.get("same_day_queue", True)),
        holidays=frozenset(date.fromisoformat(str(d)) for d in data.get("holidays", [])),
    )
    if not (schedule.min_call_minutes <= schedule.default_call_minutes
            <= schedule.max_call_minutes):
        raise ScheduleError("call_lengths")
    return schedule


def load_schedule(path: Path) -> Schedule:
    with path.open("rb") as f:
        try:
            return parse_schedule(tomllib.load(f))
        except tomllib.TOMLDecodeError as exc:
            raise ScheduleError("bad_value", detail=f"{path.name}: {exc}") from None
