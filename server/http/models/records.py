"""What supervisors and officers read back: visit records, recordings, reports, the audit
log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

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


class Visits(Reply):
    visits: list[dict[str, Any]]


class VisitRecord(Reply):
    id: int
    timeline: list[dict[str, Any]]


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


class Report(Reply):
    period: Period
    date: str
    rows: list[dict[str, Any]]
    per_day: list[tuple[str, int]]


class AuditLog(Reply):
    intact: bool
    first_break: int | None = None
    events: list[dict[str, Any]]
