"""Configuration, read once at start-up into a frozen dataclass."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from signaling.turn import TurnSettings

RELAY_CAPACITY = 10


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("sambang-data")
    database_url: str | None = None  # default: SQLite file in data_dir
    demo: bool = False
    tick_seconds: float = 0.25  # how often deadlines and warnings are checked
    # How often a new day's tickets and newly added facilities are picked up.
    day_roll_seconds: float = 60.0
    session_hours: int = 12
    # How often open staff pages are checked against their sessions: a logout, a disabled
    # account, a new role or password closes them within this (any process, the CLI too).
    session_check_seconds: float = 0.5
    # Rejected or never-used registrations (and their KTP) are deleted after this many days.
    personal_data_days: int = 90
    secure_cookies: bool = False  # set behind HTTPS
    # Relay worker processes; None: one per core; 0: the relay runs inside the server process.
    relay_workers: int | None = None
    # Visits one relay worker (one core) takes; a full worker takes no more, and when all are
    # full a visit does not start. Default: `max_visits_29fps_per_relay_core` of `sambang bench
    # relay` on the project's shared 2-core machine (README); measure yours and set it.
    relay_capacity: int = RELAY_CAPACITY
    # The address families reach this server by: every link given out starts with it.
    public_url: str = ""
    # Outgoing email for notifications; no host: no email is sent.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "sambang@localhost"
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)  # never in a log line
    smtp_starttls: bool = False  # require STARTTLS (it is used whenever offered anyway)
    smtp_tls: bool = False  # implicit TLS, as on port 465
    # Shared by all server processes of one deployment; else data_dir/secret.key is used.
    secret_key: str = field(default="", repr=False)
    notify_retry_seconds: float = 30.0  # the first retry's delay; each next one is longer
    # Bearer token an operator's Prometheus sends to read /metrics; none: loopback only.
    metrics_token: str = field(default="", repr=False)
    # Several nodes: the bus between them and the node registry live in this Redis.
    redis_url: str = field(default="", repr=False)  # may carry a password
    redis_prefix: str = "sambang:"  # every key and channel starts with it
    node_name: str = ""  # how this node is listed; default host:port and process id
    heartbeat_seconds: float = 2.0  # how often the node says it is alive
    node_ttl_seconds: float = 10.0  # a node silent this long is gone
    # A facility's lease: a dead owner's facility moves on within this plus one attempt.
    lease_seconds: float = 4.0
    # TURN servers the pages and the relay are given (coturn; docs/turn.md), with the secret
    # shared with coturn that signs each visit's time-limited credentials.
    turn: TurnSettings = TurnSettings()
    # Answers ask the pages' Opus encoders for in-band FEC (signaling/answer.py); off only to
    # measure what it brings.
    opus_fec: bool = True

    @property
    def worker_count(self) -> int:
        if self.relay_workers is None:
            return os.cpu_count() or 1
        return max(0, self.relay_workers)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'sambang.sqlite3').resolve()}"

    def cluster_problem(self) -> str | None:
        """Why this configuration cannot run as one node of several, or None."""
        if self.redis_url and self.db_url.startswith("sqlite"):
            return ("SAMBANG_REDIS_URL is set but the database is SQLite: several nodes must "
                    "share one PostgreSQL database (SAMBANG_DATABASE_URL=postgresql+asyncpg://"
                    "USER:PASSWORD@HOST/DB); unset SAMBANG_REDIS_URL to run a single node")
        if self.redis_url and not self.secret_key:
            return ("SAMBANG_REDIS_URL is set but SAMBANG_SECRET_KEY is not: every node of a "
                    "deployment needs the same secret (64 hex characters, e.g. from "
                    "`openssl rand -hex 32`), or the links one node makes fail on the others")
        return None

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        env = os.environ
        base = cls(
            host=env.get("SAMBANG_HOST", cls.host),
            port=int(env.get("SAMBANG_PORT", cls.port)),
            data_dir=Path(env.get("SAMBANG_DATA_DIR", str(cls.data_dir))),
            database_url=env.get("SAMBANG_DATABASE_URL") or None,
            demo=env.get("SAMBANG_DEMO", "") in ("1", "true", "yes"),
            secure_cookies=env.get("SAMBANG_SECURE_COOKIES", "") in ("1", "true", "yes"),
            personal_data_days=int(env.get("SAMBANG_PERSONAL_DATA_DAYS", "90")),
            relay_workers=(int(env["SAMBANG_RELAY_WORKERS"])
                           if env.get("SAMBANG_RELAY_WORKERS") else None),
            relay_capacity=int(env.get("SAMBANG_RELAY_CAPACITY", str(RELAY_CAPACITY))),
            public_url=env.get("SAMBANG_PUBLIC_URL", ""),
            smtp_host=env.get("SAMBANG_SMTP_HOST", ""),
            smtp_port=int(env.get("SAMBANG_SMTP_PORT", "25")),
            smtp_sender=env.get("SAMBANG_SMTP_SENDER", cls.smtp_sender),
            smtp_username=env.get("SAMBANG_SMTP_USERNAME", ""),
            smtp_password=env.get("SAMBANG_SMTP_PASSWORD", ""),
            smtp_starttls=env.get("SAMBANG_SMTP_STARTTLS", "") in ("1", "true", "yes"),
            smtp_tls=env.get("SAMBANG_SMTP_TLS", "") in ("1", "true", "yes"),
            notify_retry_seconds=float(env.get("SAMBANG_NOTIFY_RETRY_SECONDS", "30")),
            secret_key=env.get("SAMBANG_SECRET_KEY", ""),
            metrics_token=env.get("SAMBANG_METRICS_TOKEN", ""),
            redis_url=env.get("SAMBANG_REDIS_URL", ""),
            redis_prefix=env.get("SAMBANG_REDIS_PREFIX", cls.redis_prefix),
            node_name=env.get("SAMBANG_NODE_NAME", ""),
            heartbeat_seconds=float(env.get("SAMBANG_HEARTBEAT_SECONDS", "2")),
            node_ttl_seconds=float(env.get("SAMBANG_NODE_TTL_SECONDS", "10")),
            lease_seconds=float(env.get("SAMBANG_LEASE_SECONDS", "4")),
            turn=TurnSettings.from_mapping(env),
            opus_fec=env.get("SAMBANG_OPUS_FEC", "1") not in ("0", "false", "no"),
        )
        set_values = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **set_values)  # type: ignore[arg-type]
