"""No visit lost to a cancellation, as pure rules and pure facility state: a call the facility
cancels puts the ticket first in the queue while its session runs, else owes a make-up; only
the family's own causes end the request; a make-up lasts the minutes owed."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from signaling import commands as c
from signaling import makeup as mk
from signaling import views
from signaling.facility import FacilityState
from signaling.queue import QueuePolicy, TicketState
from signaling.schedule import load_schedule

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "facilities"
WIB = ZoneInfo("Asia/Jakarta")
MONDAY = date(2026, 11, 23)  # Pekalongan: a morning session 08:30-12:00 on weekdays
POLICY = QueuePolicy(call_seconds=600, changeover_seconds=60, grace_seconds=300)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB)


def test_only_the_familys_own_causes_end_a_request() -> None:
    assert mk.after_cancel("family_absent", True) is mk.AfterCancel.NO_SHOW
    assert mk.after_cancel("family_request: sakit", True) is mk.AfterCancel.DONE
    for reason in ("inmate_unavailable", "station_fault: tidak ada suara", "cancelled", ""):
        assert mk.after_cancel(reason, True) is mk.AfterCancel.BACK_TO_QUEUE
        assert mk.after_cancel(reason, False) is mk.AfterCancel.MAKEUP
    assert mk.cancel_cause("station_fault: kamera mati") is mk.CancelCause.STATION_FAULT
    assert mk.cancel_cause("officer") is None


def test_a_session_is_open_while_it_still_has_the_time_owed() -> None:
    schedule = load_schedule(EXAMPLES / "pekalongan.toml")
    morning = schedule.sessions[0]
    day = MONDAY.isoformat()
    assert mk.session_still_open(schedule, day, morning.name, at(9))
    end = datetime.combine(MONDAY, morning.end, tzinfo=WIB)
    assert not mk.session_still_open(schedule, day, morning.name, end)
    # Yesterday's ticket, or one for a session this day does not have, has no session left.
    assert not mk.session_still_open(schedule, "2026-11-22", morning.name, at(9))
    assert not mk.session_still_open(schedule, day, "Tidak ada", at(9))
    # A ticket given at the desk belongs to the session running now.
    assert mk.session_still_open(schedule, day, None, at(9))
    assert not mk.session_still_open(schedule, day, None, at(12, 30))
    # Without a schedule the queue runs all day.
    assert mk.session_still_open(None, day, None, at(23, 30))


def test_a_makeup_goes_to_the_next_session_that_admits_the_inmate_and_has_the_time() -> None:
    schedule = load_schedule(EXAMPLES / "pekalongan.toml")
    sessions = sorted(mk.sessions_for(schedule, set(), MONDAY), key=lambda s: s.start)
    first = sessions[0]
    # During the session, with time enough: this very session.
    during = mk.makeup_slot(schedule, set(), at(9), 600)
    assert during is not None and during.day == MONDAY and during.session == first
    # Too close to its end: the next one (later today, or another day).
    end = datetime.combine(MONDAY, first.end, tzinfo=WIB)
    late = mk.makeup_slot(schedule, set(), end, 600)
    assert late is not None and (late.day, late.session) != (MONDAY, first)
    assert late.day >= MONDAY
    # A facility without a schedule: today's queue.
    assert mk.makeup_slot(None, set(), at(16), 600) == mk.MakeupSlot(MONDAY, None)
    assert mk.owed_seconds(600, 250) == 350 and mk.owed_seconds(600, 900) == 0
    assert not mk.worth_making_up(59) and mk.worth_making_up(60)


def facility(schedule_name: str | None = "pekalongan.toml", tickets: int = 3) -> FacilityState:
    schedule = load_schedule(EXAMPLES / schedule_name) if schedule_name else None
    state = FacilityState(1, "Rutan Pekalongan", POLICY, schedule=schedule)
    state.handle(c.AddStation(1, "Bilik 1"), at(9).timestamp())
    session = schedule.sessions[0].name if schedule else None
    for n in range(1, tickets + 1):
        state.handle(c.AddTicket(c.TicketInfo(100 + n, n, f"Keluarga {n}", "spouse", 10 + n,
                                              f"WBP {n}", MONDAY.isoformat(), session)),
                     at(9).timestamp())
        state.handle(c.FamilyJoined(100 + n), at(9).timestamp())
    return state


def called(state: FacilityState, now: float, visit_id: int = 7) -> c.VisitInfo:
    actions = state.handle(c.CallNext(1, officer_id=5, actor="petugas"), now)
    assert isinstance(actions[0], c.InsertVisit)
    state.handle(c.CallRecorded(1, visit_id), now)
    return state.visit(visit_id)


def test_a_call_the_facility_cancels_puts_the_ticket_first_in_the_queue_again() -> None:
    state = facility()
    now = at(9).timestamp()
    info = called(state, now)
    assert info.ticket.number == 1
    actions = state.handle(c.EndVisit(7, "inmate_unavailable", "petugas"), now)
    assert any(isinstance(a, c.WriteTicketFirst) and a.ticket_id == 101 for a in actions)
    assert not any(isinstance(a, c.WriteTicketState) for a in actions)
    assert not any(isinstance(a, c.GrantMakeup) for a in actions)
    # The family reads that it is first again, and why.
    ended = next(a for a in actions if isinstance(a, c.PublishVisit))
    view = views.visit_view(ended.info, now).to_message()
    assert view["type"] == "ended" and view["after"] == "queue"
    assert view["cause"] == "inmate_unavailable"
    assert views.family_view(state, 101, now).position == 1
    assert state.queue.get(101).state is TicketState.WAITING
    # The next call takes it again, before tickets 2 and 3.
    assert called(state, now + 60, visit_id=8).ticket.number == 1


def test_after_the_session_a_cancelled_call_is_owed_a_makeup_of_a_whole_call() -> None:
    state = facility()
    late = datetime.combine(MONDAY, state.schedule.sessions[0].end, tzinfo=WIB)  # type: ignore[union-attr]
    info = called(state, late.timestamp() - 120)
    actions = state.handle(c.EndVisit(7, "station_fault", "petugas"), late.timestamp() - 30)
    grant = next(a for a in actions if isinstance(a, c.GrantMakeup))
    assert (grant.visit_id, grant.seconds, grant.reason) == (7, 600, "cancelled_by_facility")
    assert c.WriteTicketState(101, TicketState.DONE) in actions
    assert views.visit_view(info, late.timestamp()).to_message()["after"] == "makeup"


def test_the_familys_absence_is_a_no_show_and_its_request_ends() -> None:
    state = facility(None)
    now = at(9).timestamp()
    called(state, now)
    actions = state.handle(c.EndVisit(7, "family_absent", "petugas"), now)
    assert c.WriteTicketState(101, TicketState.NO_SHOW) in actions
    assert not any(isinstance(a, c.GrantMakeup | c.WriteTicketFirst) for a in actions)
    assert state.queue.position(101) is None


def test_a_makeup_ticket_is_first_and_lasts_the_minutes_owed() -> None:
    state = facility(None, tickets=2)
    now = at(9).timestamp()
    state.handle(c.AddTicket(c.TicketInfo(150, 9, "Keluarga pengganti", "child", 19, "WBP 9",
                                          MONDAY.isoformat(), None, first=True,
                                          makeup_seconds=240)), now)
    state.handle(c.FamilyJoined(150), now)
    assert [t.number for t in state.queue.waiting()] == [9, 1, 2]
    info = called(state, now)
    assert info.ticket.ticket_id == 150
    state.handle(c.StartVisit(7, None, "petugas"), now)
    assert info.visit.allotted_seconds == 240
