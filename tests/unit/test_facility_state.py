"""The live facility day as pure state: what an officer, a family and a station see happen, with a
clock passed in and no IO (the actions returned are what the hub would carry out)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signaling import commands as c
from signaling import lifecycle as lc
from signaling import views
from signaling.facility import FacilityState
from signaling.lifecycle import Outcome, VisitState
from signaling.ports import HubError
from signaling.queue import QueuePolicy, TicketState
from signaling.schedule import Schedule, load_schedule

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "facilities"
WIB = ZoneInfo("Asia/Jakarta")
# Monday 23 November 2026, 09:00 in Pekalongan: its morning session runs 08:30-12:00.
NINE = datetime(2026, 11, 23, 9, 0, tzinfo=WIB).timestamp()
POLICY = QueuePolicy(call_seconds=600, changeover_seconds=120, grace_seconds=300)


def facility(stations: int = 1, tickets: int = 3, schedule: Schedule | None = None,
             recording: str = "off") -> FacilityState:
    state = FacilityState(1, "Rutan Pekalongan", POLICY, schedule=schedule, recording=recording)
    for n in range(1, stations + 1):
        state.handle(c.AddStation(n, f"Bilik {n}"), NINE)
    for n in range(1, tickets + 1):
        state.handle(c.AddTicket(c.TicketInfo(100 + n, n, f"Keluarga {n}", "spouse", 10 + n,
                                              f"WBP {n}", "2026-11-23")), NINE)
    return state


def call(state: FacilityState, station_id: int, now: float, visit_id: int) -> c.VisitInfo:
    """An officer calls the next family to the station and the visit's row gets its id."""
    actions = state.handle(c.CallNext(station_id, officer_id=5, actor="petugas"), now)
    assert len(actions) == 1 and isinstance(actions[0], c.InsertVisit)
    state.handle(c.CallRecorded(station_id, visit_id), now)
    return state.visit(visit_id)


def live(state: FacilityState, now: float, allotted: int = 600) -> c.VisitInfo:
    state.handle(c.FamilyJoined(101), now)
    info = call(state, 1, now, visit_id=7)
    state.handle(c.StartVisit(7, allotted, "petugas"), now)
    return info


def kinds(actions: list[c.Action]) -> list[str]:
    return [type(a).__name__ for a in actions]


def test_the_next_present_family_is_called_to_a_free_station() -> None:
    state = facility(stations=2)
    state.handle(c.FamilyJoined(102), NINE)
    state.handle(c.FamilyJoined(103), NINE)

    first = call(state, 1, NINE, visit_id=7)
    # Family 1 is not in the queue room: it is skipped, not called; family 2 is.
    assert first.ticket.number == 2 and first.station.station_id == 1
    assert state.queue.get(101).skipped_at == NINE
    assert state.queue.get(102).state is TicketState.CALLED
    assert state.stations[1].visit_id == 7

    with pytest.raises(HubError) as busy:
        state.handle(c.CallNext(1, 5, "petugas"), NINE)
    assert busy.value.code == "station_busy"
    with pytest.raises(HubError) as unknown:
        state.handle(c.CallNext(9, 5, "petugas"), NINE)
    assert unknown.value.code == "station_unknown"

    assert call(state, 2, NINE, visit_id=8).ticket.number == 3


def test_a_second_call_while_the_first_is_written_picks_someone_else() -> None:
    state = facility(stations=2)
    for ticket_id in (101, 102):
        state.handle(c.FamilyJoined(ticket_id), NINE)
    a = state.handle(c.CallNext(1, 5, "petugas"), NINE)
    b = state.handle(c.CallNext(2, 5, "petugas"), NINE)  # before the first row has its id
    picked = [x.info.ticket.number for x in (*a, *b) if isinstance(x, c.InsertVisit)]
    assert picked == [1, 2]
    # The first row could not be written: its family waits again, first in line.
    assert state.handle(c.CallFailed(1), NINE) == []
    assert state.queue.get(101).state is TicketState.WAITING
    assert state.queue.position(101) == 1
    assert state.stations[1].visit_id is None


def test_nobody_present_shows_who_was_skipped_and_refuses() -> None:
    state = facility()
    assert state.handle(c.CallNext(1, 5, "petugas"), NINE) == [
        c.Broadcast(), c.Refused("nobody_present")]
    console = views.console_view(state, NINE).to_message()
    assert [t["skipped"] for t in console["tickets"]] == [True, True, True]


def test_a_skipped_family_back_in_time_is_called_first_and_one_still_away_is_a_no_show() -> None:
    state = facility(stations=1)
    state.handle(c.FamilyJoined(103), NINE)
    call(state, 1, NINE, visit_id=7)  # 1 and 2 are skipped, 3 is called
    # The family asked to stop: its request ends (a cancel by the facility would not).
    state.handle(c.EndVisit(7, "family_request", "petugas"), NINE + 60)
    state.handle(c.FamilyJoined(102), NINE + 100)
    # Family 1 stays away past the grace period; family 2 came back and keeps its place.
    assert state.handle(c.ExpireSkipped(), NINE + 299) == []
    assert state.handle(c.ExpireSkipped(), NINE + 300) == [
        c.WriteTicketState(101, TicketState.NO_SHOW), c.Broadcast()]
    assert call(state, 1, NINE + 310, visit_id=8).ticket.number == 2


def test_a_family_leaving_its_only_page_is_absent_and_a_second_page_keeps_it_present() -> None:
    state = facility()
    state.handle(c.FamilyJoined(101), NINE)
    state.handle(c.FamilyJoined(101), NINE)
    assert state.handle(c.FamilyLeft(101), NINE) == []  # one page still open
    assert state.queue.get(101).present
    assert state.handle(c.FamilyLeft(101), NINE) == [c.Broadcast()]
    assert not state.queue.get(101).present


def test_call_length_is_the_fair_share_unless_an_officer_chose_one() -> None:
    schedule = load_schedule(EXAMPLES / "pekalongan.toml")
    state = facility(stations=2, tickets=24, schedule=schedule)
    state.handle(c.Refresh(), NINE)
    # 24 families, two stations, 180 minutes left: 12 rounds of 15 minutes, less changeover.
    assert state.policy.call_seconds == 13 * 60
    assert state.call_length_source == "fair_share"
    assert state.unserved_today(NINE) == 0

    state.handle(c.SetCallOverride(15 * 60, "2026-11-23"), NINE)
    state.handle(c.Refresh(), NINE)
    assert (state.policy.call_seconds, state.call_length_source) == (900, "officer")
    # At 15 minutes (17 with changeover) ten rounds fit: four families would go home unserved.
    assert state.unserved_today(NINE) == 4

    state.handle(c.SetCallOverride(None), NINE)
    state.handle(c.Refresh(), NINE)
    assert (state.policy.call_seconds, state.call_length_source) == (780, "fair_share")
    assert state.override_day is None

    # After the afternoon session closes there is no session left today: the default.
    evening = datetime(2026, 11, 23, 16, 0, tzinfo=WIB).timestamp()
    state.handle(c.Refresh(), evening)
    assert (state.policy.call_seconds, state.call_length_source) == (
        state.default_call_seconds, "default")


def test_a_started_call_takes_the_call_length_of_now() -> None:
    state = facility()
    state.handle(c.SetCallOverride(300, "2026-11-23"), NINE)
    state.handle(c.Refresh(), NINE)
    info = live(state, NINE, allotted=0)  # no length from the officer: today's length
    assert info.visit.allotted_seconds == 300


def test_eta_counts_the_rounds_ahead_and_the_time_until_a_station_is_free() -> None:
    state = facility(stations=1, tickets=3)
    assert state.eta_seconds(102, NINE) == 600 + 120  # one call and changeover ahead
    live(state, NINE)  # family 1 is in the station for ten minutes
    assert state.eta_seconds(102, NINE + 100) == 500 + 120
    assert state.eta_seconds(103, NINE + 100) == 500 + 120 + 600 + 120
    assert views.family_view(state, 103, NINE + 100).to_message() == {
        "type": "queue", "number": 3, "state": "waiting", "position": 2,
        "eta_seconds": 1340, "call_seconds": 600, "outcome": None}


def test_one_minute_and_ten_second_warnings_then_the_deadline_ends_the_visit() -> None:
    state = facility()
    info = live(state, NINE, allotted=120)
    assert state.handle(c.TickVisit(7), NINE + 59) == []
    assert state.handle(c.TickVisit(7), NINE + 60) == [
        c.WriteVisitEvent(7, NINE + 60, "warning", "system", "60s"),
        c.PublishWarning(info, 60), c.Broadcast()]
    assert state.handle(c.TickVisit(7), NINE + 61) == []  # said once
    assert kinds(state.handle(c.TickVisit(7), NINE + 110)) == [
        "WriteVisitEvent", "PublishWarning", "Broadcast"]

    ended = state.handle(c.TickVisit(7), NINE + 120)
    assert ended == [
        c.CloseRelay(info.visit),
        c.WriteVisitEvent(7, NINE + 120, "ended", "system", "completed: deadline"),
        c.WriteVisitFinished(info.visit), c.WriteTicketState(101, TicketState.DONE),
        c.PublishVisit(info), c.Broadcast()]
    assert info.visit.outcome is Outcome.COMPLETED
    assert state.stations[1].visit_id is None and 7 not in state.visits
    assert state.queue.get(101).state is TicketState.DONE
    assert views.visit_view(info, NINE + 120).to_message() == {
        "type": "ended", "visit_id": 7, "server_now": int((NINE + 120) * 1000),
        "outcome": "completed", "after": None, "cause": None}


def test_an_extension_moves_the_deadline_and_the_warnings_come_again() -> None:
    state = facility()
    info = live(state, NINE, allotted=120)
    state.handle(c.TickVisit(7), NINE + 60)  # one minute left
    moved = state.handle(c.ExtendVisit(7, 120, "petugas"), NINE + 61)
    assert moved == [c.WriteVisitEvent(7, NINE + 61, "extended", "petugas", "240s"),
                     c.PublishVisit(info), c.Broadcast()]
    assert state.handle(c.TickVisit(7), NINE + 120) == []
    assert kinds(state.handle(c.TickVisit(7), NINE + 180)) == [
        "WriteVisitEvent", "PublishWarning", "Broadcast"]
    assert views.visit_view(info, NINE + 180).to_message() == {
        "type": "live", "visit_id": 7, "server_now": int((NINE + 180) * 1000),
        "ends_at": int((NINE + 240) * 1000), "allotted_seconds": 240, "seconds_left": 60,
        "ticket_number": 1, "visitor_name": "Keluarga 1", "station_name": "Bilik 1",
        "ice_servers": [], "paused": False, "reconnecting": []}
    assert state.handle(c.TickVisit(7), NINE + 239) != []  # the ten-second warning
    assert state.handle(c.TickVisit(7), NINE + 240)[0] == c.CloseRelay(info.visit)


def test_an_officer_ends_early_and_cannot_extend_what_has_not_started() -> None:
    state = facility()
    state.handle(c.FamilyJoined(101), NINE)
    info = call(state, 1, NINE, visit_id=7)
    with pytest.raises(HubError) as refused:
        state.handle(c.ExtendVisit(7, 60, "petugas"), NINE)
    assert refused.value.code == "cannot_extend"
    opened = state.handle(c.StartVisit(7, 600, "petugas"), NINE)
    assert kinds(opened) == ["WriteVisitEvent", "OpenRelay", "WriteVisitStarted",
                             "PublishVisit", "Broadcast"]
    with pytest.raises(HubError) as zero:
        state.handle(c.ExtendVisit(7, 0, "petugas"), NINE)
    assert zero.value.code == "bad_value"
    ended = state.handle(c.EndVisit(7, "inmate unwell", "petugas"), NINE + 30)
    assert ended[1] == c.WriteVisitEvent(7, NINE + 30, "ended", "petugas",
                                         "ended_early: inmate unwell")
    assert info.visit.state is VisitState.ENDED
    with pytest.raises(HubError) as gone:
        state.handle(c.EndVisit(7, "again", "petugas"), NINE + 31)
    assert gone.value.code == "visit_unknown"


def test_every_visit_is_recorded_when_the_facility_records_all_but_a_lawyers_never() -> None:
    state = facility(recording="all")
    state.handle(c.FamilyJoined(101), NINE)
    info = call(state, 1, NINE, visit_id=7)
    opened = state.handle(c.StartVisit(7, 600, "petugas"), NINE)
    assert c.StartRecording(info) in opened
    lawyer = facility(recording="all")
    lawyer.tickets[101].relation = "lawyer"
    lawyer.handle(c.FamilyJoined(101), NINE)
    call(lawyer, 1, NINE, visit_id=7)
    opened = lawyer.handle(c.StartVisit(7, 600, "petugas"), NINE)
    assert not any(isinstance(a, c.StartRecording) for a in opened)
    with pytest.raises(HubError) as refused:
        lawyer.handle(c.RecordVisit(7), NINE)
    assert refused.value.code == "legal_visit"


def test_marking_a_visit_legal_makes_it_private_and_unwatchable() -> None:
    state = facility(recording="all")
    info = live(state, NINE)
    state.handle(c.RecordingStarted(7), NINE)
    assert state.monitorable(7) is info and info.recording
    assert state.handle(c.MarkLegal(7, "karupam"), NINE + 5) == [
        c.MakePrivate(7), c.WriteVisitEvent(7, NINE + 5, "marked_legal", "karupam"),
        c.PublishConsole()]
    assert not info.recording
    with pytest.raises(HubError) as refused:
        state.monitorable(7)
    assert refused.value.code == "legal_visit"


def test_a_lost_leg_is_told_once_and_stops_the_clock_until_its_media_is_back() -> None:
    state = facility()
    info = live(state, NINE)
    assert state.handle(c.FamilyLeft(101), NINE + 100) == [
        c.PublishLegLost(info, "family"), c.PublishReconnecting(info),
        c.WriteVisitEvent(7, NINE + 100, "paused", "system", "family"),
        c.PublishConsole(), c.Broadcast()]
    assert state.handle(c.LegGone(7, "family", NINE + 99), NINE + 102) == [c.PublishConsole()]
    assert info.visit.seconds_left(NINE + 130) == 500  # stood still at 100 s in
    state.handle(c.FamilyJoined(101), NINE + 130)  # the socket is back, the media not yet
    assert info.visit.paused
    assert state.handle(c.MediaAnswered(7, "family", "transcode"), NINE + 131) == [
        c.WriteMediaMode(7, "transcode"), c.PublishConsole()]
    assert state.handle(c.LegBack(7, "family"), NINE + 132) == [
        c.WriteVisitEvent(7, NINE + 132, "resumed", "system", "32s"),
        c.PublishVisit(info), c.PublishConsole()]
    assert info.legs_lost == set() and info.media_mode == "transcode"
    assert info.visit.deadline == NINE + 600 + 32 and info.visit.seconds_left(NINE + 132) == 500
    state.handle(c.StationJoined(1), NINE)
    state.handle(c.StationJoined(1), NINE)
    assert state.handle(c.StationLeft(1), NINE + 140) == [c.Broadcast()]  # one kiosk page open
    assert kinds(state.handle(c.StationLeft(1), NINE + 140)) == [
        "PublishLegLost", "PublishReconnecting", "WriteVisitEvent", "PublishConsole",
        "Broadcast"]


def test_silence_noticed_late_stops_the_clock_from_when_it_began() -> None:
    state = facility()
    info = live(state, NINE)
    state.handle(c.LegGone(7, "station", NINE + 97), NINE + 100)
    assert views.reconnecting_view(info, NINE + 100).to_message() == {
        "type": "reconnecting", "visit_id": 7, "sides": ["station"], "seconds_left": 503,
        "gives_up_at": int((NINE + 97 + 120) * 1000), "server_now": int((NINE + 100) * 1000)}
    assert views.visit_view(info, NINE + 110).to_message()["paused"] is True
    summary = views.visit_summary(state, info, NINE + 110)
    assert (summary.paused, summary.paused_seconds, summary.legs_lost) == (True, 13, ["station"])
    assert state.handle(c.TickVisit(7), NINE + 200) == []  # no warning, no end while paused
    state.handle(c.LegBack(7, "station"), NINE + 120)
    assert info.visit.seconds_left(NINE + 120) == 503


def test_a_line_down_past_the_grace_ends_the_visit_and_owes_the_family_its_minutes() -> None:
    state = facility()
    state.reconnect_grace = 60
    info = live(state, NINE)
    state.handle(c.LegGone(7, "family", NINE + 200), NINE + 203)
    assert state.handle(c.TickVisit(7), NINE + 259) == []
    ended = state.handle(c.TickVisit(7), NINE + 260)
    assert kinds(ended) == ["CloseRelay", "WriteVisitEvent", "WriteVisitFinished",
                            "WriteTicketState", "GrantMakeup", "PublishVisit", "Broadcast"]
    assert ended[4] == c.GrantMakeup(7, 400, "connection_lost", "system")
    assert info.visit.outcome is lc.Outcome.CONNECTION_LOST
    assert (info.visit.actual_seconds(), info.visit.paused_seconds) == (200, 60)
    assert views.visit_view(info, NINE + 260).to_message()["outcome"] == "connection_lost"


def test_a_family_that_steps_out_leaves_the_clock_running() -> None:
    state = facility()
    info = live(state, NINE)
    state.handle(c.StepOut("family", 101), NINE + 10)
    state.handle(c.LegGone(7, "family", NINE + 11), NINE + 14)
    assert not info.visit.paused and info.legs_lost == {"family"}
    state.handle(c.MediaAnswered(7, "family", "forward"), NINE + 20)  # back in
    assert not info.visit.paused and info.legs_lost == set()
    state.handle(c.LegGone(7, "family", NINE + 30), NINE + 33)  # now a cut line
    assert info.visit.paused


def test_the_first_two_waiting_hear_their_turn_is_near_once_the_session_has_begun() -> None:
    schedule = load_schedule(EXAMPLES / "pekalongan.toml")
    state = facility(tickets=3, schedule=schedule)
    dawn = datetime(2026, 11, 23, 6, 0, tzinfo=WIB).timestamp()
    assert state.handle(c.Refresh(), dawn) == []
    assert state.handle(c.Refresh(), NINE) == [c.TellTurnNear(101), c.TellTurnNear(102)]
    assert state.handle(c.Refresh(), NINE) == []
    state.handle(c.FamilyJoined(101), NINE)
    call(state, 1, NINE, visit_id=7)
    assert state.handle(c.Refresh(), NINE) == [c.TellTurnNear(103)]


def test_a_banned_familys_waiting_ticket_leaves_the_queue_and_yesterdays_become_no_shows() -> None:
    state = facility(tickets=2)
    assert state.handle(c.CancelTicket(101), NINE) == [c.PublishCancelled(101, 1), c.Broadcast()]
    assert 101 not in state.tickets
    assert state.handle(c.CancelTicket(101), NINE) == []
    assert state.handle(c.CloseDay("2026-11-24"), NINE) == [
        c.WriteTicketState(102, TicketState.NO_SHOW), c.Broadcast()]
    assert state.tickets == {}


def test_the_console_and_a_visits_summary_keep_their_documented_fields() -> None:
    state = facility(stations=2)
    info = live(state, NINE)
    console = views.console_view(state, NINE).to_message()
    assert list(console) == ["type", "tickets", "stations", "visits", "server_now",
                             "call_seconds", "call_length_source", "fair_share_seconds",
                             "unserved"]
    assert console["stations"][0] == {"station_id": 1, "name": "Bilik 1", "visit_id": 7,
                                      "online": False}
    summary = views.visit_summary(state, info, NINE + 10).to_dict()
    assert summary["seconds_left"] == 590 and summary["state"] == "live"
    assert summary["legs_lost"] == [] and summary["legal"] is False
