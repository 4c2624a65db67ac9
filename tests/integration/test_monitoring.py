"""Who may watch a visit: only supervisors (and admins) of its facility, never a legal visit; a
logout ends the watching page."""

from __future__ import annotations

import asyncio

from server.keys import ENGINE
from tests.conftest import AppMaker, Sambang, add_other_facility
from tests.peers import MonitorPeer, Peer


async def _live(s: Sambang, relation: str = "spouse") -> tuple[int, list[Peer]]:
    """A live visit whose media flows both ways (VP8), as a supervisor would find it."""
    family, station, visit_id, _ = await s.live_visit(relation)
    await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
    await station.wait_frames("video", 5)
    return visit_id, [family, station]


async def _ask_to_watch(s: Sambang, visit_id: int, username: str) -> tuple[Peer, MonitorPeer]:
    s.client.session.cookie_jar.clear()
    await s.login(username)
    console = await Peer(s.client, "/ws/console").open()
    await console.wait_for("console")
    monitor = MonitorPeer()
    await console.send({"type": "monitor", "visit_id": visit_id, "sdp": await monitor.offer()})
    return console, monitor


async def test_supervisor_watches_officer_may_not(sambang: Sambang) -> None:
    visit_id, legs = await _live(sambang)
    console, monitor = await _ask_to_watch(sambang, visit_id, "petugas")
    try:
        error = await console.wait_for("error")
        assert error["code"] == "forbidden"
        await console.close()
        console, monitor = await _ask_to_watch(sambang, visit_id, "karupam")
        answer = await console.wait_for("monitor_answer", visit_id=visit_id)
        await monitor.accept(answer["sdp"])
        for _ in range(200):  # both sides' pictures, each from its next keyframe
            if monitor.frames.get(("family", "video")) and monitor.frames.get(
                    ("station", "video")):
                break
            await asyncio.sleep(0.05)
        assert monitor.frames.get(("family", "video")) and monitor.frames.get(("station", "video"))
    finally:
        await monitor.close()
        await console.close()
        for leg in legs:
            await leg.close()


async def test_logout_closes_the_console_socket(sambang: Sambang) -> None:
    csrf = await sambang.login("karupam")
    console = await Peer(sambang.client, "/ws/console").open()
    await console.wait_for("console")
    await sambang.post("/api/logout", {}, csrf)
    for _ in range(40):
        if console.close_code is not None:
            break
        await asyncio.sleep(0.05)
    assert console.close_code == 4401


async def test_legal_visit_is_never_watched(sambang: Sambang) -> None:
    visit_id, legs = await _live(sambang, relation="lawyer")
    console, monitor = await _ask_to_watch(sambang, visit_id, "karupam")
    try:
        error = await console.wait_for("error")
        assert error["code"] == "legal_visit"
        snapshot = [m for m in console.messages if m["type"] == "console"][-1]
        assert snapshot["visits"][0]["legal"] is True
    finally:
        await monitor.close()
        await console.close()
        for leg in legs:
            await leg.close()


async def test_supervisor_of_another_facility_sees_nothing(
    make_sambang: AppMaker, tmp_path: object
) -> None:
    first = await make_sambang()
    engine = first.app[ENGINE]
    await add_other_facility(engine, "karupam_lain", "supervisor", "Asia/Jayapura")
    await first.client.close()
    s = await make_sambang()  # the same data directory, now with two facilities
    visit_id, legs = await _live(s)
    console, monitor = await _ask_to_watch(s, visit_id, "karupam_lain")
    try:
        assert (await console.wait_for("error"))["code"] == "visit_unknown"
        snapshot = [m for m in console.messages if m["type"] == "console"][-1]
        assert snapshot["visits"] == [] and snapshot["tickets"] == []
        assert (await s.client.get(f"/api/visits/{visit_id}")).status == 404
    finally:
        await monitor.close()
        await console.close()
        for leg in legs:
            await leg.close()


async def test_marking_legal_mid_visit_cuts_monitors_and_destroys_the_recording(
    sambang: Sambang, tmp_path: object
) -> None:
    from pathlib import Path

    s = sambang
    visit_id, legs = await _live(s)  # the demo facility records every visit
    console, monitor = await _ask_to_watch(s, visit_id, "karupam")
    try:
        await monitor.accept((await console.wait_for("monitor_answer"))["sdp"])
        for _ in range(100):
            if monitor.frames.get(("family", "video")):
                break
            await asyncio.sleep(0.05)
        recordings = Path(str(tmp_path)) / "recordings"
        assert list(recordings.rglob("*.webm"))  # being written
        s.client.session.cookie_jar.clear()
        csrf = await s.login("petugas")
        status, body = await s.post(f"/api/visits/{visit_id}/legal", {}, csrf)
        assert status == 200 and body["legal"] is True and body["recording"] is False
        await asyncio.sleep(0.5)
        seen = len(monitor.frames[("family", "video")])
        await asyncio.sleep(1.0)
        assert len(monitor.frames[("family", "video")]) == seen  # the monitor gets nothing more
        assert not list(recordings.rglob("*.*"))
        await s.post(f"/api/visits/{visit_id}/end", {}, csrf)
        s.client.session.cookie_jar.clear()
        await s.login("karupam")
        listing = await (await s.client.get(f"/api/recordings?visit_id={visit_id}")).json()
        assert listing["recordings"] == []
        record = await (await s.client.get(f"/api/visits/{visit_id}")).json()
        assert "marked_legal" in [e["kind"] for e in record["timeline"]]
    finally:
        await monitor.close()
        await console.close()
        for leg in legs:
            await leg.close()
