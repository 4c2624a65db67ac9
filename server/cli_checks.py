"""`sambang audit verify` and `sambang recordings verify`: what the records say against what they
should; non-zero naming the first thing wrong."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine


async def audit_verify(engine: AsyncEngine) -> int:
    from server.services.audit import first_break, read_all

    events = await read_all(engine)
    broken = first_break(events)
    if broken is not None:
        event_id, why = broken
        print(f"sambang: audit event #{event_id} is {why}; the log is not intact from there on",
              file=sys.stderr)
        return 1
    print(f"sambang: audit log intact, {len(events)} events")
    return 0


async def recordings_verify(engine: AsyncEngine, data_dir: Path) -> int:
    from recordings.digest import digest_file
    from server.db import recording_rows

    rows = [r for r in await recording_rows.all_recordings(engine)
            if r["deleted_at"] is None]
    bad = 0
    for row in rows:
        path = data_dir / row["path"]
        if not path.is_file():
            print(f"sambang: recording #{row['id']} ({row['path']}) is missing", file=sys.stderr)
            bad += 1
            continue
        if digest_file(path)[0] != row["sha256"]:
            print(f"sambang: recording #{row['id']} ({row['path']}) has changed",
                  file=sys.stderr)
            bad += 1
    if bad:
        return 1
    print(f"sambang: {len(rows)} recordings intact")
    return 0
