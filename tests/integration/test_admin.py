"""The admin's page and API: facility settings, schedule, stations, staff accounts and the
inmate register, each applied at once, audited, and out of reach of every other role and of
other facilities."""

from __future__ import annotations

from typing import Any

from server.db import ticket_rows
from server.keys import ENGINE
from server.services.audit import read_all
from tests.conftest import AppMaker, Sambang, add_other_facility
from tests.integration.test_registration import GOOD, jpeg_with_exif, submit

ENDPOINTS = [("get", "/api/admin/facility"), ("post", "/api/admin/facility"),
             ("post", "/api/admin/schedule"), ("get", "/api/admin/stations"),
             ("post", "/api/admin/stations"), ("post", "/api/admin/stations/1/link"),
             ("get", "/api/admin/staff"), ("post", "/api/admin/staff"),
             ("post", "/api/admin/staff/1"), ("post", "/api/admin/inmates"),
             ("get", "/api/admin/notifications"), ("get", "/api/admin/coverage"),
             ("get", "/admin")]


async def _call(s: Sambang, method: str, path: str, csrf: str) -> int:
    if method == "get":
        resp = await s.client.get(path, allow_redirects=False)
    else:
        resp = await s.client.post(path, json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    return resp.status


async def test_only_admins_reach_the_admin_side(sambang: Sambang) -> None:
    s = sambang
    for who in (None, "petugas", "karupam", "pendaftaran"):
        s.client.session.cookie_jar.clear()
        csrf = await s.login(who) if who else ""
        statuses = {path: await _call(s, method, path, csrf) for method, path in ENDPOINTS}
        expected_api = 401 if who is None else 403
        assert all(code == (303 if path == "/admin" else expected_api)
                   for path, code in statuses.items()), (who, statuses)
    s.client.session.cookie_jar.clear()
    await s.login("admin")
    page = await s.client.get("/admin?lang=id")
    assert page.status == 200 and "Register WBP" in await page.text()


async def test_admin_of_another_facility_sees_only_their_own(make_sambang: AppMaker) -> None:
    first = await make_sambang()
    engine = first.app[ENGINE]
    await add_other_facility(engine, "admin_lain", "admin")
    await first.client.close()
    s = await make_sambang()
    csrf = await s.login("admin_lain")
    staff = (await (await s.client.get("/api/admin/staff")).json())["staff"]
    assert [a["username"] for a in staff] == ["admin_lain"]
    assert (await (await s.client.get("/api/admin/stations")).json())["stations"] == []
    status, _ = await s.post("/api/admin/stations/1/link", {}, csrf)  # demo's Bilik 1
    assert status == 404
    status, _ = await s.post("/api/admin/staff/1", {"active": False}, csrf)  # demo's petugas
    assert status == 404


async def test_settings_schedule_and_stations_apply_at_once(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login("admin")
    status, body = await s.post("/api/admin/facility", {"timezone": "Europe/Paris"}, csrf)
    assert status == 422 and "timezone" in body["error"]["message"]
    for url in ("ftp://gw.test/wa", "http://" + "a" * 70 + ".test/wa", "gw.test"):
        status, body = await s.post("/api/admin/facility", {"notify_webhook": url}, csrf)
        assert status == 422 and "notify_webhook" in body["error"]["message"], url
    status, body = await s.post("/api/admin/facility", {
        "address": "Jl. Baru 2, Semarang", "notify_webhook": "https://gw.test/wa",
        "notify_secret": "rahasia-sekali"}, csrf)
    assert status == 200 and body["address"] == "Jl. Baru 2, Semarang"
    assert body["notify_secret"] is True  # never read back
    page = await (await s.client.get("/f/demo")).text()
    assert "Jl. Baru 2, Semarang" in page

    # A schedule that does not read is refused with its reason; the old one stays.
    status, body = await s.post("/api/admin/schedule", {"toml": "[facility]\nname = 'x'"}, csrf)
    assert status == 422 and "bagian [rules] tidak ada" in body["error"]["message"]
    broken = [
        "[facility]\nname='x'\n[rules]\ndefault_call_minutes=10\nsessions='pagi'",  # text
        "facility='x'\nsessions=[]\n[rules]\ndefault_call_minutes='sepuluh'",
        "[facility]\nname='x'\n[rules]\ndefault_call_minutes=10\n[[sessions]]\n"
        "days=['senin']\nstart='08:00'\nend='09:00'",
        "[facility\nname='x'",
        "[facility]\nname='x'\nrules=5\nsessions=[]",
        "[facility]\nname='x'\n[rules]\ndefault_call_minutes=1e400\n[[sessions]]\n"
        "days=['mon']\nstart='08:00'\nend='09:00'",
        "[facility]\nname='x'\n[rules]\ndefault_call_minutes=0\nmin_call_minutes=0\n"
        "[[sessions]]\ndays=['mon']\nstart='08:00'\nend='09:00'",
        "[facility]\nname='x'\nstations=0\n[rules]\ndefault_call_minutes=5\n"
        "[[sessions]]\ndays=['mon']\nstart='08:00'\nend='09:00'",
        "[facility]\nname='x'\nsessions=[]\n[rules]\ndefault_call_minutes=5",
    ]
    for text in broken:
        status, body = await s.post("/api/admin/schedule", {"toml": text}, csrf)
        assert status == 422, (text, body)  # refused with a reason, never a crash
        assert body["error"]["message"].startswith("Jadwal tidak dapat dibaca:")
    schedule = (await (await s.client.get("/api/facilities/demo/schedule")).json())
    assert schedule["rules"]["visits_per_week"] == 2
    new = """
[facility]
name = "Rutan Demo Sambang"
timezone = "Asia/Jakarta"
stations = 3

[rules]
default_call_minutes = 8
min_call_minutes = 5
max_call_minutes = 8
visits_per_week = 1

[[sessions]]
name = "Pagi saja"
days = ["mon", "tue", "wed", "thu", "fri"]
start = "08:00"
end = "11:00"
"""
    status, body = await s.post("/api/admin/schedule", {"toml": new}, csrf)
    assert status == 200 and body == {"sessions": 1, "visits_per_week": 1}
    schedule = (await (await s.client.get("/api/facilities/demo/schedule")).json())
    assert schedule["rules"]["visits_per_week"] == 1
    # The console's fair share follows the new schedule: a short queue gets its maximum.
    await s.issue_ticket(csrf)
    queue = await (await s.client.get("/api/queue")).json()
    assert queue["fair_share_seconds"] == 8 * 60

    status, body = await s.post("/api/admin/stations", {"name": "bilik 1"}, csrf)
    assert status == 409 and body["error"]["code"] == "station_exists"
    status, body = await s.post("/api/admin/stations", {"name": "Bilik 3"}, csrf)
    assert status == 201 and "/s/" in body["kiosk_link"]
    queue = await (await s.client.get("/api/queue")).json()
    assert "Bilik 3" in [st["name"] for st in queue["stations"]]
    kiosk = await s.client.get("/s/" + body["kiosk_link"].rsplit("/", 1)[1])
    assert kiosk.status == 200
    status, again = await s.post(f"/api/admin/stations/{body['id']}/link", {}, csrf)
    assert status == 200 and again["kiosk_link"] != body["kiosk_link"]
    old = await s.client.get("/s/" + body["kiosk_link"].rsplit("/", 1)[1])
    assert old.status == 404

    events = [(e.event.action, e.event.outcome) for e in await read_all(s.app[ENGINE])]
    assert ("facility.change", "address,notify_secret,notify_webhook") in events
    assert ("schedule.change", "ok") in events and ("station.add", "ok") in events
    assert not any("rahasia-sekali" in str(e) for e in events)


async def test_staff_accounts_roles_and_disabling(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login("admin")
    status, body = await s.post("/api/admin/staff", {
        "username": "rina", "full_name": "Rina", "role": "registration", "password": "pendek"},
        csrf)
    assert status == 422 and body["error"]["code"] == "password_short"
    status, body = await s.post("/api/admin/staff", {
        "username": "petugas", "full_name": "Dua", "role": "officer",
        "password": "kata-sandi-baru"}, csrf)
    assert status == 409
    status, body = await s.post("/api/admin/staff", {
        "username": "rina", "full_name": "Rina", "role": "registration",
        "password": "kata-sandi-baru"}, csrf)
    assert status == 201
    rina_id = body["id"]
    status, _ = await s.post(f"/api/admin/staff/{rina_id}", {"role": "wizard"}, csrf)
    assert status == 422
    me = next(a for a in (await (await s.client.get("/api/admin/staff")).json())["staff"]
              if a["username"] == "admin")
    status, body = await s.post(f"/api/admin/staff/{me['id']}", {"active": False}, csrf)
    assert status == 409 and body["error"]["code"] == "not_yourself"

    # Rina logs in and verifies; once disabled, her session ends and she cannot log in.
    s.client.session.cookie_jar.clear()
    resp = await s.client.post("/api/login", json={"username": "rina",
                                                   "password": "kata-sandi-baru"})
    assert resp.status == 200
    assert (await s.client.get("/api/requests")).status == 200
    rina_cookies = s.client.session.cookie_jar.filter_cookies(s.client.make_url("/"))
    s.client.session.cookie_jar.clear()
    csrf = await s.login("admin")
    status, _ = await s.post(f"/api/admin/staff/{rina_id}", {"active": False}, csrf)
    assert status == 200
    s.client.session.cookie_jar.clear()
    s.client.session.cookie_jar.update_cookies(rina_cookies)
    assert (await s.client.get("/api/requests")).status == 401
    resp = await s.client.post("/api/login", json={"username": "rina",
                                                   "password": "kata-sandi-baru"})
    assert resp.status == 401


async def test_inmate_register_upload_reports_and_refuses_a_bad_file(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login("admin")

    async def upload(text: str) -> tuple[int, Any]:
        resp = await s.client.post("/api/admin/inmates", data=text.encode(),
                                   headers={"X-CSRF-Token": csrf, "Content-Type": "text/csv"})
        return resp.status, await resp.json()

    bad = ("reg_number,full_name,block\nB.I-001/2026,Ahmad Fauzi,Blok A\n"
           "??,Tanpa Nomor,Blok B\n")
    status, body = await upload(bad)
    assert status == 422 and body["applied"] is False
    assert [r["line"] for r in body["rejected"]] == [3]
    inmates = {i["reg_number"]: i["status"] for i in await ticket_rows.inmates_for(
        s.app[ENGINE], 1)}
    assert all(state == "active" for state in inmates.values())  # nothing changed

    good = ("reg_number,full_name,block,cell,categories\n"
            "B.I-001/2026,Ahmad Fauzi,Blok A,Kamar 3,narkotika;lansia\n"
            "C.9-900/2026,Dewi Lestari,Blok Wanita,,\n")
    status, body = await upload(good)
    assert status == 200 and body["added"] == 1 and body["no_longer_visitable"] == 4
    rows = {i["reg_number"]: i for i in await ticket_rows.inmates_for(s.app[ENGINE], 1)}
    assert rows["B.I-001/2026"]["categories"] == "narkotika;lansia"
    # The admin sees how the register meets the schedule.
    cover = await (await s.client.get("/api/admin/coverage")).json()
    groups = {g["group"]: (g["inmates"], g["sessions"]) for g in cover["groups"]}
    assert groups["Blok A"] == (1, ["Pagi", "Siang (Blok A dan Blok Wanita)"])
    assert groups["Kamar 3"] == (1, ["Pagi"])
    assert cover["unvisitable"] == [] and cover["unknown"] == []
    assert rows["A.I-102/2026"]["status"] == "moved"
    # A family cannot ask for an inmate who left the register.
    resp = await submit(s, GOOD, jpeg_with_exif())
    token = resp.headers["Location"].rsplit("/", 1)[1]
    answer = await s.client.get(f"/api/visitors/{token}/slots",
                                params={"reg_number": "A.I-102/2026"})
    assert answer.status == 404


async def test_a_facility_added_while_running_opens_its_queue(make_sambang: AppMaker) -> None:
    import asyncio
    import time

    s = await make_sambang(day_roll_seconds=0.2)
    await add_other_facility(s.app[ENGINE], "petugas_lain", "officer")
    s.client.session.cookie_jar.clear()
    await s.login("petugas_lain")
    deadline = time.monotonic() + 10
    while (resp := await s.client.get("/api/queue")).status == 503:
        assert "Coba lagi sebentar" in (await resp.json())["error"]["message"]
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    assert resp.status == 200 and (await resp.json())["tickets"] == []
