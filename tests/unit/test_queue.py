from signaling.queue import QueuePolicy, QueueTicket, TicketState, VisitQueue

POLICY = QueuePolicy(call_seconds=600, changeover_seconds=60, grace_seconds=300)


def queue_of(*numbers: int) -> VisitQueue:
    q = VisitQueue(POLICY)
    for n in numbers:
        q.add(QueueTicket(ticket_id=100 + n, number=n))
    return q


def test_positions_follow_numbers_and_move_when_called() -> None:
    q = queue_of(3, 1, 2)
    assert [q.position(100 + n) for n in (1, 2, 3)] == [1, 2, 3]
    q.mark(101, TicketState.CALLED)
    assert q.position(101) is None
    assert q.position(102) == 1
    assert q.position(103) == 2


def test_absent_family_is_skipped_but_keeps_its_place() -> None:
    q = queue_of(1, 2)
    q.set_present(102, True)
    picked = q.pick_next(now=10.0)
    assert picked is not None and picked.number == 2
    assert q.get(101).skipped_at == 10.0
    # Number 1 comes back before the grace period ends: it is first again.
    q.mark(102, TicketState.CALLED)
    q.set_present(101, True)
    assert q.expire_skipped(now=200.0) == []
    again = q.pick_next(now=200.0)
    assert again is not None and again.number == 1


def test_skipped_and_still_absent_after_grace_is_no_show() -> None:
    q = queue_of(1, 2)
    q.set_present(102, True)
    q.pick_next(now=0.0)
    assert q.expire_skipped(now=299.0) == []
    expired = q.expire_skipped(now=300.0)
    assert [t.number for t in expired] == [1]
    assert q.get(101).state is TicketState.NO_SHOW
    assert q.position(102) == 1


def test_nobody_present_gives_none() -> None:
    q = queue_of(1, 2)
    assert q.pick_next(now=0.0) is None


def test_estimated_wait_counts_rounds_of_stations() -> None:
    q = queue_of(1, 2, 3, 4, 5)
    # Two stations, both free: 1 and 2 go now, 3 and 4 after one slot, 5 after two.
    assert [q.estimated_wait(100 + n, stations=2, first_free_in=0) for n in range(1, 6)] == [
        0, 0, 660, 660, 1320
    ]
    # Both busy, the first frees in 90 s.
    assert q.estimated_wait(101, stations=2, first_free_in=90) == 90
    assert q.estimated_wait(103, stations=2, first_free_in=90) == 750
    q.mark(101, TicketState.DONE)
    assert q.estimated_wait(101, stations=2, first_free_in=0) is None
