"""Every link the app hands out (a ticket's queue room, a kiosk, the facility's page and its
poster, `sambang station-link`) points at SAMBANG_PUBLIC_URL when it is set: behind a proxy the
host a request came by is an internal name no family can open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server.db import ticket_rows
from server.keys import ENGINE
from tests.conftest import AppMaker

PUBLIC = "https://kunjungan.example"


async def test_links_given_out_use_the_public_address(make_sambang: AppMaker) -> None:
    s = await make_sambang(public_url=PUBLIC)
    csrf = await s.login("petugas")
    inmate = (await ticket_rows.inmates_for(s.app[ENGINE], 1))[0]
    status, ticket = await s.post("/api/tickets", {
        "visitor_name": "Sri Wahyuni", "relation": "spouse", "inmate_id": inmate["id"]}, csrf)
    assert status == 201 and ticket["link"].startswith(f"{PUBLIC}/t/")
    csrf = await s.login("admin")
    status, station = await s.post("/api/admin/stations", {"name": "Bilik 3"}, csrf)
    assert status == 201 and station["kiosk_link"].startswith(f"{PUBLIC}/s/")
    page = await (await s.client.get("/f/demo")).text()
    assert f'href="{PUBLIC}/f/demo"' in page
    assert str(s.client.make_url("/f/demo")) not in page


async def test_without_a_public_address_links_follow_the_request(make_sambang: AppMaker) -> None:
    s = await make_sambang()
    csrf = await s.login("admin")
    status, station = await s.post("/api/admin/stations", {"name": "Bilik 3"}, csrf)
    here = str(s.client.make_url("")).rstrip("/")
    assert status == 201 and station["kiosk_link"].startswith(f"{here}/s/")
    page = await (await s.client.get("/f/demo")).text()
    assert f'href="{here}/f/demo"' in page


async def test_station_link_command_uses_the_public_address(make_sambang: AppMaker,
                                                            tmp_path: Path) -> None:
    s = await make_sambang()
    await s.client.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMBANG_")}
    command = [sys.executable, "-m", "server.cli", "--data-dir", str(tmp_path),
               "station-link", "Bilik 1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60,
                          env={**env, "SAMBANG_PUBLIC_URL": PUBLIC}, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{PUBLIC}/s/")
    given = subprocess.run([*command, "--base-url", "https://lain.example/"],
                           capture_output=True, text=True, timeout=60, env=env,
                           stdin=subprocess.DEVNULL)
    assert given.stdout.startswith("https://lain.example/s/")
