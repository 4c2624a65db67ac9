"""Staff authentication: argon2 password hashes, server-side sessions in a cookie, CSRF tokens."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.db import staff_rows
from server.db.staff_rows import Staff
from server.errors import ApiError
from server.http.request_audit import audit
from server.keys import CLOCK, CONFIG, ENGINE, STAFF_SESSION

log = logging.getLogger(__name__)

SESSION_COOKIE = "sambang_session"
LOGIN_CSRF_COOKIE = "sambang_login_csrf"
ROLES = ("admin", "registration", "officer", "supervisor")
CONSOLE_ROLES = frozenset({"officer", "supervisor", "admin"})
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})  # live wall, recordings, reports, audit

# Parameters only; it holds no state between calls.
_HASHER = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


async def check_login(request: web.Request, username: str, password: str) -> Staff | None:
    engine = request.app[ENGINE]
    found = await staff_rows.staff_credentials(engine, username)
    password_hash = found[1] if found else _DUMMY_HASH
    try:
        _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        log.info("login failed", extra={"username": username})
        await audit(request, "login", outcome="denied", actor=username[:64])
        return None
    if found is None or not found[0].active:
        await audit(request, "login", outcome="denied", actor=username[:64])
        return None
    staff = found[0]
    if _HASHER.check_needs_rehash(password_hash):
        await staff_rows.set_password_hash(engine, staff.id, _HASHER.hash(password))
    return staff


async def start_session(request: web.Request, response: web.StreamResponse, staff: Staff) -> str:
    """A new session id at every login; returns the session's CSRF token."""
    config = request.app[CONFIG]
    await audit(request, "login", staff=staff)
    token, csrf = await staff_rows.create_session(
        request.app[ENGINE], staff.id, request.app[CLOCK](), config.session_hours
    )
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="Lax", secure=config.secure_cookies,
        max_age=config.session_hours * 3600, path="/",
    )
    log.info("login", extra={"staff": staff.username})
    return csrf


async def end_session(request: web.Request, response: web.StreamResponse) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        found = await current_staff(request)
        await audit(request, "logout", staff=found[0] if found else None)
        await staff_rows.delete_session(request.app[ENGINE], token)
    response.del_cookie(SESSION_COOKIE, path="/")


async def current_staff(request: web.Request) -> tuple[Staff, str] | None:
    if STAFF_SESSION not in request:
        token = request.cookies.get(SESSION_COOKIE)
        found = None
        if token:
            found = await staff_rows.session_staff(request.app[ENGINE], token, request.app[CLOCK]())
        request[STAFF_SESSION] = found
    return request[STAFF_SESSION]


async def require_staff(request: web.Request, roles: frozenset[str] = CONSOLE_ROLES) -> Staff:
    """The staff member behind this request, allowed one of `roles`; for API handlers."""
    found = await current_staff(request)
    if found is None:
        raise ApiError("login_required", 401)
    staff, csrf = found
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise ApiError("csrf", 403)
    if staff.role not in roles:
        raise ApiError("forbidden", 403)
    return staff


def same_origin(request: web.Request) -> bool:
    """Browsers send Origin on WebSocket handshakes; refuse other sites riding on the cookie."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser (scripts, tests); the cookie or token still decides
    return origin.split("://", 1)[-1] == request.host
