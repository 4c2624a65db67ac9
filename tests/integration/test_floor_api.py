"""The officers' floor through the API and the sockets: the block officer sees whom to bring,
live, and marks "dijemput" and "tiba di bilik"; the family and the console read it; the call
waits for the identity check; after it the inmate is checked out and goes back to the block,
every step in the visit's timeline with the officer's name."""

from __future__ import annotations

import asyncio
import base64
import io

from PIL import Image

from tests.conftest import Sambang
from tests.peers import Peer


async def test_the_inmates_way_to_the_station_and_back(sambang: Sambang) -> None:
    s = sambang
    officer = await s.login("petugas")
    _, token = await s.issue_ticket(officer)
    station_id, station_token = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    station = await Peer(s.client, f"/ws/station/{station_token}").open()
    console = await Peer(s.client, "/ws/console").open()
    await family.wait_for("queue")
    status, visit = await s.post("/api/visits", {"station_id": station_id}, officer)
    assert status == 201, visit
    visit_id = visit["visit_id"]
    await family.wait_for("called", step="called")

    blok = await s.login("blok")
    escort = await Peer(s.client, "/ws/escort").open()
    try:
        seen = await escort.wait_for("escort", where=lambda m: bool(m["to_bring"]))
        [row] = seen["to_bring"]
        assert (row["inmate_name"], row["block"], row["cell"], row["station_name"]) == (
            "Ahmad Fauzi", "Blok A", "A-3", "Bilik 1")
        status, _ = await s.post(f"/api/visits/{visit_id}/escort", {"step": "fetching"}, blok)
        assert status == 200
        await family.wait_for("called", step="fetching")
        await station.wait_for("called", step="fetching")
        await console.wait_for("console", where=lambda m: any(
            v["escort"] == "fetching" for v in m["visits"]))
        status, body = await s.post(f"/api/visits/{visit_id}/start", {"inmate_confirmed": True},
                                    blok)
        assert status == 403  # the block officer brings the inmate; the call is not his
        status, _ = await s.post(f"/api/visits/{visit_id}/escort", {"step": "arrived"}, blok)
        assert status == 200
        status, body = await s.post(f"/api/visits/{visit_id}/escort", {"step": "fetching"}, blok)
        assert status == 409
        assert body["error"]["message"] == "Langkah ini sudah dilakukan atau belum waktunya."

        officer = await s.login("petugas")
        status, body = await s.post(f"/api/visits/{visit_id}/start", {"inmate_confirmed": True},
                                    officer)
        assert status == 409
        assert body["error"]["message"] == (
            "Periksa identitas WBP dengan foto register sebelum memulai.")
        await s.confirm_identity(visit_id, officer)
        status, _ = await s.post(f"/api/visits/{visit_id}/start", {"inmate_confirmed": True},
                                 officer)
        assert status == 200
        await family.wait_for("live")
        status, _ = await s.post(f"/api/visits/{visit_id}/end", {"reason": "officer"}, officer)
        assert status == 200
        back = await escort.wait_for("escort", where=lambda m: bool(m["to_return"]))
        assert back["to_return"][0]["step"] == "ended" and back["to_bring"] == []

        blok = await s.login("blok")
        status, body = await s.post(f"/api/visits/{visit_id}/returned", {}, blok)
        assert status == 409 and body["error"]["message"] == (
            "Petugas kunjungan harus memeriksa keluar WBP ini terlebih dahulu.")
        officer = await s.login("petugas")
        status, _ = await s.post(f"/api/visits/{visit_id}/checkout", {}, officer)
        assert status == 200
        blok = await s.login("blok")
        status, _ = await s.post(f"/api/visits/{visit_id}/returned", {}, blok)
        assert status == 200
        await escort.wait_for("escort", where=lambda m: not m["to_return"])
    finally:
        for peer in (family, station, console, escort):
            await peer.close()

    await s.login("petugas")
    record = await (await s.client.get(f"/api/visits/{visit_id}")).json()
    steps = [(e["kind"], e["actor"]) for e in record["timeline"]]
    assert [k for k, _ in steps] == ["registered", "called", "fetching", "arrived",
                                     "identity_confirmed", "started", "ended", "checked_out",
                                     "returned"]
    actors = dict(steps)
    assert actors["fetching"] == actors["returned"] == "Petugas Blok A (blok)"
    assert actors["identity_confirmed"] == actors["checked_out"] == (
        "Petugas Kunjungan (petugas)")


async def test_the_escort_socket_and_page_are_for_staff_who_escort(sambang: Sambang) -> None:
    s = sambang
    resp = await s.client.get("/blok", allow_redirects=False)
    assert resp.status == 303  # to the login page
    await s.login("pendaftaran")
    resp = await s.client.get("/ws/escort")
    assert resp.status == 401
    await s.login("blok")
    page = await (await s.client.get("/blok")).text()
    assert "Penjemputan WBP" in page
    resp = await s.client.get("/ws/console")
    assert resp.status == 401  # the block officer has no console


async def test_the_station_camera_beside_the_register_for_the_identity_check(
        sambang: Sambang) -> None:
    s = sambang
    officer = await s.login("petugas")
    _, token = await s.issue_ticket(officer)
    station_id, station_token = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    station = await Peer(s.client, f"/ws/station/{station_token}").open()
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "navy").save(out, format="JPEG", quality=70)
    still = base64.b64encode(out.getvalue()).decode()
    try:
        await family.wait_for("queue")
        await station.send({"type": "snapshot", "jpeg": still})
        refused = await station.wait_for("error")
        assert refused["message"] == "Tidak ada WBP yang sedang dipanggil ke bilik ini."
        status, visit = await s.post("/api/visits", {"station_id": station_id}, officer)
        assert status == 201
        picture = f"/api/visits/{visit['visit_id']}/station-picture"
        resp = await s.client.get(picture)
        assert resp.status == 404 and (await resp.json())["error"]["message"] == (
            "Belum ada gambar dari kamera bilik.")
        await station.wait_for("called")
        await station.send({"type": "snapshot", "jpeg": still})
        for _ in range(50):
            resp = await s.client.get(picture)
            if resp.status == 200:
                break
            await asyncio.sleep(0.1)
        assert resp.status == 200 and resp.content_type == "image/jpeg"
        assert await resp.read() == out.getvalue()
        await family.send({"type": "snapshot", "jpeg": still})
        assert (await family.wait_for("error"))["code"] == "forbidden"
        await s.confirm_identity(visit["visit_id"], officer)
        await s.post(f"/api/visits/{visit['visit_id']}/start", {"inmate_confirmed": True},
                     officer)
        assert (await s.client.get(picture)).status == 404  # gone once the call runs
    finally:
        await family.close()
        await station.close()


async def test_the_identity_check_before_a_call_is_a_facility_setting(sambang: Sambang) -> None:
    s = sambang
    admin = await s.login("admin")
    settings = await (await s.client.get("/api/admin/facility")).json()
    assert settings["identity_check"] is True  # on unless the admin turns it off
    status, changed = await s.post("/api/admin/facility", {"identity_check": False}, admin)
    assert status == 200 and changed["identity_check"] is False
    officer = await s.login("petugas")
    _, token = await s.issue_ticket(officer)
    station_id, _ = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    try:
        await family.wait_for("queue")
        assert (await (await s.client.get("/api/queue")).json())["identity_check"] is False
        status, visit = await s.post("/api/visits", {"station_id": station_id}, officer)
        assert status == 201
        status, started = await s.post(f"/api/visits/{visit['visit_id']}/start",
                                       {"inmate_confirmed": True}, officer)
        assert status == 200 and started["state"] == "live"
    finally:
        await family.close()
