"""One approval at a time per facility, so two officers approving at once cannot both take the
last visit of an inmate's week. The lock holds within this server process only; across several
processes the database has to make the weekly-limit check safe."""

from __future__ import annotations

import asyncio


class ApprovalLocks:
    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    def of(self, facility_id: int) -> asyncio.Lock:
        return self._locks.setdefault(facility_id, asyncio.Lock())
