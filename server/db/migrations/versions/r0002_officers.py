"""The officers' floor: inmate photos in the register, and whether a facility checks an inmate's
identity before a call may start (on unless the admin turns it off).

Revision ID: 0002_officers
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_officers"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inmates") as batch:
        batch.add_column(sa.Column("photo_file", sa.String(64)))
        batch.add_column(sa.Column("photo_type", sa.String(32)))
    with op.batch_alter_table("facilities") as batch:
        batch.add_column(sa.Column("identity_check", sa.Boolean, nullable=False,
                                   server_default="1"))
