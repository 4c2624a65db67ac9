"""Work that must happen once even with several server processes on one database: one
transaction, serialised by the database itself (row locks on PostgreSQL, the single writer on
SQLite), retried whole when a concurrent writer wins a unique key or PostgreSQL gives up on a
serialisation. No process lock can do this: the other writer may be another machine."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy import Table, delete, false, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 8
# SQLSTATEs a repeat of the same transaction can get past: a unique key taken meanwhile, a
# serialisation failure, a deadlock; SQLite says "database is locked" when its writer waits too
# long.
_RETRY_STATES = frozenset({"23505", "40001", "40P01"})


class Conflict(RuntimeError):
    """The work lost to concurrent writers every time it was tried."""


def _retryable(exc: DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if state is not None:
        return str(state) in _RETRY_STATES
    message = str(exc.orig).lower()
    return "unique constraint failed" in message or "database is locked" in message


async def atomic(engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]],
                 attempts: int = ATTEMPTS) -> T:
    """`work` in one transaction, committed together or not at all. `work` may run more than
    once (each time in a fresh transaction), so it must do nothing outside the connection."""
    for attempt in range(attempts):
        try:
            async with engine.begin() as conn:
                return await work(conn)
        except (IntegrityError, DBAPIError) as exc:
            if not _retryable(exc) or attempt == attempts - 1:
                if isinstance(exc, IntegrityError) and _retryable(exc):
                    raise Conflict(str(exc.orig)) from exc
                raise
            log.info("transaction retried after a concurrent write (attempt %d)", attempt + 1)
            # A little jitter, so the writers that collided do not collide again in step.
            await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
    raise Conflict("no attempts")


Target = AsyncEngine | AsyncConnection


@asynccontextmanager
async def writing(target: Target) -> AsyncIterator[AsyncConnection]:
    """A connection to write on: the caller's, inside its transaction (an action with its audit
    event), or a transaction of its own from an engine."""
    if isinstance(target, AsyncConnection):
        yield target
        return
    async with target.begin() as conn:
        yield conn


async def lock_row(conn: AsyncConnection, table: Table, row_id: int) -> None:
    """Hold `table`'s row `row_id` until the transaction ends, so writers that lock the same
    row take turns. PostgreSQL: SELECT ... FOR UPDATE. SQLite: pysqlite opens the transaction
    only at the first write, so a no-op update opens it and takes the database's one write
    lock, which orders every writer anyway."""
    if conn.dialect.name == "sqlite":
        await conn.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))
        return
    await conn.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())


async def lock_table(conn: AsyncConnection, table: Table, key: int) -> None:
    """Hold a lock on appending to `table` until the transaction ends, for a sequence that has
    no row to lock, such as the audit chain's head. PostgreSQL: an advisory lock named `key`;
    SQLite: a write that changes nothing still takes the database's write lock."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        await conn.execute(delete(table).where(false()))
