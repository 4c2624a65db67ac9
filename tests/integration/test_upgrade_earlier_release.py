"""A database made by the release before migrations (tests/fixtures/release-c5a7634.sqlite3)
upgrades in place, on SQLite and on PostgreSQL, with every row kept and the audit chain intact,
and the new sambang then serves it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from server.db.migrate import head_revision
from server.db.tables import metadata
from tests.conftest import AppMaker
from tests.integration.helpers import (
    FIXTURE,
    all_rows,
    revisions,
    sambang,
    schema_differences,
    sqlite_url,
)

# What the fixture holds, as made by c5a7634 (tests/fixtures/README.md).
FIXTURE_COUNTS = {"facilities": 1, "stations": 2, "staff": 4, "inmates": 5, "tickets": 2,
                  "visits": 2, "visit_events": 6, "recordings": 2, "complaints": 1,
                  "audit_events": 12}


# Columns added by revisions after the baseline: the release before migrations lacks them.
LATER_COLUMNS = frozenset({("tickets", "makeup_visit_id"), ("tickets", "makeup_seconds"),
                           ("tickets", "makeup_reason"), ("tickets", "makeup_refusal"),
                           ("tickets", "first_in_queue"), ("facilities", "reconnect_grace"),
                           ("visits", "paused_seconds"), ("visits", "alive_at")})


def _before_later_revisions(differences: list[Any]) -> list[Any]:
    return [d for d in differences
            if not (d[0] == "add_column" and (d[2], d[3].name) in LATER_COLUMNS)]


def _counts(rows: dict[str, list[Any]]) -> dict[str, int]:
    return {name: len(found) for name, found in rows.items() if found}


async def _serves_the_old_records(make_sambang: AppMaker, **where: Any) -> None:
    s = await make_sambang(**where)
    await s.login("karupam")
    # Both visits of the fixture were ended by the officer before their time.
    visits = (await (await s.client.get("/api/visits/1")).json(),
              await (await s.client.get("/api/visits/2")).json())
    assert [v["outcome"] for v in visits] == ["ended_early", "ended_early"]
    listing = await (await s.client.get("/api/recordings?visit_id=1")).json()
    assert sorted(r["side"] for r in listing["recordings"]) == ["family", "station"]
    await s.client.close()


async def test_a_database_of_the_earlier_release_upgrades_in_place(
        make_sambang: AppMaker, tmp_path: Path) -> None:
    database = tmp_path / "sambang.sqlite3"
    shutil.copyfile(FIXTURE, database)
    url = sqlite_url(database)
    # That release made its tables as tables.py still describes them: the baseline is equal.
    assert _before_later_revisions(await schema_differences(url)) == []
    before = await all_rows(url, LATER_COLUMNS)
    assert {k: v for k, v in _counts(before).items() if k in FIXTURE_COUNTS} == FIXTURE_COUNTS

    # Other commands refuse until the operator upgrades, and change nothing.
    refused = sambang(tmp_path, "audit", "verify")
    assert refused.returncode == 2 and "sambang db upgrade" in refused.stderr
    with sqlite3.connect(database) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "alembic_version" not in tables

    done = sambang(tmp_path, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "earlier sambang upgraded to revision" in done.stdout
    assert await all_rows(url, LATER_COLUMNS) == before
    assert await revisions(url) == [head_revision()]
    assert await schema_differences(url) == []
    verified = sambang(tmp_path, "audit", "verify")
    assert verified.returncode == 0 and "intact, 12 events" in verified.stdout
    again = sambang(tmp_path, "db", "upgrade")
    assert again.returncode == 0 and "already at revision" in again.stdout

    await _serves_the_old_records(make_sambang, data_dir=tmp_path)
    # What the new sambang appended (logins) continues the old chain.
    verified = sambang(tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert len((await all_rows(url, LATER_COLUMNS))["audit_events"]) > 12


async def _load_fixture_into(postgres_url: str) -> None:
    """The fixture's rows in PostgreSQL tables as that release made them (create_all: the
    schema is equal, as the SQLite test shows), sequences moved past the copied ids as the
    release's own inserts would have left them."""
    rows = await all_rows(sqlite_url(FIXTURE), LATER_COLUMNS)
    engine = create_async_engine(postgres_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            for table in metadata.sorted_tables:
                if rows[table.name]:
                    names = [c.name for c in table.columns
                             if (table.name, c.name) not in LATER_COLUMNS]
                    await conn.execute(table.insert(),
                                       [dict(zip(names, row, strict=True))
                                        for row in rows[table.name]])
                column = table.c.get("id")
                if column is not None and column.autoincrement is not False:
                    top = (await conn.execute(select(func.max(column)))).scalar() or 0
                    if top:
                        await conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"{top})"))
    finally:
        await engine.dispose()


async def test_the_same_on_postgres(make_sambang: AppMaker, postgres_url: str,
                                    tmp_path: Path) -> None:
    await _load_fixture_into(postgres_url)
    before = await all_rows(postgres_url, LATER_COLUMNS)
    assert before == await all_rows(sqlite_url(FIXTURE), LATER_COLUMNS)
    refused = sambang(tmp_path, "audit", "verify", database_url=postgres_url)
    assert refused.returncode == 2 and "sambang db upgrade" in refused.stderr

    done = sambang(tmp_path, "db", "upgrade", database_url=postgres_url)
    assert done.returncode == 0, done.stderr
    assert "earlier sambang upgraded to revision" in done.stdout
    assert await all_rows(postgres_url, LATER_COLUMNS) == before
    assert await schema_differences(postgres_url) == []
    verified = sambang(tmp_path, "audit", "verify", database_url=postgres_url)
    assert verified.returncode == 0 and "intact, 12 events" in verified.stdout

    await _serves_the_old_records(make_sambang, database_url=postgres_url)
    assert sambang(tmp_path, "audit", "verify", database_url=postgres_url).returncode == 0
