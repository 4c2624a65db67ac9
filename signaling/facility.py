"""The live day of one facility as pure state: who waits, who is present, which station is
free, which visits run, how long calls are, and who is to hear their turn is near.

`FacilityState.handle(command, now)` changes the state at once and returns the actions a driver
must carry out (signaling/hub.py); it never reads a clock and never does IO, so tests pass `now`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from signaling import call_length as cl
from signaling import commands as c
from signaling import lifecycle as lc
from signaling import lines
from signaling import makeup as mk
from signaling.ports import HubError
from signaling.queue import QueuePolicy, QueueTicket, TicketState, VisitQueue
from signaling.schedule import Schedule
from signaling.turn import TurnSettings

TURN_NEAR_POSITION = 2  # a family is told its turn is near when this close to the front


class FacilityState:
    def __init__(self, facility_id: int, facility_name: str, policy: QueuePolicy,
                 schedule: Schedule | None = None, timezone: str = "Asia/Jakarta",
                 recording: str = "off") -> None:
        self.facility_id = facility_id
        self.facility_name = facility_name
        self.policy = policy
        self.queue = VisitQueue(policy)
        self.tickets: dict[int, c.TicketInfo] = {}
        self.stations: dict[int, c.StationInfo] = {}
        self.visits: dict[int, c.VisitInfo] = {}
        self.presence: dict[int, int] = {}  # ticket -> its pages open now
        self.schedule = schedule
        self.timezone = timezone
        self.recording = recording  # off, all, on_demand
        self.reconnect_grace = lc.DEFAULT_RECONNECT_GRACE  # seconds a line may stay down
        # The deployment's TURN servers; each `live` carries this visit's credentials for them.
        self.turn = TurnSettings()
        self.default_call_seconds = policy.call_seconds
        self.call_override: int | None = None  # an officer's choice beats the fair share
        self.override_day: str | None = None  # the local day it was chosen for
        self.call_length_source = "default"
        # station -> a call whose row is being written, and who called it
        self._calling: dict[int, tuple[c.VisitInfo, str]] = {}
        self._told_turn_near: set[int] = set()
        # ticket -> how its visit ended, for a page that was away when it was told
        self.outcomes: dict[int, str] = {}

    def handle(self, command: c.Command, now: float) -> list[c.Action]:
        match command:
            case c.AddStation(station_id=station_id, name=name):
                self.stations[station_id] = c.StationInfo(station_id, name)
                return []
            case c.AddTicket():
                return self._add_ticket(command, now)
            case c.CloseDay(today=today):
                return self._close_day(today)
            case c.CancelTicket(ticket_id=ticket_id):
                return self._cancel(ticket_id)
            case c.FamilyJoined(ticket_id=ticket_id):
                return self._family_joined(ticket_id, now)
            case c.FamilyLeft(ticket_id=ticket_id):
                return self._family_left(ticket_id, now)
            case c.StationJoined(station_id=station_id):
                station = self.stations[station_id]
                station.pages += 1
                if station.visit_id is None:
                    return [c.Broadcast()]
                current = self.visits[station.visit_id]
                back = lines.up(current, "station", lines.SOCKET, now)
                return [*back, c.PublishVisit(current), c.Broadcast()]
            case c.StationLeft(station_id=station_id):
                station = self.stations[station_id]
                station.pages = max(0, station.pages - 1)
                actions: list[c.Action] = []
                if station.pages == 0 and station.visit_id is not None:
                    actions = lines.down(self.visits[station.visit_id], "station", lines.SOCKET,
                                         now, now)
                return [*actions, c.Broadcast()]
            case c.LegGone(visit_id=visit_id, side=side, since=since):
                if visit_id not in self.visits:
                    return []
                return lines.down(self.visits[visit_id], side, lines.MEDIA,
                                  now if since is None else since, now)
            case c.LegBack(visit_id=visit_id, side=side):
                if visit_id not in self.visits:
                    return []
                return lines.up(self.visits[visit_id], side, lines.MEDIA, now)
            case c.StepOut(side=side, owner_id=owner_id):
                return lines.step_out(self.live_visit_of(side, owner_id), side, now)
            case c.SetCallOverride(seconds=seconds, day=day):
                self.call_override = seconds
                self.override_day = day if seconds is not None else None
                return [c.Broadcast()]
            case c.CallNext():
                return self._call(command, now)
            case c.CallRecorded(station_id=station_id, visit_id=visit_id):
                return self._call_recorded(station_id, visit_id, now)
            case c.CallFailed(station_id=station_id):
                info, _ = self._calling.pop(station_id)
                if info.ticket.ticket_id in self.tickets:
                    self.queue.mark(info.ticket.ticket_id, TicketState.WAITING)
                return []
            case c.StartVisit(visit_id=visit_id, allotted_seconds=allotted, actor=actor):
                info = self.visit(visit_id)
                # A make-up lasts the minutes owed, unless the officer says otherwise.
                event = lc.Start(allotted or info.ticket.makeup_seconds
                                 or self.policy.call_seconds, self.reconnect_grace)
                return self._apply(info, event, "start", actor, now)
            case c.ExtendVisit(visit_id=visit_id, seconds=seconds, actor=actor):
                return self._apply(self.visit(visit_id), lc.Extend(seconds), "extend", actor, now)
            case c.EndVisit(visit_id=visit_id, reason=reason, actor=actor):
                return self._apply(self.visit(visit_id), lc.End(reason), "end", actor, now)
            case c.TickVisit(visit_id=visit_id):
                if visit_id not in self.visits:
                    return []
                ticking = self.visits[visit_id]
                return self._visit_actions(ticking, ticking.visit.handle(lc.Tick(), now),
                                           "system", now)
            case c.ExpireSkipped():
                expired = self.queue.expire_skipped(now)
                writes: list[c.Action] = [c.WriteTicketState(t.ticket_id, TicketState.NO_SHOW)
                                        for t in expired]
                return [*writes, c.Broadcast()] if expired else []
            case c.MediaAnswered():
                return self._media_answered(command, now)
            case c.MarkLegal(visit_id=visit_id, actor=actor):
                info = self.visit(visit_id)
                info.marked_legal = True
                info.recording = False
                private: list[c.Action] = []
                if info.visit.state is lc.VisitState.LIVE:
                    private = [c.MakePrivate(visit_id)]
                return [*private, c.WriteVisitEvent(visit_id, now, "marked_legal", actor),
                        c.PublishConsole()]
            case c.FlagVisit(visit_id=visit_id, actor=actor, reason=reason):
                self.visit(visit_id)
                return [c.WriteVisitEvent(visit_id, now, "flagged", actor, reason)]
            case c.RecordVisit(visit_id=visit_id):
                info = self.visit(visit_id)
                if info.legal:
                    raise HubError("legal_visit")
                if info.visit.state is not lc.VisitState.LIVE:
                    raise HubError("not_live")
                return [c.StartRecording(info), c.PublishConsole()]
            case c.RecordingStarted(visit_id=visit_id):
                if visit_id in self.visits:
                    self.visits[visit_id].recording = True
                return []
            case c.Refresh():
                self._refresh_call_length(now)
                return self._turn_near(now)
        raise TypeError(f"unknown command {command!r}")

    # Queries ----------------------------------------------------------------------------

    def visit(self, visit_id: int) -> c.VisitInfo:
        info = self.visits.get(visit_id)
        if info is None:
            raise HubError("visit_unknown")
        return info

    def visit_of_ticket(self, ticket_id: int) -> c.VisitInfo | None:
        for info in self.visits.values():
            if info.ticket.ticket_id == ticket_id:
                return info
        return None

    def live_visit_of(self, side: str, owner_id: int) -> c.VisitInfo:
        """The live visit of a family's ticket or a station; refused when there is none."""
        if side == "family":
            info = self.visit_of_ticket(owner_id)
        else:
            station = self.stations[owner_id]
            info = self.visits.get(station.visit_id) if station.visit_id is not None else None
        if info is None or info.visit.state is not lc.VisitState.LIVE:
            raise HubError("not_live")
        return info

    def monitorable(self, visit_id: int) -> c.VisitInfo:
        """A visit a supervisor may watch now. Legal visits are never monitored."""
        info = self.visit(visit_id)
        if info.legal:
            raise HubError("legal_visit")
        if info.visit.state is not lc.VisitState.LIVE:
            raise HubError("not_live")
        return info

    def serving_stations(self) -> list[c.StationInfo]:
        """Stations with a kiosk page open; all of them when none is open yet."""
        online = [st for st in self.stations.values() if st.pages > 0]
        return online or list(self.stations.values())

    def first_free_in(self, now: float) -> float:
        serving = self.serving_stations()
        if not serving or any(st.visit_id is None for st in serving):
            return 0.0
        return min(self._time_to_free(self.visits[st.visit_id].visit, now)
                   for st in serving if st.visit_id is not None)

    def eta_seconds(self, ticket_id: int, now: float) -> int | None:
        return self.queue.estimated_wait(ticket_id, max(1, len(self.serving_stations())),
                                         self.first_free_in(now))

    def fair_share_seconds(self, now: float) -> int | None:
        """Rutan Pekalongan's rule (see signaling/call_length.py); None without a session."""
        return cl.fair_share_seconds(self._session_load(now))

    def unserved_today(self, now: float) -> int:
        return cl.unserved(self._session_load(now), self.policy.call_seconds)

    def local_now(self, now: float) -> datetime:
        return datetime.fromtimestamp(now, ZoneInfo(self.timezone))

    # Tickets and presence -----------------------------------------------------------------

    def _add_ticket(self, command: c.AddTicket, now: float) -> list[c.Action]:
        info = command.info
        if info.ticket_id not in self.tickets:  # loaded twice: keep its place and presence
            self.tickets[info.ticket_id] = info
            self.queue.add(QueueTicket(info.ticket_id, info.number, state=command.state,
                                       joined_at=now, first=info.first))
        return [c.Broadcast()] if command.announce else []

    def _close_day(self, today: str) -> list[c.Action]:
        """Drop the tickets of earlier days (their session is over); those still waiting
        become no-shows. A visit still running past midnight keeps its ticket until it ends."""
        dropped: list[c.Action] = []
        for ticket_id, info in list(self.tickets.items()):
            if info.day >= today or self.visit_of_ticket(ticket_id) is not None:
                continue
            if self.queue.get(ticket_id).state is TicketState.WAITING:
                dropped.append(c.WriteTicketState(ticket_id, TicketState.NO_SHOW))
            self.queue.remove(ticket_id)
            del self.tickets[ticket_id]
            self._told_turn_near.discard(ticket_id)
            self.outcomes.pop(ticket_id, None)
        return [*dropped, c.Broadcast()] if dropped else []

    def _cancel(self, ticket_id: int) -> list[c.Action]:
        """A waiting ticket leaves the queue (its visitor was banned); nothing otherwise."""
        if ticket_id not in self.tickets or self.visit_of_ticket(ticket_id) is not None:
            return []
        qt = self.queue.get(ticket_id)
        if qt.state is not TicketState.WAITING:
            return []
        self.queue.remove(ticket_id)
        del self.tickets[ticket_id]
        return [c.PublishCancelled(ticket_id, qt.number), c.Broadcast()]

    def _family_joined(self, ticket_id: int, now: float) -> list[c.Action]:
        self.presence[ticket_id] = self.presence.get(ticket_id, 0) + 1
        self.queue.set_present(ticket_id, True)
        active = self.visit_of_ticket(ticket_id)
        if active is None:
            return [c.Broadcast()]
        # A page reopened during its visit picks up where it was.
        back = lines.up(active, "family", lines.SOCKET, now)
        return [*back, c.Broadcast(), c.PublishVisit(active)]

    def _family_left(self, ticket_id: int, now: float) -> list[c.Action]:
        left = self.presence.get(ticket_id, 1) - 1
        if left > 0:
            self.presence[ticket_id] = left
            return []
        self.presence.pop(ticket_id, None)
        if ticket_id not in self.tickets:  # cancelled while its page was open
            return []
        self.queue.set_present(ticket_id, False)
        active = self.visit_of_ticket(ticket_id)
        actions: list[c.Action] = []
        if active is not None:
            actions = lines.down(active, "family", lines.SOCKET, now, now)
        return [*actions, c.Broadcast()]

    def _media_answered(self, command: c.MediaAnswered, now: float) -> list[c.Action]:
        info = self.visits.get(command.visit_id)
        if info is None:  # it ended while the relay answered: its row still learns the mode
            return [c.WriteMediaMode(command.visit_id, command.media_mode)]
        actions: list[c.Action] = []
        if command.media_mode != info.media_mode:
            info.media_mode = command.media_mode
            actions.append(c.WriteMediaMode(command.visit_id, command.media_mode))
        actions += lines.answered(info, command.side, now)
        return [*actions, c.PublishConsole()]

    # Calling and the visits ---------------------------------------------------------------

    def _call(self, command: c.CallNext, now: float) -> list[c.Action]:
        """The next ticket whose family is in the queue room, to this station. The ticket and
        the station are taken at once, so a second call meanwhile picks someone else."""
        station = self.stations.get(command.station_id)
        if station is None:
            raise HubError("station_unknown")
        if station.visit_id is not None or command.station_id in self._calling:
            raise HubError("station_busy")
        picked = self.queue.pick_next(now)
        if picked is None:
            return [c.Broadcast(), c.Refused("nobody_present")]  # skipped tickets changed
        ticket = self.tickets[picked.ticket_id]
        self.queue.mark(ticket.ticket_id, TicketState.CALLED)
        visit = lc.Visit(visit_id=0, ticket_id=ticket.ticket_id, station_id=station.station_id,
                         called_at=now)
        info = c.VisitInfo(visit, ticket, station, command.officer_id)
        self._calling[station.station_id] = (info, command.actor)
        return [c.InsertVisit(info)]

    def _call_recorded(self, station_id: int, visit_id: int, now: float) -> list[c.Action]:
        info, actor = self._calling.pop(station_id)
        info.visit.visit_id = visit_id
        self.visits[visit_id] = info
        info.station.visit_id = visit_id
        return [c.WriteTicketState(info.ticket.ticket_id, TicketState.CALLED),
                c.WriteVisitEvent(visit_id, info.visit.called_at, "called", actor,
                                info.station.name),
                c.PublishVisit(info), c.Broadcast()]

    def _apply(self, info: c.VisitInfo, event: lc.Start | lc.Extend | lc.End, name: str,
               actor: str, now: float) -> list[c.Action]:
        try:
            changes = info.visit.handle(event, now)
        except lc.IllegalTransition:
            raise HubError(f"cannot_{name}") from None
        except ValueError:
            raise HubError("bad_value") from None
        return self._visit_actions(info, changes, actor, now)

    def _visit_actions(self, info: c.VisitInfo, changes: list[lc.Action], actor: str,
                       now: float) -> list[c.Action]:
        """What the visit's own changes mean for records, relay and pages."""
        visit = info.visit
        vid = visit.visit_id
        out: list[c.Action] = []
        for change in changes:
            match change:
                case lc.OpenMedia():
                    out += [c.WriteVisitEvent(vid, now, "started", actor,
                                            f"{visit.allotted_seconds}s"),
                            c.OpenRelay(info), c.WriteVisitStarted(visit)]
                    if self.recording == "all" and not info.legal:
                        out.append(c.StartRecording(info))
                    out.append(c.PublishVisit(info))
                case lc.Warn(seconds_left=left):
                    out += [c.WriteVisitEvent(vid, now, "warning", "system", f"{left}s"),
                            c.PublishWarning(info, left)]
                case lc.DeadlineMoved():
                    out += [c.WriteVisitEvent(vid, now, "extended", actor,
                                            f"{visit.allotted_seconds}s"),
                            c.PublishVisit(info)]
                case lc.Paused() | lc.Resumed():
                    out += lines.changes(info, [change], now)
                case lc.CutMedia():
                    out.append(c.CloseRelay(visit))
                case lc.Finished(outcome=outcome, reason=reason):
                    self.outcomes[info.ticket.ticket_id] = outcome.value
                    self.visits.pop(vid, None)
                    info.station.visit_id = None
                    out += [c.WriteVisitEvent(vid, now, "ended", actor,
                                              f"{outcome.value}: {reason}"),
                            c.WriteVisitFinished(visit),
                            *self._ticket_after(info, outcome, reason, actor, now),
                            c.PublishVisit(info)]
        if changes:  # families' estimates move with every start, extension, end
            out.append(c.Broadcast())
        return out

    def _ticket_after(self, info: c.VisitInfo, outcome: lc.Outcome, reason: str, actor: str,
                      now: float) -> list[c.Action]:
        """What becomes of the ticket of a visit that ended. A call the facility cancelled
        costs the family nothing (signaling/makeup.py)."""
        ticket_id = info.ticket.ticket_id
        after = mk.AfterCancel.DONE
        if outcome is lc.Outcome.CANCELLED:
            still_open = mk.session_still_open(
                self.schedule, info.ticket.day, info.ticket.session_name, self.local_now(now),
                mk.MIN_MAKEUP_SECONDS)
            after = mk.after_cancel(reason, still_open)
            info.after = after.value
        if after is mk.AfterCancel.BACK_TO_QUEUE:
            self.queue.put_first(ticket_id)
            self._told_turn_near.discard(ticket_id)
            return [c.WriteTicketFirst(ticket_id), c.WriteVisitEvent(
                info.visit.visit_id, now, "back_in_queue", actor)]
        state = TicketState.NO_SHOW if after is mk.AfterCancel.NO_SHOW else TicketState.DONE
        self.queue.mark(ticket_id, state)
        actions: list[c.Action] = [c.WriteTicketState(ticket_id, state)]
        if after is mk.AfterCancel.MAKEUP:
            owed = info.ticket.makeup_seconds or self.policy.call_seconds
            actions.append(c.GrantMakeup(info.visit.visit_id, owed, "cancelled_by_facility",
                                         actor))
        elif (lost := lc.makeup_seconds(info.visit)) > 0:  # a line, not the family, cut it
            actions.append(c.GrantMakeup(info.visit.visit_id, lost, outcome.value, "system"))
        return actions

    def _time_to_free(self, visit: lc.Visit, now: float) -> float:
        # A called visit has not started: it will take a whole default call.
        if visit.state is lc.VisitState.LIVE:
            return visit.seconds_left(now) + self.policy.changeover_seconds
        return float(self.policy.call_seconds + self.policy.changeover_seconds)

    # Call length and turn-near ------------------------------------------------------------

    def _session_load(self, now: float) -> cl.SessionLoad | None:
        # Called visits not yet started are still to be served at the length decided now.
        waiting = len(self.queue.waiting()) + len(self._calling) + sum(
            1 for v in self.visits.values() if v.visit.state is lc.VisitState.CALLED)
        return cl.session_load(self.schedule, self.local_now(now), waiting,
                               len(self.serving_stations()))

    def _refresh_call_length(self, now: float) -> None:
        seconds, self.call_length_source = cl.call_length(
            self.call_override, self.fair_share_seconds(now), self.default_call_seconds)
        if seconds != self.policy.call_seconds:
            self.policy = replace(self.policy, call_seconds=seconds)
            self.queue.policy = self.policy

    def _turn_near(self, now: float) -> list[c.Action]:
        if not cl.session_started(self.schedule, self.local_now(now)):
            return []
        told: list[c.Action] = []
        for ticket in self.queue.waiting()[:TURN_NEAR_POSITION]:
            if ticket.ticket_id not in self._told_turn_near:
                self._told_turn_near.add(ticket.ticket_id)
                told.append(c.TellTurnNear(ticket.ticket_id))
        return told
