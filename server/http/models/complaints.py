"""Complaints (pengaduan): filed by anyone, answered by supervisors."""

from __future__ import annotations

from pydantic import Field

from server.http.models.common import Body, Reply
from server.http.models.fields import Text


class ComplaintBody(Body):
    body: Text = Field(min_length=10, max_length=2000)
    name: Text = Field("", max_length=200)
    contact: Text = Field("", max_length=200)
    visit_ref: Text = Field("", max_length=64)


class ComplaintFiled(Reply):
    tracking: str
    state: str


class ComplaintView(Reply):
    tracking: str
    state: str
    body: str
    answer: str | None = None
    created_at: float
    answered_at: float | None = None


class ComplaintRow(ComplaintView):
    id: int
    name: str
    contact: str
    visit_ref: str
    answered_by: str | None = None


class Complaints(Reply):
    complaints: list[ComplaintRow]


class AnswerBody(Body):
    answer: Text = Field(min_length=1, max_length=2000)


class Answered(Reply):
    complaint_id: int
    state: str
