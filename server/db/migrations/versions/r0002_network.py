"""The clock stops while a line is down: a facility's reconnect grace, a visit's paused seconds,
and when a live visit was last known to run (what a restart after a crash takes as its end).

Revision ID: 0002_network
Revises: 0002_floor
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_network"
down_revision = "0002_floor"  # chained after floor's while both branches are merged here
branch_labels = None
depends_on = None


def _add(table: str, *columns: sa.Column[object]) -> None:
    # A column the table has already is kept: a database stamped before migrations is first
    # brought to the baseline from tables.py as it is now, which may include these.
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
    missing = [c for c in columns if c.name not in have]
    if missing:
        with op.batch_alter_table(table) as batch:
            for column in missing:
                batch.add_column(column)


def upgrade() -> None:
    _add("facilities", sa.Column("reconnect_grace", sa.Integer, nullable=False,
                                 server_default="120"))
    _add("visits", sa.Column("paused_seconds", sa.Integer, nullable=False, server_default="0"),
         sa.Column("alive_at", sa.Float))


def downgrade() -> None:
    # sambang upgrades only; an older sambang refuses a newer database (server/db/migrate.py).
    raise NotImplementedError
