"""What supervisors and officers read back: visit records, recordings, reports, the audit
log."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.http.models.common import Query, Reply
from server.http.models.fields import Blank, Day, Id, Text

# visit_records.OUTCOMES
Outcome = Literal["completed", "ended_early", "cancelled", "connection_lost", "interrupted"]
Period = Literal["day", "week", "month"]  # reports.PERIODS


class VisitQuery(Query):
    since: Annotated[Day | None, Blank] = Field(None, alias="from",
                                                description="YYYY-MM-DD, local")
    until: Annotated[Day | None, Blank] = Field(None, alias="to", description="inclusive")
    inmate: Text = Field("", max_length=100)
    visitor: Text = Field("", max_length=100)
    station: Annotated[Id | None, Blank] = None
    outcome: Annotated[Outcome | None, Blank] = None


class VisitRow(Reply):
    """One visit as the history lists it."""

    id: int
    facility_id: int
    ticket_id: int
    ticket_number: int
    ticket_created_at: float
    visitor_name: str
    relation: str
    inmate_id: int
    inmate_name: str
    inmate_reg_number: str
    block: str
    station_id: int
    station_name: str
    officer_id: int
    officer_username: str
    called_at: float
    started_at: float | None
    ended_at: float | None
    allotted_seconds: int
    actual_seconds: int
    paused_seconds: int = Field(0, description="seconds its clock stood still while a line "
                                "was down (not in actual_seconds)")
    outcome: str | None
    end_reason: str
    media_mode: Literal["forward", "transcode"]


class Visits(Reply):
    visits: list[VisitRow]


class TimelineEvent(Reply):
    at: float | None
    kind: str
    actor: str
    detail: str


class VisitRecord(VisitRow):
    timeline: list[TimelineEvent]


class RecordingQuery(Query):
    visit_id: Annotated[Id | None, Blank] = None


class Recording(Reply):
    id: int
    visit_id: int
    side: Literal["family", "station"]
    sha256: str
    bytes: int
    started_at: float
    closed_at: float | None = None


class Recordings(Reply):
    recordings: list[Recording]


class RecordingFileQuery(Query):
    download: Annotated[Literal["0", "1"] | None, Blank] = Field(
        None, description="1: as an attachment")


class ReportQuery(Query):
    period: Period = "day"
    date: Annotated[Day | None, Blank] = Field(None, description="YYYY-MM-DD, local; today")


class ReportRow(Reply):
    """One line of a report: the total, a station or a block (built by http/reports)."""

    kind: str = Field(description="total, station or block")
    group: str
    visits: int
    minutes: float
    avg_wait_minutes: float | None
    max_wait_minutes: float | None
    no_shows: int
    ended_early: int
    lines_lost: int = Field(
        description="visits cut by a line down past the grace or by a server stop")
    paused_minutes: float = Field(
        description="minutes the clocks stood still while a line was down (not in minutes)")
    utilisation: float | None = Field(description="share of the working span in a call")
    # From the officer's call to the call's start: fetching the inmate from the block and
    # checking his identity (seed 000 steps 3-4); per block, it shows which block is far.
    avg_call_to_start_minutes: float | None = Field(
        default=None, description="average minutes from the call to the start")
    max_call_to_start_minutes: float | None = Field(
        default=None, description="longest minutes from the call to the start")


class Report(Reply):
    period: Period
    date: str
    from_: str = Field(alias="from", description="the first day of the period")
    to: str = Field(description="its last day")
    rows: list[ReportRow]
    per_day: list[tuple[str, int]]


class AuditEntry(Reply):
    id: int
    at: float
    actor: str
    role: str
    action: str
    target: str
    outcome: str
    source: str
    hash: str


class AuditLog(Reply):
    intact: bool
    first_break: int | None = None
    events: list[AuditEntry]
