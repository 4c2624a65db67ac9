"""Typed application keys: everything the app holds lives under one of these."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING
from weakref import WeakSet

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import Config
from server.db.facility_rows import Facility
from server.db.staff_rows import Staff
from server.http.ratelimit import Limits
from server.http.static_files import StaticFiles
from server.metrics import Metrics
from server.services.posters import PosterCache
from signaling.bus.base import Bus
from signaling.hub import FacilityHub
from signaling.ports import RelayClient

if TYPE_CHECKING:  # the node's module reads the app under these keys
    from server.services.nodes import Node

CONFIG = web.AppKey("config", Config)
CLOCK: web.AppKey[Callable[[], float]] = web.AppKey("clock")
ENGINE = web.AppKey("engine", AsyncEngine)
BUS = web.AppKey("bus", Bus)
RELAY = web.AppKey("relay", RelayClient)
HUBS = web.AppKey("hubs", dict[int, FacilityHub])
FACILITIES = web.AppKey("facilities", dict[int, Facility])


class OpenSockets:
    """Every page socket still open, so shutdown can close them instead of waiting on them."""

    def __init__(self) -> None:
        self.all: WeakSet[web.WebSocketResponse] = WeakSet()


SOCKETS = web.AppKey("sockets", OpenSockets)
STAFF_SESSION: web.RequestKey[tuple[Staff, str] | None] = web.RequestKey("staff_session")


LIMITS = web.AppKey("limits", Limits)
SECRET = web.AppKey("secret", bytes)
# Set when a notification is written, so the outbox sends it now rather than at its next poll.
OUTBOX_WAKE = web.AppKey("outbox_wake", asyncio.Event)
METRICS = web.AppKey("metrics", Metrics)
STATIC = web.AppKey("static", StaticFiles)
POSTERS = web.AppKey("posters", PosterCache)
# This node of the deployment (server/services/nodes.py): its id, Redis, and the others.
NODE: web.AppKey[Node] = web.AppKey("node")
