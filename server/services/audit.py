"""The audit log: append-only, each event chained to the one before by a SHA-256 hash, so that a
changed, inserted or deleted row breaks the chain at that point.

The chain rules are pure (`event_hash`, `first_break`); `append_in`, `audited` and `read_all` do the
IO. Event ids are consecutive; the head is locked while an event is appended (see append_in), and
a writer that still collides on the primary key retries its whole transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db import tables as db
from server.db.atomic import Conflict, atomic, lock_table

log = logging.getLogger(__name__)

GENESIS = "0" * 64
AUDIT_LOCK = 0x5A4D_A0D1  # the advisory lock's number on PostgreSQL: any constant, one per use
T = TypeVar("T")


class AuditUnavailable(RuntimeError):
    """The event could not be written: the action it records must not happen."""


@dataclass(frozen=True)
class AuditEvent:
    at: float
    actor: str
    role: str
    action: str
    target: str
    outcome: str
    source: str


@dataclass(frozen=True)
class StoredEvent:
    id: int
    event: AuditEvent
    prev_hash: str
    hash: str


def event_hash(event_id: int, event: AuditEvent, prev_hash: str) -> str:
    body = json.dumps([event_id, asdict(event)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def first_break(events: Iterable[StoredEvent]) -> tuple[int, str] | None:
    """The id of the first event that is missing or does not match its chain, and why."""
    expected_id, prev = 1, GENESIS
    for stored in events:
        if stored.id != expected_id:
            return expected_id, "missing"
        if stored.prev_hash != prev or event_hash(stored.id, stored.event, prev) != stored.hash:
            return stored.id, "altered"
        expected_id, prev = stored.id + 1, stored.hash
    return None


async def append_in(conn: AsyncConnection, event: AuditEvent) -> int:
    """Chain `event` onto the head inside the caller's transaction, so the action it records
    and the event commit together or not at all. The head is locked until that commit: the
    next writer, on any node, chains onto this event. Call it last, to hold the lock briefly."""
    await lock_table(conn, db.audit_events, AUDIT_LOCK)
    head = (await conn.execute(
        select(db.audit_events.c.id, db.audit_events.c.hash)
        .order_by(db.audit_events.c.id.desc()).limit(1)
    )).first()
    event_id = head.id + 1 if head else 1
    prev = head.hash if head else GENESIS
    await conn.execute(db.audit_events.insert().values(
        id=event_id, prev_hash=prev, hash=event_hash(event_id, event, prev), **asdict(event)))
    return event_id


async def append(engine: AsyncEngine, event: AuditEvent) -> int:
    """An event that records no change of its own (a login, a read)."""
    async def alone(conn: AsyncConnection) -> int:
        return await append_in(conn, event)

    try:
        return await atomic(engine, alone)
    except (Conflict, SQLAlchemyError) as exc:
        log.error("audit event could not be written: %s", type(exc).__name__)
        raise AuditUnavailable(event.action) from exc


async def audited(engine: AsyncEngine, event: AuditEvent,
                  work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Do `work` and append its event in one transaction; AuditUnavailable when the event
    cannot be written (and then the work did not happen either)."""
    async def both(conn: AsyncConnection) -> T:
        result = await work(conn)
        await append_in(conn, event)
        return result

    try:
        return await atomic(engine, both)
    except (Conflict, SQLAlchemyError) as exc:
        log.error("audit event could not be written: %s", type(exc).__name__)
        raise AuditUnavailable(event.action) from exc


async def read_all(engine: AsyncEngine) -> list[StoredEvent]:
    async with engine.connect() as conn:
        rows = (await conn.execute(
            select(db.audit_events).order_by(db.audit_events.c.id))).all()
    fields = AuditEvent.__dataclass_fields__
    return [
        StoredEvent(row.id, AuditEvent(**{k: getattr(row, k) for k in fields}),
                    row.prev_hash, row.hash)
        for row in rows
    ]
