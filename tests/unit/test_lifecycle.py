import pytest

from signaling.lifecycle import (
    CutMedia,
    DeadlineMoved,
    End,
    Extend,
    Finished,
    IllegalTransition,
    OpenMedia,
    Outcome,
    Start,
    Tick,
    Visit,
    VisitState,
    Warn,
)


def called(now: float = 1000.0) -> Visit:
    return Visit(visit_id=7, ticket_id=3, station_id=1, called_at=now)


def test_start_opens_media_with_deadline() -> None:
    visit = called()
    actions = visit.handle(Start(600), now=1010.0)
    assert actions == [OpenMedia(deadline=1610.0)]
    assert visit.state is VisitState.LIVE
    assert visit.seconds_left(1310.0) == 300.0


def test_warnings_once_each_then_cut_at_deadline() -> None:
    visit = called()
    visit.handle(Start(120), now=0.0)
    assert visit.handle(Tick(), now=30.0) == []
    assert visit.handle(Tick(), now=60.0) == [Warn(60)]
    assert visit.handle(Tick(), now=61.0) == []  # not repeated
    assert visit.handle(Tick(), now=110.0) == [Warn(10)]
    assert visit.handle(Tick(), now=119.9) == []
    actions = visit.handle(Tick(), now=120.0)
    assert actions == [CutMedia(), Finished(Outcome.COMPLETED, "deadline")]
    assert visit.state is VisitState.ENDED
    assert visit.actual_seconds() == 120


def test_a_late_tick_gives_only_the_most_urgent_warning() -> None:
    visit = called()
    visit.handle(Start(100), now=0.0)
    assert visit.handle(Tick(), now=95.0) == [Warn(10)]
    assert visit.handle(Tick(), now=96.0) == []


def test_extend_moves_deadline_and_rearms_warnings() -> None:
    visit = called()
    visit.handle(Start(100), now=0.0)
    assert visit.handle(Tick(), now=45.0) == [Warn(60)]
    assert visit.handle(Extend(300), now=50.0) == [DeadlineMoved(deadline=400.0)]
    assert visit.allotted_seconds == 400
    assert visit.handle(Tick(), now=100.0) == []  # old deadline passes, nothing happens
    assert visit.handle(Tick(), now=340.0) == [Warn(60)]  # warned again near the new end


def test_end_early_and_cancel() -> None:
    live = called()
    live.handle(Start(600), now=0.0)
    assert live.handle(End("officer"), now=42.0) == [
        CutMedia(), Finished(Outcome.ENDED_EARLY, "officer")
    ]
    assert live.actual_seconds() == 42
    waiting = called()
    assert waiting.handle(End("inmate sick"), now=5.0) == [
        Finished(Outcome.CANCELLED, "inmate sick")
    ]


@pytest.mark.parametrize(
    ("setup", "event"),
    [
        ([], Extend(60)),
        ([Start(60)], Start(60)),
        ([Start(60), End("x")], End("again")),
        ([Start(60), End("x")], Extend(10)),
        ([End("x")], Start(60)),
    ],
)
def test_illegal_transitions_raise_and_change_nothing(setup: list, event: object) -> None:
    visit = called()
    for step in setup:
        visit.handle(step, now=1.0)
    before = (visit.state, visit.deadline, visit.outcome)
    with pytest.raises(IllegalTransition):
        visit.handle(event, now=2.0)  # type: ignore[arg-type]
    assert (visit.state, visit.deadline, visit.outcome) == before


def test_bad_values_are_refused() -> None:
    visit = called()
    with pytest.raises(ValueError):
        visit.handle(Start(0), now=0.0)
    assert visit.state is VisitState.CALLED
    visit.handle(Start(60), now=0.0)
    with pytest.raises(ValueError):
        visit.handle(Extend(-5), now=1.0)
    assert visit.deadline == 60.0
