"""docker-compose.yml validates with Docker's own tool and describes what docs/deploy.md says:
a TLS proxy passing WebSockets to two web nodes and a relay node, all on one PostgreSQL and
one Redis, with coturn."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose_command() -> list[str]:
    plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True,
                            check=False) if shutil.which("docker") else None
    if plugin is not None and plugin.returncode == 0:
        return ["docker", "compose"]
    found = shutil.which("docker-compose")  # scripts/test installs it when the plugin is absent
    assert found, "neither `docker compose` nor docker-compose is installed"
    return [found]


def test_compose_file_validates_and_wires_the_nodes() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMBANG_", "POSTGRES_"))}
    done = subprocess.run([*compose_command(), "--env-file", str(ROOT / "deploy/env.example"),
                           "config"], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    assert set(services) == {"proxy", "web1", "web2", "relay1", "postgres", "redis", "coturn"}
    ports = set()
    for name in ("web1", "web2", "relay1"):
        env_of = services[name]["environment"]
        assert env_of["SAMBANG_REDIS_URL"].startswith("redis://")
        assert env_of["SAMBANG_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env_of["SAMBANG_NODE_NAME"] == name
        ports.add(env_of["SAMBANG_PORT"])
    caddyfile = (ROOT / "deploy/Caddyfile").read_text()
    assert all(f"127.0.0.1:{port}" in caddyfile for port in ports)
    turn = services["web1"]["environment"]["SAMBANG_TURN_URLS"]
    assert "turns:" in turn and any("--use-auth-secret" in arg
                                    for arg in services["coturn"]["command"])
