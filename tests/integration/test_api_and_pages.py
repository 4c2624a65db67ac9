"""Auth, CSRF, bad input and the pages, in-process."""

from __future__ import annotations

import re

from server.keys import ENGINE
from tests.conftest import PASSWORD, Sambang, add_other_facility
from tests.peers import Peer


async def test_healthz_and_openapi(sambang: Sambang) -> None:
    resp = await sambang.client.get("/healthz")
    assert resp.status == 200
    doc = await (await sambang.client.get("/api/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/visits", "/api/visits/{visit_id}/start", "/api/visits/{visit_id}/extend",
                 "/api/visits/{visit_id}/end", "/api/tickets", "/api/queue"):
        assert path in doc["paths"], path
    # Every route of the app under /api/ is documented, and nothing documented is missing.
    routes = {
        re.sub(r"\{(\w+)[^}]*\}", r"{\1}", r.resource.canonical)
        for r in sambang.app.router.routes()
        if r.resource is not None and r.resource.canonical.startswith("/api/")
        and r.method != "HEAD"
    }
    assert routes - {"/api/openapi.json"} == set(doc["paths"])


async def test_api_needs_login_and_csrf(sambang: Sambang) -> None:
    s = sambang
    resp = await s.client.get("/api/queue")
    assert resp.status == 401
    assert (await resp.json())["error"]["message"] == "Silakan masuk terlebih dahulu."
    resp = await s.client.get("/api/queue?lang=en")
    assert (await resp.json())["error"]["message"] == "Please log in first."
    resp = await s.client.post("/api/login", json={"username": "petugas", "password": "salah"})
    assert resp.status == 401
    csrf = await s.login()
    assert (await s.client.get("/api/queue")).status == 200
    resp = await s.client.post("/api/tickets", json={"visitor_name": "X", "inmate_id": 1})
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "csrf"
    resp = await s.client.post("/api/tickets", json={"visitor_name": "X", "inmate_id": 1},
                               headers={"X-CSRF-Token": "nope"})
    assert resp.status == 403
    snapshot = await (await s.client.get("/api/queue")).json()
    assert snapshot["tickets"] == []  # nothing was issued by the refused requests
    status, _ = await s.post("/api/logout", {}, csrf)
    assert status == 200
    assert (await s.client.get("/api/queue")).status == 401


async def test_bad_input_is_refused_and_changes_nothing(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    cases = [
        ({"visitor_name": "", "inmate_id": 1}, 422),
        ({"visitor_name": "A" * 500, "inmate_id": 1}, 422),
        ({"visitor_name": "Ani", "inmate_id": "1"}, 422),
        ({"visitor_name": "Ani", "inmate_id": 1, "relation": "tetangga"}, 422),
        ({"visitor_name": "Ani", "inmate_id": 99999}, 404),
    ]
    for body, expected in cases:
        status, data = await s.post("/api/tickets", body, csrf)
        assert status == expected, (body, data)
        assert data["error"]["message"]
    resp = await s.client.post("/api/tickets", data="not json",
                               headers={"X-CSRF-Token": csrf, "Content-Type": "text/plain"})
    assert resp.status == 415
    resp = await s.client.post("/api/tickets", data="{broken",
                               headers={"X-CSRF-Token": csrf,
                                        "Content-Type": "application/json"})
    assert resp.status == 400
    snapshot = await (await s.client.get("/api/queue")).json()
    assert snapshot["tickets"] == []
    # Starting needs the officer's confirmation that the inmate is at the station.
    _, token = await s.issue_ticket(csrf)
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    try:
        await family.wait_for("queue")
        station_id, _ = await s.station_token()
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201
        status, data = await s.post(f"/api/visits/{visit['visit_id']}/start", {}, csrf)
        assert status == 422 and data["error"]["code"] == "inmate_confirm"
        status, data = await s.post(f"/api/visits/{visit['visit_id']}/extend",
                                    {"seconds": 60}, csrf)
        assert status == 409 and data["error"]["code"] == "cannot_extend"
        snapshot = await (await s.client.get("/api/queue")).json()
        assert snapshot["visits"][0]["state"] == "called"
    finally:
        await family.close()


async def test_malformed_socket_message_closes_only_that_connection(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    _, token_a = await s.issue_ticket(csrf, "A")
    _, token_b = await s.issue_ticket(csrf, "B")
    a = await Peer(s.client, f"/ws/ticket/{token_a}").open()
    b = await Peer(s.client, f"/ws/ticket/{token_b}").open()
    try:
        await a.wait_for("queue")
        await b.wait_for("queue")
        await a.send("{not json")
        error = await a.wait_for("error")
        assert error["code"] == "bad_message"
        for _ in range(50):
            if a.close_code is not None:
                break
            await __import__("asyncio").sleep(0.05)
        assert a.close_code == 1008
        await b.send({"type": "ping"})
        await b.wait_for("pong")
        # A bad SDP during a live visit is refused; that page keeps its socket, the visit goes on.
        station_id, station_token = await s.station_token()
        station = await Peer(s.client, f"/ws/station/{station_token}").open()
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201 and visit["ticket_number"] == 2
        await s.confirm_identity(visit["visit_id"], csrf)
        await s.post(f"/api/visits/{visit['visit_id']}/start", {"inmate_confirmed": True}, csrf)
        await b.wait_for("live")
        await b.send({"type": "offer", "sdp": "v=0\r\nm=nonsense\r\n"})
        assert (await b.wait_for("error"))["code"] == "bad_offer"
        await b.send({"type": "ping"})
        await b.wait_for("pong")
        await station.send({"type": "ping"})
        await station.wait_for("pong")
        snapshot = await (await s.client.get("/api/queue")).json()
        assert snapshot["visits"][0]["state"] == "live"
        await station.close()
    finally:
        await a.close()
        await b.close()


async def test_wrong_tokens_get_clear_pages(sambang: Sambang) -> None:
    s = sambang
    resp = await s.client.get("/t/not-a-real-ticket")
    assert resp.status == 404
    text = await resp.text()
    assert "Tautan tiket tidak berlaku" in text and "Traceback" not in text
    resp = await s.client.get("/s/not-a-station?lang=en")
    assert resp.status == 404 and "This station link is not valid" in await resp.text()
    resp = await s.client.get("/ws/ticket/nope")
    assert resp.status == 404
    resp = await s.client.get("/no/such/page?lang=id")
    assert resp.status == 404 and "Halaman tidak ditemukan" in await resp.text()


async def test_tokens_open_only_their_own_page(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    _, ticket_token = await s.issue_ticket(csrf)
    _, station_token = await s.station_token()
    await s.client.post("/api/logout", json={}, headers={"X-CSRF-Token": csrf})
    s.client.session.cookie_jar.clear()
    for token in (ticket_token, station_token):
        assert (await s.client.get(f"/api/queue?token={token}")).status == 401
        resp = await s.client.get("/console", allow_redirects=False)
        assert resp.status == 303
    assert (await s.client.get(f"/t/{station_token}")).status == 404
    assert (await s.client.get(f"/s/{ticket_token}")).status == 404
    assert (await s.client.get(f"/s/{station_token}")).status == 200
    resp = await s.client.get("/ws/console")
    assert resp.status == 401


async def test_officer_of_another_facility_sees_nothing(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    _, token = await s.issue_ticket(csrf)
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    await family.wait_for("queue")
    station_id, _ = await s.station_token()
    status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
    assert status == 201
    await family.close()
    engine = s.app[ENGINE]
    await add_other_facility(engine, "orang_lain", "officer")
    s.client.session.cookie_jar.clear()
    resp = await s.client.post("/api/login",
                               json={"username": "orang_lain", "password": PASSWORD})
    assert resp.status == 200
    assert (await s.client.get(f"/api/visits/{visit['visit_id']}")).status == 404
    assert (await (await s.client.get("/api/visits")).json())["visits"] == []


async def test_login_form_and_console_page(sambang: Sambang) -> None:
    s = sambang
    page = await (await s.client.get("/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    resp = await s.client.post("/login", data={"username": "petugas", "password": PASSWORD,
                                                "csrf_token": "forged"}, allow_redirects=False)
    assert resp.status == 403
    # The refused form comes back with a fresh token, so the person can simply try again.
    page = await resp.text()
    assert "Formulir kedaluwarsa" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    resp = await s.client.post("/login", data={"username": "petugas", "password": "salah",
                                                "csrf_token": token.group(1)})
    assert resp.status == 401 and "Nama pengguna atau kata sandi salah" in await resp.text()
    assert 'value="petugas"' in await resp.text()  # what the person typed is kept
    token = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text())
    assert token
    resp = await s.client.post("/login", data={"username": "petugas", "password": PASSWORD,
                                                "csrf_token": token.group(1)})
    assert resp.status == 200 and resp.url.path == "/console"
    console = await resp.text()
    assert "Antrean hari ini" in console and "Bilik 1" not in console  # stations come live
    assert "WIB" in console


async def test_queue_room_first_paint_follows_the_ticket(sambang: Sambang) -> None:
    """The family's page, opened or reloaded at any moment, first says what the socket will say
    a moment later: never "waiting" for a ticket that is called, in a call or finished."""
    s = sambang
    family, station, visit_id, csrf = await s.live_visit()

    async def first_paint(token: str) -> tuple[str, str]:
        """The page's state (what its stylesheet shows) and its state line."""
        page = await (await s.client.get(f"/t/{token}?lang=id")).text()
        state = re.search(r'data-state="(\w+)"', page)
        line = re.search(r'<p id="state" class="state">(.*?)</p>', page, re.S)
        assert state and line, page
        return state[1], line[1].strip()

    try:
        token = family.path.rsplit("/", 1)[1]
        assert await first_paint(token) == ("live", "Kunjungan berlangsung")
        status, _ = await s.post(f"/api/visits/{visit_id}/end", {"reason": "selesai"}, csrf)
        assert status == 200
        await family.wait_for("queue", state="done")
        assert await first_paint(token) == ("done", "Kunjungan selesai. Terima kasih.")

        _, second_token = await s.issue_ticket(csrf, name="Budi Hartono")
        second = await Peer(s.client, f"/ws/ticket/{second_token}").open()
        await second.wait_for("queue")
        assert await first_paint(second_token) == ("waiting", "Menunggu giliran")
        station_id, _ = await s.station_token(1)
        status, called = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201
        assert await first_paint(second_token) == (
            "called", "Giliran Anda! Orang yang Anda kunjungi sedang dipanggil ke Bilik 2.")
        # The inmate's way there, in plain words, as the block officer marks it.
        await s.post(f"/api/visits/{called['visit_id']}/escort", {"step": "fetching"}, csrf)
        assert await first_paint(second_token) == (
            "called", "Giliran Anda! Orang yang Anda kunjungi sedang dijemput petugas menuju "
            "Bilik 2.")
        await second.close()
    finally:
        await family.close()
        await station.close()
