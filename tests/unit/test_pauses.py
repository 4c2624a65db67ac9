"""The clock stops while a line is down: the pure rules (lifecycle pauses, the relay's media
watch), a visit a stopped server left open, and stale bus sockets."""

from __future__ import annotations

import socket
from pathlib import Path

from media.liveness import MediaWatch
from server.services.interrupted import interrupted_visit
from signaling import lifecycle as lc
from signaling.bus.stale import remove_stale


def live(now: float = 1000.0, allotted: int = 600, grace: float = 120) -> lc.Visit:
    visit = lc.Visit(visit_id=7, ticket_id=3, station_id=1, called_at=now - 30)
    visit.handle(lc.Start(allotted, grace), now)
    return visit


def test_a_pause_stops_the_clock_and_the_resume_moves_the_deadline_by_its_length() -> None:
    visit = live()
    assert visit.handle(lc.Pause(since=1100), 1103) == [lc.Paused(since=1100)]
    assert visit.handle(lc.Pause(since=1104), 1105) == []  # already stopped
    assert visit.seconds_left(1150) == visit.seconds_left(1100) == 500
    assert visit.handle(lc.Resume(), 1130) == [lc.Resumed(deadline=1630, paused_for=30)]
    assert visit.seconds_left(1130) == 500 and visit.handle(lc.Resume(), 1131) == []
    # A second pause noticed late never reaches back before the resume.
    assert visit.handle(lc.Pause(since=1120), 1134) == [lc.Paused(since=1130)]
    visit.handle(lc.Resume(), 1140)
    visit.handle(lc.End("officer"), 1200)
    assert visit.paused_seconds == 40 and visit.actual_seconds() == 160
    assert lc.makeup_seconds(visit) == 0  # ended by an officer: nothing owed


def test_warnings_wait_while_paused_and_a_warning_passed_comes_again_after() -> None:
    visit = live(allotted=100)
    assert visit.handle(lc.Tick(), 1045) == [lc.Warn(seconds_left=60)]
    visit.handle(lc.Pause(since=1050), 1050)
    assert visit.handle(lc.Tick(), 1095) == []
    visit.handle(lc.Resume(), 1095)
    assert visit.handle(lc.Tick(), 1095) == []
    assert visit.handle(lc.Tick(), 1140) == [lc.Warn(seconds_left=10)]


def test_past_the_grace_the_visit_ends_as_connection_lost_owing_what_it_missed() -> None:
    visit = live(grace=30)
    visit.handle(lc.Pause(since=1200), 1203)
    assert visit.handle(lc.Tick(), 1229) == []
    assert visit.gives_up_at() == 1230
    assert visit.handle(lc.Tick(), 1230) == [
        lc.CutMedia(), lc.Finished(lc.Outcome.CONNECTION_LOST, "connection_lost")]
    assert (visit.actual_seconds(), visit.paused_seconds, lc.makeup_seconds(visit)) == (
        200, 30, 400)


def test_an_extension_while_paused_keeps_the_clock_stopped() -> None:
    visit = live()
    visit.handle(lc.Pause(since=1100), 1100)
    visit.handle(lc.Extend(60), 1110)
    assert visit.seconds_left(1120) == 560
    visit.handle(lc.Resume(), 1120)
    assert visit.seconds_left(1120) == 560


def test_the_media_watch_says_silent_only_of_a_leg_that_flowed() -> None:
    watch = MediaWatch(silent_after=3.0)
    assert watch.observe("family", 0, 0.0) is None
    assert watch.observe("family", 0, 10.0) is None  # never flowed: not a cut line
    assert watch.observe("family", 5, 10.5) == "flowing"
    assert watch.observe("family", 9, 11.0) is None
    assert watch.observe("family", 9, 13.9) is None
    assert watch.observe("family", 9, 14.0) == "silent"
    assert watch.observe("family", 9, 20.0) is None
    assert watch.observe("family", 0, 20.5) is None  # a new leg, nothing in yet
    assert watch.observe("family", 3, 21.0) == "flowing"


def row(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 9, "ticket_id": 4, "station_id": 1, "called_at": 1000.0, "started_at": 1060.0,
        "allotted_seconds": 600, "paused_seconds": 20, "alive_at": 1300.0,
        "last_event_at": 1250.0}
    return {**base, **values}


def test_a_visit_left_open_ends_when_it_was_last_known_to_run() -> None:
    visit = interrupted_visit(row())  # type: ignore[arg-type]
    assert visit.outcome is lc.Outcome.INTERRUPTED and visit.ended_at == 1300.0
    assert visit.actual_seconds() == 220 and lc.makeup_seconds(visit) == 380
    older = interrupted_visit(row(alive_at=None))  # type: ignore[arg-type]
    assert older.ended_at == 1250.0
    never = interrupted_visit(row(started_at=None, alive_at=None,  # type: ignore[arg-type]
                                  last_event_at=1001.0, allotted_seconds=0))
    assert never.outcome is lc.Outcome.CANCELLED and lc.makeup_seconds(never) == 0


def test_a_bus_socket_nobody_listens_on_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    dead = tmp_path / "sambang-dead"
    dead.mkdir()
    with socket.socket(socket.AF_UNIX) as gone:
        gone.bind(str(dead / "bus.sock"))  # bound, never listening: as after kill -9
    alive = tmp_path / "sambang-alive"
    alive.mkdir()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(alive / "bus.sock"))
        server.listen()
        young = tmp_path / "sambang-young"
        young.mkdir()
        assert remove_stale(tmp_path) == [dead / "bus.sock"]
    assert not dead.exists() and (alive / "bus.sock").exists() and young.exists()
