"""One visit through the real relay, with aiortc peers on loopback as the family and the station."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from server.keys import HUBS
from tests.conftest import AppMaker, Sambang
from tests.peers import Peer


async def _call_and_start(s: Sambang, csrf: str, station_id: int) -> int:
    status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
    assert status == 201, visit
    assert visit["state"] == "called"
    await s.confirm_identity(visit["visit_id"], csrf)
    status, started = await s.post(
        f"/api/visits/{visit['visit_id']}/start", {"inmate_confirmed": True}, csrf
    )
    assert status == 200, started
    assert started["state"] == "live"
    return int(visit["visit_id"])


async def test_media_both_ways_then_relay_cuts_at_deadline(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    ticket_id, token = await s.issue_ticket(csrf)
    station_id, station_token = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    station = await Peer(s.client, f"/ws/station/{station_token}").open()
    try:
        queue = await family.wait_for("queue")
        assert queue["position"] == 1 and queue["number"] == 1
        visit_id = await _call_and_start(s, csrf, station_id)
        for peer in (family, station):
            live = await peer.wait_for("live", visit_id=visit_id)
            # One family waiting at 09:00, three hours before the session closes: the fair
            # share grows the call to the schedule's maximum, fifteen minutes.
            assert 895 <= live["seconds_left"] <= 900
        await asyncio.gather(family.join_call(), station.join_call())
        for peer in (family, station):
            await peer.wait_frames("video", 15)
            await peer.wait_frames("audio", 25)

        # The allotted fifteen minutes pass at once: the relay, not the peers, ends the media.
        s.clock.offset += 901
        cut = time.monotonic()
        for peer in (family, station):
            ended = await peer.wait_for("ended", visit_id=visit_id, timeout=5)
            assert ended["outcome"] == "completed"
        await asyncio.sleep(2.0)
        late = {p.path: p.frames_after(cut + 1.0) for p in (family, station)}
        assert late == {family.path: 0, station.path: 0}, late
        assert all(len(p.frames["video"]) >= 15 for p in (family, station))

        record = await (await s.client.get(f"/api/visits/{visit_id}")).json()
        assert record["outcome"] == "completed"
        assert record["allotted_seconds"] == 900
        assert record["ticket_id"] == ticket_id and record["station_id"] == station_id
        assert record["actual_seconds"] >= 900
        queue = await family.wait_for("queue", state="done")
        assert queue["position"] is None
    finally:
        await family.close()
        await station.close()


async def test_warnings_extend_and_end_early(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    await s.post("/api/call-length", {"minutes": 10}, csrf)  # ten minutes, not the fair share
    _, token = await s.issue_ticket(csrf)
    station_id, station_token = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    station = await Peer(s.client, f"/ws/station/{station_token}").open()
    try:
        await family.wait_for("queue")
        visit_id = await _call_and_start(s, csrf, station_id)
        s.clock.offset += 545  # one minute left
        for peer in (family, station):
            assert (await peer.wait_for("warning", seconds_left=60))["visit_id"] == visit_id
        status, body = await s.post(f"/api/visits/{visit_id}/extend", {"seconds": 300}, csrf)
        assert status == 200 and body["seconds_left"] > 300
        live = await station.wait_for("live", timeout=3, allotted_seconds=900)
        assert live["visit_id"] == visit_id
        # The extension re-arms the one-minute warning: it comes again near the new deadline.
        mark = len(family.messages)
        s.clock.offset += 300
        await family.wait_for("warning", since=mark, seconds_left=60)
        status, body = await s.post(f"/api/visits/{visit_id}/end", {"reason": "selesai"}, csrf)
        assert status == 200 and body["state"] == "ended"
        for peer in (family, station):
            assert (await peer.wait_for("ended"))["outcome"] == "ended_early"
        status, again = await s.post(f"/api/visits/{visit_id}/end", {}, csrf)
        assert status == 404
        record = await (await s.client.get(f"/api/visits/{visit_id}")).json()
        assert record["outcome"] == "ended_early" and record["allotted_seconds"] == 900
    finally:
        await family.close()
        await station.close()


async def test_family_that_leaves_is_reported_to_the_officer(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    _, token = await s.issue_ticket(csrf)
    station_id, station_token = await s.station_token()
    console = await Peer(s.client, "/ws/console").open()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    station = await Peer(s.client, f"/ws/station/{station_token}").open()
    try:
        await family.wait_for("queue")
        visit_id = await _call_and_start(s, csrf, station_id)
        await asyncio.gather(family.join_call(), station.join_call())
        await station.wait_frames("video", 5)
        await family.close()
        lost = await console.wait_for("leg_lost", visit_id=visit_id)
        assert lost["side"] == "family"
        # The line is down: the clock stops, the console and the station are told at once.
        paused = await console.wait_for("console", where=lambda m: bool(
            m["visits"] and m["visits"][0]["paused"]))
        assert paused["visits"][0]["legs_lost"] == ["family"]
        told = await station.wait_for("reconnecting", visit_id=visit_id)
        assert told["sides"] == ["family"] and told["gives_up_at"] > told["server_now"]
    finally:
        await station.close()
        await console.close()


async def test_absent_family_is_skipped_and_nobody_present_is_clear(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    _, absent_token = await s.issue_ticket(csrf, "Yang Pergi")
    present_id, present_token = await s.issue_ticket(csrf, "Yang Hadir")
    station_id, _ = await s.station_token()
    status, body = await s.post("/api/visits", {"station_id": station_id}, csrf)
    assert status == 409 and body["error"]["code"] == "nobody_present"
    assert "Tidak ada keluarga" in body["error"]["message"]
    present = await Peer(s.client, f"/ws/ticket/{present_token}").open()
    try:
        first = await present.wait_for("queue")
        assert first["position"] == 2
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201 and visit["ticket_number"] == 2
        await present.wait_for("called", visit_id=visit["visit_id"])
        snapshot = await (await s.client.get("/api/queue")).json()
        skipped = [t for t in snapshot["tickets"] if t["number"] == 1][0]
        assert skipped["state"] == "waiting" and skipped["skipped"] and skipped["position"] == 1
        status, body = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 409 and body["error"]["code"] == "station_busy"
    finally:
        await present.close()


async def test_visit_record_survives_restart(make_sambang: AppMaker, tmp_path: object) -> None:
    first = await make_sambang()
    csrf = await first.login()
    _, token = await first.issue_ticket(csrf)
    station_id, _ = await first.station_token()
    family = await Peer(first.client, f"/ws/ticket/{token}").open()
    await family.wait_for("queue")
    visit_id = await _call_and_start(first, csrf, station_id)
    await first.post(f"/api/visits/{visit_id}/end", {"reason": "tes"}, csrf)
    await family.close()
    await first.client.close()

    second = await make_sambang()
    await second.login()
    record = await (await second.client.get(f"/api/visits/{visit_id}")).json()
    assert record["outcome"] == "ended_early"
    assert record["end_reason"] == "tes"
    assert record["officer_id"] and record["inmate_id"] and record["started_at"]
    page = await (await second.client.get("/records?lang=id")).text()
    assert "diakhiri petugas" in page and "Sri Wahyuni" in page and " WIB" in page


async def test_wait_estimate_follows_the_stations_in_use(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    # The officer fixes ten-minute calls, whatever the fair share would say.
    status, length = await s.post("/api/call-length", {"minutes": 10}, csrf)
    assert status == 200 and length["call_seconds"] == 600
    assert length["call_length_source"] == "officer"
    _, token_1 = await s.issue_ticket(csrf, "Pertama")
    _, token_2 = await s.issue_ticket(csrf, "Kedua")
    station_id, station_token = await s.station_token()
    kiosk = await Peer(s.client, f"/ws/station/{station_token}").open()
    first = await Peer(s.client, f"/ws/ticket/{token_1}").open()
    second = await Peer(s.client, f"/ws/ticket/{token_2}").open()
    try:
        assert (await second.wait_for("queue", position=2))["eta_seconds"] == 660
        await first.wait_for("queue")
        mark = len(second.messages)
        visit_id = await _call_and_start(s, csrf, station_id)
        # Only Bilik 1 is open and busy for ten minutes: the next family waits about that long.
        await second.wait_for("queue", since=mark, position=1,
                              where=lambda m: 590 <= m["eta_seconds"] <= 660)
        mark = len(second.messages)
        await s.post(f"/api/visits/{visit_id}/end", {}, csrf)
        view = await second.wait_for("queue", since=mark, eta_seconds=0)
        assert view["position"] == 1
    finally:
        for peer in (kiosk, first, second):
            await peer.close()


async def test_pages_hear_the_time_left_by_the_server_clock(sambang: Sambang) -> None:
    """What a page counts down from (`ends_at - server_now`, docs/protocol.md) is the server's
    time left; it comes again when the server's clock jumps, and with each warning."""
    s = sambang
    family, station, visit_id, _ = await s.live_visit()
    try:
        visit = s.app[HUBS][1].state.visits[visit_id].visit

        def left_ms(msg: dict[str, Any]) -> int:
            return int(msg["ends_at"]) - int(msg["server_now"])

        for peer in (family, station):
            first = await peer.wait_for("time", visit_id=visit_id)
            assert 890_000 <= left_ms(first) <= 900_000
            assert abs(left_ms(first) / 1000 - first["seconds_left"]) <= 0.5
        marks = {peer: len(peer.messages) for peer in (family, station)}
        s.clock.offset += 300
        expected = visit.seconds_left(s.clock())
        for peer in (family, station):
            jumped = await peer.wait_for("time", since=marks[peer], visit_id=visit_id)
            assert abs(left_ms(jumped) / 1000 - expected) < 2
        s.clock.offset += visit.seconds_left(s.clock()) - 50
        for peer in (family, station):
            warning = await peer.wait_for("warning", seconds_left=60)
            assert 45_000 <= left_ms(warning) <= 50_000
    finally:
        await family.close()
        await station.close()
