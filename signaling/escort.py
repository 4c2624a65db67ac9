"""The inmate's way to the station and back, as the seeds' officers walk it (seed 000, steps 3,
4, 6, 7): called over the loudspeaker, fetched from the block ("dijemput"), at the station
("tiba di bilik"), identity compared with the register before the call, checked out after it,
and back in the block ("kembali ke blok"). Pure rules: the facility's state asks them and turns
the answers into records and views."""

from __future__ import annotations

from enum import StrEnum

from signaling.ports import HubError


class Escort(StrEnum):
    CALLED = "called"  # called aloud; the block officer has not set off yet
    FETCHING = "fetching"  # dijemput: the block officer is bringing the inmate
    ARRIVED = "arrived"  # tiba di bilik: at the station, waiting for the identity check


class Return(StrEnum):
    ENDED = "ended"  # the call is over: the officer checks the inmate out
    CHECKED_OUT = "checked_out"  # checked against the register again; the block officer takes over
    RETURNED = "returned"  # kembali ke blok: nothing left to do


_ESCORT_ORDER = (Escort.CALLED, Escort.FETCHING, Escort.ARRIVED)


def escort_to(current: Escort, wanted: Escort) -> Escort:
    """A step forward (an officer who walks the inmate over without marking "dijemput" may mark
    "tiba di bilik" at once); a step already taken or going back is refused."""
    if _ESCORT_ORDER.index(wanted) <= _ESCORT_ORDER.index(current):
        raise HubError("step_order")
    return wanted


def may_start(identity_check: bool, identity_confirmed: bool) -> bool:
    """Where the facility checks identity first, a call starts only after an officer compared
    the inmate at the station with the register's photo."""
    return identity_confirmed or not identity_check


def needs_return(escort: Escort, started: bool) -> bool:
    """An inmate who left the block (fetched, at the station, or in a call) must be checked
    out and brought back; one called but never fetched never left."""
    return started or escort is not Escort.CALLED


def return_to(current: Return, wanted: Return) -> Return:
    """Check-out first, then back to the block: the block officer takes over only an inmate the
    visiting-room officer has checked."""
    allowed = {Return.ENDED: Return.CHECKED_OUT, Return.CHECKED_OUT: Return.RETURNED}
    if allowed.get(current) is not wanted:
        raise HubError("checkout_first" if wanted is Return.RETURNED else "step_order")
    return wanted
