"""/metrics as an operator's Prometheus sees it after a real visit, and who may read it."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from server.db import tables as db
from server.keys import ENGINE
from tests.conftest import AppMaker, Sambang
from tests.peers import Peer

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(s: Sambang, **headers: str) -> Samples:
    resp = await s.client.get("/metrics", headers=headers)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


async def test_metrics_after_a_real_visit(sambang: Sambang) -> None:
    s = sambang
    bad = await s.client.post("/api/login", json={"username": "petugas", "password": "salah"})
    assert bad.status == 401
    async with s.app[ENGINE].begin() as conn:  # a notification the outbox gave up on
        await conn.execute(insert(db.notifications).values(
            facility_id=1, channel="webhook", recipient="https://example.invalid/hook",
            event="approved", payload="{}", state="failed", attempts=8, next_attempt_at=0.0,
            last_error="webhook answered HTTP 500", created_at=0.0))

    csrf = await s.login()
    _, token = await s.issue_ticket(csrf)
    station_id, station_token = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    station = await Peer(s.client, f"/ws/station/{station_token}").open()
    try:
        await family.wait_for("queue")
        before = await scrape(s)
        assert value(before, "sambang_waiting_tickets", facility="demo", present="yes") == 1
        assert value(before, "sambang_waiting_tickets", facility="demo", present="no") == 0
        assert value(before, "sambang_visits", facility="demo", state="live") == 0

        s.clock.offset += 420  # the family waits seven minutes before the officer calls
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201, visit
        await s.confirm_identity(visit["visit_id"], csrf)
        status, _ = await s.post(f"/api/visits/{visit['visit_id']}/start",
                                 {"inmate_confirmed": True}, csrf)
        assert status == 200
        await family.wait_for("live")

        now = await scrape(s)
        assert value(now, "sambang_visits", facility="demo", state="live") == 1
        assert value(now, "sambang_visits", facility="demo", state="called") == 0
        assert value(now, "sambang_transcoded_visits", facility="demo") == 0
        assert value(now, "sambang_waiting_tickets", facility="demo", present="yes") == 0
        assert value(now, "sambang_ticket_wait_seconds_count", facility="demo") == 1
        assert 420 <= value(now, "sambang_ticket_wait_seconds_sum", facility="demo") < 480
        assert value(now, "sambang_ticket_wait_seconds_bucket", facility="demo", le="300.0") == 0
        assert value(now, "sambang_ticket_wait_seconds_bucket", facility="demo", le="600.0") == 1
        assert value(now, "sambang_relay_worker_visits", worker="local") == 1
        assert value(now, "sambang_open_sockets") == 2
        assert value(now, "sambang_failed_logins_total") == 1
        assert value(now, "sambang_outbox_messages", channel="webhook", state="failed") == 1
        assert value(now, "sambang_outbox_messages", channel="email", state="pending") == 0
    finally:
        await family.close()
        await station.close()


async def test_only_the_operator_reads_metrics(make_sambang: AppMaker) -> None:
    local = await make_sambang()
    # Connected from loopback, with no token configured: Prometheus on the same machine.
    await scrape(local)
    # The same loopback connection, but a proxy forwarding someone from outside.
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        resp = await local.client.get("/metrics", headers={header: "203.0.113.7"})
        assert resp.status == 403
        assert "pemantauan" in await resp.text()

    # A second app in the same process: its own registry, its own token.
    guarded = await make_sambang(metrics_token="token-prometheus-rahasia")
    for headers in ({}, {"Authorization": "Bearer salah"}, {"Authorization": "token-prometheus"}):
        resp = await guarded.client.get("/metrics", headers=headers)
        assert resp.status == 403
        assert "sambang_" not in await resp.text()
    samples = await scrape(guarded, Authorization="Bearer token-prometheus-rahasia")
    assert value(samples, "sambang_failed_logins_total") == 0
