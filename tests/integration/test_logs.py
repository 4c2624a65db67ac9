"""Log lines are JSON off a terminal and keep their fields: what a handler passes with `extra=`
and what structlog binds (visit, ticket, connection); never a password."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from signaling.logs import setup_logging
from tests.conftest import Sambang


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    setup_logging(stream=stream)  # a StringIO is no terminal: JSON, as under systemd
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_failed_login_logs_its_fields_as_json_and_no_password(
        sambang: Sambang, log_lines: io.StringIO) -> None:
    resp = await sambang.client.post(
        "/api/login", json={"username": "petugas", "password": "kata-sandi-tebakan"})
    assert resp.status == 401
    failed = [line for line in lines(log_lines) if line["event"] == "login failed"]
    assert len(failed) == 1
    assert failed[0]["username"] == "petugas"
    assert failed[0]["level"] == "info" and failed[0]["logger"] == "server.http.auth"
    assert "kata-sandi-tebakan" not in log_lines.getvalue()


def test_bound_context_and_extra_fields_both_reach_the_line(log_lines: io.StringIO) -> None:
    structlog.contextvars.bind_contextvars(visit=12, conn=3)
    logging.getLogger("media.relay").warning("visit %s: %s leg lost", 12, "family",
                                             extra={"ticket": 40})
    structlog.get_logger("signaling.hub").info("called", station="Bilik 1")
    first, second = lines(log_lines)
    assert first["event"] == "visit 12: family leg lost"
    assert (first["visit"], first["conn"], first["ticket"]) == (12, 3, 40)
    assert second["event"] == "called" and second["station"] == "Bilik 1"
    assert second["visit"] == 12


def test_a_traceback_carries_no_local_values(log_lines: io.StringIO) -> None:
    password = "rahasia-di-variabel-lokal"
    try:
        raise ValueError("gagal")
    except ValueError:
        logging.getLogger("server").exception("login could not be checked")
    (line,) = lines(log_lines)
    assert line["exception"]
    assert password not in log_lines.getvalue()
