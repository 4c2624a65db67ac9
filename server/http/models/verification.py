"""Registration officers: pending visit requests, approve or reject, ban a visitor."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from server.http.models.common import Body, Reply
from server.http.models.fields import Day, Id, Text

# registration_desk.REJECT_REASONS ("banned" comes from a ban, never chosen)
RejectReason = Literal["data_mismatch", "not_family", "inmate_unavailable", "ktp_unreadable",
                       "other"]


class PendingRequest(Reply):
    """A request with what the officer checks it against: the visitor's KTP data and the
    inmate in the register."""

    id: int
    facility_id: int
    state: Literal["pending"]
    created_at: float
    day: str | None = Field(description="the session's local date; null: today's queue")
    session_name: str | None
    visitor_id: int
    visitor_name: str
    nik: str
    relation: str
    phone: str
    address: str
    inmate_id: int
    inmate_name: str
    reg_number: str
    block: str


class PendingRequests(Reply):
    requests: list[PendingRequest]


class RejectBody(Body):
    reason: RejectReason
    note: Text = Field("", max_length=500, description="required for 'other'")


class Decided(Reply):
    request_id: int
    state: Literal["approved", "rejected"]


class BanBody(Body):
    reason: Text = Field(min_length=1, max_length=500)
    until: Day = Field(description="the facility's local date; the ban ends at its start")
    inmate_id: Id | None = Field(None, description="null bans from the whole facility")


class Banned(Reply):
    ban_id: int
    until: float = Field(description="epoch seconds")
    requests_rejected: int
    tickets_cancelled: int
