"""Replies built from the hub's views and the audit log's events go out through models: a field
added to one and not to its model would be dropped from the API without a word, so the two are
kept equal."""

from __future__ import annotations

from dataclasses import fields

from pydantic import BaseModel

from server.http.models import officer as m
from server.http.models.floor import EscortRow
from server.http.models.records import AuditEntry
from server.services.audit import AuditEvent
from signaling import views


def _names(view: type) -> set[str]:
    return {f.name for f in fields(view)}


def _model(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_console_models_list_every_field_of_the_hub_views() -> None:
    assert _model(m.VisitReply) == _names(views.VisitSummary)
    assert _model(m.QueueTicket) == _names(views.TicketRow)
    assert _model(m.QueueStation) == _names(views.StationRow)
    assert _model(m.Console) == _names(views.ConsoleView) | {"type"}
    assert _model(EscortRow) == _names(views.EscortRow)


def test_a_view_goes_out_as_its_model_says() -> None:
    summary = views.VisitSummary(
        visit_id=1, state="live", ticket_number=3, visitor_name="Sri", inmate_name="Budi",
        station_id=2, station_name="Bilik 1", allotted_seconds=600, seconds_left=590,
        ends_at=1_700_000_000_000, legs_lost=[], paused=True, paused_seconds=12,
        gives_up_at=1_700_000_100_000, outcome=None, media_mode="forward",
        legal=False, recording=False, relation="spouse", escort="arrived",
        identity_confirmed=True, inmate_id=4, reg_number="B.I-001/2026", block="A", cell="A-3")
    assert m.VisitReply.model_validate(summary).model_dump() == summary.to_dict()


def test_the_audit_entry_lists_every_field_of_an_event() -> None:
    assert _model(AuditEntry) == _names(AuditEvent) | {"id", "hash"}
