"""Families register from a phone, ask for a visit, and an officer verifies: good and bad input,
uploads included (oversize, wrong type, polyglot, scripted PDF), and who may see what."""

from __future__ import annotations

import io
import re
from pathlib import Path

import aiohttp
from PIL import Image
from yarl import URL

from server.keys import CONFIG, ENGINE
from tests.conftest import Sambang

GOOD = {"full_name": "Sri Wahyuni", "nik": "3374015208900003", "relation": "spouse",
        "phone": "0812-3456-7890", "email": "", "address": "Jl. Melati 3, Semarang",
        "consent": "yes"}


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (320, 200), (200, 180, 150))
    exif = Image.Exif()
    exif[0x010F] = "SECRET-CAMERA"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


async def submit(s: Sambang, fields: dict[str, str], file: bytes | None,
                 content_type: str = "image/jpeg") -> aiohttp.ClientResponse:
    page = await (await s.client.get("/f/demo/daftar?lang=id")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token
    form = aiohttp.FormData()
    for key, value in {**fields, "csrf": token.group(1)}.items():
        form.add_field(key, value)
    if file is not None:
        form.add_field("ktp", file, filename="ktp.jpg", content_type=content_type)
    return await s.client.post("/f/demo/daftar", data=form, allow_redirects=False)


async def ask_on_page(s: Sambang, visitor_path: str, fields: dict[str, str],
                      slot: str | None = None) -> aiohttp.ClientResponse:
    """Ask for a visit as the page does: name the inmate, then pick a session (the first one
    offered unless `slot` is given). Returns the last answer."""
    page = await (await s.client.get(visitor_path)).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token
    resp = await s.client.post(f"{visitor_path}/minta?lang=id",
                               data={**fields, "csrf": token.group(1)})
    page = await resp.text()
    offered = re.findall(r'<option value="(\d{4}-\d\d-\d\d/\d+)"', page)
    if resp.status != 200 or not offered:
        return resp
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token
    return await s.client.post(f"{visitor_path}/minta?lang=id", data={
        **fields, "csrf": token.group(1), "slot": slot or offered[0]})


async def register_and_ask(s: Sambang, reg_number: str) -> str:
    """Register the GOOD visitor and ask for a visit through the pages; returns their page."""
    resp = await submit(s, GOOD, jpeg_with_exif())
    visitor_path = resp.headers["Location"]
    await ask_on_page(s, visitor_path, {"reg_number": reg_number})
    return str(visitor_path)


def ktp_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "ktp").glob("*")) if (tmp_path / "ktp").exists() else []


async def test_register_ask_approve_and_join_the_queue(sambang: Sambang, tmp_path: Path) -> None:
    s = sambang
    resp = await submit(s, GOOD, jpeg_with_exif())
    assert resp.status == 303, await resp.text()
    visitor_path = resp.headers["Location"]
    stored = ktp_files(tmp_path)
    assert len(stored) == 1 and b"SECRET-CAMERA" not in stored[0].read_bytes()
    assert Image.open(stored[0]).format == "JPEG"

    page = await (await s.client.get(f"{visitor_path}?lang=id")).text()
    assert "Sri Wahyuni" in page and "+62812" in page
    resp = await ask_on_page(s, visitor_path, {"reg_number": "TIDAK-ADA"})
    assert resp.status == 422 and "Warga binaan tidak ditemukan di UPT ini" in await resp.text()
    resp = await ask_on_page(s, visitor_path, {"reg_number": "B.I-001/2026"})
    page = await resp.text()
    assert resp.status == 200 and "menunggu verifikasi" in page
    assert "Hari ini" not in page and "Pagi" in page  # the request names its session

    # Only staff of the facility see the KTP and the request.
    pending_anonymous = await s.client.get("/api/requests")
    assert pending_anonymous.status == 401
    csrf = await s.login()
    pending = (await (await s.client.get("/api/requests")).json())["requests"]
    assert [p["visitor_name"] for p in pending] == ["Sri Wahyuni"]
    page = await (await s.client.get("/verify?lang=id")).text()
    assert re.search(r'class="session">Selasa, [0-9-]+ · Pagi<', page)  # the session asked for
    ktp = await s.client.get(f"/verify/ktp/{pending[0]['visitor_id']}")
    assert ktp.status == 200 and ktp.content_type == "image/jpeg"
    status, _ = await s.post(f"/api/requests/{pending[0]['id']}/approve", {}, csrf)
    assert status == 200
    status, body = await s.post(f"/api/requests/{pending[0]['id']}/approve", {}, csrf)
    assert status == 409 and body["error"]["code"] == "request_decided"
    queue = await (await s.client.get("/api/queue")).json()
    assert [(t["visitor_name"], t["inmate_name"]) for t in queue["tickets"]] == [
        ("Sri Wahyuni", "Ahmad Fauzi")]

    s.client.session.cookie_jar.clear()
    page = await (await s.client.get(f"{visitor_path}?lang=id")).text()
    assert 'class="state">disetujui' in page and "<svg" in page
    assert 'class="queue-number">1<' in page
    link = re.search(r'href="(http[^"]+/t/[^"]+)"', page)
    assert link
    assert (await s.client.get(URL(link.group(1)).path)).status == 200  # the queue room opens
    # The link is derived from the server's secret, not kept: the database alone opens nothing.
    token = URL(link.group(1)).path.rsplit("/", 1)[1]
    dump = "\n".join((Path(s.app[CONFIG].data_dir) / "sambang.sqlite3").read_bytes()
                      .decode("latin-1").splitlines())
    assert token not in dump
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    # The pair is remembered: the next request for the same inmate is approved at once.
    resp = await ask_on_page(s, visitor_path, {"reg_number": "B.I-001/2026"})
    assert (await resp.text()).count('class="state">disetujui') == 2


async def test_bad_input_keeps_what_was_typed_and_stores_nothing(sambang: Sambang,
                                                                 tmp_path: Path) -> None:
    s = sambang
    cases = [
        ({**GOOD, "nik": "3374015208900000"}, jpeg_with_exif(), "image/jpeg",
         "Nomor urut NIK tidak valid."),
        ({**GOOD, "phone": "021-555"}, jpeg_with_exif(), "image/jpeg", "Nomor HP tidak valid"),
        ({**GOOD, "consent": ""}, jpeg_with_exif(), "image/jpeg", "Centang pernyataan"),
        (GOOD, b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024), "image/jpeg",
         "Berkas lebih dari 2 MB."),
        (GOOD, b"MZ this is a program, not a photo", "image/jpeg", "Berkas harus foto"),
        (GOOD, jpeg_with_exif(), "application/pdf", "Berkas harus foto"),  # lies about type
        (GOOD, b"%PDF-1.4\n/OpenAction << /JavaScript (app.alert(1)) >>\n%%EOF",
         "application/pdf", "Berkas harus foto"),
        (GOOD, None, "image/jpeg", "Wajib diisi."),
        # What a browser sends when no file was chosen: an empty part. Missing, not a bad file.
        (GOOD, b"", "application/octet-stream", "Wajib diisi."),
    ]
    for fields, file, kind, message in cases:
        resp = await submit(s, fields, file, kind)
        text = await resp.text()
        assert resp.status == 422, (message, resp.status)
        assert message in text, message
        assert 'value="Jl. Melati 3, Semarang"' in text  # what the person typed stays
    assert ktp_files(tmp_path) == []
    async with s.app[ENGINE].connect() as conn:
        from sqlalchemy import text as sql

        assert (await conn.execute(sql("SELECT count(*) FROM visitors"))).scalar_one() == 0


async def test_polyglot_is_cut_to_its_pixels(sambang: Sambang, tmp_path: Path) -> None:
    payload = b"<html><script>alert('ktp')</script></html>PK\x03\x04hidden.zip"
    resp = await submit(sambang, GOOD, jpeg_with_exif() + payload)
    assert resp.status == 303
    stored = ktp_files(tmp_path)[0].read_bytes()
    assert b"<script>" not in stored and b"hidden.zip" not in stored


async def test_rejection_with_a_reason_and_no_other_facility(sambang: Sambang) -> None:
    s = sambang
    visitor_path = await register_and_ask(s, "A.I-102/2026")
    csrf = await s.login()
    pending = (await (await s.client.get("/api/requests")).json())["requests"]
    status, body = await s.post(f"/api/requests/{pending[0]['id']}/reject",
                                {"reason": "tidak suka"}, csrf)
    assert status == 422
    status, body = await s.post(f"/api/requests/{pending[0]['id']}/reject",
                                {"reason": "ktp_unreadable"}, csrf)
    assert status == 200
    s.client.session.cookie_jar.clear()
    page = await (await s.client.get(f"{visitor_path}?lang=id")).text()
    assert "ditolak" in page and "foto KTP tidak terbaca" in page
    assert (await s.client.get("/v/bukan-tautan?lang=id")).status == 404


async def test_lookups_that_find_nothing_are_rate_limited(sambang: Sambang) -> None:
    s = sambang
    page = await (await s.client.get("/f/demo/masuk?lang=id")).text()
    for attempt in range(21):
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token, attempt
        resp = await s.client.post("/f/demo/masuk?lang=id", data={
            "phone": "0812 3456 7890", "nik": f"33740152089{attempt:05}", "csrf": token.group(1)})
        page = await resp.text()
        if attempt < 20:
            assert resp.status == 422 and "Tidak ditemukan" in page
    assert resp.status == 429 and "Terlalu banyak percobaan" in page


async def test_json_api_for_families(sambang: Sambang) -> None:
    s = sambang
    form = aiohttp.FormData()
    for key, value in {**GOOD, "phone": "12"}.items():
        form.add_field(key, value)
    form.add_field("ktp", jpeg_with_exif(), filename="ktp.jpg", content_type="image/jpeg")
    resp = await s.client.post("/api/facilities/demo/visitors", data=form)
    body = await resp.json()
    assert resp.status == 422 and set(body["error"]["fields"]) == {"phone"}
    form = aiohttp.FormData()
    for key, value in GOOD.items():
        form.add_field(key, value)
    form.add_field("ktp", jpeg_with_exif(), filename="ktp.jpg", content_type="image/jpeg")
    resp = await s.client.post("/api/facilities/demo/visitors", data=form)
    assert resp.status == 201
    token = (await resp.json())["visitor_token"]
    resp = await s.client.post(f"/api/visitors/{token}/requests",
                               json={"reg_number": "B.I-001/2026"})
    body = await resp.json()
    assert resp.status == 422 and body["error"]["code"] == "slot_required"
    slots = await (await s.client.get(f"/api/visitors/{token}/slots",
                                      params={"reg_number": "B.I-001/2026"})).json()
    assert slots["slots"][0]["session"] == "Pagi"
    resp = await s.client.post(f"/api/visitors/{token}/requests", json={
        "reg_number": "B.I-001/2026", "slot": slots["slots"][0]["key"]})
    assert resp.status == 201 and (await resp.json())["state"] == "pending"
    mine = await (await s.client.get(f"/api/visitors/{token}")).json()
    assert [(r["inmate_name"], r["state"]) for r in mine["requests"]] == [
        ("Ahmad Fauzi", "pending")]
    assert (await s.client.get("/api/visitors/bukan-token")).status == 404


async def test_stale_and_rejected_registrations_are_deleted(sambang: Sambang,
                                                            tmp_path: Path) -> None:
    from server.services.audit import read_all
    from server.services.privacy import purge_stale_visitors

    s = sambang
    kept = await submit(s, GOOD, jpeg_with_exif())
    await ask_on_page(s, kept.headers["Location"], {"reg_number": "B.I-001/2026"})
    unused = await submit(s, {**GOOD, "nik": "3171011203050001", "phone": "0813 1111 2222"},
                          jpeg_with_exif())
    assert unused.status == 303 and len(ktp_files(tmp_path)) == 2
    assert await purge_stale_visitors(s.app) == 0  # not old yet
    s.clock.offset += 91 * 86400
    assert await purge_stale_visitors(s.app) == 1  # the one who never asked for a visit
    assert len(ktp_files(tmp_path)) == 1
    assert (await s.client.get(unused.headers["Location"])).status == 404
    assert (await s.client.get(kept.headers["Location"])).status == 200
    assert "visitor.delete" in [e.event.action for e in await read_all(s.app[ENGINE])]


async def test_a_banned_visitor_cannot_ask_or_be_approved(sambang: Sambang) -> None:
    s = sambang
    visitor_path = await register_and_ask(s, "B.I-001/2026")
    csrf = await s.login()
    pending = (await (await s.client.get("/api/requests")).json())["requests"]
    visitor_id = pending[0]["visitor_id"]
    status, body = await s.post(f"/api/visitors/{visitor_id}/bans",
                                {"reason": "membawa barang terlarang", "until": "2001-01-01"},
                                csrf)
    assert status == 422 and "until" in body["error"]["message"]
    for wrong in ([1], 1.0, True, "1"):
        status, body = await s.post(f"/api/visitors/{visitor_id}/bans",
                                    {"reason": "uji", "until": "2099-01-01", "inmate_id": wrong},
                                    csrf)
        assert status == 422 and "inmate_id" in body["error"]["message"], wrong
    status, _ = await s.post(f"/api/visitors/{visitor_id}/bans",
                             {"reason": "membawa barang terlarang", "until": "2099-01-01",
                              "inmate_id": pending[0]["inmate_id"]}, csrf)
    assert status == 201
    status, body = await s.post(f"/api/requests/{pending[0]['id']}/approve", {}, csrf)
    assert status == 403 and body["error"]["code"] == "banned"
    s.client.session.cookie_jar.clear()
    resp = await ask_on_page(s, visitor_path, {"reg_number": "B.I-001/2026"})
    assert resp.status == 403 and "tidak dapat mengunjungi warga binaan ini" in await resp.text()
    # Another inmate is still allowed: the ban was for one.
    resp = await ask_on_page(s, visitor_path, {"reg_number": "A.I-102/2026"})
    assert resp.status == 200 and (await resp.text()).count('class="state"') == 2
