"""What the API sends is what its OpenAPI document says: for real calls by each kind of user,
the JSON reply validates against the schema the document gives for that route and status, with
no key the schema does not list (every object is checked as if it forbade other keys)."""

from __future__ import annotations

import copy
import re
from typing import Any

import jsonschema_rs

from server.db import ticket_rows
from server.keys import ENGINE
from tests.conftest import Sambang
from tests.integration.test_visit_requests import api_visitor
from tests.peers import Peer


def _closed(schema: Any) -> Any:
    """The schema with every object that lists its properties refusing any other key."""
    if isinstance(schema, dict):
        closed = {key: _closed(value) for key, value in schema.items()}
        if "properties" in closed and "additionalProperties" not in closed:
            closed["additionalProperties"] = False
        return closed
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    return schema


class Document:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components = _closed(copy.deepcopy(document["components"]))
        self.checked: set[tuple[str, str]] = set()

    def _operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        for template, operations in self.document["paths"].items():
            pattern = "^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"
            if re.match(pattern, path) and method in operations:
                return template, operations[method]
        raise AssertionError(f"{method.upper()} {path} is not in the OpenAPI document")

    def check(self, method: str, url: str, status: int, body: Any) -> None:
        path = url.split("?", 1)[0]
        template, operation = self._operation(method, path)
        documented = operation["responses"].get(str(status), operation["responses"]["default"])
        schema = documented["content"]["application/json"]["schema"]
        validator = jsonschema_rs.validator_for(
            {**_closed(schema), "components": self.components})
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, (method, url, status, errors)
        self.checked.add((method, template))


async def _call(s: Sambang, doc: Document, method: str, url: str,
                body: dict[str, Any] | None = None, csrf: str = "",
                expect: int = 200) -> Any:
    resp = await s.client.request(method.upper(), url, json=body,
                                  headers={"X-CSRF-Token": csrf} if csrf else {})
    data = await resp.json()
    assert resp.status == expect, (url, resp.status, data)
    doc.check(method, url, resp.status, data)
    return data


async def test_replies_validate_against_the_documented_schemas(sambang: Sambang) -> None:
    s = sambang
    doc = Document(await (await s.client.get("/api/openapi.json")).json())

    # A family: the public schedule, registration's JSON side, a complaint.
    await _call(s, doc, "get", "/api/facilities/demo/schedule")
    token = await api_visitor(s)
    await _call(s, doc, "get", f"/api/visitors/{token}/slots?reg_number=B.I-001/2026")
    slots = await _call(s, doc, "get", f"/api/visitors/{token}/slots?reg_number=B.I-001/2026")
    await _call(s, doc, "post", f"/api/visitors/{token}/requests",
                {"reg_number": "B.I-001/2026", "slot": slots["slots"][0]["key"]}, expect=201)
    await _call(s, doc, "get", f"/api/visitors/{token}")
    filed = await _call(s, doc, "post", "/api/facilities/demo/complaints",
                        {"body": "Antrean terlalu lama hari ini."}, expect=201)
    await _call(s, doc, "get", f"/api/facilities/demo/complaints/{filed['tracking']}")
    await _call(s, doc, "get", "/api/facilities/demo/complaints/PGD-TIDAKADA", expect=404)

    # The registration desk approves; the officer runs a visit.
    csrf = await s.login("pendaftaran")
    pending = await _call(s, doc, "get", "/api/requests")
    await _call(s, doc, "post", f"/api/requests/{pending['requests'][0]['id']}/approve", {},
                csrf)
    csrf = await s.login("petugas")
    inmate = (await ticket_rows.inmates_for(s.app[ENGINE], 1))[0]
    ticket = await _call(s, doc, "post", "/api/tickets", {
        "visitor_name": "Sri Wahyuni", "relation": "spouse", "inmate_id": inmate["id"]}, csrf,
        expect=201)
    station_id, station_token = await s.station_token()
    family = await Peer(s.client, "/ws/ticket/" + ticket["link"].rsplit("/", 1)[1]).open()
    station = await Peer(s.client, f"/ws/station/{station_token}").open()
    await family.wait_for("queue")
    visit = await _call(s, doc, "post", "/api/visits", {"station_id": station_id}, csrf,
                        expect=201)
    await _call(s, doc, "get", "/api/queue")
    await _call(s, doc, "post", "/api/call-length", {"minutes": 12}, csrf)
    await _call(s, doc, "post", f"/api/visits/{visit['visit_id']}/start", {}, csrf, expect=422)
    await _call(s, doc, "post", f"/api/visits/{visit['visit_id']}/end", {"reason": "batal"},
                csrf)
    for peer in (family, station):
        await peer.close()

    # A supervisor reads the records; an admin the settings, staff and outbox.
    csrf = await s.login("karupam")
    await _call(s, doc, "get", "/api/visits")
    await _call(s, doc, "get", f"/api/visits/{visit['visit_id']}")
    await _call(s, doc, "get", "/api/reports?period=day")
    await _call(s, doc, "get", "/api/recordings")
    complaints = await _call(s, doc, "get", "/api/complaints")
    await _call(s, doc, "post", f"/api/complaints/{complaints['complaints'][0]['id']}/answer",
                {"answer": "Terima kasih, kami perbaiki."}, csrf)
    await _call(s, doc, "get", "/api/audit")
    csrf = await s.login("admin")
    for url in ("/api/admin/facility", "/api/admin/stations", "/api/admin/staff",
                "/api/admin/notifications", "/api/admin/coverage"):
        await _call(s, doc, "get", url)
    await _call(s, doc, "post", "/api/admin/stations", {"name": "Bilik 9"}, csrf, expect=201)
    await _call(s, doc, "post", "/api/logout", {}, csrf)
    assert len(doc.checked) >= 25  # distinct routes, each checked for real
