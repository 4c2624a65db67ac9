"""Bad input hurts only the page that sent it, tried with real sockets and real aiortc peers: a
broken or oversized offer mid-call is refused while both sides keep their media; offers in a loop
are refused past the limit; a page that never reads is dropped without holding up the others or
leaving a traceback behind."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections.abc import Callable

import pytest

from server.http.sockets import OFFERS_PER_MINUTE
from server.keys import HUBS, RELAY, SOCKETS
from tests.conftest import Sambang
from tests.peers import Peer

pytestmark = pytest.mark.timeout(120)


async def until(condition: Callable[[], bool], failure: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, failure
        await asyncio.sleep(0.05)


def broken_offers(good: str) -> dict[str, str]:
    """Offers a careless or hostile page might send, built from the page's own good one."""
    head = good.partition("m=")[0]
    return {
        "not SDP": "v=0\r\nm=nonsense\r\n",
        "no ICE password": re.sub(r"a=ice-pwd:.*\r\n", "", good),
        "no codec the relay knows": re.sub(r"a=rtpmap:(\d+) (opus|PCMU|PCMA|G722)/",
                                           r"a=rtpmap:\1 XYZ/", good),
        "two hundred media sections": head + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" * 200,
        "larger than an offer may be": good + "a=x-filler:" + "x" * 40_000 + "\r\n",
    }


async def test_a_bad_offer_mid_call_is_refused_and_the_call_goes_on(sambang: Sambang) -> None:
    s = sambang
    family, station, visit_id, _ = await s.live_visit()
    try:
        await asyncio.gather(family.join_call(), station.join_call())
        await family.wait_frames("video", 20)
        await station.wait_frames("video", 20)
        assert family.pc is not None
        good = family.pc.localDescription.sdp
        before = (await s.app[RELAY].stats(visit_id))["family"]["forwarded"]

        for name, offer in broken_offers(good).items():
            since = len(family.messages)
            sent = time.monotonic()
            await family.send({"type": "offer", "sdp": offer})
            error = await family.wait_for("error", since=since)
            assert error["code"] == "bad_offer", name
            assert "Panggilan tetap berjalan" in error["message"]
            # Both sides still get the other's picture and sound, through the same legs.
            for peer in (family, station):
                await until(lambda p=peer, t=sent: p.frames_after(t) >= 30,
                            f"{name}: media stopped")
        after = (await s.app[RELAY].stats(visit_id))["family"]["forwarded"]
        assert after > before + 30
        snapshot = await (await s.client.get("/api/queue")).json()
        assert snapshot["visits"][0]["state"] == "live"
        assert snapshot["visits"][0]["legs_lost"] == []

        # Offers in a loop: past the limit, refused before they reach anything.
        since = len(family.messages)
        for _ in range(OFFERS_PER_MINUTE):
            await family.send({"type": "offer", "sdp": "v=0\r\n"})
        codes = []
        while len(codes) < OFFERS_PER_MINUTE:
            codes.append((await family.wait_for("error", since=since))["code"])
            since = next(i for i in range(since, len(family.messages))
                         if family.messages[i]["type"] == "error") + 1
        assert codes[-1] == "too_many_offers"
        assert codes.count("too_many_offers") == len(broken_offers(good)) + 1
        await family.send({"type": "ping"})
        await family.wait_for("pong")
        assert family.close_code is None
    finally:
        await family.close()
        await station.close()


def never_reading_socket(port: int, path: str, cookie: str = "") -> socket.socket:
    """A WebSocket opened by hand, whose reader then never reads: its receive buffer is kept
    small so the server's messages back up soon."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: c2FtYmFuZy10ZXN0LWtleQ==\r\n"
                  f"Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n").encode())
    reply = b""
    while b"\r\n\r\n" not in reply:
        reply += sock.recv(1)  # up to the end of the headers only, never further
    assert reply.startswith(b"HTTP/1.1 101"), reply
    return sock


async def test_a_page_that_never_reads_is_dropped_and_holds_up_nobody(
        sambang: Sambang, caplog: pytest.LogCaptureFixture) -> None:
    """A supervisor's console that stopped reading (its picture of the day is sent after every
    change, a few kB each) while the queue keeps moving."""
    s = sambang
    caplog.set_level(logging.INFO)
    csrf = await s.login("karupam")
    for n in range(30):  # a busy morning: a long picture of the day
        await s.issue_ticket(csrf, f"Keluarga {n}")
    _, token = await s.issue_ticket(csrf, "Sri Wahyuni")
    hub = s.app[HUBS][1]
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    await family.wait_for("queue")
    cookie = "; ".join(f"{c.key}={c.value}" for c in s.client.session.cookie_jar)
    assert s.client.port is not None
    opened = len(s.app[SOCKETS].all)
    stuck = await asyncio.to_thread(never_reading_socket, s.client.port, "/ws/console", cookie)
    try:
        await until(lambda: len(s.app[SOCKETS].all) > opened, "the console never opened")
        # The queue moves again and again; the family's page keeps up, the console that does not
        # read is dropped once what waits for it is over the bound.
        started = time.monotonic()
        moves = 0
        while len(s.app[SOCKETS].all) > opened:
            for _ in range(20):
                await hub.broadcast()
            moves += 20
            since = len(family.messages)
            await family.send({"type": "ping"})
            await family.wait_for("pong", timeout=2.0, since=since)
            assert time.monotonic() - started < 60, "the console that does not read stays"
        print(f"dropped after {moves} queue moves, {time.monotonic() - started:.1f} s")
        assert family.close_code is None
        assert any("does not read" in r.getMessage() for r in caplog.records)
        # No traceback from the dropped connection, in the log or in a task.
        await asyncio.sleep(0.5)
        assert not [r for r in caplog.records if r.exc_info or "Connection lost" in r.getMessage()]
    finally:
        stuck.close()
        await family.close()
