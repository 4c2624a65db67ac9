"""The command line as an operator meets it: clear errors for a wrong folder or a short password,
settings that stick."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server.db import ticket_rows
from server.keys import ENGINE, HUBS
from server.services.audit import read_all
from tests.conftest import AppMaker


def sambang(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if password is not None:
        env["SAMBANG_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True,
                          text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


def test_a_folder_without_sambang_is_a_clear_error(tmp_path: Path) -> None:
    for command in (["audit", "verify"], ["recordings", "verify"],
                    ["facility", "set", "demo", "--recording", "all"]):
        done = sambang("--data-dir", str(tmp_path / "nothing"), *command)
        assert done.returncode == 2 and "no sambang data" in done.stderr
        assert "Traceback" not in done.stderr


async def test_settings_and_accounts(make_sambang: AppMaker, tmp_path: Path) -> None:
    s = await make_sambang()
    await s.client.close()
    data = str(tmp_path)
    done = sambang("--data-dir", data, "facility", "set", "demo", "--recording", "on_demand",
                   "--retention-days", "60")
    assert done.returncode == 0 and "on_demand" in done.stdout and "60 days" in done.stdout
    assert sambang("--data-dir", data, "facility", "set", "demo", "--retention-days",
                   "0").returncode == 2
    short = sambang("--data-dir", data, "staff", "add", "budi", "--role", "officer",
                    password="pendek")
    assert short.returncode == 2 and "8 characters" in short.stderr
    added = sambang("--data-dir", data, "staff", "add", "budi", "--role", "officer",
                    password="cukup-panjang-1")
    assert added.returncode == 0
    assert "cukup-panjang-1" not in added.stdout + added.stderr
    again = await make_sambang()
    resp = await again.client.post("/api/login",
                                   json={"username": "budi", "password": "cukup-panjang-1"})
    assert resp.status == 200
    assert [hub.recording for hub in again.app[HUBS].values()] == ["on_demand"]
    actions = [e.event.action for e in await read_all(again.app[ENGINE])]
    assert {"facility.set", "staff.add"} <= set(actions)  # permission changes are audited
    assert sambang("--data-dir", data, "audit", "verify").returncode == 0


async def test_inmate_register_reimport(make_sambang: AppMaker, tmp_path: Path) -> None:
    s = await make_sambang()
    await s.client.close()
    data = str(tmp_path)
    csv_file = tmp_path / "register.csv"
    csv_file.write_text("reg_number,full_name,block,status\n"
                        "B.I-001/2026,Ahmad Fauzi,Blok A,aktif\n"
                        "C.9-900/2026,Dedi Baru,Blok D,aktif\n"
                        "X,Salah,Blok D,aktif\n")
    done = sambang("--data-dir", data, "inmates", "import", str(csv_file))
    # A bad line: nothing is applied, so no inmate leaves the register by a typo.
    assert done.returncode == 1 and "line 4 rejected" in done.stderr
    assert "nothing imported" in done.stderr and done.stdout == ""
    csv_file.write_text(csv_file.read_text().replace("X,Salah,Blok D,aktif\n", ""))
    done = sambang("--data-dir", data, "inmates", "import", str(csv_file))
    # Four demo inmates are not in this file any more: moved, no longer visitable.
    assert done.returncode == 0, done.stderr
    assert "1 added, 1 updated, 4 no longer visitable" in done.stdout
    again = await make_sambang()
    inmates = {i["reg_number"]: i["status"] for i in await ticket_rows.inmates_for(
        again.app[ENGINE], 1)}
    assert inmates["C.9-900/2026"] == "active" and inmates["B.II-014/2026"] == "moved"


async def test_a_facility_is_added_with_its_schedule(make_sambang: AppMaker,
                                                     tmp_path: Path) -> None:
    s = await make_sambang()
    await s.client.close()
    data = str(tmp_path)
    examples = Path(__file__).resolve().parents[2] / "examples" / "facilities"
    bad = sambang("--data-dir", data, "facility", "add", "Serang!", "--name", "x")
    assert bad.returncode == 2 and "facility code" in bad.stderr
    done = sambang("--data-dir", data, "facility", "add", "lapas-serang", "--name",
                   "Lapas Kelas IIA Serang", "--schedule", str(examples / "banten.toml"))
    assert done.returncode == 0, done.stderr
    again = sambang("--data-dir", data, "facility", "add", "lapas-serang", "--name", "x")
    assert again.returncode == 2 and "exists" in again.stderr
    s = await make_sambang()
    schedule = await (await s.client.get("/api/facilities/lapas-serang/schedule")).json()
    assert schedule["facility"] == "Lapas Kelas IIA Serang"
    assert schedule["rules"]["visits_per_week"] == 1


def test_a_short_or_empty_secret_is_refused_at_start(tmp_path: Path) -> None:
    env = {**os.environ, "SAMBANG_SECRET_KEY": "pendek", "SAMBANG_RELAY_WORKERS": "0"}
    done = subprocess.run([sys.executable, "-m", "server.cli", "--data-dir", str(tmp_path),
                           "serve", "--port", "0"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 2 and "at least 32 characters" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / "secret.key").write_text("")  # as a crash mid-write could once leave it
    env.pop("SAMBANG_SECRET_KEY")
    done = subprocess.run([sys.executable, "-m", "server.cli", "--data-dir", str(tmp_path),
                           "serve", "--port", "0"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 2 and "no usable secret" in done.stderr
