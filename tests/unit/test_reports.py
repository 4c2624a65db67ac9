from datetime import date

from server.http.reports import period_days, summarise


def visit(i: int, station: str, block: str, called: float, started: float | None,
          actual: int, outcome: str, created: float) -> dict[str, object]:
    return {"id": i, "station_name": station, "block": block, "called_at": called,
            "started_at": started, "ended_at": (started or called) + actual,
            "actual_seconds": actual, "outcome": outcome, "ticket_created_at": created}


def test_periods() -> None:
    assert period_days("day", date(2026, 11, 25)) == [date(2026, 11, 25)]
    week = period_days("week", date(2026, 11, 25))  # a Wednesday
    assert week[0] == date(2026, 11, 23) and week[-1] == date(2026, 11, 29)
    assert len(period_days("month", date(2026, 2, 10))) == 28


def test_summary_per_station_block_and_total() -> None:
    visits = [
        visit(1, "Bilik 1", "Blok A", 1000, 1060, 600, "completed", 400),
        visit(2, "Bilik 2", "Blok A", 1100, 1160, 300, "ended_early", 200),
        visit(3, "Bilik 1", "Blok B", 1700, None, 0, "cancelled", 1100),
    ]
    visits[1]["paused_seconds"] = 90
    day_of = {1: "2026-11-25", 2: "2026-11-25", 3: "2026-11-25"}
    rows = {(r.kind, r.group): r for r in summarise(visits, ["Blok B"], day_of)}
    total = rows[("total", "")]
    assert (total.visits, total.minutes, total.no_shows, total.ended_early) == (2, 15.0, 1, 1)
    assert (total.lines_lost, total.paused_minutes) == (0, 1.5)
    # Waits run from the ticket to the call, whether or not the visit was then held.
    assert total.avg_wait_minutes == 11.7 and total.max_wait_minutes == 15.0
    # The working day ran from the first call (1000) to the last end (1700): 700 s.
    assert rows[("station", "Bilik 1")].utilisation == round(600 / 700, 3)
    assert rows[("station", "Bilik 2")].utilisation == round(300 / 700, 3)
    assert rows[("block", "Blok B")].visits == 0 and rows[("block", "Blok B")].no_shows == 1
    assert rows[("block", "Blok A")].utilisation is None
