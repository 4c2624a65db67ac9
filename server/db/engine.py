"""Opening the database: the engine, on a schema brought up to date (server/db/migrate.py)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from server.db import migrate
from server.db.errors import DatabaseNewer, SchemaError, SchemaOutdated

__all__ = ["DatabaseNewer", "SchemaError", "SchemaOutdated", "open_engine"]

log = logging.getLogger(__name__)


async def open_engine(url: str, upgrade: bool = True) -> AsyncEngine:
    """The engine, after upgrading the schema; without `upgrade` (the operator's commands other
    than `sambang db upgrade`) a database at another revision is refused instead."""
    if upgrade:
        done = await migrate.upgrade(url)
        if done.before is not None or done.earlier_release:
            # An existing installation changed: worth the operator's attention in the log.
            if done.before != done.after:
                log.warning("%s", done.describe())
        else:
            log.info("%s", done.describe())
    engine = create_async_engine(url)
    if not upgrade:
        try:
            await migrate.check(engine)
        except BaseException:
            await engine.dispose()
            raise
    return engine
