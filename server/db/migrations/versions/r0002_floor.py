"""Make-up tickets: a ticket may make up for a visit the family lost through no fault of its
own (a call cancelled by the facility, a line that broke, a server that stopped), with the
minutes owed and why; such a ticket, and one put back after its call was cancelled, goes to the
head of its queue. An officer may refuse a make-up, with a reason the family reads.

Revision ID: 0002_floor
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_floor"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("makeup_visit_id", sa.Integer),
        sa.Column("makeup_seconds", sa.Integer),
        sa.Column("makeup_reason", sa.String(64), nullable=False, server_default=""),
        sa.Column("makeup_refusal", sa.Text, nullable=False, server_default=""),
        sa.Column("first_in_queue", sa.Boolean, nullable=False, server_default="0"),
    ]


def upgrade() -> None:
    # Only what is missing: a database made without a revision table (an earlier release, or
    # one a test stripped) may already have them from tables.py.
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("tickets")}
    missing = [c for c in _columns() if c.name not in have]
    if missing:
        with op.batch_alter_table("tickets") as batch:
            for column in missing:
                batch.add_column(column)


def downgrade() -> None:
    # sambang upgrades only; an older sambang refuses a newer database (server/db/migrate.py).
    raise NotImplementedError
