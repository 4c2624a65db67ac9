"""Families (tag registration): register with the KTP, read one's requests, ask for a visit.
The visitor's token in the path is the key; no cookie."""

from __future__ import annotations

from pydantic import Field

from server.http.models.common import Body, Query, Reply
from server.http.models.fields import Text
from server.http.models.officer import Relation


class RegistrationForm(Body):
    """multipart/form-data (documented only: the form reader of the family's page reads it and
    names each bad field in `error.fields`)."""

    full_name: str = Field(max_length=200)
    nik: str = Field(max_length=32, description="16 digits")
    relation: Relation
    phone: str = Field(max_length=32)
    email: str = Field("", max_length=200)
    address: str = Field(max_length=300)
    consent: str = Field(max_length=8, description='"yes"')
    ktp: bytes = Field(description="JPEG, PNG or PDF, up to 2 MB",
                       json_schema_extra={"format": "binary"})


class Registered(Reply):
    visitor_token: str
    page: str


class VisitorRequest(Reply):
    id: int
    inmate_name: str
    state: str
    reason: str | None = None
    day: str | None = None
    session: str | None = None
    queue_number: int | None = None
    queue_room: str | None = Field(None, description="the queue room link, once approved")


class VisitorView(Reply):
    full_name: str
    relation: str
    requests: list[VisitorRequest]


class InmateRef(Query):
    """The inmate by reg_number, or (where the facility allows it) by full_name and block."""

    reg_number: Text = Field("", max_length=64)
    full_name: Text = Field("", max_length=200)
    block: Text = Field("", max_length=64)


class Slot(Reply):
    key: str
    day: str
    session: str
    start: str = ""
    end: str = ""
    label: str


class Slots(Reply):
    slots: list[Slot]


class AskBody(Body):
    reg_number: Text = Field("", max_length=64)
    full_name: Text = Field("", max_length=200)
    block: Text = Field("", max_length=64)
    slot: Text = Field("", max_length=40, description="a key from /slots ('today' where the "
                       "facility has no schedule)")


class RequestState(Reply):
    request_id: int
    state: str


class ScheduleRules(Reply):
    default_call_minutes: int
    min_call_minutes: int
    max_call_minutes: int
    visits_per_week: int
    holidays: list[str]


class PublicSession(Reply):
    name: str
    hours: str = Field(description="HH:MM–HH:MM, local")
    groups: list[str] = Field(description="blocks, cells or categories it admits")
    registration: str = Field(description="same-day registration window, or empty")


class PublicDay(Reply):
    day: str = Field(description="mon … sun")
    sessions: list[PublicSession]


class PublicSchedule(Reply):
    """A facility's public schedule: sessions per weekday, who may visit, rules, holidays."""

    facility: str
    timezone: str
    week: list[PublicDay]
    rules: ScheduleRules | None = None
