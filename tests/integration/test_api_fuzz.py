"""The live app fuzzed over loopback with schemathesis, from its own OpenAPI document: logged in
as admin, as supervisor, and anonymously. Valid and invalid requests alike must never get a 5xx:
malformed input is a 4xx naming the field.

Each run draws new examples (that is what a fuzzer is for); a failure prints each request that
got a 5xx as a curl command, to become a regression test beside the model or reader fixed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.schemas import BaseSchema

from server.db import staff_rows
from server.http.auth import SESSION_COOKIE
from server.keys import ENGINE
from tests.conftest import AppMaker
from tests.integration.test_visit_requests import api_visitor

# Examples per operation and mode. An operation out of the caller's reach (only 401 or 403 in
# a first few) gets no more; public ones are fuzzed anonymously only (they ignore the session);
# logging in hashes a password on purpose slowly, so it gets fewer. All three callers stay
# within about two minutes on a busy two-core machine.
EXAMPLES = 8
PROBE = 3
FEWER = {"/api/login": 4}

CALLERS = {"admin": "admin", "supervisor": "karupam", "anonymous": None}


def _sender(session: requests.Session, base_url: str, cookies: dict[str, str],
            headers: dict[str, str], statuses: set[int],
            failures: list[str]) -> Callable[[Any], None]:
    """Send one case as the caller; note its status, and it if it got a 5xx."""

    def call(case: Any) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers,
                             cookies=cookies, timeout=30)
        statuses.add(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {case.method} "
                            f"{case.formatted_path}: {case.as_curl_command()}")

    return call


def _fuzz(schema: BaseSchema, base_url: str, cookies: dict[str, str],
          headers: dict[str, str], fixed: dict[str, Any]) -> list[str]:
    """Every request that got a 5xx, as a curl command with its status."""
    failures: list[str] = []
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        if cookies and "security" not in operation.definition.raw:
            continue  # public: the anonymous run covers it
        own = {k: v for k, v in fixed.items() if "{" + k + "}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Real keys (the demo facility, a visitor, another account) reach past the look-up
            # in valid requests; invalid ones draw their own.
            strategy = operation.as_strategy(
                generation_mode=mode,
                path_parameters=own if mode == GenerationMode.POSITIVE and own else None)
            statuses: set[int] = set()
            call = _sender(session, base_url, cookies, headers, statuses, failures)
            for examples in (PROBE, FEWER.get(operation.path, EXAMPLES)):
                settings(max_examples=examples, deadline=None, database=None,
                         phases=[Phase.generate], suppress_health_check=list(HealthCheck))(
                    given(case=strategy)(call))()
                if statuses <= {401, 403}:
                    break  # out of this caller's reach: refused before anything is read
    return failures


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_no_request_gets_a_server_error(make_sambang: AppMaker, caller: str) -> None:
    s = await make_sambang()
    engine = s.app[ENGINE]
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    username = CALLERS[caller]
    if username is not None:
        headers["X-CSRF-Token"] = await s.login(username)
        cookie = s.client.session.cookie_jar.filter_cookies(s.client.make_url("/"))
        cookies[SESSION_COOKIE] = cookie[SESSION_COOKIE].value
    found = await staff_rows.staff_credentials(engine, "petugas")
    assert found is not None
    fixed = {"code": "demo", "token": await api_visitor(s), "staff_id": found[0].id}
    doc = await (await s.client.get("/api/openapi.json")).json()
    # Logging out ends the fuzzer's session; everything after would be a 401 and test nothing.
    # (An admin cannot turn off or demote their own account: the API refuses, so it stays in.)
    schema = schemathesis.openapi.from_dict(doc).exclude(path="/api/logout")
    base_url = str(s.client.make_url("")).rstrip("/")
    failures = await asyncio.to_thread(_fuzz, schema, base_url, cookies, headers, fixed)
    assert not failures, "\n".join(failures)
    if username is not None:  # the session lasted the whole run, so the fuzzing reached past it
        assert (await s.client.get("/api/queue")).status == 200
