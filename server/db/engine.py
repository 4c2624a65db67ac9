"""Opening the database: the engine, and the schema brought up to date."""

from __future__ import annotations

import logging

from sqlalchemy import Boolean, Column, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from server.db.tables import metadata

log = logging.getLogger(__name__)


class SchemaOutdated(RuntimeError):
    """The database was made by an older sambang and lacks columns this one needs."""


def _missing_columns(sync_conn: Connection) -> list[str]:
    inspector = inspect(sync_conn)
    missing = []
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in present]
    return missing


def _add_columns(sync_conn: Connection) -> list[str]:
    """Add the columns a newer sambang brought that can be added in place (nullable, or with a
    server default); returns those added. Anything else is left for a real migration."""
    added = []
    inspector = inspect(sync_conn)
    preparer = sync_conn.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not (column.nullable or column.server_default):
                continue
            ddl = (f"ALTER TABLE {preparer.quote(table.name)} ADD COLUMN "
                   f"{preparer.quote(column.name)} {column.type.compile(sync_conn.dialect)}")
            if column.server_default is not None:
                default = column.server_default.arg  # type: ignore[attr-defined]
                ddl += f" NOT NULL DEFAULT {_literal(column, default)}"
            sync_conn.exec_driver_sql(ddl)
            added.append(f"{table.name}.{column.name}")
    return added


# Columns an earlier sambang wrote that held secrets in plaintext: emptied at start where they
# still exist (a webhook secret kept that way is entered again by the admin, then sealed).
RETIRED_SECRETS = (("visit_requests", "ticket_token", "NULL"),
                   ("facilities", "notify_secret", "''"))


def _clear_retired(sync_conn: Connection) -> None:
    inspector = inspect(sync_conn)
    preparer = sync_conn.dialect.identifier_preparer
    for table, column, empty in RETIRED_SECRETS:
        if column in {c["name"] for c in inspector.get_columns(table)}:
            name = preparer.quote(column)
            sync_conn.exec_driver_sql(
                f"UPDATE {preparer.quote(table)} SET {name} = {empty} "
                f"WHERE {name} IS NOT NULL AND {name} <> ''")


def _literal(column: Column[object], value: object) -> str:
    if isinstance(column.type, Boolean):
        return "TRUE" if str(value) in ("1", "true", "True") else "FALSE"
    return "'" + str(value).replace("'", "''") + "'"


async def open_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        # New tables are created here, and new columns that can be added in place are added;
        # other changes need migrations, which do not exist yet: an older database lacking such
        # a column is refused with a clear message instead of failing later.
        await conn.run_sync(metadata.create_all)
        added = await conn.run_sync(_add_columns)
        await conn.run_sync(_clear_retired)
        if added:
            log.warning("database upgraded in place: added %s", ", ".join(added))
        missing = await conn.run_sync(_missing_columns)
    if missing:
        await engine.dispose()
        raise SchemaOutdated(
            "this database was made by an older sambang and lacks "
            f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}; start with a new "
            "--data-dir (schema migrations are not written yet)")
    return engine
