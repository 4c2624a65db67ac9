"""Whether each leg's media still comes in: the relay's side of "the clock stops while a line is
down". ICE consent takes half a minute to call a dead line failed; a browser sends audio every
20 ms even when muted, so a few seconds with no frame at all means the line is down now.

`MediaWatch.observe` is the pure rule (counts in, state changes out); `watch` polls a session.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from signaling.ports import MEDIA_SILENT_AFTER, LegStateCallback

POLL_SECONDS = 0.25
SIDES = ("family", "station")


@dataclass
class MediaWatch:
    silent_after: float = MEDIA_SILENT_AFTER
    _count: dict[str, int] = field(default_factory=dict)
    _last_seen: dict[str, float] = field(default_factory=dict)
    _state: dict[str, str] = field(default_factory=dict)  # "flowing" or "silent"

    def observe(self, side: str, count: int, now: float) -> str | None:
        """The side's frame count now; returns "flowing" or "silent" when that changes. A leg
        is called silent only after it flowed: one that never connected is not a cut line."""
        before = self._count.get(side, 0)
        self._count[side] = count
        if count > before:
            self._last_seen[side] = now
            if self._state.get(side) != "flowing":
                self._state[side] = "flowing"
                return "flowing"
            return None
        # A count that went down is a new leg (the page offered again): not media yet.
        seen = self._last_seen.get(side)
        if (self._state.get(side) == "flowing" and seen is not None
                and now - seen >= self.silent_after):
            self._state[side] = "silent"
            return "silent"
        return None


async def watch(frames_in: Callable[[str], dict[str, int]], report: LegStateCallback,
                closed: Callable[[], bool], interval: float = POLL_SECONDS) -> None:
    """Poll a relay session's frame counts until it closes, reporting each change."""
    rule = MediaWatch()
    while not closed():
        now = time.monotonic()
        for side in SIDES:
            change = rule.observe(side, sum(frames_in(side).values()), now)
            if change is not None:
                report(side, change)
        await asyncio.sleep(interval)
