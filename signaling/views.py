"""What the pages are told, typed: each view is a dataclass, and `to_message()` gives the JSON
object of docs/protocol.md (its fields in order, under its `type`). Built from the facility's
state and a time passed in, so they are pure like the state itself."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from signaling import makeup as mk
from signaling.commands import VisitInfo
from signaling.facility import FacilityState
from signaling.lifecycle import Outcome, VisitState
from signaling.turn import TurnSettings, ice_servers


class _Message:
    kind: ClassVar[str]

    def to_message(self) -> dict[str, Any]:
        return {"type": self.kind, **asdict(self)}  # type: ignore[call-overload]


@dataclass(frozen=True)
class QueueView(_Message):
    """A family's own place; nothing about anyone else."""

    kind: ClassVar[str] = "queue"
    number: int
    state: str  # a TicketState, or "cancelled"
    position: int | None
    eta_seconds: int | None
    call_seconds: int
    outcome: str | None = None  # once done: how its visit ended (a page away then learns it)


@dataclass(frozen=True)
class CalledView(_Message):
    kind: ClassVar[str] = "called"
    visit_id: int
    server_now: int
    station_name: str
    ticket_number: int
    visitor_name: str
    relation: str


@dataclass(frozen=True)
class LiveView(_Message):
    kind: ClassVar[str] = "live"
    visit_id: int
    server_now: int
    ends_at: int
    allotted_seconds: int
    seconds_left: int
    ticket_number: int
    visitor_name: str
    station_name: str
    # TURN servers with this visit's time-limited credentials, for `new RTCPeerConnection`.
    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    # While a line is down the clock stands at `seconds_left` (do not count down `ends_at`),
    # and `reconnecting` names the sides being waited for.
    paused: bool = False
    reconnecting: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReconnectingView(_Message):
    """A line is down: the clock stands still at `seconds_left` until it is back, and the visit
    ends as connection_lost at `gives_up_at` (server clock, ms) if it is not."""

    kind: ClassVar[str] = "reconnecting"
    visit_id: int
    sides: list[str]
    seconds_left: int
    gives_up_at: int
    server_now: int


@dataclass(frozen=True)
class EndedView(_Message):
    kind: ClassVar[str] = "ended"
    visit_id: int
    server_now: int
    outcome: str | None
    # A cancelled call: "queue" (first in the queue again), "makeup" (a make-up ticket for the
    # next session), "no_show" or "done"; and the officer's cause (signaling/makeup.py).
    after: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class WarningView(_Message):
    kind: ClassVar[str] = "warning"
    visit_id: int
    seconds_left: int
    ends_at: int  # with server_now, what the pages count down from (docs/protocol.md)
    server_now: int


@dataclass(frozen=True)
class TimeView(_Message):
    """The deadline again, so a page whose clock drifted or slept catches up."""

    kind: ClassVar[str] = "time"
    visit_id: int
    seconds_left: int
    ends_at: int
    server_now: int


@dataclass(frozen=True)
class LegLostView(_Message):
    kind: ClassVar[str] = "leg_lost"
    visit_id: int
    side: str
    station_name: str
    ticket_number: int


@dataclass(frozen=True)
class TicketRow:
    ticket_id: int
    number: int
    state: str
    present: bool
    skipped: bool
    visitor_name: str
    relation: str
    inmate_name: str
    position: int | None
    first: bool = False  # owed a visit: called before the others
    makeup_seconds: int | None = None  # a make-up ticket: the call it is owed


@dataclass(frozen=True)
class StationRow:
    station_id: int
    name: str
    visit_id: int | None
    online: bool


@dataclass(frozen=True)
class VisitSummary:
    visit_id: int
    state: str
    ticket_number: int
    visitor_name: str
    inmate_name: str
    station_id: int
    station_name: str
    allotted_seconds: int
    seconds_left: int
    ends_at: int | None
    legs_lost: list[str]
    paused: bool
    paused_seconds: int
    gives_up_at: int | None
    outcome: str | None
    media_mode: str
    legal: bool
    recording: bool
    relation: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ConsoleView(_Message):
    """The whole picture of today, for the officers' and supervisors' console."""

    kind: ClassVar[str] = "console"
    tickets: list[TicketRow]
    stations: list[StationRow]
    visits: list[VisitSummary]
    server_now: int
    call_seconds: int
    call_length_source: str
    fair_share_seconds: int | None
    unserved: int


VisitView = CalledView | LiveView | EndedView


def family_view(state: FacilityState, ticket_id: int, now: float) -> QueueView:
    qt = state.queue.get(ticket_id)
    return QueueView(number=state.tickets[ticket_id].number, state=qt.state.value,
                     position=state.queue.position(ticket_id),
                     eta_seconds=state.eta_seconds(ticket_id, now),
                     call_seconds=state.policy.call_seconds,
                     outcome=state.outcomes.get(ticket_id))


def cancelled_view(number: int, call_seconds: int) -> QueueView:
    return QueueView(number=number, state="cancelled", position=None, eta_seconds=None,
                     call_seconds=call_seconds)


def visit_view(info: VisitInfo, now: float, turn: TurnSettings | None = None) -> VisitView:
    """What the family's and the station's pages show of their visit. A live one comes with the
    ICE servers its pages connect through, their credentials valid until its deadline (plus a
    margin): every `live` (start, extension, a page back) brings fresh ones for the deadline as
    it is then."""
    v = info.visit
    server_now = int(now * 1000)
    if v.state is VisitState.CALLED:
        return CalledView(visit_id=v.visit_id, server_now=server_now,
                          station_name=info.station.name, ticket_number=info.ticket.number,
                          visitor_name=info.ticket.visitor_name, relation=info.ticket.relation)
    if v.state is VisitState.LIVE:
        assert v.deadline is not None
        return LiveView(visit_id=v.visit_id, server_now=server_now,
                        ends_at=int(v.deadline * 1000), allotted_seconds=v.allotted_seconds,
                        seconds_left=round(v.seconds_left(now)),
                        ticket_number=info.ticket.number, visitor_name=info.ticket.visitor_name,
                        station_name=info.station.name, paused=v.paused,
                        reconnecting=sorted(info.lines_down) if v.paused else [],
                        ice_servers=ice_servers(turn or TurnSettings(), v.visit_id, v.deadline))
    cause = mk.cancel_cause(v.end_reason) if v.outcome is Outcome.CANCELLED else None
    return EndedView(visit_id=v.visit_id, server_now=server_now,
                     outcome=v.outcome.value if v.outcome else None, after=info.after,
                     cause=cause.value if cause else None)


def reconnecting_view(info: VisitInfo, now: float) -> ReconnectingView:
    v = info.visit
    gives_up = v.gives_up_at()
    return ReconnectingView(visit_id=v.visit_id, sides=sorted(info.lines_down),
                            seconds_left=round(v.seconds_left(now)),
                            gives_up_at=int((gives_up if gives_up is not None else now) * 1000),
                            server_now=int(now * 1000))


def leg_lost_view(info: VisitInfo, side: str) -> LegLostView:
    return LegLostView(visit_id=info.visit.visit_id, side=side, station_name=info.station.name,
                       ticket_number=info.ticket.number)


def visit_summary(state: FacilityState, info: VisitInfo, now: float) -> VisitSummary:
    v = info.visit
    return VisitSummary(
        visit_id=v.visit_id, state=v.state.value, ticket_number=info.ticket.number,
        visitor_name=info.ticket.visitor_name, inmate_name=info.ticket.inmate_name,
        station_id=info.station.station_id, station_name=info.station.name,
        allotted_seconds=v.allotted_seconds or state.policy.call_seconds,
        seconds_left=round(v.seconds_left(now)),
        ends_at=int(v.deadline * 1000) if v.deadline else None,
        legs_lost=sorted(info.legs_lost), paused=v.paused,
        paused_seconds=round(v.paused_seconds + (now - v.paused_at if v.paused_at else 0)),
        gives_up_at=int(g * 1000) if (g := v.gives_up_at()) is not None else None,
        outcome=v.outcome.value if v.outcome else None,
        media_mode=info.media_mode, legal=info.legal, recording=info.recording,
        relation=info.ticket.relation,
    )


def console_view(state: FacilityState, now: float) -> ConsoleView:
    tickets = []
    for qt in state.queue.tickets():
        info = state.tickets[qt.ticket_id]
        tickets.append(TicketRow(
            ticket_id=qt.ticket_id, number=qt.number, state=qt.state.value, present=qt.present,
            skipped=qt.skipped_at is not None, visitor_name=info.visitor_name,
            relation=info.relation, inmate_name=info.inmate_name,
            position=state.queue.position(qt.ticket_id), first=qt.first,
            makeup_seconds=info.makeup_seconds))
    stations = [StationRow(station_id=s.station_id, name=s.name, visit_id=s.visit_id,
                           online=s.pages > 0) for s in state.stations.values()]
    return ConsoleView(
        tickets=tickets, stations=stations,
        visits=[visit_summary(state, v, now) for v in state.visits.values()],
        server_now=int(now * 1000), call_seconds=state.policy.call_seconds,
        call_length_source=state.call_length_source,
        fair_share_seconds=state.fair_share_seconds(now), unserved=state.unserved_today(now))
