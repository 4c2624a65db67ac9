"""Relay workers that die and relays that are full, with real worker processes: a worker killed
with SIGKILL is started again, its visit's legs are reported lost and the pages' fresh offers
carry the same visit on; a visit that no worker has room for does not start, the officer reads
why in their language, nothing else changes, and /healthz says so."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

from media.pool import WorkerRelay
from server.keys import RELAY
from tests.conftest import AppMaker, Sambang
from tests.peers import Peer

NOTICED_WITHIN = 5.0  # issue 10: a dead worker is noticed and replaced within 5 s


async def _health(s: Sambang) -> tuple[int, dict[str, Any]]:
    resp = await s.client.get("/healthz")
    return resp.status, await resp.json()


async def _frames_since(peers: list[Peer], moment: float, count: int) -> None:
    deadline = time.monotonic() + 20
    while min(p.frames_after(moment) for p in peers) < count:
        assert time.monotonic() < deadline, [p.frames_after(moment) for p in peers]
        await asyncio.sleep(0.1)


async def test_a_killed_worker_comes_back_and_a_full_relay_refuses_plainly(
        make_sambang: AppMaker) -> None:
    s = await make_sambang(relay_workers=1, relay_capacity=1)
    relay = s.app[RELAY]
    assert isinstance(relay, WorkerRelay)
    csrf = await s.login()
    _, first_token = await s.issue_ticket(csrf, "Satu")
    _, second_token = await s.issue_ticket(csrf, "Dua")
    first_station, first_station_token = await s.station_token(0)
    second_station, second_station_token = await s.station_token(1)
    family = await Peer(s.client, f"/ws/ticket/{first_token}").open()
    station = await Peer(s.client, f"/ws/station/{first_station_token}").open()
    waiting = await Peer(s.client, f"/ws/ticket/{second_token}").open()
    idle_station = await Peer(s.client, f"/ws/station/{second_station_token}").open()
    console = await Peer(s.client, "/ws/console").open()
    peers = [family, station, waiting, idle_station, console]
    try:
        assert (await _health(s))[0] == 200
        await family.wait_for("queue")
        await waiting.wait_for("queue")
        status, visit = await s.post("/api/visits", {"station_id": first_station}, csrf)
        assert status == 201, visit
        visit_id = int(visit["visit_id"])
        await s.confirm_identity(visit_id, csrf)
        status, _ = await s.post(f"/api/visits/{visit_id}/start", {"inmate_confirmed": True},
                                 csrf)
        assert status == 200
        await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
        await _frames_since([family, station], 0.0, 20)

        # The only worker is full: the next visit is refused in the officer's language and
        # stays called, its pages told nothing.
        status, called = await s.post("/api/visits", {"station_id": second_station}, csrf)
        assert status == 201, called
        second = int(called["visit_id"])
        await s.confirm_identity(second, csrf)
        status, refused = await s.post(f"/api/visits/{second}/start",
                                       {"inmate_confirmed": True}, csrf)
        assert status == 503
        assert refused["error"]["code"] == "relay_full"
        assert "server video sedang penuh" in refused["error"]["message"]
        resp = await s.client.post(f"/api/visits/{second}/start?lang=en",
                                   json={"inmate_confirmed": True},
                                   headers={"X-CSRF-Token": csrf})
        assert resp.status == 503
        assert "the video server is full" in (await resp.json())["error"]["message"]
        queue = await (await s.client.get("/api/queue")).json()
        assert {v["visit_id"]: v["state"] for v in queue["visits"]}[second] == "called"
        assert not [m for m in waiting.messages + idle_station.messages
                    if m.get("type") == "live"]
        status, health = await _health(s)
        assert status == 503 and health["status"] == "relay_full"
        assert health["relay"] == {"workers": 1, "capacity": 1, "visits": 1}

        # kill -9 of the worker carrying the live visit.
        old_pid = relay.loads["w0"].pid
        killed = time.monotonic()
        os.kill(old_pid, signal.SIGKILL)
        lost = await console.wait_for("leg_lost", visit_id=visit_id)
        assert lost["side"] in ("family", "station")
        while relay.processes.restarts < 1:  # noticed, and a new process started
            assert time.monotonic() - killed < NOTICED_WITHIN, "the death went unnoticed"
            await asyncio.sleep(0.05)
        # Ready once it has imported aiortc and reported: seconds on a loaded machine.
        while not (relay.processes.alive("w0") and relay.loads["w0"].pid != old_pid):
            assert time.monotonic() - killed < 30, "the new worker never reported"
            await asyncio.sleep(0.05)

        # The pages offer again (they do by themselves when their connection fails): the same
        # visit goes on through the new worker.
        rejoined = time.monotonic()
        await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
        await _frames_since([family, station], rejoined, 20)
        stats = await relay.stats(visit_id)
        assert stats["family"]["forwarded"] > 0 and stats["station"]["forwarded"] > 0
        queue = await (await s.client.get("/api/queue")).json()
        assert {v["visit_id"]: v["state"] for v in queue["visits"]}[visit_id] == "live"

        # Once it ends there is room again: the waiting visit starts.
        await s.post(f"/api/visits/{visit_id}/end", {"reason": "selesai"}, csrf)
        assert (await _health(s))[0] == 200
        status, _ = await s.post(f"/api/visits/{second}/start", {"inmate_confirmed": True},
                                 csrf)
        assert status == 200
        await waiting.wait_for("live", visit_id=second)
    finally:
        for peer in peers:
            await peer.close()
