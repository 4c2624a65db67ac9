"""The README is the truth: its first section names exactly two commands, CI runs the second, and
the first, run in a fresh copy of the project, installs and starts sambang with the demo."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[2]


def first_section_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    sections = re.split(r"^## ", text, flags=re.M)
    first = sections[1]
    blocks = re.findall(r"```sh\n(.*?)```", first, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_names_two_commands_and_ci_runs_the_test_one() -> None:
    commands = first_section_commands()
    assert commands == ["bash scripts/demo", "bash scripts/test"]
    ci = (ROOT / ".ci" / "run").read_text()
    run_lines = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")]
    assert run_lines[-1] == f"exec {commands[1]}"
    assert not any(re.search(r"\b(pip|apt-get|apt)\b", ln) for ln in run_lines)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def project_copy(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_demo_command_installs_and_runs_from_a_fresh_copy(tmp_path: Path) -> None:
    copy = tmp_path / "sambang"
    copy.mkdir()
    project_copy(copy)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMBANG_", "VIRTUAL_ENV"))}
    env["SAMBANG_PORT"] = str(port)
    log_path = tmp_path / "demo.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            first_section_commands()[0], shell=True, cwd=copy, env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 800
            while True:
                assert proc.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, "no /healthz after install"
                try:
                    async with http.get(f"{base}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(1)
            output = log_path.read_text()
            found = re.search(r"officer\s+(\S+) / (\S+)", output)
            assert found, output
            async with http.post(f"{base}/api/login", json={
                "username": found.group(1), "password": found.group(2)}) as resp:
                assert resp.status == 200
            station = re.search(r"Bilik 1: (http\S+)", output)
            assert station, output
            async with http.get(station.group(1)) as resp:
                assert resp.status == 200 and "Bilik 1" in await resp.text()
        assert (copy / "sambang-data" / "sambang.sqlite3").exists()
        # The password appears on the terminal once, never in a log line.
        assert output.count(found.group(2)) == 1
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
