"""The admin: facility settings, schedule, stations, staff accounts, inmate register."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError
from yarl import URL

from server.http.models.common import Body, Reply
from server.http.models.fields import Password, RawText, Text
from server.http.models.reading import ERROR_CODE

Timezone = Literal["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]  # WIB, WITA, WIT
Role = Literal["admin", "registration", "officer", "supervisor", "block"]  # auth.ROLES
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")


def usable_url(text: str) -> str:
    """An http(s) URL whose host a resolver would accept (each label at most 63 characters);
    "" clears the webhook."""
    if not text:
        return text
    try:
        url = URL(text)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(text)
        url.host.encode("idna")
    except (ValueError, UnicodeError):
        raise PydanticCustomError("url", "not a usable http(s) URL") from None
    return text


def valid_username(text: str) -> str:
    text = text.lower()
    if not USERNAME.match(text):
        raise PydanticCustomError("username", "not a username")
    return text


# Clients (and the admin page) tell this refusal apart from other bad fields.
_PASSWORD_SHORT: dict[str, Any] = {ERROR_CODE: "password_short"}


class FacilityChange(Body):
    """What is given changes; what is left out stays."""

    name: Text | None = Field(None, min_length=1, max_length=200)
    address: Text | None = Field(None, max_length=300)
    complaint_contact: Text | None = Field(None, max_length=300)
    timezone: Timezone | None = None
    ask_by_name: bool | None = None
    notify_webhook: Annotated[Text, AfterValidator(usable_url)] | None = Field(
        None, max_length=500, description='"" removes it')
    notify_secret: Text | None = Field(None, max_length=100, description='"" clears it')
    identity_check: bool | None = Field(
        None, description="an officer compares the inmate with the register's photo before a "
        "call may start")


class FacilitySettings(Reply):
    id: int
    code: str
    name: str
    timezone: Timezone | str
    zone: str
    address: str
    complaint_contact: str
    ask_by_name: bool
    default_call_seconds: int
    changeover_seconds: int
    grace_seconds: int
    recording: Literal["off", "all", "on_demand"]
    retention_days: int
    schedule_toml: str | None
    notify_webhook: str
    notify_secret: bool = Field(description="whether one is set; the secret is write-only")
    call_override_seconds: int | None = Field(description="the officer's call length today")
    call_override_day: str | None
    reconnect_grace: int = Field(
        description="seconds a visit waits for a line that is down before it ends as "
        "connection_lost")
    identity_check: bool = Field(
        description="an officer checks the inmate against the register before a call starts")


class ScheduleBody(Body):
    toml: RawText = Field(max_length=100_000, description="as in examples/facilities/")


class ScheduleReply(Reply):
    sessions: int
    visits_per_week: int


class Station(Reply):
    id: int
    name: str


class Stations(Reply):
    stations: list[Station]


class StationBody(Body):
    name: Text = Field(min_length=1, max_length=100)


class StationAdded(Reply):
    id: int
    name: str
    kiosk_link: str = Field(description="shown once")


class KioskLink(Reply):
    id: int
    kiosk_link: str


class StaffAccount(Reply):
    id: int
    username: str
    full_name: str
    role: Role
    active: bool


class StaffList(Reply):
    staff: list[StaffAccount]


class StaffBody(Body):
    username: Annotated[Text, AfterValidator(valid_username)] = Field(min_length=3, max_length=32)
    full_name: Text = Field(min_length=1, max_length=200)
    role: Role
    password: Password = Field(json_schema_extra=_PASSWORD_SHORT)


class StaffAdded(Reply):
    id: int
    username: str
    role: Role


class StaffChange(Body):
    role: Role | None = None
    active: bool | None = Field(None, description="false ends the account's sessions")
    password: Password | None = Field(None, json_schema_extra=_PASSWORD_SHORT)


class StaffChanged(Reply):
    id: int
    changed: list[str]


class RejectedLine(Reply):
    line: int
    reason: str


class RegisterImport(Reply):
    applied: bool
    rejected: list[RejectedLine]
    added: int = 0
    updated: int = 0
    no_longer_visitable: int = Field(0, description="released, moved or left off the file")


class GroupCoverage(Reply):
    group: str = Field(description="a block, cell or category")
    inmates: int
    sessions: list[str]


class Coverage(Reply):
    groups: list[GroupCoverage]
    unvisitable: list[str] = Field(description="groups no session admits")
    unknown: list[str] = Field(description="schedule groups no inmate has")


class OutboxMessage(Reply):
    id: int
    event: str
    channel: Literal["email", "webhook"]
    state: Literal["pending", "sent", "failed"]
    attempts: int
    last_error: str | None
    created_at: float


class Outbox(Reply):
    counts: dict[str, int] = Field(description="pending, sent, failed")
    latest: list[OutboxMessage]


class PhotoForm(Body):
    """multipart/form-data: one inmate's photo."""

    foto: bytes = Field(description="JPEG or PNG, up to 2 MB",
                        json_schema_extra={"format": "binary"})


class PhotoStored(Reply):
    inmate_id: int
    photo: str = Field(description="where staff read it")


class PhotoZipForm(Body):
    """multipart/form-data: a ZIP of photos named by registration number."""

    zip: bytes = Field(description="entries named <reg_number>.jpg/.jpeg/.png, each up to 2 MB",
                       json_schema_extra={"format": "binary"})


class RejectedEntry(Reply):
    entry: str
    reason: str


class PhotosImport(Reply):
    applied: bool
    stored: int = 0
    rejected: list[RejectedEntry]


class FacilityOnNode(Reply):
    id: int
    code: str
    waiting: int = Field(description="tickets waiting in the queue")
    visits_called: int
    visits_live: int


class ClusterNode(Reply):
    node_id: str
    role: str = Field(description="web: pages, API and facility hubs (relay workers optional)")
    address: str
    pid: int
    started_at: float
    heartbeat_at: float = Field(description="seconds since the epoch of its last heartbeat")
    seconds_since_heartbeat: float
    this_node: bool = Field(description="the node that answered this request")
    open_sockets: int
    relay_workers: int
    load_average: float = Field(description="the machine's one-minute load average")
    visits: int = Field(description="visits called or live on this node")
    facilities: list[FacilityOnNode]


class Cluster(Reply):
    clustered: bool = Field(description="false: one node, no Redis")
    nodes: list[ClusterNode]
