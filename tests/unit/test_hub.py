"""The hub built directly on in-memory records, relay and bus (fakes of signaling's ports; the
integration tests use the real ones): what the pages are sent and what is written, in order."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from signaling.bus.base import InProcessBus, console_topic, station_topic, ticket_topic
from signaling.commands import TicketInfo
from signaling.facility import FacilityState
from signaling.hub import FacilityHub
from signaling.lifecycle import Visit
from signaling.ports import HubError, LegStateCallback, RelayRoom, SessionClosed
from signaling.queue import QueuePolicy, TicketState
from signaling.turn import MARGIN_SECONDS, TurnSettings, password

START = 1_800_000_000.0
# A browser's real offer: the hub checks offers before they reach the relay.
OFFER = (Path(__file__).parent.parent / "fixtures" / "chromium-offer.sdp").read_bytes().decode()
WAIT = 5.0  # a deadline for what must happen at once, so a hang fails instead of stalling


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class MemoryRecords:
    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}
        self.events: list[tuple[int, str, str]] = []
        self.tickets: dict[int, TicketState] = {}
        self.hold: asyncio.Event | None = None  # while set, writing a called visit waits
        self.writing = asyncio.Event()
        self.fail = False
        self.first: set[int] = set()
        self.makeups: list[tuple[int, int, str]] = []

    async def visit_called(self, visit: Visit, facility_id: int, inmate_id: int,
                           officer_id: int) -> int:
        self.writing.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.fail:
            raise OSError("database unreachable")
        visit_id = len(self.rows) + 1
        self.rows[visit_id] = {"ticket_id": visit.ticket_id, "inmate_id": inmate_id}
        return visit_id

    async def visit_started(self, visit: Visit) -> None:
        self.rows[visit.visit_id]["allotted_seconds"] = visit.allotted_seconds

    async def visit_finished(self, visit: Visit) -> None:
        self.rows[visit.visit_id]["outcome"] = visit.outcome.value if visit.outcome else None

    async def visit_media_mode(self, visit_id: int, mode: str) -> None:
        self.rows[visit_id]["media_mode"] = mode

    async def recordings_saved(self, visit: Visit, facility_id: int,
                               files: list[dict[str, Any]]) -> None:
        self.rows[visit.visit_id]["recordings"] = files

    async def visit_event(self, visit_id: int, at: float, kind: str, actor: str,
                          detail: str = "") -> None:
        self.events.append((visit_id, kind, detail))

    async def ticket_state(self, ticket_id: int, state: TicketState) -> None:
        self.tickets[ticket_id] = state

    async def visit_alive(self, visit: Visit, at: float) -> None:
        self.rows[visit.visit_id]["alive_at"] = at

    async def ticket_first(self, ticket_id: int) -> None:
        self.tickets[ticket_id] = TicketState.WAITING
        self.first.add(ticket_id)

    async def grant_makeup(self, visit_id: int, seconds: int, reason: str, actor: str) -> None:
        self.makeups.append((visit_id, seconds, reason))


class MemoryRelay:
    def __init__(self) -> None:
        self.sessions: dict[int, LegStateCallback] = {}
        self.calls: list[tuple[str, int]] = []
        self.offers: list[str] = []  # every SDP the relay was asked to answer
        self.opening: asyncio.Event | None = None  # while set, opening a session waits
        self.asked_to_open = asyncio.Event()
        self.capacity: int | None = None
        self.reserved: set[int] = set()

    def reserve(self, visit_id: int) -> bool:
        if self.room().full and visit_id not in self.reserved:
            return False
        self.reserved.add(visit_id)
        return True

    def room(self) -> RelayRoom:
        return RelayRoom(1, self.capacity, len(self.reserved))

    async def open(self, visit_id: int, on_leg_state: LegStateCallback) -> None:
        self.calls.append(("open", visit_id))
        self.asked_to_open.set()
        if self.opening is not None:
            await self.opening.wait()
        self.sessions[visit_id] = on_leg_state

    async def answer(self, visit_id: int, side: str, sdp: str) -> tuple[str, str]:
        self.offers.append(sdp)
        if visit_id not in self.sessions:
            raise SessionClosed(visit_id)
        return "v=0 answer", "transcode"

    async def close(self, visit_id: int) -> list[dict[str, Any]]:
        self.calls.append(("close", visit_id))
        self.sessions.pop(visit_id, None)
        self.reserved.discard(visit_id)
        return []

    async def record(self, visit_id: int, directory: str, prefix: str) -> None:
        self.calls.append(("record", visit_id))

    async def make_private(self, visit_id: int) -> None:
        self.calls.append(("private", visit_id))

    async def monitor(self, visit_id: int, monitor_id: str, sdp: str) -> str:
        return "v=0 monitor"

    async def unmonitor(self, visit_id: int, monitor_id: str) -> None:
        pass

    async def stats(self, visit_id: int) -> dict[str, Any]:
        return {}

    async def close_all(self) -> None:
        self.sessions.clear()


class Pages:
    """What each topic's pages were sent, by message type."""

    def __init__(self, bus: InProcessBus, topics: list[str]) -> None:
        self.sent: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.arrived = asyncio.Event()
        for topic in topics:
            bus.subscribe(topic, self._collector(topic))

    def _collector(self, topic: str) -> Any:
        async def collect(msg: dict[str, Any]) -> None:
            self.sent[topic].append(msg)
            self.arrived.set()
        return collect

    def types(self, topic: str) -> list[str]:
        kinds: list[str] = []
        for msg in self.sent[topic]:
            if not kinds or kinds[-1] != msg["type"]:  # repeats of one picture count once
                kinds.append(msg["type"])
        return kinds

    async def wait_for(self, topic: str, kind: str) -> dict[str, Any]:
        async def seen() -> dict[str, Any]:
            while True:
                for msg in self.sent[topic]:
                    if msg["type"] == kind:
                        return msg
                self.arrived.clear()
                await self.arrived.wait()
        return await asyncio.wait_for(seen(), WAIT)


class Setup:
    def __init__(self, stations: int = 1) -> None:
        self.clock = Clock()
        self.records = MemoryRecords()
        self.relay = MemoryRelay()
        self.bus = InProcessBus()
        state = FacilityState(1, "Lapas Demo", QueuePolicy(600, 120, 300))
        self.hub = FacilityHub(state, self.bus, self.relay, self.records, self.clock)
        self.pages = Pages(self.bus, [ticket_topic(101), ticket_topic(102), station_topic(1),
                                      console_topic(1)])
        for n in range(1, stations + 1):
            self.hub.add_station(n, f"Bilik {n}")
        for n in (1, 2):
            self.hub.add_ticket(TicketInfo(100 + n, n, f"Keluarga {n}", "spouse", 10 + n,
                                           f"WBP {n}", "2026-11-23"))


async def test_a_visit_from_call_to_deadline_through_the_ports() -> None:
    s = Setup()
    await s.hub.family_joined(101)
    await s.hub.station_joined(1)
    info = await s.hub.call(1, officer_id=5, actor="petugas")
    visit_id = info.visit.visit_id
    await s.hub.start(visit_id, 600, "petugas")
    assert ("open", visit_id) in s.relay.calls
    assert await s.hub.offer("family", 101, OFFER) == "v=0 answer"
    for seconds in (540, 590, 600):
        s.clock.now = START + seconds
        await s.hub.tick()

    # Each tick here is more than 15 s after the last: the pages hear the deadline again (a
    # `time` message) besides the warnings, which carry it too.
    assert s.pages.types(ticket_topic(101)) == [
        "queue", "called", "queue", "live", "queue", "warning", "queue", "time", "warning",
        "queue", "time", "ended", "queue"]
    for msg in s.pages.sent[ticket_topic(101)]:
        if msg["type"] in ("warning", "time"):
            left = (msg["ends_at"] - msg["server_now"]) / 1000
            assert abs(left - msg["seconds_left"]) <= 1
    assert [m["seconds_left"] for m in s.pages.sent[station_topic(1)]
            if m["type"] == "warning"] == [60, 10]
    assert [kind for _, kind, _ in s.records.events] == [
        "called", "started", "warning", "warning", "ended"]
    assert s.records.rows[visit_id] == {"ticket_id": 101, "inmate_id": 11,
                                        "allotted_seconds": 600, "media_mode": "transcode",
                                        "outcome": "completed", "alive_at": START + 590}
    assert s.records.tickets[101] is TicketState.DONE
    assert s.relay.sessions == {}
    console = s.hub.snapshot()
    assert console["stations"][0]["visit_id"] is None and console["visits"] == []


async def test_a_slow_database_write_holds_up_neither_the_queue_nor_another_station() -> None:
    s = Setup(stations=2)
    await s.hub.family_joined(101)
    await s.hub.family_joined(102)
    s.records.hold = asyncio.Event()
    first = asyncio.create_task(s.hub.call(1, 5, "petugas"))
    await asyncio.wait_for(s.records.writing.wait(), WAIT)  # its row is being written
    # A family joining is shown at once, and the first call's family is already taken.
    assert s.hub.family_view(102)["position"] == 1
    second = asyncio.create_task(s.hub.call(2, 5, "petugas"))
    s.records.hold.set()
    called = await asyncio.wait_for(asyncio.gather(first, second), WAIT)
    assert [info.ticket.number for info in called] == [1, 2]


async def test_a_call_whose_row_cannot_be_written_leaves_the_family_waiting() -> None:
    s = Setup()
    await s.hub.family_joined(101)
    s.records.fail = True
    with pytest.raises(OSError):
        await s.hub.call(1, 5, "petugas")
    assert s.hub.family_view(101)["state"] == "waiting"
    assert s.hub.family_view(101)["position"] == 1
    s.records.fail = False
    assert (await s.hub.call(1, 5, "petugas")).ticket.number == 1


async def test_ending_a_visit_whose_relay_is_still_opening_closes_it_after_it_opened() -> None:
    s = Setup()
    await s.hub.family_joined(101)
    visit_id = (await s.hub.call(1, 5, "petugas")).visit.visit_id
    s.relay.opening = asyncio.Event()
    starting = asyncio.create_task(s.hub.start(visit_id, 600, "petugas"))
    await asyncio.wait_for(s.relay.asked_to_open.wait(), WAIT)
    ending = asyncio.create_task(s.hub.end(visit_id, "keluarga pergi", "petugas"))
    s.relay.opening.set()
    await asyncio.wait_for(asyncio.gather(starting, ending), WAIT)
    # Never a close before the open: no relay session outlives its visit.
    assert s.relay.calls == [("open", visit_id), ("close", visit_id)]
    assert s.relay.sessions == {}
    assert [kind for _, kind, _ in s.records.events] == ["called", "started", "ended"]
    assert s.records.rows[visit_id]["outcome"] == "ended_early"


async def test_a_leg_the_relay_loses_is_told_to_the_console_and_refusals_carry_codes() -> None:
    s = Setup()
    await s.hub.family_joined(101)
    visit_id = (await s.hub.call(1, 5, "petugas")).visit.visit_id
    with pytest.raises(HubError) as early:
        await s.hub.offer("family", 101, OFFER)
    assert early.value.code == "not_live"
    await s.hub.start(visit_id, 600, "petugas")
    s.relay.sessions[visit_id]("station", "failed")
    lost = await s.pages.wait_for(console_topic(1), "leg_lost")
    assert lost == {"type": "leg_lost", "visit_id": visit_id, "side": "station",
                    "station_name": "Bilik 1", "ticket_number": 1}
    assert s.hub.snapshot()["visits"][0]["legs_lost"] == ["station"]

    with pytest.raises(HubError) as unknown:
        await s.hub.extend(99, 60, "petugas")
    assert unknown.value.code == "visit_unknown"
    with pytest.raises(HubError) as no_directory:  # this hub keeps no recordings
        await s.hub.record(visit_id)
    assert no_directory.value.code == "not_live"
    s.relay.sessions.clear()  # the relay worker died
    with pytest.raises(HubError) as closed:
        await s.hub.offer("family", 101, OFFER)
    assert closed.value.code == "not_live"


async def test_a_full_relay_refuses_the_start_and_changes_nothing() -> None:
    s = Setup(stations=2)
    s.relay.capacity = 1
    for ticket_id in (101, 102):
        await s.hub.family_joined(ticket_id)
    first = (await s.hub.call(1, officer_id=5, actor="petugas")).visit.visit_id
    second = (await s.hub.call(2, officer_id=5, actor="petugas")).visit.visit_id
    await s.hub.start(first, 600, "petugas")
    written = list(s.records.events)
    sent = {topic: len(msgs) for topic, msgs in s.pages.sent.items()}

    with pytest.raises(HubError) as refused:
        await s.hub.start(second, 600, "petugas")
    assert refused.value.code == "relay_full"
    assert s.hub.state.visit(second).visit.state.value == "called"
    assert s.records.events == written and ("open", second) not in s.relay.calls
    assert {topic: len(msgs) for topic, msgs in s.pages.sent.items()} == sent

    await s.hub.end(first, "selesai", "petugas")  # room again: the same visit starts
    await s.hub.start(second, 600, "petugas")
    assert ("open", second) in s.relay.calls


async def test_live_gives_both_pages_turn_credentials_for_the_deadline_as_it_is_then() -> None:
    s = Setup()
    turn = TurnSettings(("turns:turn.lapas.example:443?transport=tcp",), "rahasia-coturn")
    s.hub.state.turn = turn
    await s.hub.family_joined(101)
    await s.hub.station_joined(1)
    visit_id = (await s.hub.call(1, 5, "petugas")).visit.visit_id
    await s.hub.start(visit_id, 600, "petugas")
    await s.hub.extend(visit_id, 300, "petugas")
    lives = [[m for m in s.pages.sent[topic] if m["type"] == "live"]
             for topic in (ticket_topic(101), station_topic(1))]
    for started, extended in lives:
        for msg, deadline in ((started, START + 600), (extended, START + 900)):
            user = f"{int(deadline) + MARGIN_SECONDS}:visit-{visit_id}"
            assert msg["ice_servers"] == [{
                "urls": ["turns:turn.lapas.example:443?transport=tcp"], "username": user,
                "credential": password("rahasia-coturn", user)}]
    called = next(m for m in s.pages.sent[ticket_topic(101)] if m["type"] == "called")
    assert "ice_servers" not in called  # nothing to connect to before the call runs


async def test_a_bad_offer_never_reaches_the_relay() -> None:
    s = Setup()
    await s.hub.family_joined(101)
    visit_id = (await s.hub.call(1, 5, "petugas")).visit.visit_id
    await s.hub.start(visit_id, 600, "petugas")
    for bad in ("v=0 offer", OFFER.replace("a=rtcp-mux\r\n", "")):
        with pytest.raises(HubError) as refused:
            await s.hub.offer("family", 101, bad)
        assert refused.value.code == "bad_offer"
    assert s.relay.offers == []  # the relay, and the page's leg there, never heard of them
    assert await s.hub.offer("family", 101, OFFER) == "v=0 answer"
