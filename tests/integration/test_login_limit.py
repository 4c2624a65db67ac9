"""Guessing staff passwords: after ten failures for one username (or thirty from one address)
in fifteen minutes, /login answers 429 with a clear message and checks nothing, until the
window moves on."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD, AppMaker


async def test_login_answers_429_after_repeated_failures(make_sambang: AppMaker) -> None:
    s = await make_sambang()
    for _ in range(10):
        resp = await s.client.post("/api/login", json={"username": "petugas", "password": "x1"})
        assert resp.status == 401
    # Now even the right password is not checked: a guesser learns nothing.
    resp = await s.client.post("/api/login", json={"username": "petugas", "password": PASSWORD})
    assert resp.status == 429
    error = (await resp.json())["error"]
    assert error["code"] == "login_throttled"
    assert error["message"] == ("Terlalu banyak percobaan masuk yang gagal. Tunggu 15 menit, "
                                "lalu coba lagi.")
    resp = await s.client.post("/api/login?lang=en",
                               json={"username": "PETUGAS", "password": PASSWORD})
    assert resp.status == 429
    assert "Too many failed login attempts" in (await resp.json())["error"]["message"]

    # The staff login page says the same, with the form to try again later.
    page = await (await s.client.get("/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    resp = await s.client.post("/login", data={"username": "petugas", "password": PASSWORD,
                                               "csrf_token": token.group(1)},
                               allow_redirects=False)
    assert resp.status == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in await resp.text()

    # Another account from the same desk is not locked out by one username's failures.
    assert await s.login("karupam")
    metrics = await (await s.client.get("/metrics")).text()
    assert "sambang_failed_logins_total 10.0" in metrics
    assert "sambang_throttled_logins_total 3.0" in metrics

    s.clock.offset += 15 * 60  # the window moves on
    assert await s.login("petugas")


async def test_one_address_failing_for_many_usernames_is_stopped(make_sambang: AppMaker) -> None:
    s = await make_sambang()
    for n in range(30):
        resp = await s.client.post("/api/login", json={"username": f"tebak{n}", "password": "x"})
        assert resp.status == 401
    resp = await s.client.post("/api/login", json={"username": "petugas", "password": PASSWORD})
    assert resp.status == 429
