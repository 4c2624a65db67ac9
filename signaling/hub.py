"""The asyncio driver of one facility: it owns the queue and the visits (pure objects), carries
out the actions they return, and tells every page what changed through the bus.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from media.pool import RelayClient
from media.relay import SessionClosed
from signaling.bus import Bus, console_topic, station_topic, ticket_topic
from signaling.lifecycle import (
    Action,
    CutMedia,
    DeadlineMoved,
    End,
    Extend,
    Finished,
    IllegalTransition,
    OpenMedia,
    Start,
    Tick,
    Visit,
    VisitState,
    Warn,
)
from signaling.protocol import message
from signaling.queue import QueuePolicy, QueueTicket, TicketState, VisitQueue
from signaling.schedule import (
    Schedule,
    current_session,
    fair_share_minutes,
    minutes_until_close,
    servable,
)

log = logging.getLogger(__name__)

TURN_NEAR_POSITION = 2  # a family is told its turn is near when this close to the front
# A live visit's pages hear the deadline again this often (server clock), so a page whose clock
# drifts, slept, or missed a message catches up; a server clock that jumps is told at once.
TIME_SYNC_SECONDS = 15.0


class HubError(Exception):
    """An officer action that cannot be done now; `code` names it for the page and the API."""

    def __init__(self, code: str, status: int = 409) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


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


@dataclass
class TicketInfo:
    ticket_id: int
    number: int
    visitor_name: str
    relation: str
    inmate_id: int
    inmate_name: str
    day: str = ""  # the facility's local date the ticket is for


@dataclass
class StationInfo:
    station_id: int
    name: str
    visit_id: int | None = None
    pages: int = 0  # station pages connected now


@dataclass
class VisitInfo:
    visit: Visit
    ticket: TicketInfo
    station: StationInfo
    officer_id: int
    legs_lost: set[str] = field(default_factory=set)
    media_mode: str = "forward"
    recording: bool = False
    marked_legal: bool = False
    synced_at: float = 0.0  # server time of the last `time` message to its pages

    @property
    def legal(self) -> bool:
        # A lawyer's visit, or one an officer marks, is privileged: never monitored or recorded.
        return self.marked_legal or self.ticket.relation == "lawyer"


class FacilityHub:
    def __init__(
        self,
        facility_id: int,
        facility_name: str,
        policy: QueuePolicy,
        bus: Bus,
        relay: RelayClient,
        records: Records,
        clock: Callable[[], float],
        recording: str = "off",
        recordings_dir: Path | None = None,
        schedule: Schedule | None = None,
        timezone: str = "Asia/Jakarta",
        on_turn_near: Callable[[int], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self.facility_id = facility_id
        self.facility_name = facility_name
        self.policy = policy
        self.queue = VisitQueue(policy)
        self.tickets: dict[int, TicketInfo] = {}
        self.stations: dict[int, StationInfo] = {}
        self.visits: dict[int, VisitInfo] = {}
        self._presence: dict[int, int] = {}
        self._bus = bus
        self._relay = relay
        self._records = records
        self._clock = clock
        self._lock = asyncio.Lock()
        self.recording = recording  # off, all, on_demand
        self._recordings_dir = recordings_dir
        self.schedule = schedule
        self._timezone = timezone
        self._default_call_seconds = policy.call_seconds
        self.call_override: int | None = None  # an officer's choice beats the fair share
        self.override_day: str | None = None  # the local day it was chosen for
        self.call_length_source = "default"
        self._on_turn_near = on_turn_near
        self._told_turn_near: set[int] = set()
        self._side_tasks: set[asyncio.Task[None]] = set()
        # Held while tickets are loaded from the database or cancelled, so a ticket cancelled
        # meanwhile is never put back by a load that read it a moment before.
        self.tickets_lock = asyncio.Lock()
        self.approvals_lock = asyncio.Lock()  # see server/verification.py approve_request

    # Loading and presence ----------------------------------------------------------------

    def add_station(self, station_id: int, name: str) -> None:
        self.stations[station_id] = StationInfo(station_id, name)

    def add_ticket(self, info: TicketInfo, state: TicketState = TicketState.WAITING) -> None:
        if info.ticket_id in self.tickets:  # loaded twice: keep its place and presence
            return
        self.tickets[info.ticket_id] = info
        self.queue.add(QueueTicket(info.ticket_id, info.number, state=state))

    async def close_day(self, today: str) -> list[int]:
        """Drop the tickets of earlier days still waiting (their session is over); returns
        them, so their rows can say no-show. Finished ones go too; a visit still running past
        midnight keeps its ticket until it ends."""
        dropped = []
        for ticket_id, info in list(self.tickets.items()):
            if info.day >= today or self._visit_of_ticket(ticket_id) is not None:
                continue
            if self.queue.get(ticket_id).state is TicketState.WAITING:
                dropped.append(ticket_id)
            self.queue.remove(ticket_id)
            del self.tickets[ticket_id]
            self._told_turn_near.discard(ticket_id)
        if dropped:
            await self.broadcast()
        return dropped

    async def ticket_cancelled(self, ticket_id: int) -> bool:
        """Take a waiting ticket out of the queue (its visitor was banned) and tell its open
        page; False when it is not waiting here."""
        async with self.tickets_lock:
            if ticket_id not in self.tickets or self._visit_of_ticket(ticket_id) is not None:
                return False
            qt = self.queue.get(ticket_id)
            if qt.state is not TicketState.WAITING:
                return False
            self.queue.remove(ticket_id)
            del self.tickets[ticket_id]
        await self._bus.publish(ticket_topic(ticket_id), message(
            "queue", number=qt.number, state="cancelled", position=None, eta_seconds=None,
            call_seconds=self.policy.call_seconds))
        await self.broadcast()
        return True

    async def ticket_added(self, info: TicketInfo) -> None:
        self.add_ticket(info)
        await self.broadcast()

    async def family_joined(self, ticket_id: int) -> None:
        self._presence[ticket_id] = self._presence.get(ticket_id, 0) + 1
        self.queue.set_present(ticket_id, True)
        await self.broadcast()
        active = self._visit_of_ticket(ticket_id)
        if active is not None:  # a page reopened during its visit picks up where it was
            await self._bus.publish(ticket_topic(ticket_id), self._visit_message(active))

    async def family_left(self, ticket_id: int) -> None:
        left = self._presence.get(ticket_id, 1) - 1
        if left > 0:
            self._presence[ticket_id] = left
            return
        self._presence.pop(ticket_id, None)
        if ticket_id not in self.tickets:  # cancelled while its page was open
            return
        self.queue.set_present(ticket_id, False)
        active = self._visit_of_ticket(ticket_id)
        if active is not None and active.visit.state is VisitState.LIVE:
            await self._leg_lost(active, "family")
        await self.broadcast()

    async def station_joined(self, station_id: int) -> None:
        station = self.stations[station_id]
        station.pages += 1
        if station.visit_id is not None:
            await self._bus.publish(
                station_topic(station_id), self._visit_message(self.visits[station.visit_id])
            )
        await self.broadcast()

    async def station_left(self, station_id: int) -> None:
        station = self.stations[station_id]
        station.pages = max(0, station.pages - 1)
        if station.pages == 0 and station.visit_id is not None:
            info = self.visits[station.visit_id]
            if info.visit.state is VisitState.LIVE:
                await self._leg_lost(info, "station")
        await self.broadcast()

    # Call length ------------------------------------------------------------------------

    def _session_load(self) -> tuple[Schedule, int, float] | None:
        """Today's schedule with the stations in use, how many are still to be served, and the
        minutes until the session closes; None without a session today."""
        if self.schedule is None:
            return None
        now = self._local_now()
        session = current_session(self.schedule, now)
        if session is None:
            return None
        # Called visits not yet started are still to be served at the length decided now.
        waiting = len(self.queue.waiting()) + sum(
            1 for v in self.visits.values() if v.visit.state is VisitState.CALLED)
        # Today's stations, not the schedule's count: a kiosk that is off serves nobody.
        stations = max(1, len(self._serving_stations()))
        schedule = replace(self.schedule, stations=stations)
        return schedule, waiting, minutes_until_close(session, now)

    def fair_share_seconds(self) -> int | None:
        """Rutan Pekalongan's rule: the length that serves everyone waiting before today's
        session closes, within the schedule's minimum and maximum; None without a session."""
        load = self._session_load()
        return None if load is None else 60 * fair_share_minutes(*load)

    def unserved_today(self) -> int:
        """Families still waiting who will not be served before the session closes at the
        current call length: the officer's cue to extend the session or reschedule them."""
        load = self._session_load()
        if load is None:
            return 0
        schedule, waiting, minutes = load
        fitting = servable(schedule, minutes, max(1, self.policy.call_seconds // 60))
        return max(0, waiting - fitting)

    def _refresh_call_length(self) -> None:
        fair = self.fair_share_seconds()
        if self.call_override is not None:
            seconds, source = self.call_override, "officer"
        elif fair is not None:
            seconds, source = fair, "fair_share"
        else:
            seconds, source = self._default_call_seconds, "default"
        self.call_length_source = source
        if seconds != self.policy.call_seconds:
            self.policy = replace(self.policy, call_seconds=seconds)
            self.queue.policy = self.policy

    def _session_started(self) -> bool:
        """Whether today's session has begun (always, without a schedule): a family approved
        at dawn for the morning session hears "your turn is near" when it is."""
        if self.schedule is None:
            return True
        now = self._local_now()
        session = current_session(self.schedule, now)
        return session is not None and now.time() >= session.start

    def _local_now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), ZoneInfo(self._timezone))

    def set_timezone(self, timezone: str) -> None:
        self._timezone = timezone

    async def set_call_override(self, seconds: int | None, day: str | None = None) -> None:
        """An officer fixes the call length for the calls started from now, for the rest of
        `day` (None: back to the fair share)."""
        self.call_override = seconds
        self.override_day = day if seconds is not None else None
        await self.broadcast()

    # Officer actions ---------------------------------------------------------------------

    async def call(self, station_id: int, officer_id: int, actor: str = "system") -> VisitInfo:
        """Call the next ticket whose family is in the queue room to this station."""
        async with self._lock:
            station = self.stations.get(station_id)
            if station is None:
                raise HubError("station_unknown", 404)
            if station.visit_id is not None:
                raise HubError("station_busy")
            now = self._clock()
            picked = self.queue.pick_next(now)
            if picked is None:
                await self.broadcast()  # skipped tickets changed
                raise HubError("nobody_present")
            ticket = self.tickets[picked.ticket_id]
            visit = Visit(visit_id=0, ticket_id=ticket.ticket_id, station_id=station_id,
                          called_at=now)
            visit.visit_id = await self._records.visit_called(
                visit, self.facility_id, ticket.inmate_id, officer_id
            )
            self.queue.mark(ticket.ticket_id, TicketState.CALLED)
            await self._records.ticket_state(ticket.ticket_id, TicketState.CALLED)
            info = VisitInfo(visit, ticket, station, officer_id)
            self.visits[visit.visit_id] = info
            station.visit_id = visit.visit_id
            await self._records.visit_event(visit.visit_id, now, "called", actor, station.name)
        log.info("visit %s: ticket %s called to %s", visit.visit_id, ticket.number, station.name)
        await self._publish_visit(info)
        await self.broadcast()
        return info

    async def start(self, visit_id: int, allotted_seconds: int | None = None,
                    actor: str = "system") -> VisitInfo:
        info = self._visit(visit_id)
        allotted = allotted_seconds or self.policy.call_seconds
        await self._apply(info, Start(allotted), "start", actor)
        return info

    async def extend(self, visit_id: int, seconds: int, actor: str = "system") -> VisitInfo:
        info = self._visit(visit_id)
        await self._apply(info, Extend(seconds), "extend", actor)
        return info

    async def end(self, visit_id: int, reason: str, actor: str = "system") -> VisitInfo:
        info = self._visit(visit_id)
        await self._apply(info, End(reason), "end", actor)
        return info

    async def tick(self) -> None:
        now = self._clock()
        for info in list(self.visits.values()):
            await self._perform(info, info.visit.handle(Tick(), now))
            await self._sync_time(info, now)
        expired = self.queue.expire_skipped(now)
        for ticket in expired:
            await self._records.ticket_state(ticket.ticket_id, TicketState.NO_SHOW)
        if expired:
            await self.broadcast()

    async def run_ticks(self, interval: float) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # one bad tick must not stop every deadline of the facility
                log.exception("tick failed")
            await asyncio.sleep(interval)

    # Media signaling ---------------------------------------------------------------------

    async def offer(self, side: str, owner_id: int, sdp: str) -> str:
        """Answer a page's offer for its live visit; `owner_id` is its ticket or station."""
        if side == "family":
            info = self._visit_of_ticket(owner_id)
        else:
            station = self.stations[owner_id]
            info = self.visits.get(station.visit_id) if station.visit_id is not None else None
        if info is None or info.visit.state is not VisitState.LIVE:
            raise HubError("not_live")
        try:
            answer, media_mode = await self._relay.answer(info.visit.visit_id, side, sdp)
        except SessionClosed:
            raise HubError("not_live") from None
        if media_mode != info.media_mode:
            info.media_mode = media_mode
            await self._records.visit_media_mode(info.visit.visit_id, media_mode)
        info.legs_lost.discard(side)
        await self._publish_console()
        return answer

    async def monitor(self, visit_id: int, monitor_id: str, sdp: str) -> str:
        """Answer a supervisor's silent monitor. Legal visits are never monitored."""
        info = self._visit(visit_id)
        if info.legal:
            raise HubError("legal_visit", 403)
        if info.visit.state is not VisitState.LIVE:
            raise HubError("not_live")
        try:
            return await self._relay.monitor(visit_id, monitor_id, sdp)
        except SessionClosed:
            raise HubError("not_live") from None

    async def mark_legal(self, visit_id: int, actor: str) -> VisitInfo:
        """From now on the visit is legal: monitors are cut, the recording so far destroyed."""
        info = self._visit(visit_id)
        info.marked_legal = True
        info.recording = False
        if info.visit.state is VisitState.LIVE:
            await self._relay.make_private(visit_id)
        await self._records.visit_event(visit_id, self._clock(), "marked_legal", actor)
        await self._publish_console()
        return info

    async def flag(self, visit_id: int, actor: str, reason: str) -> VisitInfo:
        """A supervisor marks the visit for review; nobody in the visit is told."""
        info = self._visit(visit_id)
        await self._records.visit_event(visit_id, self._clock(), "flagged", actor, reason)
        return info

    async def record(self, visit_id: int) -> None:
        """Start recording a live visit on a supervisor's demand. Legal visits never are."""
        info = self._visit(visit_id)
        if info.legal:
            raise HubError("legal_visit", 403)
        if info.visit.state is not VisitState.LIVE or self._recordings_dir is None:
            raise HubError("not_live")
        await self._start_recording(info)
        await self._publish_console()

    async def _start_recording(self, info: VisitInfo) -> None:
        assert self._recordings_dir is not None
        directory = self._recordings_dir / str(self.facility_id)
        await self._relay.record(info.visit.visit_id, str(directory),
                                 f"visit{info.visit.visit_id}")
        info.recording = True

    async def unmonitor(self, visit_id: int, monitor_id: str) -> None:
        if visit_id in self.visits:
            await self._relay.unmonitor(visit_id, monitor_id)

    # Views -------------------------------------------------------------------------------

    def family_view(self, ticket_id: int) -> dict[str, Any]:
        qt = self.queue.get(ticket_id)
        info = self.tickets[ticket_id]
        return message(
            "queue",
            number=info.number,
            state=qt.state.value,
            position=self.queue.position(ticket_id),
            eta_seconds=self.queue.estimated_wait(
                ticket_id, max(1, len(self._serving_stations())), self._first_free_in()
            ),
            call_seconds=self.policy.call_seconds,
        )

    def snapshot(self) -> dict[str, Any]:
        now = self._clock()
        tickets = []
        for qt in self.queue.tickets():
            info = self.tickets[qt.ticket_id]
            tickets.append({
                "ticket_id": qt.ticket_id, "number": qt.number, "state": qt.state.value,
                "present": qt.present, "skipped": qt.skipped_at is not None,
                "visitor_name": info.visitor_name, "relation": info.relation,
                "inmate_name": info.inmate_name, "position": self.queue.position(qt.ticket_id),
            })
        stations = [
            {"station_id": s.station_id, "name": s.name, "visit_id": s.visit_id,
             "online": s.pages > 0}
            for s in self.stations.values()
        ]
        visits = [self.visit_summary(v) for v in self.visits.values()]
        return message("console", tickets=tickets, stations=stations, visits=visits,
                       server_now=int(now * 1000), call_seconds=self.policy.call_seconds,
                       call_length_source=self.call_length_source,
                       fair_share_seconds=self.fair_share_seconds(),
                       unserved=self.unserved_today())

    def visit_summary(self, info: VisitInfo) -> dict[str, Any]:
        v = info.visit
        now = self._clock()
        return {
            "visit_id": v.visit_id, "state": v.state.value, "ticket_number": info.ticket.number,
            "visitor_name": info.ticket.visitor_name, "inmate_name": info.ticket.inmate_name,
            "station_id": info.station.station_id, "station_name": info.station.name,
            "allotted_seconds": v.allotted_seconds or self.policy.call_seconds,
            "seconds_left": round(v.seconds_left(now)),
            "ends_at": int(v.deadline * 1000) if v.deadline else None,
            "legs_lost": sorted(info.legs_lost), "outcome": v.outcome.value if v.outcome else None,
            "media_mode": info.media_mode, "legal": info.legal, "recording": info.recording,
            "relation": info.ticket.relation,
        }

    # Internals ---------------------------------------------------------------------------

    def _visit(self, visit_id: int) -> VisitInfo:
        info = self.visits.get(visit_id)
        if info is None:
            raise HubError("visit_unknown", 404)
        return info

    def _visit_of_ticket(self, ticket_id: int) -> VisitInfo | None:
        for info in self.visits.values():
            if info.ticket.ticket_id == ticket_id:
                return info
        return None

    def _serving_stations(self) -> list[StationInfo]:
        """Stations with a kiosk page open; all of them when none is open yet."""
        online = [st for st in self.stations.values() if st.pages > 0]
        return online or list(self.stations.values())

    def _first_free_in(self) -> float:
        serving = self._serving_stations()
        if not serving or any(st.visit_id is None for st in serving):
            return 0.0
        now = self._clock()
        return min(
            self._time_to_free(self.visits[st.visit_id].visit, now)
            for st in serving
            if st.visit_id is not None
        )

    def _time_to_free(self, visit: Visit, now: float) -> float:
        # A called visit has not started: it will take a whole default call.
        if visit.state is VisitState.LIVE:
            return visit.seconds_left(now) + self.policy.changeover_seconds
        return float(self.policy.call_seconds + self.policy.changeover_seconds)

    async def _apply(self, info: VisitInfo, event: Start | Extend | End, name: str,
                     actor: str) -> None:
        try:
            actions = info.visit.handle(event, self._clock())
        except IllegalTransition:
            raise HubError(f"cannot_{name}") from None
        except ValueError:
            raise HubError("bad_value", 422) from None
        await self._perform(info, actions, actor)

    async def _perform(self, info: VisitInfo, actions: list[Action],
                       actor: str = "system") -> None:
        visit = info.visit
        now = self._clock()
        for action in actions:
            match action:
                case OpenMedia():
                    await self._records.visit_event(visit.visit_id, now, "started", actor,
                                                    f"{visit.allotted_seconds}s")
                    await self._relay.open(visit.visit_id, self._leg_watcher(info))
                    await self._records.visit_started(visit)
                    if self.recording == "all" and not info.legal:
                        await self._start_recording(info)
                    await self._publish_visit(info)
                case Warn(seconds_left=left):
                    await self._records.visit_event(visit.visit_id, now, "warning", "system",
                                                    f"{left}s")
                    await self._publish_both(info, message(
                        "warning", visit_id=visit.visit_id, seconds_left=left,
                        **self._deadline_fields(visit)))
                case DeadlineMoved():
                    await self._records.visit_event(visit.visit_id, now, "extended", actor,
                                                    f"{visit.allotted_seconds}s")
                    await self._publish_visit(info)
                case CutMedia():
                    try:
                        files = await self._relay.close(visit.visit_id)
                    except Exception:  # a dead relay carries no media: the visit ends anyway
                        log.exception("visit %s: the relay could not be closed", visit.visit_id)
                        files = []
                    if files:
                        await self._records.recordings_saved(visit, self.facility_id, files)
                case Finished(outcome=outcome, reason=reason):
                    await self._records.visit_event(visit.visit_id, now, "ended", actor,
                                                    f"{outcome.value}: {reason}")
                    await self._finish(info)
        if actions:
            await self.broadcast()  # families' estimates move with every start, extension, end

    async def _finish(self, info: VisitInfo) -> None:
        visit = info.visit
        await self._records.visit_finished(visit)
        self.queue.mark(info.ticket.ticket_id, TicketState.DONE)
        await self._records.ticket_state(info.ticket.ticket_id, TicketState.DONE)
        self.visits.pop(visit.visit_id, None)
        info.station.visit_id = None
        await self._publish_visit(info)
        await self.broadcast()

    def _leg_watcher(self, info: VisitInfo) -> Callable[[str, str], None]:
        def on_leg_state(side: str, state: str) -> None:
            if state in ("failed", "closed") and info.visit.state is VisitState.LIVE:
                task = asyncio.ensure_future(self._leg_lost(info, side))
                task.add_done_callback(_log_failure)

        return on_leg_state

    async def _leg_lost(self, info: VisitInfo, side: str) -> None:
        if side in info.legs_lost:
            return
        info.legs_lost.add(side)
        log.warning("visit %s: %s leg lost", info.visit.visit_id, side)
        await self._bus.publish(console_topic(self.facility_id), message(
            "leg_lost", visit_id=info.visit.visit_id, side=side,
            station_name=info.station.name, ticket_number=info.ticket.number))
        await self._publish_console()

    def _deadline_fields(self, visit: Visit) -> dict[str, Any]:
        """What a page counts down from: `ends_at - server_now` is the time left by the server's
        clock, whatever the page's own clock says. The clock is read as the message is made, not
        at the start of the tick: a slow database write before it would make every page late."""
        assert visit.deadline is not None
        now = self._clock()
        return {"ends_at": int(visit.deadline * 1000), "server_now": int(now * 1000)}

    async def _sync_time(self, info: VisitInfo, now: float) -> None:
        visit = info.visit
        if visit.state is not VisitState.LIVE:
            return
        if 0 <= now - info.synced_at < TIME_SYNC_SECONDS:
            return
        info.synced_at = now
        fields = self._deadline_fields(visit)
        left = max(0, round((fields["ends_at"] - fields["server_now"]) / 1000))
        await self._publish_both(info, message(
            "time", visit_id=visit.visit_id, seconds_left=left, **fields))

    def _visit_message(self, info: VisitInfo) -> dict[str, Any]:
        v = info.visit
        now = self._clock()
        common = {"visit_id": v.visit_id, "server_now": int(now * 1000)}
        if v.state is VisitState.CALLED:
            return message("called", **common, station_name=info.station.name,
                           ticket_number=info.ticket.number,
                           visitor_name=info.ticket.visitor_name, relation=info.ticket.relation)
        if v.state is VisitState.LIVE:
            assert v.deadline is not None
            return message("live", **common, ends_at=int(v.deadline * 1000),
                           allotted_seconds=v.allotted_seconds,
                           seconds_left=round(v.seconds_left(now)),
                           ticket_number=info.ticket.number,
                           visitor_name=info.ticket.visitor_name, station_name=info.station.name)
        return message("ended", **common,
                       outcome=v.outcome.value if v.outcome else None)

    async def _publish_visit(self, info: VisitInfo) -> None:
        await self._publish_both(info, self._visit_message(info))

    async def _publish_both(self, info: VisitInfo, msg: dict[str, Any]) -> None:
        await self._bus.publish(ticket_topic(info.ticket.ticket_id), msg)
        await self._bus.publish(station_topic(info.station.station_id), msg)

    async def _publish_console(self) -> None:
        await self._bus.publish(console_topic(self.facility_id), self.snapshot())

    async def broadcast(self) -> None:
        """Each family present gets its own place in the queue, nothing about anyone else."""
        self._refresh_call_length()
        for ticket_id in list(self._presence):
            with contextlib.suppress(KeyError):
                await self._bus.publish(ticket_topic(ticket_id), self.family_view(ticket_id))
        await self._publish_console()
        self._tell_turn_near()

    def _tell_turn_near(self) -> None:
        if self._on_turn_near is None or not self._session_started():
            return
        for index, ticket in enumerate(self.queue.waiting(), start=1):
            if index > TURN_NEAR_POSITION:
                break
            if ticket.ticket_id not in self._told_turn_near:
                self._told_turn_near.add(ticket.ticket_id)
                # Sent on the side: a slow gateway never holds up the queue.
                task = asyncio.create_task(self._on_turn_near(ticket.ticket_id))
                self._side_tasks.add(task)
                task.add_done_callback(self._side_tasks.discard)
                task.add_done_callback(_log_failure)



def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("leg report failed", exc_info=task.exception())
