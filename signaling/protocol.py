"""Typed messages of the page WebSockets (documented in docs/protocol.md).

Incoming text is parsed here and nowhere else; anything malformed raises `ProtocolError`, and the
caller closes that one connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BYTES = 64 * 1024  # an SDP offer from a browser is a few kB; larger frames close


class ProtocolError(ValueError):
    pass


@dataclass(frozen=True)
class Offer:
    sdp: str


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class StepOut:
    """The page leaves its call on purpose: its silence is not a line down."""


@dataclass(frozen=True)
class Monitor:
    """A supervisor's receive-only offer to watch and listen to one visit."""

    visit_id: int
    sdp: str


@dataclass(frozen=True)
class Unmonitor:
    visit_id: int


ClientMessage = Offer | Ping | StepOut | Monitor | Unmonitor


def _sdp(data: dict[str, object]) -> str:
    sdp = data.get("sdp")
    # What is inside (and its size) is the offer check's (signaling/offer_check.py), which
    # refuses the offer without closing the page's socket.
    if not isinstance(sdp, str) or not sdp.startswith("v=0"):
        raise ProtocolError("an offer needs an SDP string starting with v=0")
    return sdp


def _visit_id(data: dict[str, object]) -> int:
    visit_id = data.get("visit_id")
    if isinstance(visit_id, bool) or not isinstance(visit_id, int) or visit_id < 1:
        raise ProtocolError("visit_id must be a positive integer")
    return visit_id


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
        return Offer(sdp=_sdp(data))
    if kind == "step_out":
        return StepOut()
    if kind == "monitor":
        return Monitor(visit_id=_visit_id(data), sdp=_sdp(data))
    if kind == "unmonitor":
        return Unmonitor(visit_id=_visit_id(data))
    raise ProtocolError(f"unknown message type {kind!r}")


def message(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **fields}
