"""The actions the facility's pure state returns for its driver to carry out, in order.

An action names what to do (write a record, open the relay, publish a view) but does nothing; the
state has already changed when it is returned. Apart from the commands (signaling/commands.py):
they go the other way, and only the effects interpreter (signaling/effects.py) reads them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from signaling.lifecycle import Visit
from signaling.queue import TicketState
from signaling.records import VisitInfo


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
