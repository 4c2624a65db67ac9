"""Alembic's entry point.

sambang runs it with a connection already open and locked (server/db/migrate.py). A developer
writing the next migration runs Alembic's own command against a scratch database instead:
`alembic -c server/db/migrations/alembic.ini -x url=sqlite+aiosqlite:///scratch.sqlite3
revision --autogenerate -m "what changes"` (see README.md beside this file)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from server.db.tables import metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=metadata,
        # SQLite alters most of a table only by copying it into a new one: batch mode does that.
        render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_on_url(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run_on)
    finally:
        await engine.dispose()


def main() -> None:
    if context.is_offline_mode():
        raise SystemExit("sambang's migrations run against a database, not as SQL text")
    given = context.config.attributes.get("connection")
    if given is not None:
        run_on(given)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the database with -x url=sqlite+aiosqlite:///scratch.sqlite3")
    asyncio.run(run_on_url(url))


main()
