"""Several real `sambang serve` processes on one PostgreSQL database (and one Redis, with a key
prefix of the test's own), as a deployment runs them; each test gets its own database."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from redis.asyncio import Redis

ADMIN_DSN = os.environ.get(
    "SAMBANG_TEST_POSTGRES", "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("SAMBANG_TEST_REDIS", "redis://127.0.0.1:6379/0")
PASSWORD = "kata-sandi-uji-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A database of its own, dropped afterwards; yields its SQLAlchemy URL."""
    name = f"sambang_test_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@dataclass
class Cluster:
    root: Path
    database_url: str
    redis_prefix: str | None = None  # None: no Redis
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAMBANG_")}
        env.update(SAMBANG_DATABASE_URL=self.database_url, SAMBANG_SECRET_KEY=self.secret_key,
                   SAMBANG_RELAY_WORKERS="0", SAMBANG_PASSWORD=PASSWORD)
        if self.redis_prefix is not None:
            env.update(SAMBANG_REDIS_URL=REDIS_URL, SAMBANG_REDIS_PREFIX=self.redis_prefix)
        env.update(self.extra_env)
        return env

    def command(self, *args: str, node: str = "n0") -> subprocess.CompletedProcess[str]:
        data_dir = self.root / node
        data_dir.mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            [sys.executable, "-m", "server.cli", "--data-dir", str(data_dir), *args],
            capture_output=True, text=True, timeout=120, env=self.env(), stdin=subprocess.DEVNULL)


@dataclass
class Node:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as http:
            while True:
                assert self.proc.poll() is None, self.output()[-4000:]
                assert time.monotonic() < deadline, f"{self.name} not ready"
                try:
                    async with http.get(f"{self.base}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.3)

    def kill(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def start_node(cluster: Cluster, name: str, *args: str) -> Node:
    data_dir = cluster.root / name
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = cluster.root / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "--data-dir", str(data_dir), "serve",
             "--port", str(port), *args],
            stdout=out, stderr=subprocess.STDOUT, env=cluster.env(), stdin=subprocess.DEVNULL)
    return Node(name, port, proc, log)


class Officer:
    """A staff member's browser session on one node."""

    def __init__(self, node: Node, username: str) -> None:
        self.node = node
        self.username = username
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def login(self) -> Officer:
        async with self.http.post(f"{self.node.base}/api/login", json={
                "username": self.username, "password": PASSWORD}) as resp:
            assert resp.status == 200, await resp.text()
            self.csrf = (await resp.json())["csrf_token"]
        return self

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        async with self.http.post(f"{self.node.base}{path}", json=body,
                                  headers={"X-CSRF-Token": self.csrf}) as resp:
            return resp.status, await resp.json(content_type=None)

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(f"{self.node.base}{path}") as resp:
            return resp.status, await resp.json(content_type=None)

    async def close(self) -> None:
        await self.http.close()


async def register_visitor(node: Node, nik: str, phone: str, jpeg: bytes) -> str:
    """A family registers on the facility's page; returns its visitor token."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{node.base}/f/demo/daftar?lang=id") as resp:
            found = re.search(r'name="csrf" value="([^"]+)"', await resp.text())
            assert found
        form = aiohttp.FormData()
        for key, value in {"full_name": f"Keluarga {nik[-4:]}", "nik": nik, "relation": "spouse",
                           "phone": phone, "email": "", "address": "Jl. Melati 3, Semarang",
                           "consent": "yes", "csrf": found.group(1)}.items():
            form.add_field(key, value)
        form.add_field("ktp", jpeg, filename="ktp.jpg", content_type="image/jpeg")
        async with http.post(f"{node.base}/f/demo/daftar", data=form,
                             allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()
            return str(resp.headers["Location"]).rsplit("/", 1)[1]


async def ask_for_visit(node: Node, token: str, reg_number: str, slot_index: int) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{node.base}/api/visitors/{token}/slots",
                            params={"reg_number": reg_number}) as resp:
            slots = (await resp.json())["slots"]
        async with http.post(f"{node.base}/api/visitors/{token}/requests", json={
                "reg_number": reg_number, "slot": slots[slot_index]["key"]}) as resp:
            assert resp.status == 201, await resp.text()


async def audit_actions(database_url: str) -> dict[str, int]:
    """How many events of each action and outcome the audit log holds."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT action, outcome, count(*) AS n FROM audit_events "
                                "GROUP BY action, outcome")
    finally:
        await conn.close()
    return {f"{r['action']} {r['outcome']}": int(r["n"]) for r in rows}


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys (and only they) are deleted afterwards."""
    prefix = f"sambang-test-{secrets.token_hex(4)}:"
    yield prefix
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                             check=False).stdout.strip() != b"PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
