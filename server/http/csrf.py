"""One defence against other sites posting on a user's behalf: every state-changing request
carries a token that only a page of ours could have read, compared in constant time.

Where the token comes from depends on who asks, not on the handler:
- staff: the token bound to their server-side session (returned at login, put in pages),
  sent as the `X-CSRF-Token` header by scripts or the `csrf_token` field by forms;
- anyone without a session (the login form, the families' forms): a double-submit token, a
  random value set both in a SameSite=Strict cookie and in the form."""

from __future__ import annotations

import hmac

from aiohttp import web

FORM_COOKIE = "sambang_form"
HEADER = "X-CSRF-Token"


def matches(sent: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def header_matches(request: web.Request, session_token: str) -> bool:
    """A staff script's write: the session's token in the header."""
    return matches(request.headers.get(HEADER, ""), session_token)


def set_form_cookie(response: web.StreamResponse, token: str) -> None:
    """The cookie half of a double-submit token; the form carries the other."""
    response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="Strict", path="/")


def form_token_ok(request: web.Request, sent: str) -> bool:
    """An anonymous form's write: the field and the cookie agree."""
    return matches(sent, request.cookies.get(FORM_COOKIE, ""))
