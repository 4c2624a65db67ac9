"""Retention: a facility keeps its recordings for its retention days, then they are deleted,
each deletion audited before the file goes, so the log never misses one."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

from recordings.files import file_of
from recordings.store import RecordingStore

DAY = 86400


async def apply_retention(store: RecordingStore, data_dir: Path,
                          retention_days: Mapping[int, int], now: float) -> int:
    """Delete the recordings older than their facility keeps them (facility id -> days);
    returns how many."""
    deleted = 0
    for facility_id, days in retention_days.items():
        for recording in await store.expired(facility_id, now - days * DAY):
            await store.audit(now, "recording.delete", f"recording:{recording.id}",
                              "retention")
            path = file_of(data_dir, recording.path)
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            await store.mark_deleted(recording.id, now)
            deleted += 1
    return deleted
