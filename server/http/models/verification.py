"""Registration officers: pending visit requests, approve or reject, ban a visitor."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from server.http.models.common import Body, Reply
from server.http.models.fields import Day, Id, Text

# registration_desk.REJECT_REASONS ("banned" comes from a ban, never chosen)
RejectReason = Literal["data_mismatch", "not_family", "inmate_unavailable", "ktp_unreadable",
                       "other"]


class PendingRequests(Reply):
    requests: list[dict[str, Any]]


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
