"""The schema as migrations make it: equal to tables.py on SQLite and PostgreSQL, made once when
two processes start together, refused by an older sambang, and databases older than the
baseline completed or refused clearly."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.db import facility_rows
from server.db.engine import open_engine
from server.db.migrate import head_revision
from tests.integration.helpers import (
    command,
    environment,
    revisions,
    sambang,
    schema_differences,
    sqlite_url,
)


async def _two_upgrades_at_once(data_dir: Path, url: str, database_url: str | None) -> None:
    starts = [subprocess.Popen(command(data_dir, "db", "upgrade"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env=environment(database_url)) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in starts]
    assert [p.returncode for p in starts] == [0, 0], [err for _, err in outputs]
    said = sorted(out for out, _ in outputs)
    assert "already at revision" in said[0] and "new database made" in said[1]
    assert await revisions(url) == [head_revision()]
    assert await schema_differences(url) == []


async def test_two_upgrades_at_once_make_one_schema_equal_to_the_tables(tmp_path: Path) -> None:
    (tmp_path / "sambang.sqlite3").touch()  # an empty database, as `serve` starts with
    await _two_upgrades_at_once(tmp_path, sqlite_url(tmp_path / "sambang.sqlite3"), None)


async def test_the_same_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    await _two_upgrades_at_once(tmp_path, postgres_url, postgres_url)


async def test_an_older_sambang_refuses_a_newer_database(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "sambang.sqlite3")
    await (await open_engine(url)).dispose()
    with sqlite3.connect(tmp_path / "sambang.sqlite3") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    for args in (["db", "upgrade"], ["audit", "verify"], ["serve", "--port", "0"]):
        done = sambang(tmp_path, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert "database is newer than this sambang: revision 0099_from_the_future" in (
            done.stderr)
        assert "Traceback" not in done.stderr
    assert await revisions(url) == ["0099_from_the_future"]


def test_a_database_older_than_any_upgradable_release_is_refused_clearly(
        tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "sambang.sqlite3") as conn:
        # The facilities table as the first version of sambang made it.
        conn.execute("CREATE TABLE facilities (id INTEGER PRIMARY KEY, code VARCHAR(32), "
                     "name VARCHAR(200), timezone VARCHAR(64), default_call_seconds INTEGER, "
                     "changeover_seconds INTEGER, grace_seconds INTEGER)")
    done = sambang(tmp_path, "db", "upgrade")
    assert done.returncode == 2 and "made by an older sambang" in done.stderr
    assert "facilities.recording" in done.stderr and "Traceback" not in done.stderr
    with sqlite3.connect(tmp_path / "sambang.sqlite3") as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["facilities"]


async def test_an_earlier_database_short_of_addable_columns_is_completed_at_start(
        tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    url = sqlite_url(database)
    await (await open_engine(url)).dispose()
    with sqlite3.connect(database) as conn:
        conn.execute("DROP TABLE alembic_version")  # made before migrations existed
        conn.execute("DROP INDEX ix_visit_events_visit_id")
        conn.execute("INSERT INTO facilities (code, name, timezone, default_call_seconds, "
                     "changeover_seconds, grace_seconds, recording, address, "
                     "complaint_contact, retention_days, notify_webhook, notify_secret_sealed, "
                     "ask_by_name) VALUES ('lama', 'Rutan Lama', 'Asia/Jayapura', 600, 60, "
                     "600, 'off', '', '', 90, '', '', 0)")
        # As an earlier sambang left it: no webhook settings, requests without a session.
        for table, column in (("facilities", "notify_webhook"), ("facilities", "ask_by_name"),
                              ("facilities", "notify_secret_sealed"),
                              ("visit_requests", "day"), ("inmates", "categories")):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        # Earlier versions kept the webhook's signing secret and the queue room token of
        # approved requests in plaintext.
        conn.execute("ALTER TABLE facilities ADD COLUMN notify_secret VARCHAR(100) NOT NULL "
                     "DEFAULT ''")
        conn.execute("UPDATE facilities SET notify_secret = 'rahasia-wa-lama'")
        conn.execute("ALTER TABLE visit_requests ADD COLUMN ticket_token VARCHAR(64)")
        conn.execute("INSERT INTO visitors (facility_id, full_name, nik, relation, phone, "
                     "email, address, ktp_file, ktp_type, consent_at, created_at, token_hash) "
                     "VALUES (1, 'A', '3374015208900003', 'spouse', '+62812', '', 'x', 'k', "
                     "'image/jpeg', 0, 0, 'h')")
        conn.execute("INSERT INTO inmates (facility_id, reg_number, full_name, block, cell, "
                     "status) VALUES (1, 'B.I-1/26', 'B', 'A', '', 'active')")
        conn.execute("INSERT INTO visit_requests (facility_id, visitor_id, inmate_id, state, "
                     "reason, created_at, ticket_token) VALUES (1, 1, 1, 'approved', '', 0, "
                     "'rahasia-lama')")
    engine = await open_engine(url)
    try:
        facilities = await facility_rows.facilities_all(engine)
        async with engine.connect() as conn:
            requests = (await conn.execute(text("SELECT state FROM visit_requests"))).all()
    finally:
        await engine.dispose()
    assert [(f.code, f.timezone, f.notify_webhook, f.ask_by_name) for f in facilities] == [
        ("lama", "Asia/Jayapura", "", False)]
    assert [tuple(r) for r in requests] == [("approved",)]
    assert await schema_differences(url) == []  # the plaintext columns are gone with the rest
    with sqlite3.connect(database) as conn:
        whole = b"".join(line.encode() for line in conn.iterdump())
    assert b"rahasia" not in whole


async def test_a_failing_upgrade_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    """SQLite's upgrade is one transaction: a step that fails undoes the steps before it."""
    database = tmp_path / "sambang.sqlite3"
    with sqlite3.connect(database) as conn:
        # An earlier release's database whose audit table a hand edit broke: the tables before
        # it in the baseline are made, then audit_events cannot be completed.
        conn.execute("CREATE TABLE facilities (id INTEGER PRIMARY KEY, code VARCHAR(32) NOT "
                     "NULL, name VARCHAR(200) NOT NULL, timezone VARCHAR(64) NOT NULL, "
                     "default_call_seconds INTEGER NOT NULL, changeover_seconds INTEGER NOT "
                     "NULL, grace_seconds INTEGER NOT NULL, recording VARCHAR(16) NOT NULL, "
                     "address VARCHAR(300) NOT NULL, complaint_contact VARCHAR(300) NOT NULL, "
                     "schedule_toml TEXT, retention_days INTEGER NOT NULL)")
        conn.execute("CREATE VIEW audit_events AS SELECT 1 AS id")
    engine = create_async_engine(sqlite_url(database))
    await engine.dispose()
    done = sambang(tmp_path, "db", "upgrade")
    assert done.returncode != 0
    with sqlite3.connect(database) as conn:
        names = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
        columns = [r[1] for r in conn.execute("PRAGMA table_info(facilities)")]
    assert names == ["audit_events", "facilities"]
    assert "notify_webhook" not in columns
