"""The asyncio driver of one facility's live day: it hands each command to the pure
`FacilityState` and has the actions it returns carried out (signaling/effects.py: the records,
the relay, the views on the bus) in the order below. This module owns when; effects own how.

What is ordered, and why. A command changes the state in one synchronous step: nothing else runs
in between, so two officers calling at once never pick the same family, and no lock is held while
the database or the relay is awaited for it. What must keep its order is the effects of one visit:
its rows are written called -> started -> extended -> ended, and its relay session is opened
before it is recorded, made private or closed. So each visit has its own lock, taken straight after
its command is decided (before any await, so effects run in the order the state decided them) and
held while they are carried out. A slow relay then holds up only its own visit, never the queue or
the other stations. Publishing needs no order of its own: every view is built from the state as it
is when it is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from signaling import actions as act
from signaling import commands as c
from signaling import views
from signaling.bus.base import Bus
from signaling.effects import Effects, deadline_ms
from signaling.facility import FacilityState
from signaling.floor import FloorCommand
from signaling.lifecycle import VisitState
from signaling.offer_check import MAX_LEG_MEDIA, MAX_MONITOR_MEDIA, refuse_bad_offer
from signaling.ports import (
    HubError,
    Records,
    RelayClient,
    SessionClosed,
    TurnNear,
)
from signaling.queue import TicketState
from signaling.records import TicketInfo, VisitInfo
from signaling.schedule import Schedule

log = logging.getLogger(__name__)

# A live visit's pages hear the deadline again this often (server clock), so a page whose clock
# drifts, slept, or missed a message catches up.
TIME_SYNC_SECONDS = 15.0
# A live visit's row hears it still runs this often, so a restart after a crash knows its end.
ALIVE_SECONDS = 5.0


class FacilityHub:
    def __init__(
        self,
        state: FacilityState,
        bus: Bus,
        relay: RelayClient,
        records: Records,
        clock: Callable[[], float],
        recordings_dir: Path | None = None,
        on_turn_near: TurnNear | None = None,
    ) -> None:
        self.state = state
        self._relay = relay
        self._records = records
        self._clock = clock
        self._recordings_dir = recordings_dir
        self._visit_order: dict[int, asyncio.Lock] = {}
        self._effects = Effects(state, bus, relay, records, clock, self._run, recordings_dir,
                                on_turn_near)
        # Held while tickets are loaded from the database or cancelled, so a ticket cancelled
        # meanwhile is never put back by a load that read it a moment before.
        self.tickets_lock = asyncio.Lock()

    # What callers read and set --------------------------------------------------------------

    @property
    def facility_id(self) -> int:
        return self.state.facility_id

    @property
    def facility_name(self) -> str:
        return self.state.facility_name

    @facility_name.setter
    def facility_name(self, name: str) -> None:
        self.state.facility_name = name

    @property
    def tickets(self) -> dict[int, TicketInfo]:
        return self.state.tickets

    @property
    def schedule(self) -> Schedule | None:
        return self.state.schedule

    @schedule.setter
    def schedule(self, schedule: Schedule | None) -> None:
        self.state.schedule = schedule

    @property
    def recording(self) -> str:
        return self.state.recording

    @recording.setter
    def recording(self, mode: str) -> None:
        self.state.recording = mode

    @property
    def reconnect_grace(self) -> int:
        return self.state.reconnect_grace

    @reconnect_grace.setter
    def reconnect_grace(self, seconds: int) -> None:
        self.state.reconnect_grace = seconds

    def set_timezone(self, timezone: str) -> None:
        self.state.timezone = timezone

    # Loading and presence -------------------------------------------------------------------

    def add_station(self, station_id: int, name: str) -> None:
        self.state.handle(c.AddStation(station_id, name), self._clock())

    def add_ticket(self, info: TicketInfo, state: TicketState = TicketState.WAITING) -> None:
        self.state.handle(c.AddTicket(info, state), self._clock())

    async def close_day(self, today: str) -> None:
        """Drop earlier days' tickets; those never called become no-shows."""
        await self._run(c.CloseDay(today))

    async def ticket_cancelled(self, ticket_id: int) -> bool:
        """Take a waiting ticket out of the queue (its visitor was banned) and tell its open
        page; False when it is not waiting here."""
        async with self.tickets_lock:
            actions = self.state.handle(c.CancelTicket(ticket_id), self._clock())
        await self._effects.carry_out(actions)
        return bool(actions)

    async def ticket_added(self, info: TicketInfo) -> None:
        await self._run(c.AddTicket(info, announce=True))

    async def family_joined(self, ticket_id: int) -> None:
        await self._run(c.FamilyJoined(ticket_id))

    async def family_left(self, ticket_id: int) -> None:
        await self._run(c.FamilyLeft(ticket_id))

    async def station_joined(self, station_id: int) -> None:
        await self._run(c.StationJoined(station_id))

    async def station_left(self, station_id: int) -> None:
        await self._run(c.StationLeft(station_id))

    async def set_call_override(self, seconds: int | None, day: str | None = None) -> None:
        """An officer fixes the call length for the calls started from now, for the rest of
        `day` (None: back to the fair share)."""
        await self._run(c.SetCallOverride(seconds, day))

    # Officer actions ------------------------------------------------------------------------

    async def call(self, station_id: int, officer_id: int, actor: str = "system") -> VisitInfo:
        """Call the next ticket whose family is in the queue room to this station."""
        actions = self.state.handle(c.CallNext(station_id, officer_id, actor), self._clock())
        await self._effects.carry_out(actions)
        info = next(a.info for a in actions if isinstance(a, act.InsertVisit))
        log.info("visit %s: ticket %s called to %s", info.visit.visit_id, info.ticket.number,
                 info.station.name)
        return info

    async def start(self, visit_id: int, allotted_seconds: int | None = None,
                    actor: str = "system") -> VisitInfo:
        info = self.state.visit(visit_id)
        # Room on a relay is held before anything changes: when none has room the officer is
        # told, and the visit stays called, its family waiting, as if nothing was pressed.
        fresh = info.visit.state is VisitState.CALLED
        if fresh and not self._relay.reserve(visit_id):
            raise HubError("relay_full")
        try:
            await self._run(c.StartVisit(visit_id, allotted_seconds, actor), visit_id)
        except BaseException:
            if fresh and info.visit.state is VisitState.CALLED:  # refused: give the room back
                await self._relay.close(visit_id)
            raise
        return info

    async def extend(self, visit_id: int, seconds: int, actor: str = "system") -> VisitInfo:
        info = self.state.visit(visit_id)
        await self._run(c.ExtendVisit(visit_id, seconds, actor), visit_id)
        return info

    async def end(self, visit_id: int, reason: str, actor: str = "system") -> VisitInfo:
        info = self.state.visit(visit_id)
        await self._run(c.EndVisit(visit_id, reason, actor), visit_id)
        return info

    async def floor_step(self, command: FloorCommand) -> None:  # the way to a station and back
        await self._run(command, command.visit_id)

    async def tick(self) -> None:
        for visit_id in list(self.state.visits):
            lock = self._visit_order.get(visit_id)
            if lock is not None and lock.locked():
                continue  # its effects are still running; the next tick catches up
            await self._run(c.TickVisit(visit_id), visit_id)
            await self._sync_time(visit_id)
            await self._still_alive(visit_id)
        await self._run(c.ExpireSkipped())

    async def _still_alive(self, visit_id: int) -> None:
        info = self.state.visits.get(visit_id)
        if info is None or info.visit.state is not VisitState.LIVE:
            return
        now = self._clock()
        if 0 <= now - info.alive_at < ALIVE_SECONDS:
            return
        info.alive_at = now
        await self._records.visit_alive(info.visit, now)

    async def _sync_time(self, visit_id: int) -> None:
        info = self.state.visits.get(visit_id)
        if info is None or info.visit.state is not VisitState.LIVE or info.visit.paused:
            return
        now = self._clock()
        if 0 <= now - info.synced_at < TIME_SYNC_SECONDS:
            return  # a server clock that jumps (or goes back) is told at once
        info.synced_at = now
        ends_at, server_now = deadline_ms(info, self._clock())
        left = max(0, round((ends_at - server_now) / 1000))
        view = views.TimeView(visit_id, left, ends_at, server_now)
        await self._effects.publish_both(info, view.to_message())

    async def run_ticks(self, interval: float) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # one bad tick must not stop every deadline of the facility
                log.exception("tick failed")
            await asyncio.sleep(interval)

    # Media signaling ------------------------------------------------------------------------

    async def offer(self, side: str, owner_id: int, sdp: str) -> str:
        """Answer a page's offer for its live visit (checked first); `owner_id`: ticket/station."""
        visit_id = self.state.live_visit_of(side, owner_id).visit.visit_id
        refuse_bad_offer(sdp, MAX_LEG_MEDIA)
        try:
            answer, media_mode = await self._relay.answer(visit_id, side, sdp)
        except SessionClosed:
            raise HubError("not_live") from None
        await self._run(c.MediaAnswered(visit_id, side, media_mode), visit_id)
        return answer

    async def step_out(self, side: str, owner_id: int) -> None:
        """A page leaves its call on purpose; the visit and its clock go on."""
        visit_id = self.state.live_visit_of(side, owner_id).visit.visit_id
        await self._run(c.StepOut(side, owner_id), visit_id)

    async def monitor(self, visit_id: int, monitor_id: str, sdp: str) -> str:
        """Answer a supervisor's silent monitor. Legal visits are never monitored."""
        self.state.monitorable(visit_id)
        refuse_bad_offer(sdp, MAX_MONITOR_MEDIA)
        try:
            return await self._relay.monitor(visit_id, monitor_id, sdp)
        except SessionClosed:
            raise HubError("not_live") from None

    async def unmonitor(self, visit_id: int, monitor_id: str) -> None:
        if visit_id in self.state.visits:
            await self._relay.unmonitor(visit_id, monitor_id)

    async def mark_legal(self, visit_id: int, actor: str) -> VisitInfo:
        """From now on the visit is legal: monitors are cut, the recording so far destroyed."""
        info = self.state.visit(visit_id)
        await self._run(c.MarkLegal(visit_id, actor), visit_id)
        return info

    async def flag(self, visit_id: int, actor: str, reason: str) -> VisitInfo:
        """A supervisor marks the visit for review; nobody in the visit is told."""
        info = self.state.visit(visit_id)
        await self._run(c.FlagVisit(visit_id, actor, reason), visit_id)
        return info

    async def record(self, visit_id: int) -> None:
        """Start recording a live visit on a supervisor's demand. Legal visits never are."""
        actions = self.state.handle(c.RecordVisit(visit_id), self._clock())
        if self._recordings_dir is None:
            raise HubError("not_live")
        async with self._order(visit_id):
            await self._effects.carry_out(actions)

    # Views ----------------------------------------------------------------------------------

    def family_view(self, ticket_id: int) -> dict[str, Any]:
        return views.family_view(self.state, ticket_id, self._clock()).to_message()

    def snapshot(self) -> dict[str, Any]:
        return views.console_view(self.state, self._clock()).to_message()

    def visit_summary(self, info: VisitInfo) -> dict[str, Any]:
        return views.visit_summary(self.state, info, self._clock()).to_dict()

    async def broadcast(self) -> None:
        """Each family present gets its own place in the queue, nothing about anyone else."""
        await self._effects.broadcast()

    # Ordering -------------------------------------------------------------------------------

    def _order(self, visit_id: int) -> asyncio.Lock:
        return self._visit_order.setdefault(visit_id, asyncio.Lock())

    async def _run(self, command: c.Command, visit_id: int | None = None) -> None:
        actions = self.state.handle(command, self._clock())
        if visit_id is None:
            await self._effects.carry_out(actions)
            return
        # Taken before anything is awaited: this visit's effects keep the order decided.
        async with self._order(visit_id):
            await self._effects.carry_out(actions)
        if visit_id not in self.state.visits:
            self._visit_order.pop(visit_id, None)
