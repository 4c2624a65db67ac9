"""Typed messages of the page WebSockets (documented in docs/protocol.md).

Incoming text is parsed here and nowhere else; anything malformed raises `ProtocolError`, and the
caller closes that one connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BYTES = 64 * 1024  # an SDP offer from a browser is a few kB
MAX_SDP_CHARS = 32 * 1024


class ProtocolError(ValueError):
    pass


@dataclass(frozen=True)
class Offer:
    sdp: str


@dataclass(frozen=True)
class Ping:
    pass


ClientMessage = Offer | Ping


def parse_client_message(text: str) -> ClientMessage:
    if len(text) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message too large")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ProtocolError("a message is a JSON object")
    kind = data.get("type")
    if kind == "ping":
        return Ping()
    if kind == "offer":
        sdp = data.get("sdp")
        if not isinstance(sdp, str) or not sdp.startswith("v=0") or len(sdp) > MAX_SDP_CHARS:
            raise ProtocolError("offer needs an SDP string starting with v=0")
        return Offer(sdp=sdp)
    raise ProtocolError(f"unknown message type {kind!r}")


def message(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **fields}
