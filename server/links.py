"""Every link sambang gives out (queue rooms, kiosks, a facility's page and poster, links in
notifications) is built by `link`, from the address families reach the server by.

SAMBANG_PUBLIC_URL names that address. Behind a proxy the request's own host can be an
internal name, and a notification sent from the outbox has no request at all, so the
configured address wins; the asking browser's host is used only when none is configured, as on
a laptop running the demo."""

from __future__ import annotations

from server.config import Config


def link(config: Config, path: str, origin: str | None = None) -> str:
    """An absolute link to `path`: on SAMBANG_PUBLIC_URL when set, else on `origin` (the
    scheme and host a request came by), else on the address the server listens on."""
    base = config.public_url or origin or config.base_url
    return base.rstrip("/") + path


def queue_room(token: str) -> str:
    """The path of a family's queue room, the page a ticket is reached by."""
    return f"/t/{token}"


def station(token: str) -> str:
    """The path of a station's kiosk page; whoever holds it runs that station."""
    return f"/s/{token}"


def facility_page(code: str) -> str:
    """The path of a facility's public page, the one its poster's QR code opens."""
    return f"/f/{code}"
