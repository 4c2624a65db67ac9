"""The clock stops while a line is down: a facility's reconnect grace, a visit's paused seconds,
and when a live visit was last known to run (what a restart after a crash takes as its end).

Revision ID: 0002_network
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_network"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("facilities") as batch:
        batch.add_column(sa.Column("reconnect_grace", sa.Integer, nullable=False,
                                   server_default="120"))
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("paused_seconds", sa.Integer, nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("alive_at", sa.Float))


def downgrade() -> None:
    # sambang upgrades only; an older sambang refuses a newer database (server/db/migrate.py).
    raise NotImplementedError
