"""Complaints: filed by anyone with a tracking number, answered by a supervisor, read back with
the number alone; nobody reads another's by guessing."""

from __future__ import annotations

import re

from tests.conftest import Sambang


async def test_file_answer_and_read_back(sambang: Sambang) -> None:
    s = sambang
    page = await (await s.client.get("/f/demo/pengaduan?visit=7&lang=id")).text()
    assert 'value="7"' in page  # reached from a finished visit, its number comes along
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token
    resp = await s.client.post("/f/demo/pengaduan?lang=id", data={
        "csrf": token.group(1), "body": "pendek", "visit_ref": "7"})
    assert resp.status == 422 and "paling sedikit 10 huruf" in await resp.text()
    token = re.search(r'name="csrf" value="([^"]+)"', await resp.text())
    assert token
    resp = await s.client.post("/f/demo/pengaduan?lang=id", data={
        "csrf": token.group(1), "visit_ref": "7",
        "body": "Suara dari bilik 1 putus-putus sepanjang kunjungan."})
    assert resp.status == 200
    tracking = re.search(r"PGD-[A-Z2-9]{8}", await resp.text())
    assert tracking and "diterima, menunggu jawaban" in await resp.text()

    csrf = await s.login("petugas")
    assert (await s.client.get("/api/complaints")).status == 403
    s.client.session.cookie_jar.clear()
    csrf = await s.login("karupam")
    rows = (await (await s.client.get("/api/complaints")).json())["complaints"]
    assert [r["tracking"] for r in rows] == [tracking.group(0)]
    status, _ = await s.post(f"/api/complaints/{rows[0]['id']}/answer",
                             {"answer": "Headset bilik 1 sudah diganti."}, csrf)
    assert status == 200
    s.client.session.cookie_jar.clear()
    page = await (await s.client.get(f"/f/demo/pengaduan/{tracking.group(0)}?lang=id")).text()
    assert "sudah dijawab" in page and "Headset bilik 1 sudah diganti." in page
    missing = await s.client.get("/f/demo/pengaduan/PGD-AAAAAAAA?lang=id")
    assert missing.status == 404 and "Nomor pengaduan tidak ditemukan" in await missing.text()


async def test_json_api_for_schedule_and_complaints(sambang: Sambang) -> None:
    s = sambang
    schedule = await (await s.client.get("/api/facilities/demo/schedule")).json()
    assert schedule["timezone"] == "Asia/Jakarta" and len(schedule["week"]) == 7
    assert schedule["rules"]["max_call_minutes"] == 15
    assert (await s.client.get("/api/facilities/none/schedule")).status == 404
    resp = await s.client.post("/api/facilities/demo/complaints", json={"body": "singkat"})
    assert resp.status == 422
    resp = await s.client.post("/api/facilities/demo/complaints",
                               json={"body": "Antrean tidak bergerak selama satu jam."})
    assert resp.status == 201
    tracking = (await resp.json())["tracking"]
    read = await (await s.client.get(f"/api/facilities/demo/complaints/{tracking}")).json()
    assert read["state"] == "received" and read["answer"] == ""
    assert (await s.client.get("/api/facilities/demo/complaints/PGD-ZZZZZZZZ")).status == 404
