"""Retention and crash recovery of recording files, against a store kept in memory and real files
in a temporary folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from recordings.recovery import recover_recordings
from recordings.retention import DAY, apply_retention
from recordings.store import StoredRecording, VisitOfFile
from recordings.writer import RecordedFile


class MemoryStore:
    def __init__(self) -> None:
        self.rows: dict[int, tuple[int, str, float]] = {}  # id -> facility, path, closed at
        self.deleted: dict[int, float] = {}
        self.visits: dict[int, VisitOfFile] = {}
        self.added: list[tuple[int, int, RecordedFile]] = []
        self.events: list[tuple[str, str, str]] = []

    async def expired(self, facility_id: int, before: float) -> list[StoredRecording]:
        return [StoredRecording(i, path) for i, (fid, path, closed) in self.rows.items()
                if fid == facility_id and closed < before and i not in self.deleted]

    async def mark_deleted(self, recording_id: int, now: float) -> None:
        self.deleted[recording_id] = now

    async def known_paths(self) -> set[str]:
        return {path for _, path, _ in self.rows.values()}

    async def visit(self, visit_id: int) -> VisitOfFile | None:
        return self.visits.get(visit_id)

    async def add(self, facility_id: int, visit_id: int, found: RecordedFile) -> None:
        self.added.append((facility_id, visit_id, found))

    async def audit(self, now: float, action: str, target: str, outcome: str) -> None:
        self.events.append((action, target, outcome))


def _file(data_dir: Path, relative: str, body: bytes = b"webm") -> Path:
    path = data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


async def test_retention_deletes_only_what_its_facility_no_longer_keeps(tmp_path: Path) -> None:
    store = MemoryStore()
    now = 100 * DAY
    old = _file(tmp_path, "recordings/1/visit1-family-aa.webm")
    young = _file(tmp_path, "recordings/1/visit2-family-bb.webm")
    longer = _file(tmp_path, "recordings/2/visit3-family-cc.webm")
    store.rows = {1: (1, "recordings/1/visit1-family-aa.webm", now - 31 * DAY),
                  2: (1, "recordings/1/visit2-family-bb.webm", now - 29 * DAY),
                  3: (2, "recordings/2/visit3-family-cc.webm", now - 31 * DAY),
                  4: (1, "../outside.webm", now - 40 * DAY)}  # a tampered row
    outside = _file(tmp_path, "../outside.webm")
    assert await apply_retention(store, tmp_path, {1: 30, 2: 60}, now) == 2
    assert not old.exists() and young.exists() and longer.exists() and outside.exists()
    assert store.deleted == {1: now, 4: now}
    assert store.events == [("recording.delete", "recording:1", "retention"),
                            ("recording.delete", "recording:4", "retention")]
    assert await apply_retention(store, tmp_path, {1: 30, 2: 60}, now) == 0


async def test_files_a_crash_left_without_a_row_get_one(tmp_path: Path) -> None:
    store = MemoryStore()
    store.visits = {7: VisitOfFile(7, 1, 5000.0), 8: VisitOfFile(8, 2, None)}
    store.rows = {1: (1, "recordings/1/visit7-station-aa.webm", 0.0)}
    _file(tmp_path, "recordings/1/visit7-station-aa.webm")
    left = _file(tmp_path, "recordings/1/visit7-family-bb.webm", b"cut short")
    _file(tmp_path, "recordings/1/visit8-family-cc.webm")  # visit 8 is another facility's
    _file(tmp_path, "recordings/1/visit9-family-dd.webm")  # no such visit
    _file(tmp_path, "recordings/1/notes.txt")
    assert await recover_recordings(store, tmp_path, 6000.0) == 1
    assert store.added == [(1, 7, RecordedFile(
        side="family", path="recordings/1/visit7-family-bb.webm",
        sha256=hashlib.sha256(b"cut short").hexdigest(), bytes=9, started_at=5000.0,
        closed_at=left.stat().st_mtime))]
    assert store.events == [("recording.recover", "visit:7", "interrupted")]
