"""Each seed facility's example schedule gives the right answers on sample days (the week of
2026-11-23, a Monday), plus the fair-share call length."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from signaling.schedule import (
    ScheduleError,
    current_session,
    fair_share_minutes,
    load_schedule,
    minutes_until_close,
    open_slots,
    parse_schedule,
    registration_open,
    sessions_for,
    sessions_on,
    visits_left,
    week_of,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "facilities"
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, d) for d in range(23, 30))


def names(sessions: list) -> list[str]:  # type: ignore[type-arg]
    return [s.name for s in sessions]


def test_every_seed_facility_has_a_schedule() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.toml")) == [
        "ambarawa", "banten", "jepara", "pekalongan", "tanjungpinang"]


def test_jepara_visits_by_cell() -> None:
    s = load_schedule(EXAMPLES / "jepara.toml")
    assert names(sessions_for(s, {"Kamar 12"}, MON)) == ["Senin pagi", "Senin siang"]
    assert sessions_for(s, {"Kamar 12"}, TUE) == []
    assert names(sessions_for(s, {"kamar 7"}, TUE)) == ["Selasa pagi", "Selasa siang"]
    # Friday and Saturday mornings only; no afternoon after Thursday.
    assert [(x.start, x.end) for x in sessions_for(s, {"kamar 9"}, FRI)] == [
        (time(8), time(11))]
    assert sessions_on(s, SUN) == []
    assert sessions_on(s, date(2026, 12, 25)) == []  # closed on Christmas
    assert (s.min_call_minutes, s.max_call_minutes) == (5, 10)


def test_ambarawa_by_category_with_a_registration_window() -> None:
    s = load_schedule(EXAMPLES / "ambarawa.toml")
    assert names(sessions_for(s, {"narkotika"}, MON)) == ["Narkotika"]
    assert names(sessions_for(s, {"narkotika"}, THU)) == ["Narkotika"]
    assert sessions_for(s, {"narkotika"}, WED) == []
    assert names(sessions_for(s, {"lansia"}, TUE)) == ["Lansia, kamar, tahanan"]
    assert names(sessions_for(s, {"umum"}, SAT)) == ["Narapidana umum"]
    session = sessions_for(s, {"umum"}, WED)[0]
    assert not registration_open(session, datetime(2026, 11, 25, 8, 29))
    assert registration_open(session, datetime(2026, 11, 25, 8, 45))
    assert not registration_open(session, datetime(2026, 11, 25, 9, 0))


def test_tanjungpinang_pekalongan_banten() -> None:
    t = load_schedule(EXAMPLES / "tanjungpinang.toml")
    assert names(sessions_on(t, THU)) == ["Pagi", "Siang"] and names(sessions_on(t, FRI)) == [
        "Pagi"]
    assert (t.min_call_minutes, t.max_call_minutes) == (10, 15)
    p = load_schedule(EXAMPLES / "pekalongan.toml")
    assert p.stations == 4 and names(sessions_on(p, SAT)) == ["Pagi"]
    assert registration_open(sessions_on(p, MON)[0], datetime(2026, 11, 23, 11, 59))
    assert not registration_open(sessions_on(p, MON)[0], datetime(2026, 11, 23, 12, 0))
    b = load_schedule(EXAMPLES / "banten.toml")
    assert names(sessions_on(b, TUE)) == ["Kunjungan terjadwal"] and sessions_on(b, MON) == []
    assert not b.same_day_queue and visits_left(b, 1) == 0 and visits_left(p, 1) == 1


def test_fair_share_shrinks_for_a_long_queue_and_grows_for_a_short_one() -> None:
    p = load_schedule(EXAMPLES / "pekalongan.toml")  # 4 PCs, 5-15 min, 2 min changeover
    assert fair_share_minutes(p, waiting=0, minutes_until_close=120) == 10
    # 40 waiting = 10 rounds of 4 in 120 minutes: 12 min per round, 10 of it talking.
    assert fair_share_minutes(p, waiting=40, minutes_until_close=120) == 10
    assert fair_share_minutes(p, waiting=60, minutes_until_close=120) == 6
    assert fair_share_minutes(p, waiting=200, minutes_until_close=120) == 5  # the floor
    assert fair_share_minutes(p, waiting=4, minutes_until_close=120) == 15  # the ceiling
    assert fair_share_minutes(p, waiting=20, minutes_until_close=60) == 10


@pytest.mark.parametrize("change", [
    {"sessions": [{"days": ["mon"], "start": "11:00", "end": "09:00"}]},
    {"sessions": [{"days": ["senin"], "start": "09:00", "end": "11:00"}]},
    {"sessions": [{"days": ["mon"], "start": "9 pagi", "end": "11:00"}]},
    {"rules": {"default_call_minutes": 10, "min_call_minutes": 12}},
])
def test_bad_schedules_are_refused_with_a_reason(change: dict) -> None:  # type: ignore[type-arg]
    data = {"facility": {"name": "X"}, "rules": {"default_call_minutes": 10},
            "sessions": [{"days": ["mon"], "start": "09:00", "end": "11:00"}]}
    data.update(change)
    with pytest.raises(ScheduleError):
        parse_schedule(data)


def keys(slots: list) -> list[tuple[date, str]]:  # type: ignore[type-arg]
    return [(x.day, x.session.name) for x in slots]


def test_ambarawa_offers_only_todays_session_inside_its_registration_window() -> None:
    s = load_schedule(EXAMPLES / "ambarawa.toml")
    narkotika = {"narkotika"}
    # Monday 08:45: registration for today's narcotics session is open; Thursday's session is
    # asked for on Thursday itself, so it is not offered yet.
    at = datetime(2026, 11, 23, 8, 45)
    assert keys(open_slots(s, narkotika, at, {}, horizon_days=6)) == [(MON, "Narkotika")]
    # At 09:00 the window has closed: nothing to choose this week.
    assert open_slots(s, narkotika, datetime(2026, 11, 23, 9, 0), {}, horizon_days=6) == []


def test_serang_verifies_first_so_today_is_never_offered() -> None:
    s = load_schedule(EXAMPLES / "banten.toml")
    slots = open_slots(s, {"Blok A"}, datetime(2026, 11, 24, 7, 0), {}, horizon_days=7)
    assert [x.day for x in slots] == [THU, date(2026, 12, 1)]
    assert slots[0].key == "2026-11-26/0"


def test_the_weekly_limit_closes_a_week_not_the_next() -> None:
    s = load_schedule(EXAMPLES / "pekalongan.toml")  # two visits a week
    at = datetime(2026, 11, 27, 7, 0)  # Friday
    free = open_slots(s, {"Blok A"}, at, {}, horizon_days=3)
    assert {x.day for x in free} >= {FRI, SAT}
    full = open_slots(s, {"Blok A"}, at, {week_of(FRI): 2}, horizon_days=3)
    assert [x.day for x in full] and all(x.day >= date(2026, 11, 30) for x in full)
    assert all(week_of(x.day) != week_of(FRI) for x in full)


def test_holidays_are_never_offered() -> None:
    s = load_schedule(EXAMPLES / "banten.toml")
    slots = open_slots(s, {"Blok A"}, datetime(2026, 12, 21, 7, 0), {}, horizon_days=7)
    assert date(2026, 12, 25) not in {x.day for x in slots}
    assert date(2026, 12, 24) in {x.day for x in slots}  # a Thursday


def test_the_session_running_now_and_its_minutes_left() -> None:
    s = load_schedule(EXAMPLES / "pekalongan.toml")
    morning = datetime(2026, 11, 23, 10, 0)
    session = current_session(s, morning)
    assert session is not None and session.start == time(8, 30)
    assert minutes_until_close(session, morning) == pytest.approx(
        (datetime.combine(MON, session.end) - morning).total_seconds() / 60)
    # Before the session starts the whole session is ahead.
    early = datetime(2026, 11, 23, 6, 0)
    assert minutes_until_close(session, early) == pytest.approx(
        (datetime.combine(MON, session.end) - datetime.combine(MON, session.start))
        .total_seconds() / 60)
    assert current_session(s, datetime(2026, 11, 29, 10, 0)) is None  # Sunday


def test_servable_counts_whole_visits_on_every_station() -> None:
    from signaling.schedule import servable

    s = load_schedule(EXAMPLES / "pekalongan.toml")  # 4 stations, 2 minutes changeover
    assert servable(s, 60, 10) == 4 * 5
    assert servable(s, 11, 10) == 0
    assert servable(s, 0, 5) == 0


def test_coverage_names_blocks_nobody_may_visit_and_groups_that_match_nobody() -> None:
    from signaling.schedule import coverage

    s = load_schedule(EXAMPLES / "ambarawa.toml")
    register = [{"Blok A", "narkotika"}, {"Blok A", "umum"}, {"Blok B", "lansia"},
                {"Blok W", "wanita"}]
    report = coverage(s, register)
    assert report.groups["Blok A"] == (2, ())  # admitted through its categories, not by name
    assert report.groups["narkotika"] == (1, ("Narkotika",))
    # The women's block matches no session of this schedule: nobody may visit them.
    assert report.unvisitable == ("Blok W", "wanita")
    # The schedule admits detainees and "kamar", which this register does not have.
    assert report.unknown == ("kamar", "tahanan")


def test_two_sessions_of_one_name_on_one_day_are_refused() -> None:
    text = """
[facility]
name = "x"
[rules]
default_call_minutes = 10
[[sessions]]
name = "Pagi"
days = ["mon", "tue"]
start = "08:00"
end = "10:00"
[[sessions]]
name = "Pagi"
days = ["tue"]
start = "10:00"
end = "11:00"
"""
    import tomllib

    with pytest.raises(ScheduleError, match="two sessions named 'Pagi' on tue"):
        parse_schedule(tomllib.loads(text))


def test_why_nothing_can_be_asked_for() -> None:
    from signaling.schedule import no_slot_reason

    s = load_schedule(EXAMPLES / "ambarawa.toml")  # one visit a week
    assert no_slot_reason(s, WED, {week_of(WED): 1}) == "weekly_limit"
    assert no_slot_reason(s, WED, {week_of(WED - timedelta(days=7)): 1}) == "no_session"
