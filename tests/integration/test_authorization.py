"""Who may reach what: anonymous, a family (its ticket link), an officer of another facility, an
officer and a supervisor, against every visit, recording, monitor, report and audit endpoint."""

from __future__ import annotations

import pytest
from aiohttp import WSServerHandshakeError

from server.keys import ENGINE
from tests.conftest import AppMaker, Sambang, add_other_facility
from tests.integration.test_monitoring import _live
from tests.peers import Peer

READS = ["/api/queue", "/api/visits", "/api/visits/{v}", "/api/recordings",
         "/api/recordings/{r}/file", "/api/reports", "/api/reports.csv", "/api/audit"]
WRITES = ["/api/visits/{v}/extend", "/api/visits/{v}/flag", "/api/visits/{v}/legal",
          "/api/visits/{v}/recording", "/api/visits/{v}/end"]
SUPERVISOR_ONLY = {"/api/recordings", "/api/recordings/{r}/file", "/api/reports",
                   "/api/reports.csv", "/api/audit", "/api/visits/{v}/flag",
                   "/api/visits/{v}/recording"}


@pytest.fixture
async def world(make_sambang: AppMaker) -> Sambang:
    first = await make_sambang()
    engine = first.app[ENGINE]
    await add_other_facility(engine, "petugas_lain", "supervisor")
    await first.client.close()
    return await make_sambang()


async def _status(s: Sambang, path: str, template: str, csrf: str) -> int:
    if template in WRITES:
        body = {"seconds": 60, "reason": "uji"}
        return (await s.client.post(path, json=body, headers={"X-CSRF-Token": csrf})).status
    return (await s.client.get(path)).status


async def test_authorization_matrix(world: Sambang) -> None:
    s = world
    visit_id, legs = await _live(s)
    # The live visit is being recorded; its file gets an id once it closes, so ask for id 1,
    # which is what it will be: every caller must be turned away before the id matters.
    recording_id = 1
    paths = [p.format(v=visit_id, r=recording_id) for p in READS + WRITES]
    templates = dict(zip(paths, READS + WRITES, strict=True))
    try:
        async def as_(who: str | None) -> dict[str, int]:
            s.client.session.cookie_jar.clear()
            csrf = await s.login(who) if who else ""
            return {p: await _status(s, p, templates[p], csrf) for p in paths}

        anonymous = await as_(None)
        assert set(anonymous.values()) == {401}, {p: c for p, c in anonymous.items() if c != 401}
        other = await as_("petugas_lain")
        for path, status in other.items():
            # Nothing of facility 1 is reachable: missing, refused, or its own empty view.
            if templates[path] in ("/api/queue", "/api/visits", "/api/recordings", "/api/reports",
                                   "/api/reports.csv", "/api/audit"):
                assert status == 200
            else:
                assert status in (403, 404, 503), (path, status)
        other_visits = await (await s.client.get("/api/visits")).json()
        assert other_visits["visits"] == []
        officer = await as_("petugas")
        for path, status in officer.items():
            expected = 403 if templates[path] in SUPERVISOR_ONLY else 200
            assert status == expected, (path, status)
        family_link_holder = Peer(s.client, "/ws/console")
        s.client.session.cookie_jar.clear()
        with pytest.raises(WSServerHandshakeError):  # no staff session: no console, no wall
            await family_link_holder.open()
    finally:
        for leg in legs:
            await leg.close()
