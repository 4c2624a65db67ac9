"""Crash recovery: a relay that died mid-visit leaves files with no row. Each gets one, hashed
now, so a supervisor can still play what was written before the crash."""

from __future__ import annotations

import asyncio
from pathlib import Path

from recordings.digest import digest_file
from recordings.files import RECORDING_NAME, recordings_root
from recordings.store import RecordingStore
from recordings.writer import RecordedFile


def _files_in(data_dir: Path) -> list[tuple[Path, str]]:
    """Every file one folder down the recordings, with its path as a row names it."""
    home = data_dir.resolve()
    return [(path, str(path.relative_to(home)))
            for path in sorted(recordings_root(data_dir).glob("*/*"))]


async def recover_recordings(store: RecordingStore, data_dir: Path, now: float) -> int:
    """Give every file left without a row one; returns how many. A file is taken only when its
    name is a recording's and its folder is the facility of the visit it names."""
    known = await store.known_paths()
    recovered = 0
    for path, relative in await asyncio.to_thread(_files_in, data_dir):
        found = RECORDING_NAME.match(path.name)
        if relative in known or found is None or not path.parent.name.isdigit():
            continue
        visit = await store.visit(int(found.group(1)))
        if visit is None or visit.facility_id != int(path.parent.name):
            continue
        digest, size = await asyncio.to_thread(digest_file, path)
        stat = await asyncio.to_thread(path.stat)
        await store.add(visit.facility_id, visit.id, RecordedFile(
            side=found.group(2), path=relative, sha256=digest, bytes=size,
            started_at=visit.started_at or stat.st_mtime, closed_at=stat.st_mtime))
        await store.audit(now, "recording.recover", f"visit:{visit.id}", "interrupted")
        recovered += 1
    return recovered
