"""TURN credentials for a visit, in the TURN REST scheme coturn checks with `use-auth-secret`:
the username is `<expiry>:visit-<id>` and the password is base64(HMAC-SHA1(secret, username)).

coturn needs no call to the server: it recomputes the password from the username and the secret
it shares with us, and refuses a username whose expiry has passed. So a credential handed to a
family's page works for its visit's length plus a margin and is useless afterwards, and changing
the visit in the username (to borrow another visit's relay) breaks the password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Past the deadline, a credential still works this long: a visit extended while a page had not yet
# heard the new `live` keeps its relay, and the TURN allocation's own refreshes (every few
# minutes) do not fail in the last minutes of a call.
MARGIN_SECONDS = 600

SCHEMES = ("turn:", "turns:", "stun:")


class TurnSettingsError(ValueError):
    """SAMBANG_TURN_URLS or SAMBANG_TURN_SECRET cannot be used; the message names which."""


@dataclass(frozen=True)
class TurnSettings:
    urls: tuple[str, ...] = ()
    secret: str = field(default="", repr=False)  # coturn's static-auth-secret; never logged

    @property
    def enabled(self) -> bool:
        return bool(self.urls)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> TurnSettings:
        """From SAMBANG_TURN_URLS (comma or space separated) and SAMBANG_TURN_SECRET."""
        settings = cls(urls=parse_urls(env.get("SAMBANG_TURN_URLS", "")),
                       secret=env.get("SAMBANG_TURN_SECRET", ""))
        settings.check()
        return settings

    def check(self) -> None:
        turn_urls = [u for u in self.urls if not u.startswith("stun:")]
        if turn_urls and not self.secret:
            raise TurnSettingsError("SAMBANG_TURN_SECRET is needed with TURN URLs in "
                                    "SAMBANG_TURN_URLS (coturn's static-auth-secret)")
        if self.secret and not turn_urls:
            raise TurnSettingsError("SAMBANG_TURN_SECRET is set but SAMBANG_TURN_URLS has no "
                                    "turn: or turns: URL")


def parse_urls(text: str) -> tuple[str, ...]:
    urls = tuple(u for u in text.replace(",", " ").split() if u)
    for url in urls:
        if not url.startswith(SCHEMES) or len(url) <= len(url.split(":", 1)[0]) + 1:
            raise TurnSettingsError(
                f"SAMBANG_TURN_URLS: {url!r} is not a turn:, turns: or stun: URL "
                "(for example turns:turn.example.id:443?transport=tcp)")
    return urls


def username(visit_id: int, expires: int) -> str:
    return f"{expires}:visit-{visit_id}"


def password(secret: str, user: str) -> str:
    digest = hmac.new(secret.encode(), user.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def credentials(secret: str, visit_id: int, valid_until: float) -> tuple[str, str]:
    """(username, password) for one visit, refused by coturn after `valid_until` + the margin."""
    user = username(visit_id, int(valid_until) + MARGIN_SECONDS)
    return user, password(secret, user)


def ice_servers(settings: TurnSettings, visit_id: int, valid_until: float) -> list[dict[str, Any]]:
    """What a page passes to `new RTCPeerConnection({iceServers})`; empty without TURN."""
    if not settings.enabled:
        return []
    if not settings.secret:  # STUN only: nothing to sign
        return [{"urls": list(settings.urls)}]
    user, secret = credentials(settings.secret, visit_id, valid_until)
    return [{"urls": list(settings.urls), "username": user, "credential": secret}]


def relay_url(urls: tuple[str, ...]) -> str | None:
    """The one TURN URL the server's relay uses (aiortc takes a single one): plain UDP first,
    since the relay sits on a network that lets UDP through, else the first TURN URL."""
    turn = [u for u in urls if u.startswith(("turn:", "turns:"))]
    plain_udp = [u for u in turn if u.startswith("turn:") and "transport=tcp" not in u]
    chosen = plain_udp or turn
    return chosen[0] if chosen else None
