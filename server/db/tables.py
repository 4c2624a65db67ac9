"""The tables of the durable records. Times are stored as UTC epoch seconds."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

facilities = Table(
    "facilities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),  # Asia/Jakarta, Asia/Makassar, Asia/Jayapura
    Column("default_call_seconds", Integer, nullable=False),
    Column("changeover_seconds", Integer, nullable=False),
    Column("grace_seconds", Integer, nullable=False),
    Column("recording", String(16), nullable=False, default="off"),  # off, all, on_demand
    Column("address", String(300), nullable=False, default=""),
    Column("complaint_contact", String(300), nullable=False, default=""),
    # The visiting rules as TOML (see examples/facilities/); none means no public schedule yet.
    Column("schedule_toml", Text),
    Column("retention_days", Integer, nullable=False, default=90),
    # Where state changes are sent: an SMTP sender address and a webhook URL; both optional.
    Column("notify_webhook", String(500), nullable=False, default="", server_default=""),
    # Signs each webhook body (HMAC-SHA256) so the gateway can tell it came from here; kept
    # sealed with the server's secret (server/secret.py), so a copy of the database alone
    # cannot forge messages to the gateway.
    Column("notify_secret_sealed", Text, nullable=False, default="", server_default=""),
    # A call length an officer fixed (seconds) and the local day it was fixed for; none, or
    # another day: the fair share. Kept across restarts, not into the next day.
    Column("call_override_seconds", Integer),
    Column("call_override_day", String(10)),
    # Whether families may name an inmate by full name and block instead of the number.
    Column("ask_by_name", Boolean, nullable=False, default=False, server_default="0"),
    # Seconds a live visit's line may stay down (its clock stopped) before it ends as
    # connection_lost and the family is owed a make-up visit.
    Column("reconnect_grace", Integer, nullable=False, default=120, server_default="120"),
)

stations = Table(
    "stations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), unique=True),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", ForeignKey("staff.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

inmates = Table(
    "inmates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("reg_number", String(64), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("block", String(64), nullable=False, default=""),
    # Schedules admit blocks, cells or categories (narkotika, lansia, tahanan, wanita...).
    Column("cell", String(64), nullable=False, default="", server_default=""),
    Column("categories", String(200), nullable=False, default="", server_default=""),
    # active; released and moved inmates are kept for the records but cannot be visited.
    Column("status", String(16), nullable=False, default="active"),
    UniqueConstraint("facility_id", "reg_number"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("day", String(10), nullable=False),  # the facility's local date, YYYY-MM-DD
    Column("number", Integer, nullable=False),
    Column("visitor_name", String(200), nullable=False),
    Column("relation", String(32), nullable=False, default="other"),
    Column("inmate_id", ForeignKey("inmates.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    # The schedule's session it is for (none: a walk-in or a facility without a schedule).
    Column("session_name", String(200)),
    # A make-up ticket: the visit it makes up for (no foreign key: visits already point at
    # tickets, and a cycle of keys would need deferred constraints), the seconds owed and why
    # (cancelled_by_facility, connection_lost, interrupted).
    Column("makeup_visit_id", Integer),
    Column("makeup_seconds", Integer),
    Column("makeup_reason", String(64), nullable=False, default="", server_default=""),
    # Why an officer refused the make-up (the family reads it); empty otherwise.
    Column("makeup_refusal", Text, nullable=False, default="", server_default=""),
    # Called before the others of its queue: a make-up, or a ticket whose call was cancelled.
    Column("first_in_queue", Boolean, nullable=False, default=False, server_default="0"),
    UniqueConstraint("facility_id", "day", "number"),
)

visits = Table(
    "visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("ticket_id", ForeignKey("tickets.id"), nullable=False),
    Column("inmate_id", ForeignKey("inmates.id"), nullable=False),
    Column("station_id", ForeignKey("stations.id"), nullable=False),
    Column("officer_id", ForeignKey("staff.id"), nullable=False),
    Column("called_at", Float, nullable=False),
    Column("started_at", Float),
    Column("ended_at", Float),
    Column("allotted_seconds", Integer, nullable=False, default=0),
    Column("actual_seconds", Integer, nullable=False, default=0),
    Column("outcome", String(16)),
    Column("end_reason", Text, nullable=False, default=""),
    # "forward" (encoded frames passed on) or "transcode" (the legs shared no codec).
    Column("media_mode", String(16), nullable=False, default="forward"),
    # Seconds its clock stood still while a line was down (not in actual_seconds).
    Column("paused_seconds", Integer, nullable=False, default=0, server_default="0"),
    # Server time it was last known to run: a restart after a crash ends it there.
    Column("alive_at", Float),
)


visitors = Table(
    "visitors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("nik", String(16), nullable=False),
    Column("relation", String(32), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("email", String(200), nullable=False, default=""),
    Column("address", String(300), nullable=False),
    Column("ktp_file", String(64), nullable=False),  # a random name under data_dir/ktp/
    Column("ktp_type", String(32), nullable=False),
    Column("consent_at", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # the visitor's own link
    UniqueConstraint("facility_id", "nik"),
)

visit_requests = Table(
    "visit_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("visitor_id", ForeignKey("visitors.id"), nullable=False),
    Column("inmate_id", ForeignKey("inmates.id"), nullable=False),
    Column("state", String(16), nullable=False),  # pending, approved, rejected
    Column("reason", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("decided_at", Float),
    Column("decided_by", String(64)),
    # The ticket's queue room link is derived from the request id and the server's secret
    # (server/secret.py), never stored.
    Column("ticket_id", ForeignKey("tickets.id")),
    # The session asked for: its local date and its name in the schedule (none: today's queue
    # of a facility without a schedule).
    Column("day", String(10)),
    Column("session_name", String(200)),
)

bans = Table(
    "bans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("visitor_id", ForeignKey("visitors.id"), nullable=False),
    Column("inmate_id", ForeignKey("inmates.id")),  # none: the whole facility
    Column("reason", Text, nullable=False),
    Column("until", Float, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
)

approved_pairs = Table(
    "approved_pairs",
    metadata,
    Column("visitor_id", ForeignKey("visitors.id"), primary_key=True),
    Column("inmate_id", ForeignKey("inmates.id"), primary_key=True),
    Column("approved_at", Float, nullable=False),
)

complaints = Table(
    "complaints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    # Random, so one family cannot read another's complaint by counting.
    Column("tracking", String(16), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("contact", String(200), nullable=False, default=""),
    Column("visit_ref", String(64), nullable=False, default=""),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),  # received, answered
    Column("answer", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("answered_at", Float),
    Column("answered_by", String(64)),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("channel", String(16), nullable=False),  # email, webhook
    Column("recipient", String(300), nullable=False),
    Column("event", String(32), nullable=False),
    Column("payload", Text, nullable=False),  # JSON, as documented in docs/notifications.md
    Column("state", String(16), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float),
)

visit_events = Table(
    "visit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", ForeignKey("visits.id"), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("kind", String(32), nullable=False),  # called, started, warning, extended, ended
    Column("actor", String(200), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

recordings = Table(
    "recordings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), nullable=False),
    Column("visit_id", ForeignKey("visits.id"), nullable=False),
    Column("side", String(16), nullable=False),
    # Relative to the data directory; never taken from a request.
    Column("path", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("closed_at", Float, nullable=False),
    Column("deleted_at", Float),
)

audit_events = Table(
    "audit_events",
    metadata,
    # Ids are given by server/services/audit.py, consecutive, so a deleted row shows as a gap.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", Float, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("outcome", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
