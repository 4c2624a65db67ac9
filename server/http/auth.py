"""Staff authentication: argon2 password hashes, server-side sessions in a cookie, CSRF tokens."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.db import staff_rows
from server.db.staff_rows import Staff
from server.errors import ApiError
from server.http.csrf import header_matches
from server.http.request_audit import audit
from server.http.staff_sockets import tell_revoked
from server.keys import CLOCK, CONFIG, ENGINE, LIMITS, METRICS, STAFF_SESSION

log = logging.getLogger(__name__)

SESSION_COOKIE = "sambang_session"
ROLES = ("admin", "registration", "officer", "supervisor")
CONSOLE_ROLES = frozenset({"officer", "supervisor", "admin"})
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})  # live wall, recordings, reports, audit

# Parameters only; it holds no state between calls.
_HASHER = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """For the command line; a handler awaits `new_password_hash` instead."""
    return _HASHER.hash(password)


async def new_password_hash(password: str) -> str:
    # Argon2 is meant to cost tens of milliseconds of CPU and 64 MiB: in a thread, so every
    # other page, socket and visit of this process goes on meanwhile.
    return await asyncio.to_thread(_HASHER.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def check_login(request: web.Request, username: str, password: str) -> Staff | None:
    """The staff member these credentials belong to, or None; ApiError 429 while the address
    or the username has failed too often lately (checked first, so it costs no hashing)."""
    engine = request.app[ENGINE]
    windows = request.app[LIMITS].windows
    keys = {"login_address": request.remote or "-", "login_username": username.casefold()}
    if any(windows[kind].full(key, request.app[CLOCK]()) for kind, key in keys.items()):
        request.app[METRICS].throttled_logins.inc()
        minutes = max(1, round(windows["login_username"].seconds / 60))
        raise ApiError("login_throttled", 429, minutes=minutes)
    found = await staff_rows.staff_credentials(engine, username)
    password_hash = found[1] if found else _DUMMY_HASH
    valid = await asyncio.to_thread(_verify, password_hash, password)
    if not valid or found is None or not found[0].active:
        await _login_failed(request, username, keys)
        return None
    staff = found[0]
    if _HASHER.check_needs_rehash(password_hash):
        await staff_rows.set_password_hash(engine, staff.id, await new_password_hash(password))
    return staff


async def _login_failed(request: web.Request, username: str, keys: dict[str, str]) -> None:
    request.app[METRICS].failed_logins.inc()
    now = request.app[CLOCK]()
    for kind, key in keys.items():
        window = request.app[LIMITS].windows[kind]
        window.hit(key, now)
        if window.full(key, now):  # from now on refused unchecked, until the window moves on
            log.warning("logins paused after repeated failures",
                        extra={"limit": kind, "username": username[:64],
                               "address": request.remote or "-"})
    log.info("login failed", extra={"username": username[:64]})
    await audit(request, "login", outcome="denied", actor=username[:64])


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
        if found is not None:  # its open pages close now
            await tell_revoked(request.app, found[0].id)
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
        if not header_matches(request, csrf):
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
