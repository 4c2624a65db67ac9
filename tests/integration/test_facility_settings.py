"""A facility's settings change by one path, whoever changes them: what the command line
writes reaches a running server's hub as the admin page's changes do."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from server.keys import HUBS
from tests.conftest import AppMaker


async def test_cli_setting_reaches_the_running_hub(make_sambang: AppMaker, tmp_path: object
                                                   ) -> None:
    sambang = await make_sambang(day_roll_seconds=0.2)
    hub = sambang.app[HUBS][1]
    wanted = "on_demand" if hub.recording != "on_demand" else "all"
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server.cli", "--data-dir", str(tmp_path), "facility", "set",
         "demo", "--recording", wanted], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "within a minute" in done.stdout
    for _ in range(100):
        if hub.recording == wanted:
            break
        await asyncio.sleep(0.1)
    assert hub.recording == wanted


async def test_admin_renames_facility_and_console_hears_it(make_sambang: AppMaker) -> None:
    sambang = await make_sambang()
    csrf = await sambang.login("admin")
    status, body = await sambang.post("/api/admin/facility", {"name": "Rutan Baru"}, csrf)
    assert status == 200, body
    assert sambang.app[HUBS][1].facility_name == "Rutan Baru"
    status, body = await sambang.post("/api/admin/facility", {"nama": "x"}, csrf)
    assert status == 422
    assert sambang.app[HUBS][1].facility_name == "Rutan Baru"
