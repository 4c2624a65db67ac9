"""What the API takes is checked by its models: malformed input is a 4xx naming the field in
the user's language, never a 500, and changes nothing; the OpenAPI document comes from the
same models and lists every /api route."""

from __future__ import annotations

import re
from typing import Any, get_args

from server.db import staff_rows
from server.keys import ENGINE
from tests.conftest import Sambang
from tests.integration.test_visit_requests import api_visitor

HUGE = 2**64 + 1  # beyond 64 bits: SQLite cannot bind it, PostgreSQL's INTEGER even less


def _id_routes(s: Sambang) -> list[tuple[str, str]]:
    """(method, path with {name} for its numeric segments) of every /api route with an id."""
    found = []
    for route in s.app.router.routes():
        resource = route.resource
        pattern = resource.get_info().get("pattern") if resource is not None else None
        if (resource is not None and resource.canonical.startswith("/api/")
                and route.method != "HEAD" and pattern is not None
                and r"\d+)" in pattern.pattern):
            found.append((route.method, resource.canonical))
    return found


async def test_a_path_id_beyond_the_id_range_is_a_404_on_every_route(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login("admin")
    routes = _id_routes(s)
    # The five the fuzzer first found, among them.
    assert {("GET", "/api/visits/{visit_id}"),
            ("GET", "/api/recordings/{recording_id}/file"),
            ("POST", "/api/requests/{request_id}/approve"),
            ("POST", "/api/requests/{request_id}/reject"),
            ("POST", "/api/visitors/{visitor_id}/bans")} <= set(routes)
    # Too large for 64 bits, for the INTEGER columns, zero, and another script's digits.
    not_found = 0
    for bad in (str(HUGE), str(2**31), "0", "\u0663"):
        for method, canonical in routes:
            path = re.sub(r"{\w+_id}", bad, canonical)
            resp = await s.client.request(method, path, json={"reason": "x"},
                                          headers={"X-CSRF-Token": csrf})
            # 404, or a 422 where the handler reads its body first (start needs a confirmation)
            error = (await resp.json())["error"]
            assert (resp.status, error["code"]) in {(404, "not_found"), (422, "inmate_confirm"),
                                                    (422, "invalid")}, (method, path, error)
            not_found += resp.status == 404
    assert not_found >= len(routes) * 3  # most of them said so


async def test_a_query_id_or_date_out_of_range_names_the_field(sambang: Sambang) -> None:
    s = sambang
    await s.login("karupam")
    for path, field in ((f"/api/recordings?visit_id={HUGE}", "visit_id"),
                        ("/api/recordings?visit_id=\u00b2", "visit_id"),
                        (f"/api/visits?station={HUGE}", "station"),
                        ("/api/visits?outcome=hilang", "outcome"),
                        ("/api/reports?date=9999-12-31&period=week", "date"),
                        ("/api/reports?period=tahun", "period")):
        resp = await s.client.get(path)
        error = (await resp.json())["error"]
        assert resp.status == 422 and error["code"] == "invalid", path
        assert error["field"] == field, path
    resp = await s.client.get("/api/reports?period=tahun&lang=en")
    assert (await resp.json())["error"]["message"] == (
        "Invalid field: period (it must be one of 'day', 'week' or 'month').")


async def test_a_body_that_does_not_fit_is_a_422_naming_the_field(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login("admin")
    visitor = await _a_visitor_id(s)
    cases: list[tuple[str, dict[str, Any], str, str]] = [
        ("/api/tickets", {"visitor_name": "Ani", "inmate_id": HUGE}, "inmate_id",
         "Isian tidak valid: inmate_id (paling besar 2147483647)."),
        ("/api/tickets", {"visitor_name": "Ani", "inmate_id": True}, "inmate_id",
         "Isian tidak valid: inmate_id (harus berupa bilangan bulat)."),
        ("/api/tickets", {"visitor_name": "A\u0000ni", "inmate_id": 1}, "visitor_name",
         "Isian tidak valid: visitor_name (berisi karakter yang tidak diizinkan)."),
        ("/api/tickets", {"inmate_id": 1}, "visitor_name",
         "Isian tidak valid: visitor_name (wajib diisi)."),
        (f"/api/visitors/{visitor}/bans", {"reason": "x", "until": "9999-12-31"}, "until",
         "Isian tidak valid: until (paling besar 2099-12-31)."),
        (f"/api/visitors/{visitor}/bans", {"reason": "x", "until": "2020-01-01"}, "until",
         "Isian tidak valid: until (harus tanggal yang akan datang)."),
        # A length checked after a validator: its message once wanted a limit it lacked.
        ("/api/admin/facility", {"name": ""}, "name",
         "Isian tidak valid: name (paling sedikit 1 karakter)."),
        ("/api/admin/facility", {"notify_webhook": "ftp://x"}, "notify_webhook",
         "Isian tidak valid: notify_webhook (harus alamat http(s) yang lengkap)."),
        ("/api/admin/staff", {"username": "Bukan Nama", "full_name": "X", "role": "admin",
                              "password": "kata-sandi-baru"}, "username",
         "Isian tidak valid: username (3-32 huruf kecil, angka, titik, garis bawah atau "
         "tanda hubung)."),
    ]
    before = await (await s.client.get("/api/admin/facility")).json()
    for path, body, field, message in cases:
        status, answer = await s.post(path, body, csrf)
        assert status == 422, (path, answer)
        assert answer["error"] == {"code": "invalid", "field": field, "message": message}
    assert await (await s.client.get("/api/admin/facility")).json() == before
    accounts = await staff_rows.staff_of(s.app[ENGINE], 1)
    assert "bukan nama" not in [a.username for a in accounts]
    # Not an object, not JSON at all, or not declared JSON: the request cannot be read.
    for data, kind, expected in (("[1]", "application/json", 400),
                                 ("{broken", "application/json", 400),
                                 ("\udcff", "application/json", 400),
                                 ("{}", "text/plain", 415)):
        resp = await s.client.post("/api/tickets", data=data.encode("utf-8", "surrogateescape"),
                                   headers={"X-CSRF-Token": csrf, "Content-Type": kind})
        assert resp.status == expected and (await resp.json())["error"]["code"] == "bad_json"


async def _a_visitor_id(s: Sambang) -> int:
    token = await api_visitor(s)
    found = await s.client.get(f"/api/visitors/{token}")
    assert found.status == 200
    async with s.app[ENGINE].connect() as conn:
        from sqlalchemy import select

        from server.db import tables as db
        row = (await conn.execute(select(db.visitors.c.id))).first()
    assert row is not None
    return int(row[0])


async def test_a_malformed_multipart_body_is_a_400(sambang: Sambang) -> None:
    s = sambang
    body = (b'--b\r\nContent-Disposition: form-data; name="\n\xf2"\r\n\r\nx\r\n--b--\r\n')
    resp = await s.client.post("/api/facilities/demo/visitors", data=body,
                               headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "bad_json"


async def test_the_document_has_real_schemas_for_every_route(sambang: Sambang) -> None:
    doc = await (await sambang.client.get("/api/openapi.json")).json()
    assert doc["openapi"] == "3.1.0"
    schemas = doc["components"]["schemas"]
    tickets = doc["paths"]["/api/tickets"]["post"]
    ref = tickets["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    ticket = schemas[ref.rsplit("/", 1)[1]]
    assert ticket["required"] == ["visitor_name", "inmate_id"]
    assert ticket["properties"]["inmate_id"]["maximum"] == 2**31 - 1
    assert doc["paths"]["/api/admin/staff"]["post"]["tags"] == ["admin"]
    assert doc["paths"]["/api/facilities/{code}/visitors"]["post"]["tags"] == ["registration"]
    assert "security" not in doc["paths"]["/api/login"]["post"]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            assert op["summary"] and op["tags"], (method, path)
            ok = next(iter(op["responses"].values()))
            schema = next(iter(ok["content"].values()))["schema"]
            assert schema != {"type": "object"}, (method, path)  # a real shape, not a stub
            for param in op.get("parameters", []):
                if param["in"] == "path" and param["name"].endswith("_id"):
                    assert param["schema"]["maximum"] == 2**31 - 1


def test_the_models_choices_are_the_apps() -> None:
    from server.http.admin import TIMEZONES
    from server.http.auth import ROLES
    from server.http.models import admin, officer, records, verification
    from server.http.registration_desk import REJECT_REASONS
    from server.http.reports import PERIODS
    from server.http.visit_records import OUTCOMES
    from server.i18n import RELATIONS

    assert get_args(officer.Relation) == RELATIONS
    assert get_args(admin.Role) == ROLES
    assert get_args(admin.Timezone) == TIMEZONES
    assert get_args(verification.RejectReason) == REJECT_REASONS
    assert get_args(records.Outcome) == OUTCOMES
    assert get_args(records.Period) == PERIODS
