"""The visiting room's officers and supervisors: login, tickets, calls, live visits."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from server.http.models.common import Body, Reply
from server.http.models.fields import Id, RawText, Text
from server.http.models.floor import EscortRow

MIN_CALL_SECONDS = 10
MAX_CALL_SECONDS = 2 * 3600

Relation = Literal["parent", "child", "spouse", "sibling", "other", "lawyer"]  # i18n.RELATIONS


class LoginBody(Body):
    username: Text = Field(min_length=1, max_length=64)
    password: RawText = Field(min_length=1, max_length=256)


class LoginReply(Reply):
    username: str
    role: str
    csrf_token: str = Field(description="Send it as the X-CSRF-Token header of every write")


class TicketBody(Body):
    visitor_name: Text = Field(min_length=1, max_length=200)
    relation: Relation = "other"
    inmate_id: Id


class TicketReply(Reply):
    ticket_id: int
    number: int
    link: str


class CallBody(Body):
    station_id: Id


class StartBody(Body):
    inmate_confirmed: bool = Field(
        False, description="Must be true: the officer has seen the inmate at the station")
    allotted_seconds: int | None = Field(None, ge=MIN_CALL_SECONDS, le=MAX_CALL_SECONDS)


class ExtendBody(Body):
    seconds: int = Field(ge=1, le=1800)


class EndBody(Body):
    reason: Text = Field("", max_length=500)


class RefuseMakeupBody(Body):
    reason: Text = Field(min_length=1, max_length=500,
                         description="Why no make-up is given; the family reads it")


class FlagBody(Body):
    reason: Text = Field(min_length=1, max_length=500)


class CallLengthBody(Body):
    minutes: int | None = Field(
        None, ge=1, le=MAX_CALL_SECONDS // 60,
        description="null (or left out) hands the length back to the fair share")


class CallLengthReply(Reply):
    call_seconds: int
    call_length_source: Literal["fair_share", "officer", "default"]
    fair_share_seconds: int | None = None


class VisitReply(Reply):
    """signaling/views.VisitSummary, field for field (tests/unit/test_reply_models.py)."""

    visit_id: int
    state: Literal["called", "live", "ended"]
    ticket_number: int
    visitor_name: str
    inmate_name: str
    station_id: int
    station_name: str
    allotted_seconds: int
    seconds_left: int
    ends_at: int | None = Field(None, description="epoch milliseconds")
    legs_lost: list[str]
    paused: bool = Field(False, description="the clock stands still: a line is down")
    paused_seconds: int = Field(0, description="seconds the clock stood still so far")
    gives_up_at: int | None = Field(
        None, description="epoch milliseconds: ends as connection_lost unless the line is back")
    outcome: str | None = None
    media_mode: Literal["forward", "transcode"]
    legal: bool
    recording: bool
    relation: str
    escort: Literal["called", "fetching", "arrived"] = Field(
        description="the inmate's way to the station: called, being fetched, at the station")
    identity_confirmed: bool = Field(
        description="an officer checked the inmate against the register before the start")
    inmate_id: int
    reg_number: str = Field(description="the inmate's registration number")
    block: str
    cell: str


class QueueTicket(Reply):
    """signaling/views.TicketRow."""

    ticket_id: int
    number: int
    state: str
    present: bool = Field(description="the family's queue room is open")
    skipped: bool = Field(description="called while away; keeps its place")
    visitor_name: str
    relation: str
    inmate_name: str
    position: int | None = Field(description="1 is next; null once called")
    first: bool = Field(False, description="owed a visit: called before the others")
    makeup_seconds: int | None = Field(None, description="a make-up ticket: the call it is owed")


class QueueStation(Reply):
    """signaling/views.StationRow."""

    station_id: int
    name: str
    visit_id: int | None = Field(description="the visit on it, if any")
    online: bool = Field(description="its kiosk page is open")


class Console(Reply):
    """Today's queue, the stations and the visits in progress (signaling/views.ConsoleView,
    also sent on the console socket)."""

    type: Literal["console"]
    tickets: list[QueueTicket]
    stations: list[QueueStation]
    visits: list[VisitReply]
    server_now: int = Field(description="epoch milliseconds")
    call_seconds: int
    call_length_source: Literal["fair_share", "officer", "default"]
    fair_share_seconds: int | None
    unserved: int = Field(description="families today's sessions will not reach")
    identity_check: bool = Field(description="a call starts only after the identity check")
    returning: list[EscortRow] = Field(description="inmates to check out after their call")


class RecordingStarted(Reply):
    visit_id: int
    recording: bool
