"""The recording jobs' RecordingStore port (recordings/store.py) on the SQL database: rows
through server/db/recording_rows.py, events through the audit log."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncEngine

from recordings.store import StoredRecording, VisitOfFile
from recordings.writer import RecordedFile
from server.db import recording_rows, visit_rows
from server.services.audit import AuditEvent, append


class SqlRecordingStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def expired(self, facility_id: int, before: float) -> list[StoredRecording]:
        rows = await recording_rows.expired_recordings(self.engine, facility_id, before)
        return [StoredRecording(row["id"], row["path"]) for row in rows]

    async def mark_deleted(self, recording_id: int, now: float) -> None:
        await recording_rows.mark_recording_deleted(self.engine, recording_id, now)

    async def known_paths(self) -> set[str]:
        return {row["path"] for row in await recording_rows.all_recordings(self.engine)}

    async def visit(self, visit_id: int) -> VisitOfFile | None:
        row = await visit_rows.visit_record(self.engine, visit_id)
        if row is None:
            return None
        return VisitOfFile(row["id"], row["facility_id"], row["started_at"])

    async def add(self, facility_id: int, visit_id: int, found: RecordedFile) -> None:
        await recording_rows.insert_recording(self.engine, facility_id=facility_id,
                                              visit_id=visit_id, **asdict(found))

    async def audit(self, now: float, action: str, target: str, outcome: str) -> None:
        await append(self.engine, AuditEvent(now, "system", "system", action, target, outcome, ""))
