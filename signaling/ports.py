"""What the live facility day needs from outside, as small protocols it owns: storage (`Records`)
and the media relay (`RelayClient`), with the errors crossing those borders.

`media/` implements `RelayClient` and raises `SessionClosed` and `SdpError`; `server/` implements
`Records`. Neither is imported here, so signaling depends on nothing but itself.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from signaling.lifecycle import Visit
from signaling.queue import TicketState

# Called by the relay, from whichever task noticed, with the leg ("family" or "station") and its
# new connection state ("failed", "closed", ...), or what it hears of the leg's media: "silent"
# (no packet for MEDIA_SILENT_AFTER seconds) and "flowing" (packets again).
LegStateCallback = Callable[[str, str], None]

# How long a leg's media may be quiet before the relay says "silent". Browsers send audio
# packets every 20 ms even when muted, so seconds of nothing means the line is down.
MEDIA_SILENT_AFTER = 2.0

# Tells a family its turn is near (a notification); given the ticket id.
TurnNear = Callable[[int], Coroutine[Any, Any, None]]


class HubError(Exception):
    """An action that cannot be done now. `code` names it for the page and the API, which map it
    to a status and a text in the user's language; the facility knows nothing of HTTP."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SdpError(ValueError):
    """The offer could not be used; only that leg is affected."""


class SessionClosed(RuntimeError):
    """The visit's relay session is gone (ended, or its worker died)."""


@dataclass(frozen=True)
class RelayRoom:
    """What the relay can take now: running workers, the visits they take in all (None: no
    limit) and the visits placed on them."""

    workers: int
    capacity: int | None
    visits: int

    @property
    def full(self) -> bool:
        return self.workers == 0 or (self.capacity is not None and self.visits >= self.capacity)


class RelayClient(Protocol):
    def reserve(self, visit_id: int) -> bool:
        """Hold room for a visit about to start; False when no relay can take it. Given back
        by `close` (also when the visit never opened)."""
        ...

    def room(self) -> RelayRoom: ...

    async def open(self, visit_id: int, on_leg_state: LegStateCallback) -> None: ...

    async def answer(self, visit_id: int, side: str, sdp: str) -> tuple[str, str]:
        """The relay's answer and the visit's media mode ("forward" or "transcode")."""
        ...

    async def close(self, visit_id: int) -> list[dict[str, Any]]:
        """Cut the visit's media; returns its recordings (RecordedFile fields)."""
        ...

    async def record(self, visit_id: int, directory: str, prefix: str) -> None: ...

    async def make_private(self, visit_id: int) -> None:
        """No monitor, no recording from now on, and what was recorded is deleted."""
        ...

    async def monitor(self, visit_id: int, monitor_id: str, sdp: str) -> str:
        """Answer a silent monitor's offer (receive-only: family then station)."""
        ...

    async def unmonitor(self, visit_id: int, monitor_id: str) -> None: ...

    async def stats(self, visit_id: int) -> dict[str, Any]: ...

    async def close_all(self) -> None: ...


class Records(Protocol):
    """Where the hub keeps what must survive a restart."""

    async def visit_called(self, visit: Visit, facility_id: int, inmate_id: int,
                           officer_id: int) -> int: ...

    async def visit_started(self, visit: Visit) -> None: ...

    async def visit_finished(self, visit: Visit) -> None: ...

    async def visit_media_mode(self, visit_id: int, mode: str) -> None: ...

    async def recordings_saved(self, visit: Visit, facility_id: int,
                               files: list[dict[str, Any]]) -> None: ...

    async def visit_event(self, visit_id: int, at: float, kind: str, actor: str,
                          detail: str = "") -> None: ...

    async def ticket_state(self, ticket_id: int, state: TicketState) -> None: ...

    async def visit_alive(self, visit: Visit, at: float) -> None:
        """The visit still ran at `at`: what a restart after a crash takes as its end."""
        ...

    async def ticket_first(self, ticket_id: int) -> None:
        """The ticket waits again, first in its queue."""
        ...

    async def grant_makeup(self, visit_id: int, seconds: int, reason: str, actor: str) -> None:
        """A make-up ticket for the family of `visit_id`, owed `seconds`, at the head of the
        next session's queue (nothing when none is owed)."""
        ...
