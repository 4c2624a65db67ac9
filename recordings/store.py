"""What the recording jobs need from the database (the RecordingStore port); the server
implements it on SQL in server/services/recording_store.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from recordings.writer import RecordedFile


@dataclass(frozen=True)
class StoredRecording:
    id: int
    path: str  # relative to the data directory


@dataclass(frozen=True)
class VisitOfFile:
    """The visit a recording file names, as the database knows it."""

    id: int
    facility_id: int
    started_at: float | None


class RecordingStore(Protocol):
    async def expired(self, facility_id: int, before: float) -> list[StoredRecording]:
        """Recordings of the facility closed before `before` and not yet deleted."""
        ...

    async def mark_deleted(self, recording_id: int, now: float) -> None: ...

    async def known_paths(self) -> set[str]:
        """The path of every recording row, deleted or not."""
        ...

    async def visit(self, visit_id: int) -> VisitOfFile | None: ...

    async def add(self, facility_id: int, visit_id: int, found: RecordedFile) -> None:
        """A row for a file found without one (its path relative to the data directory)."""
        ...

    async def audit(self, now: float, action: str, target: str, outcome: str) -> None:
        """Append an event done by the system (no staff member) to the audit log."""
        ...
