"""The hub's durable side: visit and ticket rows in the SQL database."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import makeup_rows, recording_rows, ticket_rows, visit_rows
from server.services import makeup
from signaling.lifecycle import Visit
from signaling.queue import TicketState


class SqlRecords:
    def __init__(self, engine: AsyncEngine, data_dir: Path,
                 clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock
        self._data_dir = data_dir.resolve()

    async def visit_called(
        self, visit: Visit, facility_id: int, inmate_id: int, officer_id: int
    ) -> int:
        return await visit_rows.insert_visit(
            self._engine,
            facility_id=facility_id,
            ticket_id=visit.ticket_id,
            inmate_id=inmate_id,
            station_id=visit.station_id,
            officer_id=officer_id,
            called_at=visit.called_at,
        )

    async def visit_started(self, visit: Visit) -> None:
        await visit_rows.update_visit(
            self._engine, visit.visit_id, started_at=visit.started_at,
            allotted_seconds=visit.allotted_seconds,
        )

    async def visit_finished(self, visit: Visit) -> None:
        await visit_rows.update_visit(
            self._engine,
            visit.visit_id,
            ended_at=visit.ended_at,
            allotted_seconds=visit.allotted_seconds,
            actual_seconds=visit.actual_seconds(),
            paused_seconds=round(visit.paused_seconds),
            outcome=visit.outcome.value if visit.outcome else None,
            end_reason=visit.end_reason,
        )

    async def visit_alive(self, visit: Visit, at: float) -> None:
        paused = visit.paused_seconds + (at - visit.paused_at if visit.paused_at else 0.0)
        await visit_rows.update_visit(self._engine, visit.visit_id, alive_at=at,
                                      paused_seconds=round(paused))

    async def visit_media_mode(self, visit_id: int, mode: str) -> None:
        await visit_rows.update_visit(self._engine, visit_id, media_mode=mode)

    async def recordings_saved(self, visit: Visit, facility_id: int,
                               files: list[dict[str, Any]]) -> None:
        for f in files:
            await recording_rows.insert_recording(
                self._engine, facility_id=facility_id, visit_id=visit.visit_id, side=f["side"],
                path=str(Path(f["path"]).relative_to(self._data_dir)),
                sha256=f["sha256"], bytes=f["bytes"], started_at=f["started_at"],
                closed_at=f["closed_at"])

    async def visit_event(self, visit_id: int, at: float, kind: str, actor: str,
                          detail: str = "") -> None:
        await visit_rows.insert_visit_event(self._engine, visit_id=visit_id, at=at, kind=kind,
                                       actor=actor, detail=detail)

    async def ticket_state(self, ticket_id: int, state: TicketState) -> None:
        await ticket_rows.set_ticket_state(self._engine, ticket_id, state.value)

    async def ticket_first(self, ticket_id: int) -> None:
        await makeup_rows.put_first(self._engine, ticket_id)

    async def grant_makeup(self, visit_id: int, seconds: int, reason: str, actor: str) -> None:
        # Without the application there is no hub to hand the ticket to: the services' records
        # (server/services/hubs.py) do that; this one only writes it.
        await makeup.grant(self._engine, visit_id=visit_id, seconds=seconds, reason=reason,
                           by=actor, now=self._clock())
