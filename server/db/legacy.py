"""The bridge from databases made before migrations existed (sambang up to commit c5a7634) to the
first revision: those releases made their tables with `create_all` and added new nullable
columns in place, so such a database holds the baseline's tables, perhaps short of a few
columns and indexes, perhaps with retired plaintext secret columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection
from sqlalchemy.schema import SchemaItem

from server.db.errors import SchemaOutdated

TableItems = Callable[[], list[SchemaItem]]

# Columns an earlier sambang wrote that held secrets in plaintext: emptied, then dropped (a
# webhook secret kept that way is entered again by the admin, then sealed).
RETIRED_SECRETS = (("visit_requests", "ticket_token", sa.null()),
                   ("facilities", "notify_secret", sa.literal("")))


def is_earlier_release(bind: Connection) -> bool:
    """Tables of sambang but no record of a revision: made before migrations existed."""
    names = set(sa.inspect(bind).get_table_names())
    return "facilities" in names and "alembic_version" not in names


def _scratch(name: str, items: TableItems) -> sa.Table:
    return sa.Table(name, sa.MetaData(), *items())


def _addable(column: sa.Column[object]) -> bool:
    return column.nullable is True or column.server_default is not None


def refuse_unbridgeable(bind: Connection, tables: Sequence[tuple[str, TableItems]]) -> None:
    """Checked before anything changes: a column that cannot be added to rows already there
    (required, no default) means the database predates even what the bridge knows."""
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    missing: list[str] = []
    for name, items in tables:
        if name not in present:
            continue
        have = {c["name"] for c in inspector.get_columns(name)}
        missing += [f"{name}.{c.name}" for c in _scratch(name, items).columns
                    if c.name not in have and not _addable(c)]
    if missing:
        raise SchemaOutdated(
            "this database was made by an older sambang than any that can be upgraded and lacks "
            f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")


def complete_table(bind: Connection, name: str, items: TableItems) -> list[str]:
    """Adds the baseline's columns and indexes an existing table lacks; returns what it added."""
    inspector = sa.inspect(bind)
    have = {c["name"] for c in inspector.get_columns(name)}
    indexes = {i["name"] for i in inspector.get_indexes(name)}
    table = _scratch(name, items)
    added = []
    # Columns of a second, unattached set: Alembic attaches what it adds to a table of its own.
    for column in (item for item in items() if isinstance(item, sa.Column)):
        if column.name not in have:
            op.add_column(name, column)
            added.append(f"{name}.{column.name}")
    for index in table.indexes:
        if index.name not in indexes:
            op.create_index(str(index.name), name, [c.name for c in index.columns],
                            unique=bool(index.unique))
            added.append(f"{name}:{index.name}")
    return added


def retire_secrets(bind: Connection) -> list[str]:
    inspector = sa.inspect(bind)
    retired = []
    for table_name, column_name, empty in RETIRED_SECRETS:
        if column_name not in {c["name"] for c in inspector.get_columns(table_name)}:
            continue
        table = sa.table(table_name, sa.column(column_name))
        bind.execute(sa.update(table).values({column_name: empty}))
        with op.batch_alter_table(table_name) as batch:
            batch.drop_column(column_name)
        retired.append(f"{table_name}.{column_name}")
    return retired
