"""Fixtures: a real sambang app in-process on a temporary data directory, with a clock that the
test can move forward (deadlines are checked against it), and staff with known passwords."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Config
from server.db import facility_rows, staff_rows, ticket_rows
from server.http.auth import hash_password
from server.keys import ENGINE
from tests.peers import Peer

PASSWORD = "rahasia-kunjungan-1"


class ShiftClock:
    """Real time plus an offset the test sets, so a ten-minute deadline passes at once.

    It starts on the next Tuesday at 09:00 WIB, when the demo facility's morning session is
    open, so what the schedule allows does not depend on when the suite runs."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or next_tuesday_morning()
        self.offset = start.timestamp() - time.time()

    def __call__(self) -> float:
        return time.time() + self.offset


def next_tuesday_morning() -> datetime:
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    days = (1 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)


@dataclass
class Sambang:
    client: TestClient
    app: web.Application
    clock: ShiftClock

    async def login(self, username: str = "petugas") -> str:
        resp = await self.client.post(
            "/api/login", json={"username": username, "password": PASSWORD}
        )
        assert resp.status == 200, await resp.text()
        return str((await resp.json())["csrf_token"])

    async def post(self, path: str, body: dict[str, Any], csrf: str) -> tuple[int, Any]:
        resp = await self.client.post(path, json=body, headers={"X-CSRF-Token": csrf})
        return resp.status, await resp.json()

    async def confirm_identity(self, visit_id: int, csrf: str) -> None:
        """The officer compared the inmate at the station with the register's photo: the check
        a call waits for where the facility wants it (the demo does)."""
        status, data = await self.post(f"/api/visits/{visit_id}/identity", {"confirmed": True},
                                       csrf)
        assert status == 200, data

    async def issue_ticket(self, csrf: str, name: str = "Sri Wahyuni",
                           relation: str = "spouse") -> tuple[int, str]:
        inmates = await ticket_rows.inmates_for(self.app[ENGINE], 1)
        status, data = await self.post(
            "/api/tickets",
            {"visitor_name": name, "relation": relation, "inmate_id": inmates[0]["id"]},
            csrf,
        )
        assert status == 201, data
        return int(data["ticket_id"]), str(data["link"]).rsplit("/", 1)[1]

    async def called_visit(self, relation: str = "spouse") -> tuple[Peer, Peer, int, str]:
        """A family and Bilik 1 on their sockets, called by the officer: returns the family's
        and the station's peers, the visit id and the officer's CSRF token."""
        csrf = await self.login()
        _, token = await self.issue_ticket(csrf, relation=relation)
        station_id, station_token = await self.station_token()
        family = await Peer(self.client, f"/ws/ticket/{token}").open()
        station = await Peer(self.client, f"/ws/station/{station_token}").open()
        await family.wait_for("queue")
        status, visit = await self.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201, visit
        return family, station, int(visit["visit_id"]), csrf

    async def live_visit(self, relation: str = "spouse") -> tuple[Peer, Peer, int, str]:
        """The called visit, started (media not joined yet)."""
        family, station, visit_id, csrf = await self.called_visit(relation)
        await self.confirm_identity(visit_id, csrf)
        status, started = await self.post(f"/api/visits/{visit_id}/start",
                                          {"inmate_confirmed": True}, csrf)
        assert status == 200, started
        await family.wait_for("live")
        await station.wait_for("live")
        return family, station, visit_id, csrf

    async def station_token(self, index: int = 0) -> tuple[int, str]:
        stations = await facility_rows.stations_for(self.app[ENGINE], 1)
        station_id = int(stations[index]["id"])
        return station_id, await facility_rows.rotate_station_token(self.app[ENGINE], station_id)


AppMaker = Callable[..., Awaitable[Sambang]]


async def add_other_facility(engine: Any, username: str, role: str,
                             timezone: str = "Asia/Makassar") -> int:
    """A second facility, "lain", with one staff account: for what must stay out of reach."""
    other = await facility_rows.create_facility(
        engine, code="lain", name="Lapas Lain", timezone=timezone,
        default_call_seconds=600, changeover_seconds=60, grace_seconds=600)
    await staff_rows.create_staff(engine, facility_id=other, username=username,
                             full_name=username.replace("_", " ").title(), role=role,
                             active=True, password_hash=hash_password(PASSWORD))
    return other


@pytest.fixture
def make_sambang(aiohttp_client: Any, tmp_path: Path) -> AppMaker:
    async def make(
        data_dir: Path | None = None,
        clock: ShiftClock | None = None,
        database_url: str | None = None,
        relay_workers: int = 0,
        host: str = "127.0.0.1",
        **settings: Any,
    ) -> Sambang:
        """Relay in-process by default, so tests can look inside it; workers where they matter."""
        clock = clock or ShiftClock()
        settings.setdefault("session_check_seconds", 0.2)
        config = Config(data_dir=data_dir or tmp_path, demo=True, tick_seconds=0.05,
                        database_url=database_url, relay_workers=relay_workers, **settings)
        app = create_app(config, clock)
        client = await aiohttp_client(app, server_kwargs={"host": host})
        engine = app[ENGINE]
        for username in ("petugas", "karupam", "pendaftaran", "admin", "blok"):
            found = await staff_rows.staff_credentials(engine, username)
            if found is None and username == "blok":
                continue  # a data directory of a release before the block officer's role
            assert found is not None
            await staff_rows.set_password_hash(engine, found[0].id, hash_password(PASSWORD))
        return Sambang(client, app, clock)

    return make


@pytest.fixture
async def sambang(make_sambang: AppMaker) -> Sambang:
    return await make_sambang()


from tests.nodes import redis_prefix as redis_prefix  # noqa: E402, F401 - a fixture
