"""The officers' floor: the block officer's steps, the identity checks, calling aloud."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from server.http.models.common import Body, Reply
from server.http.models.fields import Text


class EscortBody(Body):
    step: Literal["fetching", "arrived"] = Field(
        description='"fetching" (dijemput) or "arrived" (tiba di bilik)')


class IdentityBody(Body):
    confirmed: bool = Field(description="true: the inmate at the station is the register's")
    reason: Text = Field("", max_length=500, description="why the call is stopped (confirmed "
                         "false); required then")


class EscortRow(Reply):
    visit_id: int
    ticket_number: int
    inmate_id: int
    inmate_name: str
    reg_number: str
    block: str
    cell: str
    station_name: str
    step: str
    at: int = Field(description="epoch milliseconds")


class Escort(Reply):
    """Whom to bring, in call order, and whom to take back."""

    to_bring: list[EscortRow]
    to_return: list[EscortRow]
    server_now: int


class Announcement(Reply):
    text: str = Field(description="what is spoken, in Bahasa Indonesia")
    audio: str = Field(description="where the spoken WAV is read (staff only)")
