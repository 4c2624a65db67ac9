"""What the facility's pure state keeps of its day: tickets, stations, visits, and inmates on the
way back to the block.

These records are apart from the commands and actions because both speak of them and so do the
views: a command carries a ticket in, an action carries a visit out, a view renders either. They
are the state's own data, mutable, kept in `FacilityState`'s tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from signaling.escort import Escort, Return
from signaling.lifecycle import Visit


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
    reg_number: str = ""  # where the block officer finds the inmate, and how he is checked
    block: str = ""
    cell: str = ""


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
    escort: Escort = Escort.CALLED  # the inmate's way to the station (signaling/escort.py)
    identity_confirmed: bool = False  # compared with the register's photo before the call

    @property
    def legal(self) -> bool:
        # A lawyer's visit, or one an officer marks, is privileged: never monitored or recorded.
        return self.marked_legal or self.ticket.relation == "lawyer"


@dataclass
class Returning:
    """An inmate whose visit ended, on the way back to the block."""

    info: VisitInfo
    ended_at: float
    step: Return = Return.ENDED


