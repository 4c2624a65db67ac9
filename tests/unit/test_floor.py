"""The officers' floor as pure rules and state: the inmate fetched and at the station, the
identity check before the call (when the facility wants it), check-out after it and back to the
block; each step in the timeline with the officer's name, and in the views."""

from __future__ import annotations

import pytest

from signaling import actions as act
from signaling import commands as c
from signaling import escort, views
from signaling import records as rec
from signaling.escort import Escort, Return
from signaling.facility import FacilityState
from signaling.ports import HubError
from signaling.queue import QueuePolicy

NOW = 1_800_000_000.0
BUDI = "Budi Blok (budi)"
SARI = "Sari Kunjungan (sari)"


def _state(identity_check: bool = True) -> FacilityState:
    state = FacilityState(1, "Lapas Demo", QueuePolicy(600, 60, 300))
    state.identity_check = identity_check
    for n in (1, 2):
        state.handle(c.AddStation(n, f"Bilik {n}"), NOW)
    for n, (name, block, cell) in enumerate((("Ahmad Fauzi", "Blok A", "A-3"),
                                             ("Joko Prasetyo", "Blok B", "B-1")), start=1):
        state.handle(c.AddTicket(rec.TicketInfo(100 + n, n, f"Keluarga {n}", "spouse", 10 + n,
                                              name, "2026-11-23", reg_number=f"REG-{n}",
                                              block=block, cell=cell)), NOW)
        state.handle(c.FamilyJoined(100 + n), NOW)
    return state


def _call(state: FacilityState, station_id: int, visit_id: int, now: float) -> rec.VisitInfo:
    state.handle(c.CallNext(station_id, 5, "petugas"), now)
    state.handle(c.CallRecorded(station_id, visit_id), now)
    return state.visit(visit_id)


def _refused(state: FacilityState, command: c.Command) -> str:
    with pytest.raises(HubError) as refused:
        state.handle(command, NOW)
    return refused.value.code


def test_the_rules_go_forward_only_and_check_out_comes_before_the_block() -> None:
    assert escort.escort_to(Escort.CALLED, Escort.FETCHING) is Escort.FETCHING
    assert escort.escort_to(Escort.CALLED, Escort.ARRIVED) is Escort.ARRIVED
    for current, wanted in ((Escort.FETCHING, Escort.FETCHING), (Escort.ARRIVED, Escort.FETCHING)):
        with pytest.raises(HubError):
            escort.escort_to(current, wanted)
    assert escort.may_start(identity_check=True, identity_confirmed=True)
    assert not escort.may_start(identity_check=True, identity_confirmed=False)
    assert escort.may_start(identity_check=False, identity_confirmed=False)
    assert not escort.needs_return(Escort.CALLED, started=False)
    assert escort.needs_return(Escort.FETCHING, started=False)
    with pytest.raises(HubError) as first:
        escort.return_to(Return.ENDED, Return.RETURNED)
    assert first.value.code == "checkout_first"


def test_the_way_there_and_back_with_every_step_in_the_timeline() -> None:
    state = _state()
    info = _call(state, 1, 7, NOW)
    acted = state.handle(c.EscortStep(7, Escort.FETCHING, BUDI), NOW + 30)
    assert acted[0] == act.WriteVisitEvent(7, NOW + 30, "fetching", BUDI)
    called = views.visit_view(info, NOW + 30).to_message()
    assert called["type"] == "called" and called["step"] == "fetching"
    assert _refused(state, c.StartVisit(7, 600, "petugas")) == "identity_unchecked"
    state.handle(c.EscortStep(7, Escort.ARRIVED, BUDI), NOW + 200)
    assert _refused(state, c.EscortStep(7, Escort.FETCHING, BUDI)) == "step_order"
    confirmed = state.handle(c.CheckIdentity(7, True, "", SARI), NOW + 230)
    assert confirmed[0] == act.WriteVisitEvent(7, NOW + 230, "identity_confirmed", SARI)
    state.handle(c.StartVisit(7, 600, "petugas"), NOW + 240)
    assert _refused(state, c.CheckOut(7, SARI)) == "not_returning"  # the call still runs
    state.handle(c.EndVisit(7, "officer", "petugas"), NOW + 500)

    console = views.console_view(state, NOW + 500)
    assert [(r.inmate_name, r.step) for r in console.returning] == [("Ahmad Fauzi", "ended")]
    assert _refused(state, c.ReturnedToBlock(7, BUDI)) == "checkout_first"
    assert state.handle(c.CheckOut(7, SARI), NOW + 520)[0] == act.WriteVisitEvent(
        7, NOW + 520, "checked_out", SARI)
    assert views.escort_view(state, NOW + 520).to_return[0].step == "checked_out"
    assert state.handle(c.ReturnedToBlock(7, BUDI), NOW + 700)[0] == act.WriteVisitEvent(
        7, NOW + 700, "returned", BUDI)
    assert state.returning == {}


def test_the_block_officer_sees_whom_to_bring_in_call_order_with_block_and_cell() -> None:
    state = _state()
    _call(state, 2, 8, NOW)
    _call(state, 1, 9, NOW + 5)
    seen = views.escort_view(state, NOW + 10).to_message()
    assert [(r["inmate_name"], r["block"], r["cell"], r["station_name"], r["step"])
            for r in seen["to_bring"]] == [("Ahmad Fauzi", "Blok A", "A-3", "Bilik 2", "called"),
                                           ("Joko Prasetyo", "Blok B", "B-1", "Bilik 1", "called")]
    assert seen["to_bring"][0]["reg_number"] == "REG-1"


def test_an_identity_refused_stops_the_call_and_the_inmate_goes_back() -> None:
    state = _state()
    _call(state, 1, 7, NOW)
    assert _refused(state, c.CheckIdentity(7, False, "", SARI)) == "reason_required"
    stopped = state.handle(c.CheckIdentity(7, False, "bukan orang yang terdaftar", SARI), NOW + 60)
    writes = [a for a in stopped if isinstance(a, act.WriteVisitEvent)]
    assert [(w.kind, w.actor, w.detail) for w in writes] == [
        ("identity_refused", SARI, "bukan orang yang terdaftar"),
        ("ended", SARI, "cancelled: identity: bukan orang yang terdaftar")]
    assert 7 not in state.visits and 7 in state.returning


def test_one_called_but_never_fetched_never_left_the_block() -> None:
    state = _state()
    _call(state, 1, 7, NOW)
    state.handle(c.EndVisit(7, "cancelled", "petugas"), NOW + 10)
    assert state.returning == {}


def test_without_the_setting_a_call_starts_unchecked() -> None:
    state = _state(identity_check=False)
    _call(state, 1, 7, NOW)
    state.handle(c.StartVisit(7, 600, "petugas"), NOW + 1)
    assert views.console_view(state, NOW + 1).identity_check is False
