"""Today's queue of tickets at one facility, as pure rules.

Order is by queue number, except that a ticket owed a visit (a make-up, or one whose call the
facility cancelled) comes before all others. A ticket whose family is not in the queue room when
its turn comes is skipped but keeps its place for a grace period, so a family that stepped away
is called as soon as it is back; after the grace period it becomes a no-show.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"  # a visit exists for it (called or live)
    DONE = "done"
    NO_SHOW = "no_show"


class UnknownTicket(KeyError):
    pass


@dataclass
class QueueTicket:
    ticket_id: int
    number: int
    state: TicketState = TicketState.WAITING
    present: bool = False
    skipped_at: float | None = None
    joined_at: float | None = None  # when it joined this queue, for how long families wait
    first: bool = False  # owed a visit: called before the others


@dataclass(frozen=True)
class QueuePolicy:
    call_seconds: int
    changeover_seconds: int
    grace_seconds: int


class VisitQueue:
    def __init__(self, policy: QueuePolicy) -> None:
        self.policy = policy
        self._tickets: dict[int, QueueTicket] = {}

    def add(self, ticket: QueueTicket) -> None:
        self._tickets[ticket.ticket_id] = ticket

    def remove(self, ticket_id: int) -> None:
        self._tickets.pop(ticket_id, None)

    def get(self, ticket_id: int) -> QueueTicket:
        try:
            return self._tickets[ticket_id]
        except KeyError:
            raise UnknownTicket(ticket_id) from None

    def tickets(self) -> list[QueueTicket]:
        return sorted(self._tickets.values(), key=lambda t: (not t.first, t.number))

    def waiting(self) -> list[QueueTicket]:
        return [t for t in self.tickets() if t.state is TicketState.WAITING]

    def set_present(self, ticket_id: int, present: bool) -> None:
        self.get(ticket_id).present = present

    def pick_next(self, now: float) -> QueueTicket | None:
        """The first waiting ticket whose family is present; absent ones ahead get skipped."""
        for ticket in self.waiting():
            if ticket.present:
                return ticket
            if ticket.skipped_at is None:
                ticket.skipped_at = now
        return None

    def mark(self, ticket_id: int, state: TicketState) -> None:
        self.get(ticket_id).state = state

    def put_first(self, ticket_id: int) -> None:
        """Back in the queue ahead of everyone: its call was cancelled through no fault of its
        own. It is not skipped for having been away meanwhile."""
        ticket = self.get(ticket_id)
        ticket.state = TicketState.WAITING
        ticket.first = True
        ticket.skipped_at = None

    def expire_skipped(self, now: float) -> list[QueueTicket]:
        """Skipped tickets still absent after the grace period become no-shows."""
        expired = []
        for ticket in self.waiting():
            if (
                not ticket.present
                and ticket.skipped_at is not None
                and now - ticket.skipped_at >= self.policy.grace_seconds
            ):
                ticket.state = TicketState.NO_SHOW
                expired.append(ticket)
        return expired

    def position(self, ticket_id: int) -> int | None:
        """1-based place among waiting tickets, or None when the ticket no longer waits."""
        for index, ticket in enumerate(self.waiting(), start=1):
            if ticket.ticket_id == ticket_id:
                return index
        return None

    def estimated_wait(self, ticket_id: int, stations: int, first_free_in: float) -> int | None:
        """Seconds until this ticket is likely called.

        `first_free_in` is how long until the soonest station is free (0 when one is idle). Tickets
        ahead are served `stations` at a time, one call plus changeover each.
        """
        place = self.position(ticket_id)
        if place is None:
            return None
        slot = self.policy.call_seconds + self.policy.changeover_seconds
        rounds = (place - 1) // max(1, stations)
        return int(first_free_in + rounds * slot)
