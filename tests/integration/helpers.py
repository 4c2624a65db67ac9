"""Running sambang as an operator does, and reading a database's schema and rows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from server.db.tables import metadata

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release-c5a7634.sqlite3"


def command(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "server.cli", "--data-dir", str(data_dir), *args]


def environment(database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMBANG_")}
    env["SAMBANG_RELAY_WORKERS"] = "0"
    if database_url:
        env["SAMBANG_DATABASE_URL"] = database_url
    return env


def sambang(data_dir: Path, *args: str,
            database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(data_dir, *args), capture_output=True, text=True, timeout=120,
                          env=environment(database_url), stdin=subprocess.DEVNULL)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _differences(sync_conn: Connection) -> list[Any]:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _rows(sync_conn: Connection, skip: frozenset[tuple[str, str]] = frozenset()
          ) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    inspector = sa_inspect(sync_conn)
    for table in metadata.sorted_tables:
        # The columns the database has: one not upgraded yet lacks those of later revisions.
        have = {c["name"] for c in inspector.get_columns(table.name)}
        columns = [c for c in table.columns
                   if c.name in have and (table.name, c.name) not in skip]
        order = list(table.primary_key.columns)
        # The columns the database has: one not upgraded yet lacks those of later revisions.
        have = {c["name"] for c in inspector.get_columns(table.name)}
        columns = [c for c in table.columns
                   if c.name in have and (table.name, c.name) not in skip]
        found[table.name] = [tuple(r) for r in sync_conn.execute(
            select(*columns).order_by(*order))]
    return found


async def schema_differences(url: str) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match tables.py."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_differences)
    finally:
        await engine.dispose()


async def all_rows(url: str, skip: frozenset[tuple[str, str]] = frozenset()
                   ) -> dict[str, list[tuple[Any, ...]]]:
    """Every row; without the `skip` columns (table, column), which a database of an earlier
    release lacks until it is upgraded."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_rows, skip)
    finally:
        await engine.dispose()


async def revisions(url: str) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return [r[0] for r in await conn.execute(text("SELECT version_num FROM "
                                                          "alembic_version"))]
    finally:
        await engine.dispose()
