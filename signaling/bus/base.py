"""The bus that carries messages to the pages' WebSockets.

The hub publishes to topics (`ticket:<id>`, `station:<id>`, `console:<facility id>`); each WebSocket
handler subscribes to its own topic. One process uses `InProcessBus`; a deployment of several
server processes will put a Redis implementation of the same interface here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class Subscription(Protocol):
    def cancel(self) -> None: ...


class Bus(Protocol):
    async def publish(self, topic: str, msg: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str, handler: Handler) -> Subscription: ...


class _LocalSubscription:
    def __init__(self, bus: InProcessBus, topic: str, handler: Handler) -> None:
        self._bus = bus
        self._topic = topic
        self._handler = handler

    def cancel(self) -> None:
        self._bus._drop(self._topic, self._handler)


class InProcessBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    async def publish(self, topic: str, msg: dict[str, Any]) -> None:
        for handler in list(self._handlers.get(topic, ())):
            await handler(msg)

    def subscribe(self, topic: str, handler: Handler) -> Subscription:
        self._handlers[topic].append(handler)
        return _LocalSubscription(self, topic, handler)

    def _drop(self, topic: str, handler: Handler) -> None:
        handlers = self._handlers.get(topic)
        if handlers and handler in handlers:
            handlers.remove(handler)
            if not handlers:
                del self._handlers[topic]


def ticket_topic(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def station_topic(station_id: int) -> str:
    return f"station:{station_id}"


def console_topic(facility_id: int) -> str:
    return f"console:{facility_id}"


def escort_topic(facility_id: int) -> str:
    """The block officers' pages and loudspeakers of one facility."""
    return f"escort:{facility_id}"
