"""The commands a facility hub is given: each one something that happened or was asked (a family
joined, an officer called the next ticket, the relay lost a leg), handed to
`FacilityState.handle(command, now)`.

Apart from the actions (signaling/actions.py) because they flow the other way: commands come in
from the pages, the relay and the clock; actions go out to the records, the relay and the bus.
"""

from __future__ import annotations

from dataclasses import dataclass

from signaling.escort import Escort
from signaling.queue import TicketState
from signaling.records import TicketInfo


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
class EscortStep:
    """The block officer marks "dijemput" (fetching) or "tiba di bilik" (arrived)."""

    visit_id: int
    step: Escort
    actor: str


@dataclass(frozen=True)
class CheckIdentity:
    """Before the call: the officer confirms the inmate is the register's, or stops the call."""

    visit_id: int
    confirmed: bool
    reason: str
    actor: str


@dataclass(frozen=True)
class CheckOut:
    """After the call: the officer checks the inmate out of the visiting room."""

    visit_id: int
    actor: str


@dataclass(frozen=True)
class ReturnedToBlock:
    visit_id: int
    actor: str


@dataclass(frozen=True)
class Refresh:
    """Before every broadcast: the call length of now, and who is to hear their turn is near."""


Command = (AddStation | AddTicket | CloseDay | CancelTicket | FamilyJoined | FamilyLeft
           | StationJoined | StationLeft | LegGone | LegBack | StepOut | SetCallOverride
           | CallNext | CallRecorded | CallFailed | StartVisit | ExtendVisit | EndVisit
           | TickVisit | ExpireSkipped | MediaAnswered | MarkLegal | FlagVisit | RecordVisit
           | RecordingStarted | Refresh | EscortStep | CheckIdentity | CheckOut | ReturnedToBlock)
