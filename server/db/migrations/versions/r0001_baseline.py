"""Baseline: the schema of sambang 0.1 (commit c5a7634), the last release before migrations.

Written by hand from server/db/tables.py as it was then. A database made by that release or an
earlier one already holds these tables: they are kept with every row, completed with what they
lack, and its retired plaintext secret columns are emptied and dropped (server/db/legacy.py).

Revision ID: 0001_baseline
Revises: (none)
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from server.db import legacy

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def _facilities() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("default_call_seconds", sa.Integer, nullable=False),
        sa.Column("changeover_seconds", sa.Integer, nullable=False),
        sa.Column("grace_seconds", sa.Integer, nullable=False),
        sa.Column("recording", sa.String(16), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("complaint_contact", sa.String(300), nullable=False),
        sa.Column("schedule_toml", sa.Text),
        sa.Column("retention_days", sa.Integer, nullable=False),
        sa.Column("notify_webhook", sa.String(500), nullable=False, server_default=""),
        sa.Column("notify_secret_sealed", sa.Text, nullable=False, server_default=""),
        sa.Column("call_override_seconds", sa.Integer),
        sa.Column("call_override_day", sa.String(10)),
        sa.Column("ask_by_name", sa.Boolean, nullable=False, server_default="0"),
    ]


def _stations() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), unique=True),
    ]


def _staff() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    ]


def _staff_sessions() -> list[SchemaItem]:
    return [
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    ]


def _inmates() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("reg_number", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("block", sa.String(64), nullable=False),
        sa.Column("cell", sa.String(64), nullable=False, server_default=""),
        sa.Column("categories", sa.String(200), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.UniqueConstraint("facility_id", "reg_number"),
    ]


def _tickets() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("visitor_name", sa.String(200), nullable=False),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column("inmate_id", sa.Integer, sa.ForeignKey("inmates.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("session_name", sa.String(200)),
        sa.UniqueConstraint("facility_id", "day", "number"),
    ]


def _visits() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("inmate_id", sa.Integer, sa.ForeignKey("inmates.id"), nullable=False),
        sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("officer_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("called_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("allotted_seconds", sa.Integer, nullable=False),
        sa.Column("actual_seconds", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("end_reason", sa.Text, nullable=False),
        sa.Column("media_mode", sa.String(16), nullable=False),
    ]


def _visitors() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("ktp_file", sa.String(64), nullable=False),
        sa.Column("ktp_type", sa.String(32), nullable=False),
        sa.Column("consent_at", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.UniqueConstraint("facility_id", "nik"),
    ]


def _visit_requests() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("visitor_id", sa.Integer, sa.ForeignKey("visitors.id"), nullable=False),
        sa.Column("inmate_id", sa.Integer, sa.ForeignKey("inmates.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("decided_at", sa.Float),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id")),
        sa.Column("day", sa.String(10)),
        sa.Column("session_name", sa.String(200)),
    ]


def _bans() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("visitor_id", sa.Integer, sa.ForeignKey("visitors.id"), nullable=False),
        sa.Column("inmate_id", sa.Integer, sa.ForeignKey("inmates.id")),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("until", sa.Float, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    ]


def _approved_pairs() -> list[SchemaItem]:
    return [
        sa.Column("visitor_id", sa.Integer, sa.ForeignKey("visitors.id"), primary_key=True),
        sa.Column("inmate_id", sa.Integer, sa.ForeignKey("inmates.id"), primary_key=True),
        sa.Column("approved_at", sa.Float, nullable=False),
    ]


def _complaints() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("tracking", sa.String(16), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("visit_ref", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("answered_at", sa.Float),
        sa.Column("answered_by", sa.String(64)),
    ]


def _notifications() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(300), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("sent_at", sa.Float),
    ]


def _visit_events() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), nullable=False,
                  index=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    ]


def _recordings() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("closed_at", sa.Float, nullable=False),
        sa.Column("deleted_at", sa.Float),
    ]


def _audit_events() -> list[SchemaItem]:
    return [
        # Given by the audit service, consecutive: no sequence of the database's own.
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    ]


# In the order their foreign keys need.
TABLES: list[tuple[str, legacy.TableItems]] = [
    ("facilities", _facilities), ("stations", _stations), ("staff", _staff),
    ("staff_sessions", _staff_sessions), ("inmates", _inmates), ("tickets", _tickets),
    ("visits", _visits), ("visitors", _visitors), ("visit_requests", _visit_requests),
    ("bans", _bans), ("approved_pairs", _approved_pairs), ("complaints", _complaints),
    ("notifications", _notifications), ("visit_events", _visit_events),
    ("recordings", _recordings), ("audit_events", _audit_events),
]


def upgrade() -> None:
    bind = op.get_bind()
    earlier = "facilities" in sa.inspect(bind).get_table_names()
    if earlier:
        legacy.refuse_unbridgeable(bind, TABLES)
    present = set(sa.inspect(bind).get_table_names())
    changed: list[str] = []
    for name, items in TABLES:
        if name in present:
            changed += legacy.complete_table(bind, name, items)
        else:
            op.create_table(name, *items())
            changed += [name] if earlier else []
    if earlier:
        changed += [f"-{c}" for c in legacy.retire_secrets(bind)]
        log.warning("database of an earlier sambang brought to the baseline%s",
                    f": {', '.join(changed)}" if changed else " as it was")


def downgrade() -> None:
    # sambang upgrades only; an older sambang refuses a newer database (server/db/migrate.py).
    raise NotImplementedError
