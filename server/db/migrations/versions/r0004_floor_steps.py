"""The officers' floor: inmate photos in the register, and whether a facility checks an inmate's
identity before a call may start (on unless the admin turns it off).

Revision ID: 0004_floor_steps
Revises: 0003_line_pauses
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004_floor_steps"
down_revision = "0003_line_pauses"
branch_labels = None
depends_on = None


def _missing(table: str, columns: list[sa.Column[Any]]) -> list[sa.Column[Any]]:
    # A database whose tables were made whole from tables.py (tests build an "earlier release"
    # that way) already has them: only what is missing is added.
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
    return [c for c in columns if c.name not in have]


def upgrade() -> None:
    additions: dict[str, list[sa.Column[Any]]] = {
        "inmates": [sa.Column("photo_file", sa.String(64)),
                    sa.Column("photo_type", sa.String(32))],
        "facilities": [sa.Column("identity_check", sa.Boolean, nullable=False,
                                 server_default="1")],
    }
    for table, columns in additions.items():
        missing = _missing(table, columns)
        if missing:
            with op.batch_alter_table(table) as batch:
                for column in missing:
                    batch.add_column(column)


def downgrade() -> None:
    # sambang upgrades only; an older sambang refuses a newer database (server/db/migrate.py).
    raise NotImplementedError
