"""Carrying out what the facility's pure state decided: each action it returns is done here
against the ports (records, relay) and the bus, in the order given.

The seam with the driver (signaling/hub.py): the driver decides *when* a command runs and under
which visit's lock; this module only knows *how* an action is done. It never orders anything
itself: what follows from an effect (the visit's row has its id, a leg's media stopped) goes back
through the driver as a new command, so it takes its turn like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from signaling import actions as act
from signaling import commands as c
from signaling import views
from signaling.bus.base import Bus, console_topic, escort_topic, station_topic, ticket_topic
from signaling.facility import FacilityState
from signaling.ports import (
    MEDIA_SILENT_AFTER,
    HubError,
    LegStateCallback,
    Records,
    RelayClient,
    TurnNear,
)
from signaling.records import VisitInfo

log = logging.getLogger(__name__)

# The driver's way in for a command that follows from an effect, under the visit's lock if any.
Drive = Callable[[c.Command, int | None], Coroutine[Any, Any, None]]


def deadline_ms(info: VisitInfo, now: float) -> tuple[int, int]:
    """What a page counts down from: `ends_at - server_now` is the time left by the server's
    clock, whatever the page's own clock says. `now` is read as the message is made, not at the
    start of the tick: a slow database write before it would make every page late."""
    assert info.visit.deadline is not None
    return int(info.visit.deadline * 1000), int(now * 1000)


class Effects:
    def __init__(
        self,
        state: FacilityState,
        bus: Bus,
        relay: RelayClient,
        records: Records,
        clock: Callable[[], float],
        drive: Drive,
        recordings_dir: Path | None = None,
        on_turn_near: TurnNear | None = None,
    ) -> None:
        self.state = state
        self._bus = bus
        self._relay = relay
        self._records = records
        self._clock = clock
        self._drive = drive
        self._recordings_dir = recordings_dir
        self._on_turn_near = on_turn_near
        self._side_tasks: set[asyncio.Task[None]] = set()

    async def carry_out(self, actions: list[act.Action]) -> None:
        for action in actions:
            await self._do(action)

    async def broadcast(self) -> None:
        """Each family present gets its own place in the queue, nothing about anyone else."""
        now = self._clock()
        turn_near = self.state.handle(c.Refresh(), now)
        for ticket_id in list(self.state.presence):
            with contextlib.suppress(KeyError):
                view = views.family_view(self.state, ticket_id, self._clock())
                await self._bus.publish(ticket_topic(ticket_id), view.to_message())
        await self.publish_console()
        await self.carry_out(turn_near)

    async def _do(self, action: act.Action) -> None:
        records, relay, facility_id = self._records, self._relay, self.state.facility_id
        match action:
            case act.InsertVisit(info=info):
                await self._insert_visit(info)
            case act.WriteTicketState(ticket_id=ticket_id, state=state):
                await records.ticket_state(ticket_id, state)
            case act.WriteTicketFirst(ticket_id=ticket_id):
                await records.ticket_first(ticket_id)
            case act.GrantMakeup(visit_id=visit_id, seconds=seconds, reason=reason, actor=actor):
                await records.grant_makeup(visit_id, seconds, reason, actor)
            case act.WriteVisitEvent(visit_id=visit_id, at=at, kind=kind, actor=actor,
                                   detail=detail):
                await records.visit_event(visit_id, at, kind, actor, detail)
            case act.WriteVisitStarted(visit=visit):
                await records.visit_started(visit)
            case act.WriteVisitFinished(visit=visit):
                await records.visit_finished(visit)
            case act.WriteMediaMode(visit_id=visit_id, mode=mode):
                await records.visit_media_mode(visit_id, mode)
            case act.OpenRelay(info=info):
                await relay.open(info.visit.visit_id, self._leg_watcher(info.visit.visit_id))
            case act.CloseRelay(visit=visit):
                try:
                    files = await relay.close(visit.visit_id)
                except Exception:  # a dead relay carries no media: the visit ends anyway
                    log.exception("visit %s: the relay could not be closed", visit.visit_id)
                    files = []
                if files:
                    await records.recordings_saved(visit, facility_id, files)
            case act.StartRecording(info=info):
                await self._start_recording(info)
            case act.MakePrivate(visit_id=visit_id):
                await relay.make_private(visit_id)
            case act.PublishVisit(info=info):
                seen = views.visit_view(info, self._clock(), self.state.turn)
                await self.publish_both(info, seen.to_message())
            case act.PublishWarning(info=info, seconds_left=left):
                ends_at, server_now = deadline_ms(info, self._clock())
                await self.publish_both(info, views.WarningView(
                    info.visit.visit_id, left, ends_at, server_now).to_message())
            case act.PublishCancelled(ticket_id=ticket_id, number=number):
                view = views.cancelled_view(number, self.state.policy.call_seconds)
                await self._bus.publish(ticket_topic(ticket_id), view.to_message())
            case act.PublishLegLost(info=info, side=side):
                log.warning("visit %s: %s leg lost", info.visit.visit_id, side)
                await self._bus.publish(console_topic(facility_id),
                                        views.leg_lost_view(info, side).to_message())
            case act.PublishReconnecting(info=info):
                if info.visit.visit_id in self.state.visits:  # not ended meanwhile
                    await self.publish_both(info, views.reconnecting_view(
                        info, self._clock()).to_message())
            case act.PublishConsole():
                await self.publish_console()
            case act.Broadcast():
                await self.broadcast()
            case act.TellTurnNear(ticket_id=ticket_id):
                if self._on_turn_near is not None:
                    # Sent on the side: a slow gateway never holds up the queue.
                    self._spawn(self._on_turn_near(ticket_id))
            case act.Refused(code=code):
                raise HubError(code)

    async def _insert_visit(self, info: VisitInfo) -> None:
        station_id = info.station.station_id
        try:
            visit_id = await self._records.visit_called(
                info.visit, self.state.facility_id, info.ticket.inmate_id, info.officer_id)
        except BaseException:  # the ticket waits again and the station is free
            self.state.handle(c.CallFailed(station_id), self._clock())
            raise
        await self._drive(c.CallRecorded(station_id, visit_id), visit_id)

    async def _start_recording(self, info: VisitInfo) -> None:
        if self._recordings_dir is None:
            return
        visit_id = info.visit.visit_id
        directory = self._recordings_dir / str(self.state.facility_id)
        await self._relay.record(visit_id, str(directory), f"visit{visit_id}")
        self.state.handle(c.RecordingStarted(visit_id), self._clock())

    def _leg_watcher(self, visit_id: int) -> LegStateCallback:
        def on_leg_state(side: str, state: str) -> None:
            if state in ("failed", "closed"):
                self._spawn(self._drive(c.LegGone(visit_id, side), visit_id))
            elif state == "silent":  # it stopped a few seconds ago, not now
                since = self._clock() - MEDIA_SILENT_AFTER
                self._spawn(self._drive(c.LegGone(visit_id, side, since), visit_id))
            elif state in ("flowing", "connected"):
                # A new leg's connection is up (a page with no camera or microphone sends no
                # media at all, so "connected" is all it can show), or its media is heard again.
                self._spawn(self._drive(c.LegBack(visit_id, side), visit_id))

        return on_leg_state

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
        task.add_done_callback(_log_failure)

    async def publish_both(self, info: VisitInfo, msg: dict[str, Any]) -> None:
        await self._bus.publish(ticket_topic(info.ticket.ticket_id), msg)
        await self._bus.publish(station_topic(info.station.station_id), msg)

    async def publish_console(self) -> None:  # the block officers' picture changes with it
        await self._bus.publish(console_topic(self.state.facility_id),
                                views.console_view(self.state, self._clock()).to_message())
        await self._bus.publish(escort_topic(self.state.facility_id),
                                views.escort_view(self.state, self._clock()).to_message())




def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a side task failed", exc_info=task.exception())
