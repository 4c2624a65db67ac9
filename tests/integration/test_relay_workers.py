"""The relay in worker processes, reached over the machine's bus: visits spread by load, media
through each worker, the deadline cut held per visit, a bad offer refused across the bus."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from media.pool import WorkerRelay
from server.keys import RELAY
from signaling.bus.unix_socket import BusBroker, SocketBus
from tests.conftest import AppMaker
from tests.peers import Peer


async def test_two_visits_on_two_workers(make_sambang: AppMaker) -> None:
    s = await make_sambang(relay_workers=2)
    relay = s.app[RELAY]
    assert isinstance(relay, WorkerRelay)
    csrf = await s.login()
    peers: list[Peer] = []
    visits = []
    try:
        for index, name in enumerate(("Satu", "Dua")):
            _, token = await s.issue_ticket(csrf, name)
            station_id, station_token = await s.station_token(index)
            family = await Peer(s.client, f"/ws/ticket/{token}").open()
            station = await Peer(s.client, f"/ws/station/{station_token}").open()
            peers += [family, station]
            await family.wait_for("queue")
            status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
            assert status == 201, visit
            allotted = 300 if index == 0 else 900
            await s.confirm_identity(visit["visit_id"], csrf)
            status, _ = await s.post(f"/api/visits/{visit['visit_id']}/start",
                                     {"inmate_confirmed": True, "allotted_seconds": allotted},
                                     csrf)
            assert status == 200
            visits.append(int(visit["visit_id"]))
            await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
        assert {relay.worker_of(v) for v in visits} == {"w0", "w1"}
        for peer in peers:
            await peer.wait_frames("video", 20)
        for visit_id in visits:
            stats = await relay.stats(visit_id)
            assert stats["family"]["forwarded"] > 0 and stats["station"]["transcoded"] == 0

        # The first visit's five minutes pass: its worker cuts it; the other visit goes on.
        s.clock.offset += 301
        cut = time.monotonic()
        await peers[0].wait_for("ended", visit_id=visits[0])
        await asyncio.sleep(2.0)
        assert peers[0].frames_after(cut + 1.0) == 0
        assert peers[1].frames_after(cut + 1.0) == 0
        assert peers[2].frames_after(cut + 1.5) > 20 and peers[3].frames_after(cut + 1.5) > 20

        # A bad offer is refused to the page that sent it, which keeps its socket.
        await peers[3].send({"type": "offer", "sdp": "v=0\r\nm=nonsense\r\n"})
        assert (await peers[3].wait_for("error"))["code"] == "bad_offer"
        await peers[3].send({"type": "ping"})
        await peers[3].wait_for("pong")
        await peers[2].send({"type": "ping"})
        await peers[2].wait_for("pong")
    finally:
        for peer in peers:
            await peer.close()


async def test_socket_bus_carries_messages_and_drops_a_bad_client(tmp_path: Path) -> None:
    broker = BusBroker(tmp_path / "b.sock")
    await broker.start()
    client = SocketBus()
    await client.connect(broker.path)
    got_remote: list[dict[str, object]] = []
    got_local: list[dict[str, object]] = []

    async def remote(msg: dict[str, object]) -> None:
        got_remote.append(msg)

    async def local(msg: dict[str, object]) -> None:
        got_local.append(msg)

    client.subscribe("to-worker", remote)
    broker.subscribe("to-server", local)
    _, bad = await asyncio.open_unix_connection(str(broker.path))
    bad.write(b"this is not json\n")
    await client.publish("to-server", {"n": 1})
    await asyncio.sleep(0.1)
    await broker.publish("to-worker", {"n": 2})
    for _ in range(50):
        if got_remote and got_local:
            break
        await asyncio.sleep(0.02)
    assert got_local == [{"n": 1}] and got_remote == [{"n": 2}]
    bad.close()
    await client.close()
    await broker.close()


async def test_recording_survives_a_relay_crash(make_sambang: AppMaker, tmp_path: Path) -> None:
    import os
    import signal

    import av

    s = await make_sambang(relay_workers=1)
    relay = s.app[RELAY]
    assert isinstance(relay, WorkerRelay)
    csrf = await s.login()
    await s.post("/api/call-length", {"minutes": 10}, csrf)  # ten-minute calls
    _, token = await s.issue_ticket(csrf)
    station_id, station_token = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    station = await Peer(s.client, f"/ws/station/{station_token}").open()
    console = await Peer(s.client, "/ws/console").open()
    try:
        await family.wait_for("queue")
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        await s.confirm_identity(visit["visit_id"], csrf)
        await s.post(f"/api/visits/{visit['visit_id']}/start", {"inmate_confirmed": True}, csrf)
        await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
        for peer in (family, station):
            await peer.wait_frames("video", 90)
        os.kill(relay.loads["w0"].pid, signal.SIGKILL)  # the relay dies mid-visit
        lost = await console.wait_for("leg_lost", visit_id=visit["visit_id"])  # officer told
        assert lost["side"] in ("family", "station")
        # Its deadline still ends the visit, at once, though no relay is left to close it.
        s.clock.offset += 601
        deadline = time.monotonic() + 3
        while (await (await s.client.get("/api/queue")).json())["visits"]:
            assert time.monotonic() < deadline, "a dead relay held the visit open"
            await asyncio.sleep(0.1)
    finally:
        await family.close()
        await station.close()
        await console.close()
    await s.client.close()

    again = await make_sambang()  # the next start-up finds what the dead worker wrote
    await again.login("karupam")
    listing = await (await again.client.get(
        f"/api/recordings?visit_id={visit['visit_id']}")).json()
    assert sorted(r["side"] for r in listing["recordings"]) == ["family", "station"]
    for row in listing["recordings"]:
        body = await (await again.client.get(f"/api/recordings/{row['id']}/file")).read()
        copy = tmp_path / f"copy-{row['side']}.webm"
        copy.write_bytes(body)
        frames = 0
        with av.open(str(copy)) as container:
            try:
                for _ in container.decode(video=0):
                    frames += 1
            except av.error.EOFError:
                pass  # the file ends where the crash cut it, without a closing index
        # Most of the ~3 s before the crash is there: a few seconds at most are lost.
        assert frames >= 45, f"{row['side']}: {frames} frames survived"
