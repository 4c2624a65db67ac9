"""Bringing the database's schema up to date with Alembic, one process at a time.

Every start runs this (`sambang serve`), as does `sambang db upgrade`; several processes may
start together on one database, so the upgrade holds a lock: a file lock beside a SQLite
database, an advisory lock on PostgreSQL. The second to get it finds the work done."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from server.db.errors import DatabaseNewer, SchemaOutdated
from server.db.legacy import is_earlier_release

SCRIPTS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock takes one bigint: b"sambang\0" read as a number, so it is ours alone.
ADVISORY_LOCK = int.from_bytes(b"sambang\0", "big") & 0x7FFF_FFFF_FFFF_FFFF
LOCK_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade found and left: `before` is the revision found, none for a new database;
    `earlier_release` a database made before migrations existed."""

    before: str | None
    after: str
    earlier_release: bool = False

    def describe(self) -> str:
        if self.earlier_release:
            return f"database of an earlier sambang upgraded to revision {self.after}"
        if self.before is None:
            return f"new database made at revision {self.after}"
        if self.before == self.after:
            return f"database already at revision {self.after}"
        return f"database upgraded from revision {self.before} to {self.after}"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, f"no migrations in {SCRIPTS}"
    return head


def _current(sync_conn: Connection) -> str | None:
    """The database's revision; refused if this sambang does not know it."""
    heads = MigrationContext.configure(sync_conn).get_current_heads()
    script = ScriptDirectory.from_config(alembic_config())
    known = {s.revision for s in script.walk_revisions()}
    unknown = [h for h in heads if h not in known]
    if unknown:
        raise DatabaseNewer(f"database is newer than this sambang: revision {unknown[0]} "
                            f"(this one knows up to {script.get_current_head()}); run the "
                            "sambang that upgraded it, or a newer one")
    return heads[0] if heads else None


def _upgrade(sync_conn: Connection) -> Upgrade:
    earlier = is_earlier_release(sync_conn)
    before = _current(sync_conn)
    head = head_revision()
    if before != head:
        command.upgrade(alembic_config(sync_conn), "head")
    return Upgrade(before, head, earlier)


def _check(sync_conn: Connection) -> None:
    current = _current(sync_conn)
    head = head_revision()
    if current != head:
        found = ("was made by an earlier sambang" if is_earlier_release(sync_conn)
                 else f"is at revision {current}" if current else "is empty")
        raise SchemaOutdated(f"the database {found}; this sambang needs revision {head}: run "
                             "`sambang db upgrade` (or start `sambang serve`, which does it)")


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


@contextlib.asynccontextmanager
async def _file_lock(path: Path | None) -> AsyncIterator[None]:
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        # Asked without blocking and retried, so a start cancelled while waiting leaves no
        # thread behind holding the lock.
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing lets the lock go


def _migration_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        # The sqlite3 module commits before DDL on its own; with it told to keep out, one
        # BEGIN IMMEDIATE holds the whole upgrade: a failing step leaves the database as it was.
        @event.listens_for(engine.sync_engine, "connect")
        def _driver_keeps_out(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


async def _advisory_lock(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        # Held until this transaction ends, so no unlock can be forgotten.
        await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")


async def upgrade(url: str) -> Upgrade:
    """Upgrades the database at `url` to this sambang's newest revision, in one transaction."""
    engine = _migration_engine(url)
    try:
        async with _file_lock(_sqlite_file(url)), engine.begin() as conn:
            await _advisory_lock(conn)
            return await conn.run_sync(_upgrade)
    finally:
        await engine.dispose()


async def check(engine: AsyncEngine) -> None:
    """Refuses a database not at this sambang's revision, changing nothing."""
    async with engine.connect() as conn:
        await conn.run_sync(_check)
