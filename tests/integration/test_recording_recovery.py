"""A relay that dies mid-visit leaves a recording file with no row; the next start gives it one,
so a supervisor can still play what was written before the crash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from server.keys import ENGINE
from server.services.audit import read_all
from tests.conftest import AppMaker


async def test_a_file_left_by_a_crash_is_listed_after_a_restart(make_sambang: AppMaker,
                                                                  tmp_path: Path) -> None:
    s = await make_sambang()
    family, station, visit_id, _ = await s.called_visit()
    for peer in (family, station):
        await peer.close()
    await s.client.close()
    left = tmp_path / "recordings" / "1" / f"visit{visit_id}-family-0a1b.webm"
    left.parent.mkdir(parents=True, exist_ok=True)
    left.write_bytes(b"\x1aE\xdf\xa3 cut short by a crash")

    again = await make_sambang()
    await again.login("karupam")
    listing = await (await again.client.get(
        f"/api/recordings?visit_id={visit_id}")).json()
    assert [(r["side"], r["sha256"]) for r in listing["recordings"]] == [
        ("family", hashlib.sha256(left.read_bytes()).hexdigest())]
    events = [(e.event.action, e.event.outcome) for e in await read_all(again.app[ENGINE])]
    assert ("recording.recover", "interrupted") in events
