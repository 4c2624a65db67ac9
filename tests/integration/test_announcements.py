"""Calling aloud: the words name the inmate, the block and the station in Bahasa Indonesia; the
audio is spoken by espeak-ng on the server, kept, not silent (sox measures it), and only staff
who escort or run the floor can fetch it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from server.keys import CONFIG
from server.services.announcements import (
    AnnouncementUnavailable,
    Announcer,
    announcement_text,
)
from tests.conftest import Sambang
from tests.peers import Peer


def _sox_stat(path: Path) -> dict[str, float]:
    # sox writes its statistics to stderr.
    done = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True,
                          timeout=30, check=True)
    stats = {}
    for line in done.stderr.splitlines():
        name, _, value = line.partition(":")
        if re.fullmatch(r"\s*-?[\d.e+-]+\s*", value):
            stats[name.strip()] = float(value)
    return stats


def test_the_words_of_a_call() -> None:
    assert announcement_text("Ahmad Fauzi", "Blok A", "Bilik 1") == (
        "Panggilan untuk warga binaan Ahmad Fauzi, Blok A, menuju Bilik 1")
    assert announcement_text("Joko", "B", "Bilik 2") == (
        "Panggilan untuk warga binaan Joko, Blok B, menuju Bilik 2")
    assert announcement_text("Siti", "", "Bilik 2") == (
        "Panggilan untuk warga binaan Siti, menuju Bilik 2")


async def test_without_espeak_the_call_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(AnnouncementUnavailable):
        await Announcer(tmp_path, program="espeak-ng-not-installed").audio("Panggilan")
    assert not (tmp_path / "announcements").exists() or not any(
        (tmp_path / "announcements").iterdir())


async def test_a_called_inmate_is_announced_aloud_from_the_server(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login("petugas")
    _, token = await s.issue_ticket(csrf)
    station_id, _ = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    try:
        await family.wait_for("queue")
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201
        path = f"/api/visits/{visit['visit_id']}/announcement"
        await s.login("blok")
        words = await (await s.client.get(path)).json()
        assert words["text"] == "Panggilan untuk warga binaan Ahmad Fauzi, Blok A, menuju Bilik 1"
        resp = await s.client.get(words["audio"])
        assert resp.status == 200 and resp.content_type == "audio/wav"
        audio = s.app[CONFIG].data_dir / "spoken.wav"
        audio.write_bytes(await resp.read())
        stats = _sox_stat(audio)
        assert stats["Length (seconds)"] > 2.0
        assert stats["RMS     amplitude"] > 0.01  # speech, not silence

        again = await s.client.get(words["audio"])
        assert await again.read() == audio.read_bytes()
        kept = list((s.app[CONFIG].data_dir / "announcements").iterdir())
        assert len(kept) == 1  # made once, read from the cache after

        await s.client.post("/api/logout", headers={"X-CSRF-Token": await s.login("blok")})
        assert (await s.client.get(words["audio"])).status == 401
    finally:
        await family.close()
