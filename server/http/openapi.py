"""The OpenAPI 3 document of the JSON API, built from one table of operations."""

from __future__ import annotations

import re
from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_VISIT = {"$ref": "#/components/schemas/Visit"}


def _obj(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


_STR = {"type": "string"}
_INT = {"type": "integer"}

# (method, path, tag, summary, request schema or None, response status, response schema)
_OPERATIONS: list[tuple[str, str, str, str, dict[str, Any] | None, int, dict[str, Any]]] = [
    ("post", "/api/login", "auth", "Log in; sets the session cookie and returns the CSRF token",
     _obj(["username", "password"], username=_STR, password=_STR), 200,
     _obj(["username", "role", "csrf_token"], username=_STR, role=_STR, csrf_token=_STR)),
    ("post", "/api/logout", "auth", "End this session", None, 200, {"type": "object"}),
    ("get", "/api/queue", "visits", "Today's queue, stations and visits in progress", None, 200,
     {"$ref": "#/components/schemas/Console"}),
    ("post", "/api/tickets", "visits", "Issue a ticket (demo; registration comes later)",
     _obj(["visitor_name", "inmate_id"], visitor_name=_STR, inmate_id=_INT,
          relation={"type": "string",
                    "enum": ["parent", "child", "spouse", "sibling", "other", "lawyer"]}),
     201, _obj(["ticket_id", "number", "link"], ticket_id=_INT, number=_INT, link=_STR)),
    ("post", "/api/visits", "visits",
     "Call the next ticket whose family is present to a station (absent ones keep their place)",
     _obj(["station_id"], station_id=_INT), 201, _VISIT),
    ("get", "/api/visits", "visits",
     "Visit records of the officer's facility; query from, to (YYYY-MM-DD, local), inmate, "
     "visitor, station, outcome", None, 200,
     _obj(["visits"], visits={"type": "array", "items": {"type": "object"}})),
    ("get", "/api/visits/{visit_id}", "visits", "One visit record with its timeline", None, 200,
     {"type": "object"}),
    ("post", "/api/visits/{visit_id}/start", "visits",
     "Start the call once the inmate is confirmed at the station",
     _obj(["inmate_confirmed"], inmate_confirmed={"type": "boolean", "enum": [True]},
          allotted_seconds={"type": "integer", "minimum": 10, "maximum": 7200}), 200, _VISIT),
    ("post", "/api/visits/{visit_id}/extend", "visits", "Give a live visit more time",
     _obj(["seconds"], seconds={"type": "integer", "minimum": 1, "maximum": 1800}), 200, _VISIT),
    ("post", "/api/visits/{visit_id}/end", "visits", "End a visit now (or cancel a called one)",
     _obj([], reason={"type": "string", "maxLength": 500}), 200, _VISIT),
    ("post", "/api/call-length", "visits",
     "Fix the length of the calls started from now (minutes), or null for the fair share: the "
     "length that serves everyone waiting before the session closes, within the schedule's "
     "minimum and maximum",
     _obj(["minutes"], minutes={"type": "integer", "minimum": 1, "maximum": 120,
                                "nullable": True}), 200,
     _obj(["call_seconds", "call_length_source"], call_seconds=_INT,
          call_length_source={"type": "string", "enum": ["fair_share", "officer", "default"]},
          fair_share_seconds={"type": "integer", "nullable": True})),
    ("post", "/api/visits/{visit_id}/legal", "monitoring",
     "Mark a visit legal: monitors are cut and its recording so far deleted", None, 200, _VISIT),
    ("post", "/api/visits/{visit_id}/flag", "monitoring",
     "Flag a visit for review (supervisor); the visit's pages are not told",
     _obj(["reason"], reason={"type": "string", "maxLength": 500}), 200, _VISIT),
    ("post", "/api/visits/{visit_id}/recording", "recordings",
     "Start recording a live visit on demand (supervisor; never a legal visit)", None, 200,
     _obj(["visit_id", "recording"], visit_id=_INT, recording={"type": "boolean"})),
    ("get", "/api/recordings", "recordings",
     "Recordings of the supervisor's facility (query visit_id to filter)", None, 200,
     _obj(["recordings"], recordings={"type": "array", "items": {"type": "object"}})),
    ("get", "/api/recordings/{recording_id}/file", "recordings",
     "Play (or with download=1 download) one recording; audited", None, 200,
     {"type": "string", "format": "binary"}),
    ("get", "/api/requests", "verification",
     "Visit requests waiting for verification at the officer's facility", None, 200,
     _obj(["requests"], requests={"type": "array", "items": {"type": "object"}})),
    ("post", "/api/requests/{request_id}/approve", "verification",
     "Approve a request: a ticket joins today's queue and the family's page shows its link",
     None, 200, _obj(["request_id", "state"], request_id=_INT, state=_STR)),
    ("post", "/api/requests/{request_id}/reject", "verification",
     "Reject a request with a reason (and a note, required for 'other')",
     _obj(["reason"], reason={"type": "string", "enum": ["data_mismatch", "not_family",
                                                        "inmate_unavailable", "ktp_unreadable",
                                                        "other"]},
          note={"type": "string", "maxLength": 500}), 200,
     _obj(["request_id", "state"], request_id=_INT, state=_STR)),
    ("post", "/api/facilities/{code}/visitors", "registration",
     "Register a visitor (multipart/form-data: full_name, nik, relation, phone, email, "
     "address, consent=yes, ktp file); 422 names each bad field", None, 201,
     _obj(["visitor_token", "page"], visitor_token=_STR, page=_STR)),
    ("get", "/api/visitors/{token}", "registration",
     "The visitor's own requests and, once approved, their queue room links", None, 200,
     _obj(["full_name", "requests"], full_name=_STR,
          requests={"type": "array", "items": {"type": "object"}})),
    ("get", "/api/visitors/{token}/slots", "registration",
     "The sessions the schedule opens to this visitor for one inmate, named in the query by "
     "reg_number or (where the facility allows it) full_name and block; 409 weekly_limit or "
     "no_session when there is none", None, 200,
     _obj(["slots"], slots={"type": "array", "items": _obj(
         ["key", "day", "session", "label"], key=_STR, day=_STR, session=_STR, start=_STR,
         end=_STR, label=_STR)})),
    ("post", "/api/visitors/{token}/requests", "registration",
     "Ask for a visit: the inmate by reg_number (or full_name and block) and the key of one "
     "of the slots offered ('today' where the facility has no schedule)",
     _obj(["slot"], reg_number=_STR, full_name=_STR, block=_STR, slot=_STR), 201,
     _obj(["request_id", "state"], request_id=_INT, state=_STR)),
    ("get", "/api/facilities/{code}/schedule", "schedule",
     "A facility's public schedule: sessions per weekday, who may visit, rules, holidays", None,
     200, _obj(["facility", "timezone", "week"], facility=_STR, timezone=_STR,
               week={"type": "array", "items": {"type": "object"}},
               rules={"type": "object", "nullable": True})),
    ("post", "/api/facilities/{code}/complaints", "complaints",
     "File a complaint (no account needed); returns its tracking number",
     _obj(["body"], body={"type": "string", "minLength": 10, "maxLength": 2000}, name=_STR,
          contact=_STR, visit_ref=_STR), 201, _obj(["tracking", "state"], tracking=_STR,
                                                 state=_STR)),
    ("get", "/api/facilities/{code}/complaints/{tracking}", "complaints",
     "Read a complaint and its answer by tracking number", None, 200,
     _obj(["tracking", "state"], tracking=_STR, state=_STR, body=_STR, answer=_STR)),
    ("get", "/api/complaints", "complaints", "Complaints filed at the supervisor's facility",
     None, 200, _obj(["complaints"], complaints={"type": "array", "items": {"type": "object"}})),
    ("post", "/api/complaints/{complaint_id}/answer", "complaints",
     "Answer a complaint; the family reads it with its tracking number",
     _obj(["answer"], answer={"type": "string", "maxLength": 2000}), 200,
     _obj(["complaint_id", "state"], complaint_id=_INT, state=_STR)),
    ("post", "/api/visitors/{visitor_id}/bans", "verification",
     "Ban a visitor from one inmate (inmate_id) or the whole facility until a date",
     _obj(["reason", "until"], reason=_STR, until={"type": "string", "format": "date"},
          inmate_id={"type": "integer", "nullable": True}), 201,
     _obj(["ban_id", "until"], ban_id=_INT, until={"type": "number"})),
    ("get", "/api/admin/facility", "admin",
     "The admin's facility settings (the webhook secret only as whether one is set)", None, 200,
     {"type": "object"}),
    ("post", "/api/admin/facility", "admin",
     "Change facility settings: name, address, timezone (Asia/Jakarta, Asia/Makassar, "
     "Asia/Jayapura), complaint_contact, ask_by_name, notify_webhook, notify_secret",
     _obj([], name=_STR, address=_STR, timezone=_STR, complaint_contact=_STR,
          ask_by_name={"type": "boolean"}, notify_webhook=_STR, notify_secret=_STR), 200,
     {"type": "object"}),
    ("post", "/api/admin/schedule", "schedule",
     "Replace the facility's schedule (TOML as in examples/facilities/); 422 with the reason "
     "when it does not read, and the old one stays",
     _obj(["toml"], toml=_STR), 200,
     _obj(["sessions", "visits_per_week"], sessions=_INT, visits_per_week=_INT)),
    ("get", "/api/admin/stations", "admin", "The facility's stations", None, 200,
     _obj(["stations"], stations={"type": "array", "items": {"type": "object"}})),
    ("post", "/api/admin/stations", "admin", "Add a station; returns its kiosk link (once)",
     _obj(["name"], name=_STR), 201,
     _obj(["id", "name", "kiosk_link"], id=_INT, name=_STR, kiosk_link=_STR)),
    ("post", "/api/admin/stations/{station_id}/link", "admin",
     "A new kiosk link for a station; the old one stops working", None, 200,
     _obj(["id", "kiosk_link"], id=_INT, kiosk_link=_STR)),
    ("get", "/api/admin/staff", "admin", "Staff accounts of the facility", None, 200,
     _obj(["staff"], staff={"type": "array", "items": {"type": "object"}})),
    ("post", "/api/admin/staff", "admin",
     "Add a staff account with a role (admin, registration, officer, supervisor)",
     _obj(["username", "full_name", "role", "password"], username=_STR, full_name=_STR,
          role={"type": "string", "enum": ["admin", "registration", "officer", "supervisor"]},
          password={"type": "string", "minLength": 8}), 201,
     _obj(["id", "username", "role"], id=_INT, username=_STR, role=_STR)),
    ("post", "/api/admin/staff/{staff_id}", "admin",
     "Change an account's role, turn it off or on (off ends its sessions), or set a password",
     _obj([], role=_STR, active={"type": "boolean"}, password=_STR), 200,
     _obj(["id", "changed"], id=_INT, changed={"type": "array", "items": _STR})),
    ("post", "/api/admin/inmates", "admin",
     "Import the inmate register (body: text/csv with reg_number, full_name, block, optional "
     "cell, categories, status); 422 with every rejected line and nothing changed", None, 200,
     _obj(["applied", "rejected"], applied={"type": "boolean"},
          rejected={"type": "array", "items": {"type": "object"}})),
    ("get", "/api/admin/coverage", "schedule",
     "Blocks, cells and categories of the register against the schedule: inmates and sessions "
     "per group, groups no session admits, schedule groups no inmate has (null: no schedule)",
     None, 200, _obj(["groups", "unvisitable", "unknown"],
                     groups={"type": "array", "items": {"type": "object"}},
                     unvisitable={"type": "array", "items": _STR},
                     unknown={"type": "array", "items": _STR})),
    ("get", "/api/admin/notifications", "admin",
     "The notification outbox: counts by state (pending, sent, failed) and the latest 20 "
     "messages with their attempts and last error", None, 200,
     _obj(["counts", "latest"], counts={"type": "object"},
          latest={"type": "array", "items": {"type": "object"}})),
    ("get", "/api/reports", "reports",
     "Report for a period: query period (day, week, month) and date (YYYY-MM-DD, local)", None,
     200, _obj(["period", "rows", "per_day"], period=_STR,
               rows={"type": "array", "items": {"type": "object"}},
               per_day={"type": "array", "items": {"type": "array"}})),
    ("get", "/api/reports.csv", "reports", "The same report as CSV (the export is audited)",
     None, 200, {"type": "string"}),
    ("get", "/api/audit", "audit", "The audit log of the facility's staff, and whether its chain "
     "is intact", None, 200,
     _obj(["intact", "events"], intact={"type": "boolean"},
          first_break={"type": "integer", "nullable": True},
          events={"type": "array", "items": {"type": "object"}})),
]


def _operation(tag: str, summary: str, body: dict[str, Any] | None, status: int,
               schema: dict[str, Any], path: str) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": [tag],
        "summary": summary,
        "responses": {
            str(status): {"description": "OK",
                          "content": {"application/json": {"schema": schema}}},
            "default": {"description": "Error, with a message in the user's language",
                        "content": {"application/json": {"schema": _ERROR}}},
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    op["parameters"] = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "string" if name in ("code", "tracking", "token")
                    else "integer"}}
        for name in re.findall(r"{(\w+)}", path)]
    if path.endswith(".csv"):
        op["responses"][str(status)]["content"] = {"text/csv": {"schema": schema}}
    if path.endswith("/file"):
        op["responses"][str(status)]["content"] = {
            "video/webm": {"schema": schema}, "video/x-matroska": {"schema": schema}}
    # The public's endpoints: the facility's, and a visitor's own (the token is the key).
    if path != "/api/login" and not path.startswith(("/api/facilities/",
                                                      "/api/visitors/{token}")):
        op["security"] = [{"session": [], "csrf": []}]
    return op


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, tag, summary, body, status, schema in _OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(tag, summary, body, status, schema, path)
    visit = _obj(
        ["visit_id", "state", "ticket_number", "station_id", "allotted_seconds", "seconds_left"],
        visit_id=_INT, state={"type": "string", "enum": ["called", "live", "ended"]},
        ticket_number=_INT, visitor_name=_STR, inmate_name=_STR, station_id=_INT,
        station_name=_STR, allotted_seconds=_INT, seconds_left=_INT,
        ends_at={"type": "integer", "nullable": True, "description": "epoch milliseconds"},
        legs_lost={"type": "array", "items": _STR},
        outcome={"type": "string", "nullable": True},
        media_mode={"type": "string", "enum": ["forward", "transcode"]},
    )
    return {
        "openapi": "3.0.3",
        "info": {"title": "sambang", "version": "0.1.0",
                 "description": "Officer actions of a sambang facility. Write requests need "
                                "the session cookie and the X-CSRF-Token header."},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sambang_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
            "schemas": {
                "Error": _obj(["error"], error=_obj(["code", "message"], code=_STR,
                                                    message=_STR)),
                "Visit": visit,
                "Console": _obj(["tickets", "stations", "visits"],
                                tickets={"type": "array", "items": {"type": "object"}},
                                stations={"type": "array", "items": {"type": "object"}},
                                visits={"type": "array", "items": visit}),
            },
        },
    }
