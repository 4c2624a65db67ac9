"""The audit log: events for what staff do, a chain that `sambang audit verify` checks, and no
action without its event."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from server.keys import ENGINE
from server.services.audit import AuditEvent, StoredEvent, event_hash, first_break, read_all
from tests.conftest import AppMaker, Sambang


def verify(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "--data-dir", str(data_dir), "audit", "verify"],
        capture_output=True, text=True, timeout=60,
    )


def chain(n: int) -> list[StoredEvent]:
    events, prev = [], "0" * 64
    for i in range(1, n + 1):
        event = AuditEvent(float(i), "petugas", "officer", "visit.start", f"visit:{i}", "ok",
                           "127.0.0.1")
        digest = event_hash(i, event, prev)
        events.append(StoredEvent(i, event, prev, digest))
        prev = digest
    return events


def test_chain_rules() -> None:
    events = chain(5)
    assert first_break(events) is None
    assert first_break(events[:2] + events[3:]) == (3, "missing")
    changed = StoredEvent(4, AuditEvent(4.0, "petugas", "officer", "visit.start", "visit:99",
                                        "ok", "127.0.0.1"), events[3].prev_hash, events[3].hash)
    assert first_break(events[:3] + [changed] + events[4:]) == (4, "altered")


async def test_staff_actions_are_audited_and_tampering_is_named(
    sambang: Sambang, tmp_path: Path
) -> None:
    s = sambang
    resp = await s.client.post("/api/login", json={"username": "petugas", "password": "salah"})
    assert resp.status == 401
    csrf = await s.login()
    await s.issue_ticket(csrf)
    events = await read_all(s.app[ENGINE])
    assert [(e.event.actor, e.event.action, e.event.outcome) for e in events] == [
        ("petugas", "login", "denied"), ("petugas", "login", "ok"),
        ("petugas", "ticket.issue", "ok"),
    ]
    assert all(e.event.source == "127.0.0.1" for e in events)
    assert first_break(events) is None
    await s.client.close()

    done = verify(tmp_path)
    assert done.returncode == 0 and "3 events" in done.stdout
    with sqlite3.connect(tmp_path / "sambang.sqlite3") as conn:
        conn.execute("UPDATE audit_events SET actor = 'orang lain' WHERE id = 2")
    done = verify(tmp_path)
    assert done.returncode == 1 and "#2" in done.stderr and "altered" in done.stderr


async def test_no_action_without_its_audit_event(make_sambang: AppMaker) -> None:
    s = await make_sambang()
    csrf = await s.login()
    # The log cannot be written any more (a full disk, a broken table): the action is refused.
    async with s.app[ENGINE].begin() as conn:
        await conn.execute(text("DROP TABLE audit_events"))
    status, body = await s.post("/api/tickets", {"visitor_name": "Ani", "inmate_id": 1}, csrf)
    assert status == 503 and body["error"]["code"] == "audit_unavailable"
    async with s.app[ENGINE].connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM tickets"))).scalar_one()
    assert count == 0


async def test_supervisor_reads_the_log_officer_may_not(sambang: Sambang) -> None:
    s = sambang
    await s.login("petugas")
    assert (await s.client.get("/api/audit")).status == 403
    s.client.session.cookie_jar.clear()
    await s.login("karupam")
    body = await (await s.client.get("/api/audit")).json()
    assert body["intact"] is True and body["first_break"] is None
    assert [e["action"] for e in body["events"]][:2] == ["login", "login"]
    assert {e["actor"] for e in body["events"]} <= {"petugas", "karupam", "system"}
