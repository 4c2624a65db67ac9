"""Asking for a visit as the schedule allows: a session chosen among those open to the inmate,
the weekly limit, a later day's ticket joining its day's queue, and asking by name and block
where the facility allows it. The test clock is a Tuesday, 09:00 WIB."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from yarl import URL

from server.db import ticket_rows
from server.keys import ENGINE
from server.services.hubs import load_todays_tickets
from tests.conftest import Sambang
from tests.integration.test_registration import GOOD, ask_on_page, jpeg_with_exif, submit
from tests.peers import Peer


async def api_visitor(s: Sambang, **changes: str) -> str:
    resp = await submit(s, {**GOOD, **changes}, jpeg_with_exif())
    assert resp.status == 303, await resp.text()
    return str(resp.headers["Location"]).rsplit("/", 1)[1]


async def slots(s: Sambang, token: str, **ref: str) -> tuple[int, Any]:
    resp = await s.client.get(f"/api/visitors/{token}/slots", params=ref)
    return resp.status, await resp.json()


async def test_sessions_offered_follow_the_schedule_and_the_weekly_limit(
    sambang: Sambang,
) -> None:
    s = sambang
    token = await api_visitor(s)
    status, body = await slots(s, token, reg_number="B.I-001/2026")  # Blok A
    assert status == 200
    offered = body["slots"]
    today = date.fromisoformat(offered[0]["day"])
    assert today.weekday() == 1  # Tuesday
    # Blok A visits in the morning and in the afternoon; Sunday never appears.
    assert [(o["day"], o["session"]) for o in offered[:2]] == [
        (today.isoformat(), "Pagi"), (today.isoformat(), "Siang (Blok A dan Blok Wanita)")]
    assert all(date.fromisoformat(o["day"]).weekday() != 6 for o in offered)
    # Blok C has no afternoon session.
    _, body_c = await slots(s, token, reg_number="B.I-033/2025")
    assert {o["session"] for o in body_c["slots"]} == {"Pagi"}

    # One request at a time per inmate: the second waits for the officer's answer.
    ask = {"reg_number": "B.I-001/2026"}
    resp = await s.client.post(f"/api/visitors/{token}/requests",
                               json={**ask, "slot": offered[0]["key"]})
    assert resp.status == 201, await resp.text()
    resp = await s.client.post(f"/api/visitors/{token}/requests",
                               json={**ask, "slot": offered[1]["key"]})
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "request_pending"
    # Another family's pending request holds no place: this week is still offered to them.
    other = await api_visitor(s, nik="3171011203050001", phone="0813 1111 2222")
    _, theirs = await slots(s, other, **ask)
    assert theirs["slots"][0]["day"] == today.isoformat()

    # Two visits a week: approved, the first and a second (auto-approved) use them up.
    csrf = await s.login()
    pending = (await (await s.client.get("/api/requests")).json())["requests"]
    await s.post(f"/api/requests/{pending[0]['id']}/approve", {}, csrf)
    s.client.session.cookie_jar.clear()
    resp = await s.client.post(f"/api/visitors/{token}/requests",
                               json={**ask, "slot": offered[1]["key"]})
    assert resp.status == 201 and (await resp.json())["state"] == "approved"
    next_monday = today + timedelta(days=6)
    for who in (token, other):  # full for everyone now
        _, after = await slots(s, who, **ask)
        assert after["slots"] and all(date.fromisoformat(o["day"]) >= next_monday
                                      for o in after["slots"])
    # A slot of the full week, sent anyway, is refused.
    resp = await s.client.post(f"/api/visitors/{other}/requests",
                               json={**ask, "slot": offered[2]["key"]})
    assert resp.status == 422 and (await resp.json())["error"]["code"] == "slot_required"


async def test_a_later_days_ticket_joins_that_days_queue(sambang: Sambang) -> None:
    s = sambang
    resp = await submit(s, GOOD, jpeg_with_exif())
    visitor_path = resp.headers["Location"]
    token = visitor_path.rsplit("/", 1)[1]
    _, body = await slots(s, token, reg_number="B.I-001/2026")
    tomorrow = next(o for o in body["slots"] if o["day"] != body["slots"][0]["day"])
    resp = await ask_on_page(s, visitor_path, {"reg_number": "B.I-001/2026"},
                             slot=tomorrow["key"])
    assert resp.status == 200
    csrf = await s.login()
    pending = (await (await s.client.get("/api/requests")).json())["requests"]
    status, _ = await s.post(f"/api/requests/{pending[0]['id']}/approve", {}, csrf)
    assert status == 200
    assert (await (await s.client.get("/api/queue")).json())["tickets"] == []
    walk_in_id, _ = await s.issue_ticket(csrf, "Tamu Hari Ini")  # waits today, never comes

    s.client.session.cookie_jar.clear()
    page = await (await s.client.get(f"{visitor_path}?lang=id")).text()
    link = re.search(r'href="(http[^"]+/t/[^"]+)"', page)
    assert link and "Rabu" in page
    early = await s.client.get(URL(link.group(1)).path + "?lang=id")
    assert early.status == 200 and "Kunjungan terjadwal" in await early.text()
    assert "Rabu" in await early.text()

    s.clock.offset += 86400  # Wednesday: the ticket joins the day's queue
    assert await load_todays_tickets(s.app, 1) == 1
    assert (await s.client.get(URL(link.group(1)).path)).status == 200
    await s.login()
    queue = (await (await s.client.get("/api/queue")).json())["tickets"]
    # Tuesday's ticket that never came has left the queue as a no-show.
    assert [(t["number"], t["visitor_name"]) for t in queue] == [(1, "Sri Wahyuni")]
    tuesday = await ticket_rows.tickets_for_day(s.app[ENGINE], 1, body["slots"][0]["day"])
    assert [(t.id, t.state) for t in tuesday] == [(walk_in_id, "no_show")]


async def test_asking_by_name_and_block_only_where_allowed(sambang: Sambang) -> None:
    s = sambang
    token = await api_visitor(s)
    ref = {"full_name": "ahmad  fauzi", "block": "blok a"}
    status, body = await slots(s, token, **ref)
    assert status == 404 and body["error"]["code"] == "inmate_unknown"
    csrf = await s.login("admin")
    status, settings = await s.post("/api/admin/facility", {"ask_by_name": True}, csrf)
    assert status == 200 and settings["ask_by_name"] is True
    s.client.session.cookie_jar.clear()
    status, body = await slots(s, token, **ref)
    assert status == 200 and body["slots"][0]["session"] == "Pagi"
    # The right name in the wrong block tells nothing.
    status, body = await slots(s, token, full_name="Ahmad Fauzi", block="Blok C")
    assert status == 404 and body["error"]["code"] == "inmate_unknown"
    resp = await s.client.post(f"/api/visitors/{token}/requests",
                               json={**ref, "slot": body_key(await slots(s, token, **ref))})
    assert resp.status == 201
    mine = await (await s.client.get(f"/api/visitors/{token}")).json()
    assert [(r["inmate_name"], r["session"]) for r in mine["requests"]] == [
        ("Ahmad Fauzi", "Pagi")]


async def approved(s: Sambang, token: str, slot_index: int) -> tuple[dict[str, Any], str]:
    """Ask for Ahmad Fauzi in the offered slot `slot_index`, and have the officer approve it;
    returns the request as the officer saw it and the officer's CSRF token."""
    _, body = await slots(s, token, reg_number="B.I-001/2026")
    resp = await s.client.post(f"/api/visitors/{token}/requests", json={
        "reg_number": "B.I-001/2026", "slot": body["slots"][slot_index]["key"]})
    assert resp.status == 201, await resp.text()
    csrf = await s.login()
    pending = (await (await s.client.get("/api/requests")).json())["requests"]
    status, _ = await s.post(f"/api/requests/{pending[0]['id']}/approve", {}, csrf)
    assert status == 200
    return pending[0], csrf


def body_key(answer: tuple[int, Any]) -> str:
    return str(answer[1]["slots"][0]["key"])


async def test_the_visit_timeline_starts_with_the_request_and_its_approval(
    sambang: Sambang,
) -> None:
    s = sambang
    token = await api_visitor(s)
    _, csrf = await approved(s, token, 0)
    mine = await (await s.client.get(f"/api/visitors/{token}")).json()
    family = await Peer(s.client, "/ws/ticket/" + mine["requests"][0]["queue_room"]
                        .rsplit("/", 1)[1]).open()
    try:
        await family.wait_for("queue")
        station_id, _ = await s.station_token()
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201, visit
        record = await (await s.client.get(f"/api/visits/{visit['visit_id']}")).json()
        kinds = [(e["kind"], e["actor"]) for e in record["timeline"]]
        assert kinds[:4] == [("requested", "Sri Wahyuni"), ("approved", "petugas"),
                             ("registered", "Sri Wahyuni"), ("called", "petugas")]
        assert "Pagi" in record["timeline"][0]["detail"]
    finally:
        await family.close()


async def test_an_afternoon_ticket_waits_for_its_session_and_a_ban_withdraws_it(
    sambang: Sambang,
) -> None:
    s = sambang
    token = await api_visitor(s)
    _, body = await slots(s, token, reg_number="B.I-001/2026")
    assert body["slots"][1]["session"].startswith("Siang")
    request, csrf = await approved(s, token, 1)
    # At 09:00 the afternoon family is not in the morning's queue.
    assert (await (await s.client.get("/api/queue")).json())["tickets"] == []
    mine = await (await s.client.get(f"/api/visitors/{token}")).json()
    room = URL(mine["requests"][0]["queue_room"]).path
    early = await s.client.get(room + "?lang=id")
    assert early.status == 200 and "Ruang antrean dibuka pukul 12.30 WIB" in await early.text()

    s.clock.offset += 3 * 3600 + 31 * 60  # 12:31: the 13:00 session's queue is open
    assert await load_todays_tickets(s.app, 1) == 1
    assert (await s.client.get(room)).status == 200
    family = await Peer(s.client, "/ws/ticket/" + room.rsplit("/", 1)[1]).open()
    await family.wait_for("queue", state="waiting")

    # Banned from this inmate: the approved ticket leaves the queue and its link closes.
    status, ban = await s.post(f"/api/visitors/{request['visitor_id']}/bans", {
        "reason": "membawa barang terlarang", "until": "2099-01-01",
        "inmate_id": request["inmate_id"]}, csrf)
    assert status == 201 and ban["tickets_cancelled"] == 1
    assert (await family.wait_for("queue", state="cancelled"))["position"] is None
    await family.close()
    assert (await (await s.client.get("/api/queue")).json())["tickets"] == []
    assert (await s.client.get(room)).status == 404
    s.client.session.cookie_jar.clear()
    mine = await (await s.client.get(f"/api/visitors/{token}")).json()
    assert [(r["state"], r["queue_room"]) for r in mine["requests"]] == [("withdrawn", None)]


async def test_a_ban_covers_only_its_days(sambang: Sambang) -> None:
    s = sambang
    token = await api_visitor(s)
    _, body = await slots(s, token, reg_number="B.I-001/2026")
    next_week = next(i for i, o in enumerate(body["slots"])
                     if date.fromisoformat(o["day"]) >= date.fromisoformat(body["slots"][0]["day"])
                     + timedelta(days=7))
    request, csrf = await approved(s, token, next_week)
    tomorrow = (date.fromisoformat(body["slots"][0]["day"]) + timedelta(days=1)).isoformat()
    status, ban = await s.post(f"/api/visitors/{request['visitor_id']}/bans", {
        "reason": "ribut di ruang tunggu", "until": tomorrow}, csrf)
    assert status == 201 and ban["tickets_cancelled"] == 0  # next week's visit stands


async def test_an_unanswered_request_whose_day_passed_does_not_block_the_family(
    sambang: Sambang,
) -> None:
    s = sambang
    token = await api_visitor(s)
    ask = {"reg_number": "B.I-001/2026"}
    _, body = await slots(s, token, **ask)
    resp = await s.client.post(f"/api/visitors/{token}/requests",
                               json={**ask, "slot": body["slots"][0]["key"]})
    assert resp.status == 201
    s.clock.offset += 2 * 86400  # Thursday: Tuesday's request was never answered
    _, body = await slots(s, token, **ask)
    resp = await s.client.post(f"/api/visitors/{token}/requests",
                               json={**ask, "slot": body["slots"][0]["key"]})
    assert resp.status == 201, await resp.text()


async def test_approval_checks_the_weekly_limit_again(sambang: Sambang) -> None:
    """Two families asked for the inmate's last visit of the week: the first approval takes it,
    the second is refused with the reason (the officer then rejects it)."""
    s = sambang
    first = await api_visitor(s)
    await approved(s, first, 0)  # one of the inmate's two visits this week
    s.client.session.cookie_jar.clear()
    for nik, phone in (("3171011203050001", "0813 1111 2222"),
                       ("3171011203050002", "0813 1111 3333")):
        token = await api_visitor(s, nik=nik, phone=phone)
        _, body = await slots(s, token, reg_number="B.I-001/2026")
        resp = await s.client.post(f"/api/visitors/{token}/requests", json={
            "reg_number": "B.I-001/2026", "slot": body["slots"][1]["key"]})
        assert resp.status == 201
    csrf = await s.login()
    pending = (await (await s.client.get("/api/requests")).json())["requests"]
    assert len(pending) == 2
    answers = [await s.post(f"/api/requests/{p['id']}/approve", {}, csrf) for p in pending]
    assert [status for status, _ in answers] == [200, 409]
    assert answers[1][1]["error"]["code"] == "weekly_limit"
    status, _ = await s.post(f"/api/requests/{pending[1]['id']}/reject",
                             {"reason": "inmate_unavailable"}, csrf)
    assert status == 200


async def test_wrong_inmate_numbers_count_towards_the_lookup_limit(sambang: Sambang) -> None:
    """The register cannot be listed by guessing: after twenty misses in ten minutes, asking
    stops with a clear message, whether for the sessions or for a visit."""
    s = sambang
    token = await api_visitor(s)
    for attempt in range(10):
        status, body = await slots(s, token, reg_number=f"X-{attempt:03}")
        assert status == 404 and body["error"]["code"] == "inmate_unknown"
        resp = await s.client.post(f"/api/visitors/{token}/requests",
                                   json={"reg_number": f"Y-{attempt:03}", "slot": "x"})
        assert resp.status == 404
    status, body = await slots(s, token, reg_number="B.I-001/2026")  # right, but too late
    assert status == 429 and "Terlalu banyak percobaan" in body["error"]["message"]
