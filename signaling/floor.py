"""The officers' floor commands on the facility's state: the block officer's steps, the identity
check before a call, the check-out after it and the return to the block. Each step is written to
the visit's timeline with the officer's name, and shown on the console, the block officer's page
and (before the call) the family's and the station's pages."""

from __future__ import annotations

from typing import Protocol

from signaling import actions as act
from signaling import commands as c
from signaling import escort
from signaling import lifecycle as lc
from signaling import records as rec
from signaling.escort import Escort, Return
from signaling.ports import HubError

FloorCommand = c.EscortStep | c.CheckIdentity | c.CheckOut | c.ReturnedToBlock


class FacilityState(Protocol):
    """What of signaling.facility.FacilityState these steps use (named, not imported: the
    facility hands its floor commands here)."""

    stations: dict[int, rec.StationInfo]
    visits: dict[int, rec.VisitInfo]
    returning: dict[int, rec.Returning]

    def visit(self, visit_id: int) -> rec.VisitInfo: ...

    def handle(self, command: c.Command, now: float) -> list[act.Action]: ...


def handle(state: FacilityState, command: FloorCommand, now: float) -> list[act.Action]:
    match command:
        case c.EscortStep(visit_id=visit_id, step=step, actor=actor):
            info = _called(state, visit_id)
            info.escort = escort.escort_to(info.escort, step)
            return [act.WriteVisitEvent(visit_id, now, step.value, actor), act.PublishVisit(info),
                    act.PublishConsole()]
        case c.CheckIdentity(visit_id=visit_id, confirmed=True, actor=actor):
            info = _called(state, visit_id)
            if info.identity_confirmed:
                raise HubError("step_order")
            info.identity_confirmed = True
            # Compared face to face at the station: the inmate is there, marked or not.
            info.escort = Escort.ARRIVED
            return [act.WriteVisitEvent(visit_id, now, "identity_confirmed", actor),
                    act.PublishVisit(info), act.PublishConsole()]
        case c.CheckIdentity(visit_id=visit_id, confirmed=False, reason=reason, actor=actor):
            info = _called(state, visit_id)
            if not reason:
                raise HubError("reason_required")
            # Not the register's inmate (or not fit to talk): the call is stopped before it
            # starts, and whoever came is checked out and taken back like anyone else.
            info.escort = Escort.ARRIVED
            ended = state.handle(c.EndVisit(visit_id, f"identity: {reason}", actor), now)
            return [act.WriteVisitEvent(visit_id, now, "identity_refused", actor, reason), *ended]
        case c.CheckOut(visit_id=visit_id, actor=actor):
            back = _returning(state, visit_id)
            back.step = escort.return_to(back.step, Return.CHECKED_OUT)
            return [act.WriteVisitEvent(visit_id, now, "checked_out", actor), act.PublishConsole()]
        case c.ReturnedToBlock(visit_id=visit_id, actor=actor):
            back = _returning(state, visit_id)
            escort.return_to(back.step, Return.RETURNED)
            del state.returning[visit_id]
            return [act.WriteVisitEvent(visit_id, now, "returned", actor), act.PublishConsole()]
    raise TypeError(f"unknown command {command!r}")


def called_visit_at(state: FacilityState, station_id: int) -> rec.VisitInfo:
    """The visit whose inmate is being brought to this station (its picture is wanted for the
    identity check); refused when there is none."""
    station = state.stations.get(station_id)
    info = state.visits.get(station.visit_id) if station and station.visit_id else None
    if info is None or info.visit.state is not lc.VisitState.CALLED:
        raise HubError("not_called")
    return info


def _called(state: FacilityState, visit_id: int) -> rec.VisitInfo:
    info = state.visit(visit_id)
    if info.visit.state is not lc.VisitState.CALLED:
        raise HubError("step_order")
    return info


def _returning(state: FacilityState, visit_id: int) -> rec.Returning:
    back = state.returning.get(visit_id)
    if back is None:
        raise HubError("not_returning")
    return back
