"""Recordings: written from the forwarded frames without transcoding, playable, hashed, checked by
`sambang recordings verify`, served by id to supervisors only (audited), never for legal visits,
deleted when their facility's retention ends."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from pathlib import Path

import av
from sqlalchemy import update

from server.db import tables as db
from server.keys import ENGINE
from server.services.audit import read_all
from server.services.housekeeping import retention_round
from tests.conftest import Sambang
from tests.integration.test_monitoring import _live
from tests.peers import Peer


async def _recorded_visit(s: Sambang, relation: str = "spouse") -> tuple[int, list[Peer]]:
    visit_id, legs = await _live(s, relation)
    for leg in legs:
        await leg.wait_frames("video", 60)
    csrf = await s.login()
    await s.post(f"/api/visits/{visit_id}/end", {"reason": "selesai"}, csrf)
    return visit_id, legs


async def test_recording_is_the_forwarded_frames_and_plays(sambang: Sambang,
                                                            tmp_path: Path) -> None:
    s = sambang
    visit_id, legs = await _recorded_visit(s)
    for leg in legs:
        await leg.close()
    s.client.session.cookie_jar.clear()
    await s.login("karupam")
    listing = await (await s.client.get(f"/api/recordings?visit_id={visit_id}")).json()
    files = {r["side"]: r for r in listing["recordings"]}
    assert set(files) == {"family", "station"}
    for side, row in files.items():
        resp = await s.client.get(f"/api/recordings/{row['id']}/file?download=1")
        assert resp.status == 200 and "attachment" in resp.headers["Content-Disposition"]
        body = await resp.read()
        assert hashlib.sha256(body).hexdigest() == row["sha256"] and len(body) == row["bytes"]
        copy = tmp_path / f"{side}.webm"
        copy.write_bytes(body)
        with av.open(str(copy)) as container:
            kinds = sorted(st.type for st in container.streams)
            assert kinds == ["audio", "video"]
            video = container.streams.video[0]
            assert video.codec_context.name == "vp8"
            frames = sum(1 for _ in container.decode(video=0))
        assert frames >= 30, f"{side}: only {frames} frames decode"
    actions = [(e.event.actor, e.event.action) for e in await read_all(s.app[ENGINE])]
    assert actions.count(("karupam", "recording.download")) == 2

    # The copies were written beside the app's data: the recordings themselves are untouched.
    done = subprocess.run([sys.executable, "-m", "server.cli", "--data-dir", str(tmp_path),
                           "recordings", "verify"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "2 recordings intact" in done.stdout


async def test_verify_names_a_changed_file_and_retention_deletes(sambang: Sambang,
                                                                 tmp_path: Path) -> None:
    s = sambang
    visit_id, legs = await _recorded_visit(s)
    for leg in legs:
        await leg.close()

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "server.cli", "--data-dir", str(tmp_path),
                               "recordings", "verify"], capture_output=True, text=True,
                              timeout=60)

    assert verify().returncode == 0
    files = sorted((tmp_path / "recordings").rglob("*.webm"))
    assert len(files) == 2
    with files[0].open("r+b") as f:
        f.seek(200)
        f.write(b"\x00\x01\x02")
    done = verify()
    assert done.returncode == 1 and "has changed" in done.stderr

    # Thirty days later (the demo facility keeps thirty), the job deletes both, audited.
    async with s.app[ENGINE].begin() as conn:
        await conn.execute(update(db.recordings).values(closed_at=0.0))
    assert await retention_round(s.app) == 2
    assert not any(f.exists() for f in files)
    events = [e.event.action for e in await read_all(s.app[ENGINE])]
    assert events.count("recording.delete") == 2
    assert verify().returncode == 0


async def test_only_supervisors_of_the_facility_get_recordings(sambang: Sambang) -> None:
    s = sambang
    visit_id, legs = await _recorded_visit(s)
    for leg in legs:
        await leg.close()
    s.client.session.cookie_jar.clear()
    await s.login("karupam")
    rows = (await (await s.client.get("/api/recordings")).json())["recordings"]
    recording_id = rows[0]["id"]
    s.client.session.cookie_jar.clear()
    assert (await s.client.get(f"/api/recordings/{recording_id}/file")).status == 401
    await s.login("petugas")
    assert (await s.client.get(f"/api/recordings/{recording_id}/file")).status == 403
    assert (await s.client.get("/api/recordings")).status == 403
    assert (await s.client.get("/api/recordings/999999/file")).status == 403


async def test_legal_visit_is_never_recorded(sambang: Sambang, tmp_path: Path) -> None:
    s = sambang
    visit_id, legs = await _recorded_visit(s, relation="lawyer")
    for leg in legs:
        await leg.close()
    await asyncio.sleep(0.2)
    assert not list((tmp_path / "recordings").rglob("*.*"))
    s.client.session.cookie_jar.clear()
    await s.login("karupam")
    listing = await (await s.client.get(f"/api/recordings?visit_id={visit_id}")).json()
    assert listing["recordings"] == []
