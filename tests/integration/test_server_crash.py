"""A server killed with kill -9 during a live visit: at the next start the visit is closed as
`interrupted` at the last moment it was known to run, its family is owed the minutes it did not
have, its ticket is settled, and the dead server's bus socket is cleaned away."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(data_dir: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    """`sambang serve` with one relay worker, in its own process group (so no worker outlives
    the test); stdout kept for the demo's passwords."""
    env = {**os.environ, "SAMBANG_RELAY_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "--data-dir", str(data_dir), "serve", "--demo",
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=env, start_new_session=True)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def relay_worker(server_pid: int) -> tuple[int, Path]:
    """The server's relay worker: its pid, and the bus socket it was told to use."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if int((entry / "stat").read_text().split()[3]) != server_pid:
                continue
            args = (entry / "cmdline").read_bytes().split(b"\0")
            if b"media.worker" in args:
                return int(entry.name), Path(args[args.index(b"--bus") + 1].decode())
    raise AssertionError("no relay worker under the server")


async def wait_up(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{base}/healthz") as resp:
                    if resp.status == 200:
                        return
            assert time.monotonic() < deadline, "the server did not come up"
            await asyncio.sleep(0.3)


def officer_password(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        found = re.search(r"officer\s+petugas / (\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError("the demo printed no officer password")


async def live_visit(base: str, password: str) -> tuple[int, int, aiohttp.ClientSession,
                                                          aiohttp.ClientWebSocketResponse]:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # an IP host
    async with http.post(f"{base}/api/login",
                         json={"username": "petugas", "password": password}) as resp:
        assert resp.status == 200, await resp.text()
        csrf = {"X-CSRF-Token": (await resp.json())["csrf_token"]}
    async with http.get(f"{base}/api/queue") as resp:
        queue = await resp.json()
        assert "stations" in queue, queue
    station_id = queue["stations"][0]["station_id"]
    async with http.post(f"{base}/api/tickets", headers=csrf, json={
            "visitor_name": "Sri Wahyuni", "relation": "spouse", "inmate_id": 1}) as resp:
        assert resp.status == 201, await resp.text()
        ticket = await resp.json()
    token = ticket["link"].rsplit("/", 1)[1]
    family = await http.ws_connect(f"{base.replace('http', 'ws')}/ws/ticket/{token}")
    await family.receive_json(timeout=10)  # the queue room: the family is present
    async with http.post(f"{base}/api/visits", headers=csrf,
                         json={"station_id": station_id}) as resp:
        assert resp.status == 201, await resp.text()
        visit_id = int((await resp.json())["visit_id"])
    async with http.post(f"{base}/api/visits/{visit_id}/start", headers=csrf,
                         json={"inmate_confirmed": True}) as resp:
        assert resp.status == 200, await resp.text()
    return visit_id, int(ticket["ticket_id"]), http, family


async def test_a_visit_live_when_the_server_is_killed_is_closed_as_interrupted_at_restart(
        tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(tmp_path, port) as first:
        password = officer_password(first)
        await wait_up(base)
        worker, bus = relay_worker(first.pid)
        assert bus.exists()
        visit_id, ticket_id, http, family = await live_visit(base, password)
        try:
            started = time.time()
            await asyncio.sleep(7)  # the visit's row hears it still runs every 5 s
            os.kill(first.pid, signal.SIGKILL)
            killed = time.time()
            first.wait(10)
            # Its worker, left without a bus, stops by itself rather than linger.
            for _ in range(100):
                if not Path(f"/proc/{worker}").exists() or "Z" in Path(
                        f"/proc/{worker}/stat").read_text().split()[2]:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the relay worker outlived its server")
        finally:
            await family.close()
            await http.close()
    assert bus.exists()  # kill -9 leaves it behind

    database = tmp_path / "sambang.sqlite3"
    with sqlite3.connect(database) as conn:
        row = conn.execute("SELECT ended_at, outcome FROM visits WHERE id = ?",
                           (visit_id,)).fetchone()
    assert row == (None, None)  # as the kill left it

    with serving(tmp_path, port):
        await wait_up(base)
        with sqlite3.connect(database) as conn:
            ended_at, outcome, actual, allotted, reason = conn.execute(
                "SELECT ended_at, outcome, actual_seconds, allotted_seconds, end_reason "
                "FROM visits WHERE id = ?", (visit_id,)).fetchone()
            state = conn.execute("SELECT state FROM tickets WHERE id = ?",
                                 (ticket_id,)).fetchone()[0]
            events = conn.execute("SELECT kind, detail FROM visit_events WHERE visit_id = ? "
                                  "ORDER BY at, id", (visit_id,)).fetchall()
            makeup = conn.execute("SELECT makeup_seconds, makeup_reason, first_in_queue, state "
                                  "FROM tickets WHERE makeup_visit_id = ?",
                                  (visit_id,)).fetchall()
    ran = killed - started
    print(f"crash: ran {ran:.1f} s before kill -9; recorded {actual} s of {allotted} s, "
          f"ended {killed - ended_at:.1f} s before the kill")
    assert outcome == "interrupted" and reason == "server_stopped"
    assert ran - 6 <= actual <= ran + 1  # the last sign of life is at most 5 s old
    assert state == "done"
    assert ("ended", "interrupted: server_stopped") in events
    # The family is owed what it did not have: a ticket first in the next session's queue.
    assert makeup == [(allotted - actual, "interrupted", 1, "waiting")]
    assert any(kind == "makeup_granted" and detail.startswith(f"interrupted: {allotted - actual}s")
               for kind, detail in events)
    assert not bus.exists() and not bus.parent.exists()  # the dead server's socket is gone
