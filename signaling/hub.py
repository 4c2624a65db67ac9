"""The asyncio driver of one facility's live day: it hands each command to the pure
`FacilityState`, carries out the actions it returns through the ports (records, relay), and
publishes the views on the bus.

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
import contextlib
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from signaling import commands as c
from signaling import views
from signaling.bus.base import Bus, console_topic, station_topic, ticket_topic
from signaling.commands import TicketInfo, VisitInfo
from signaling.facility import FacilityState
from signaling.lifecycle import VisitState
from signaling.offer_check import MAX_LEG_MEDIA, MAX_MONITOR_MEDIA, refuse_bad_offer
from signaling.ports import (
    MEDIA_SILENT_AFTER,
    HubError,
    LegStateCallback,
    Records,
    RelayClient,
    SessionClosed,
    TurnNear,
)
from signaling.queue import TicketState
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
        self._bus = bus
        self._relay = relay
        self._records = records
        self._clock = clock
        self._recordings_dir = recordings_dir
        self._on_turn_near = on_turn_near
        self._visit_order: dict[int, asyncio.Lock] = {}
        self._side_tasks: set[asyncio.Task[None]] = set()
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
        await self._carry_out(actions)
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
        await self._carry_out(actions)
        info = next(a.info for a in actions if isinstance(a, c.InsertVisit))
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

    async def tick(self) -> None:
        for visit_id in list(self.state.visits):
            lock = self._visit_order.get(visit_id)
            if lock is not None and lock.locked():
                continue  # its effects are still running; the next tick catches up
            await self._run(c.TickVisit(visit_id), visit_id)
            await self._sync_time(visit_id)
            await self._still_alive(visit_id)
        await self._run(c.ExpireSkipped())

    def _deadline_ms(self, info: VisitInfo) -> tuple[int, int]:
        """What a page counts down from: `ends_at - server_now` is the time left by the server's
        clock, whatever the page's own clock says. The clock is read as the message is made, not
        at the start of the tick: a slow database write before it would make every page late."""
        assert info.visit.deadline is not None
        return int(info.visit.deadline * 1000), int(self._clock() * 1000)

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
        ends_at, server_now = self._deadline_ms(info)
        left = max(0, round((ends_at - server_now) / 1000))
        await self._publish_both(info, views.TimeView(visit_id, left, ends_at, server_now)
                                 .to_message())

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
            await self._carry_out(actions)

    # Views ----------------------------------------------------------------------------------

    def family_view(self, ticket_id: int) -> dict[str, Any]:
        return views.family_view(self.state, ticket_id, self._clock()).to_message()

    def snapshot(self) -> dict[str, Any]:
        return views.console_view(self.state, self._clock()).to_message()

    def visit_summary(self, info: VisitInfo) -> dict[str, Any]:
        return views.visit_summary(self.state, info, self._clock()).to_dict()

    async def broadcast(self) -> None:
        """Each family present gets its own place in the queue, nothing about anyone else."""
        now = self._clock()
        turn_near = self.state.handle(c.Refresh(), now)
        for ticket_id in list(self.state.presence):
            with contextlib.suppress(KeyError):
                await self._bus.publish(ticket_topic(ticket_id), self.family_view(ticket_id))
        await self._publish_console()
        await self._carry_out(turn_near)

    # Carrying out ---------------------------------------------------------------------------

    def _order(self, visit_id: int) -> asyncio.Lock:
        return self._visit_order.setdefault(visit_id, asyncio.Lock())

    async def _run(self, command: c.Command, visit_id: int | None = None) -> None:
        actions = self.state.handle(command, self._clock())
        if visit_id is None:
            await self._carry_out(actions)
            return
        # Taken before anything is awaited: this visit's effects keep the order decided.
        async with self._order(visit_id):
            await self._carry_out(actions)
        if visit_id not in self.state.visits:
            self._visit_order.pop(visit_id, None)

    async def _carry_out(self, actions: list[c.Action]) -> None:
        for action in actions:
            await self._do(action)

    async def _do(self, action: c.Action) -> None:
        records, relay, facility_id = self._records, self._relay, self.state.facility_id
        match action:
            case c.InsertVisit(info=info):
                await self._insert_visit(info)
            case c.WriteTicketState(ticket_id=ticket_id, state=state):
                await records.ticket_state(ticket_id, state)
            case c.WriteTicketFirst(ticket_id=ticket_id):
                await records.ticket_first(ticket_id)
            case c.GrantMakeup(visit_id=visit_id, seconds=seconds, reason=reason, actor=actor):
                await records.grant_makeup(visit_id, seconds, reason, actor)
            case c.WriteVisitEvent(visit_id=visit_id, at=at, kind=kind, actor=actor,
                                   detail=detail):
                await records.visit_event(visit_id, at, kind, actor, detail)
            case c.WriteVisitStarted(visit=visit):
                await records.visit_started(visit)
            case c.WriteVisitFinished(visit=visit):
                await records.visit_finished(visit)
            case c.WriteMediaMode(visit_id=visit_id, mode=mode):
                await records.visit_media_mode(visit_id, mode)
            case c.OpenRelay(info=info):
                await relay.open(info.visit.visit_id, self._leg_watcher(info.visit.visit_id))
            case c.CloseRelay(visit=visit):
                try:
                    files = await relay.close(visit.visit_id)
                except Exception:  # a dead relay carries no media: the visit ends anyway
                    log.exception("visit %s: the relay could not be closed", visit.visit_id)
                    files = []
                if files:
                    await records.recordings_saved(visit, facility_id, files)
            case c.StartRecording(info=info):
                await self._start_recording(info)
            case c.MakePrivate(visit_id=visit_id):
                await relay.make_private(visit_id)
            case c.PublishVisit(info=info):
                seen = views.visit_view(info, self._clock(), self.state.turn)
                await self._publish_both(info, seen.to_message())
            case c.PublishWarning(info=info, seconds_left=left):
                ends_at, server_now = self._deadline_ms(info)
                await self._publish_both(info, views.WarningView(
                    info.visit.visit_id, left, ends_at, server_now).to_message())
            case c.PublishCancelled(ticket_id=ticket_id, number=number):
                view = views.cancelled_view(number, self.state.policy.call_seconds)
                await self._bus.publish(ticket_topic(ticket_id), view.to_message())
            case c.PublishLegLost(info=info, side=side):
                log.warning("visit %s: %s leg lost", info.visit.visit_id, side)
                await self._bus.publish(console_topic(facility_id),
                                        views.leg_lost_view(info, side).to_message())
            case c.PublishReconnecting(info=info):
                if info.visit.visit_id in self.state.visits:  # not ended meanwhile
                    await self._publish_both(info, views.reconnecting_view(
                        info, self._clock()).to_message())
            case c.PublishConsole():
                await self._publish_console()
            case c.Broadcast():
                await self.broadcast()
            case c.TellTurnNear(ticket_id=ticket_id):
                if self._on_turn_near is not None:
                    # Sent on the side: a slow gateway never holds up the queue.
                    self._spawn(self._on_turn_near(ticket_id))
            case c.Refused(code=code):
                raise HubError(code)

    async def _insert_visit(self, info: VisitInfo) -> None:
        station_id = info.station.station_id
        try:
            visit_id = await self._records.visit_called(
                info.visit, self.state.facility_id, info.ticket.inmate_id, info.officer_id)
        except BaseException:  # the ticket waits again and the station is free
            self.state.handle(c.CallFailed(station_id), self._clock())
            raise
        await self._run(c.CallRecorded(station_id, visit_id), visit_id)

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
                self._spawn(self._run(c.LegGone(visit_id, side), visit_id))
            elif state == "silent":  # it stopped a few seconds ago, not now
                since = self._clock() - MEDIA_SILENT_AFTER
                self._spawn(self._run(c.LegGone(visit_id, side, since), visit_id))
            elif state in ("flowing", "connected"):
                # A new leg's connection is up (a page with no camera or microphone sends no
                # media at all, so "connected" is all it can show), or its media is heard again.
                self._spawn(self._run(c.LegBack(visit_id, side), visit_id))

        return on_leg_state

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
        task.add_done_callback(_log_failure)

    async def _publish_both(self, info: VisitInfo, msg: dict[str, Any]) -> None:
        await self._bus.publish(ticket_topic(info.ticket.ticket_id), msg)
        await self._bus.publish(station_topic(info.station.station_id), msg)

    async def _publish_console(self) -> None:
        await self._bus.publish(console_topic(self.state.facility_id), self.snapshot())


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a side task failed", exc_info=task.exception())
