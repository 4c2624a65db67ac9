"""The words between the facility's pure state and its driver: commands the hub hands to
`FacilityState.handle(command, now)`, and the actions it gets back to carry out in order.

An action names what to do (write a record, open the relay, publish a view) but does nothing; the
state has already changed when it is returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from signaling.lifecycle import Visit
from signaling.queue import TicketState

# What the facility keeps of its tickets, stations and visits ---------------------------------


@dataclass
class TicketInfo:
    ticket_id: int
    number: int
    visitor_name: str
    relation: str
    inmate_id: int
    inmate_name: str
    day: str = ""  # the facility's local date the ticket is for
    session_name: str | None = None  # the schedule's session it is for
    first: bool = False  # owed a visit: first in its queue
    makeup_seconds: int | None = None  # a make-up: the length of the call it is owed


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
    # Why each side's line is down now: "socket" (its page's socket closed), "media" (the relay
    # hears nothing from it, or its connection failed). The clock stands while any is down.
    down: dict[str, set[str]] = field(default_factory=dict)
    away: set[str] = field(default_factory=set)  # stepped out of the call on purpose
    media_mode: str = "forward"
    recording: bool = False
    marked_legal: bool = False
    synced_at: float = 0.0  # server time of the last `time` message to its pages
    alive_at: float = 0.0  # server time its row last heard it still runs

    @property
    def legs_lost(self) -> set[str]:
        return {side for side, why in self.down.items() if why}

    @property
    def lines_down(self) -> set[str]:
        """The sides whose trouble stops the clock: lost, and not stepped out on purpose."""
        return self.legs_lost - self.away
    after: str | None = None  # a cancelled call: what became of its ticket (AfterCancel)

    @property
    def legal(self) -> bool:
        # A lawyer's visit, or one an officer marks, is privileged: never monitored or recorded.
        return self.marked_legal or self.ticket.relation == "lawyer"


# Commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddStation:
    station_id: int
    name: str


@dataclass(frozen=True)
class AddTicket:
    info: TicketInfo
    state: TicketState = TicketState.WAITING
    announce: bool = False  # issued now (tell everyone), rather than loaded at start-up


@dataclass(frozen=True)
class CloseDay:
    today: str  # the facility's local date


@dataclass(frozen=True)
class CancelTicket:
    ticket_id: int


@dataclass(frozen=True)
class FamilyJoined:
    ticket_id: int


@dataclass(frozen=True)
class FamilyLeft:
    ticket_id: int


@dataclass(frozen=True)
class StationJoined:
    station_id: int


@dataclass(frozen=True)
class StationLeft:
    station_id: int


@dataclass(frozen=True)
class LegGone:
    """The relay saw a leg's connection fail or close, or its media stop at `since`."""

    visit_id: int
    side: str
    since: float | None = None  # None: now


@dataclass(frozen=True)
class LegBack:
    """The relay hears a leg's media again."""

    visit_id: int
    side: str


@dataclass(frozen=True)
class StepOut:
    """A page left its call on purpose (the family's "leave"): its silence stops no clock."""

    side: str
    owner_id: int


@dataclass(frozen=True)
class SetCallOverride:
    seconds: int | None
    day: str | None = None


@dataclass(frozen=True)
class CallNext:
    station_id: int
    officer_id: int
    actor: str


@dataclass(frozen=True)
class CallRecorded:
    """The called visit has its row, and so its id."""

    station_id: int
    visit_id: int


@dataclass(frozen=True)
class CallFailed:
    station_id: int


@dataclass(frozen=True)
class StartVisit:
    visit_id: int
    allotted_seconds: int | None
    actor: str


@dataclass(frozen=True)
class ExtendVisit:
    visit_id: int
    seconds: int
    actor: str


@dataclass(frozen=True)
class EndVisit:
    visit_id: int
    reason: str
    actor: str


@dataclass(frozen=True)
class TickVisit:
    visit_id: int


@dataclass(frozen=True)
class ExpireSkipped:
    pass


@dataclass(frozen=True)
class MediaAnswered:
    visit_id: int
    side: str
    media_mode: str


@dataclass(frozen=True)
class MarkLegal:
    visit_id: int
    actor: str


@dataclass(frozen=True)
class FlagVisit:
    visit_id: int
    actor: str
    reason: str


@dataclass(frozen=True)
class RecordVisit:
    visit_id: int


@dataclass(frozen=True)
class RecordingStarted:
    visit_id: int


@dataclass(frozen=True)
class Refresh:
    """Before every broadcast: the call length of now, and who is to hear their turn is near."""


Command = (AddStation | AddTicket | CloseDay | CancelTicket | FamilyJoined | FamilyLeft
           | StationJoined | StationLeft | LegGone | LegBack | StepOut | SetCallOverride
           | CallNext | CallRecorded | CallFailed | StartVisit | ExtendVisit | EndVisit
           | TickVisit | ExpireSkipped | MediaAnswered | MarkLegal | FlagVisit | RecordVisit
           | RecordingStarted | Refresh)

# Actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InsertVisit:
    """Write the called visit's row; its id comes back as `CallRecorded`."""

    info: VisitInfo


@dataclass(frozen=True)
class WriteTicketState:
    ticket_id: int
    state: TicketState


@dataclass(frozen=True)
class WriteVisitEvent:
    visit_id: int
    at: float
    kind: str
    actor: str
    detail: str = ""


@dataclass(frozen=True)
class WriteTicketFirst:
    """The ticket waits again, first in its queue (its call was cancelled)."""

    ticket_id: int


@dataclass(frozen=True)
class GrantMakeup:
    """The family is owed `seconds` of a visit it lost: a make-up ticket for the next session."""

    visit_id: int
    seconds: int
    reason: str
    actor: str


@dataclass(frozen=True)
class WriteVisitStarted:
    visit: Visit


@dataclass(frozen=True)
class WriteVisitFinished:
    visit: Visit


@dataclass(frozen=True)
class WriteMediaMode:
    visit_id: int
    mode: str


@dataclass(frozen=True)
class OpenRelay:
    info: VisitInfo


@dataclass(frozen=True)
class CloseRelay:
    """Cut the visit's media and keep its recordings."""

    visit: Visit


@dataclass(frozen=True)
class StartRecording:
    info: VisitInfo


@dataclass(frozen=True)
class MakePrivate:
    visit_id: int


@dataclass(frozen=True)
class PublishVisit:
    """The visit as it is when published (called, live or ended), to its family and station."""

    info: VisitInfo


@dataclass(frozen=True)
class PublishWarning:
    info: VisitInfo
    seconds_left: int


@dataclass(frozen=True)
class PublishCancelled:
    ticket_id: int
    number: int


@dataclass(frozen=True)
class PublishLegLost:
    info: VisitInfo
    side: str


@dataclass(frozen=True)
class PublishReconnecting:
    """Both pages and the console: the clock stopped, a line is being waited for."""

    info: VisitInfo


@dataclass(frozen=True)
class PublishConsole:
    pass


@dataclass(frozen=True)
class Broadcast:
    """Every family present its own place, and the console the whole picture."""


@dataclass(frozen=True)
class TellTurnNear:
    ticket_id: int


@dataclass(frozen=True)
class Refused:
    """Stop here and answer with this error; what came before it is still carried out."""

    code: str


Action = (InsertVisit | WriteTicketState | WriteTicketFirst | GrantMakeup | WriteVisitEvent
          | WriteVisitStarted | WriteVisitFinished | WriteMediaMode | OpenRelay | CloseRelay
          | StartRecording | MakePrivate | PublishVisit | PublishWarning | PublishCancelled
          | PublishLegLost | PublishReconnecting
          | PublishConsole | Broadcast | TellTurnNear | Refused)
