"""Inmate photos in the register: one at a time or a ZIP named by registration number, checked
by content and re-encoded, served only to staff of the inmate's facility; bad uploads refused
before anything is stored, the message naming the field in Indonesian."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from aiohttp import FormData
from PIL import Image

from server.db import ticket_rows
from server.keys import CONFIG, ENGINE
from tests.conftest import PASSWORD, Sambang, add_other_facility


def _jpeg(colour: str = "red", exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (120, 160), colour)
    extra: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "CameraMaker"  # Make
        extra["exif"] = data.tobytes()
    image.save(out, format="JPEG", **extra)
    return out.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


async def _upload(s: Sambang, csrf: str, path: str, field: str, data: bytes,
                  filename: str, kind: str) -> tuple[int, Any]:
    form = FormData()
    form.add_field(field, data, filename=filename, content_type=kind)
    resp = await s.client.post(path, data=form, headers={"X-CSRF-Token": csrf})
    return resp.status, await resp.json()


def _stored(s: Sambang) -> list[Path]:
    folder = s.app[CONFIG].data_dir / "photos"
    return sorted(folder.iterdir()) if folder.exists() else []


async def test_one_photo_is_stored_reencoded_and_served_to_staff_only(sambang: Sambang) -> None:
    s = sambang
    inmates = await ticket_rows.inmates_for(s.app[ENGINE], 1)
    inmate_id = inmates[0]["id"]
    csrf = await s.login("admin")
    status, data = await _upload(s, csrf, f"/api/admin/inmates/{inmate_id}/photo", "foto",
                                 _jpeg(exif=True), "ahmad.jpg", "image/jpeg")
    assert status == 200, data
    assert data["photo"] == f"/api/inmates/{inmate_id}/photo"
    [stored] = _stored(s)
    assert b"CameraMaker" not in stored.read_bytes()  # re-encoded: the EXIF is gone

    # A new photo replaces the old file.
    status, _ = await _upload(s, csrf, f"/api/admin/inmates/{inmate_id}/photo", "foto",
                              _jpeg("blue"), "ahmad2.jpg", "image/jpeg")
    assert status == 200
    assert len(_stored(s)) == 1

    blok = await s.login("blok")
    resp = await s.client.get(data["photo"])
    assert resp.status == 200 and resp.content_type == "image/jpeg"
    assert resp.headers["Cache-Control"] == "no-store"
    Image.open(io.BytesIO(await resp.read())).verify()

    resp = await s.client.post("/api/logout", headers={"X-CSRF-Token": blok})
    assert resp.status == 200, await resp.text()
    resp = await s.client.get(data["photo"])
    assert resp.status == 401  # checked at every request, not once per page

    await add_other_facility(s.app[ENGINE], "petugas_lain", "officer")
    resp = await s.client.post("/api/login", json={"username": "petugas_lain",
                                                   "password": PASSWORD})
    assert resp.status == 200
    resp = await s.client.get(data["photo"])
    assert resp.status == 404  # another facility's staff learn nothing of it


async def test_a_bad_photo_is_refused_naming_the_field_and_nothing_is_stored(
        sambang: Sambang) -> None:
    s = sambang
    inmate_id = (await ticket_rows.inmates_for(s.app[ENGINE], 1))[0]["id"]
    csrf = await s.login("admin")
    path = f"/api/admin/inmates/{inmate_id}/photo"
    for data, name, kind in ((b"hello, not a photo", "x.jpg", "image/jpeg"),
                             (b"%PDF-1.4\n1 0 obj\n%%EOF\n", "ktp.pdf", "application/pdf")):
        status, body = await _upload(s, csrf, path, "foto", data, name, kind)
        assert status == 422, body
        assert body["error"]["field"] == "foto"
        assert body["error"]["message"] == (
            "Isian tidak valid: foto (harus foto JPG atau PNG yang asli).")
    status, body = await _upload(s, csrf, path, "foto", b"\xff\xd8\xff" + b"0" * (2 * 2**20),
                                 "big.jpg", "image/jpeg")
    assert status == 422 and body["error"]["message"] == (
        "Isian tidak valid: foto (paling besar 2 MB).")
    status, body = await _upload(s, csrf, path, "gambar", _jpeg(), "a.jpg", "image/jpeg")
    assert status == 422 and body["error"]["message"] == "Isian tidak valid: foto (wajib diisi)."
    assert _stored(s) == []

    officer = await s.login("petugas")
    status, body = await _upload(s, officer, path, "foto", _jpeg(), "a.jpg", "image/jpeg")
    assert status == 403  # only the admin changes the register


async def test_a_zip_named_by_registration_number_sets_every_photo(sambang: Sambang) -> None:
    s = sambang
    inmates = await ticket_rows.inmates_for(s.app[ENGINE], 1)
    csrf = await s.login("admin")
    # "B.I-001/2026" is written "B.I-001_2026": a file name cannot hold "/".
    first, second = (i["reg_number"].replace("/", "_") for i in inmates[:2])
    archive = _zip({f"foto/{first}.jpg": _jpeg("red"), f"{second.lower()}.JPEG": _jpeg("green"),
                    "__MACOSX/._x.jpg": b"junk"})
    status, body = await _upload(s, csrf, "/api/admin/inmates/photos", "zip", archive, "p.zip",
                                 "application/zip")
    assert status == 200, body
    assert body == {"applied": True, "stored": 2, "rejected": []}
    assert len(_stored(s)) == 2
    for inmate in inmates[:2]:
        resp = await s.client.get(f"/api/inmates/{inmate['id']}/photo")
        assert resp.status == 200
    resp = await s.client.get(f"/api/inmates/{inmates[2]['id']}/photo")
    assert resp.status == 404


async def test_zip_entries_refused_with_their_reasons_and_nothing_stored(
        sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login("admin")
    status, body = await _upload(s, csrf, "/api/admin/inmates/photos", "zip", b"not a zip",
                                 "x.zip", "application/zip")
    assert status == 422 and body["rejected"][0]["reason"] == "Berkas bukan ZIP yang dapat dibaca."
    archive = _zip({"X-999.jpg": _jpeg(), "catatan.txt": b"hi"})
    status, body = await _upload(s, csrf, "/api/admin/inmates/photos", "zip", archive, "p.zip",
                                 "application/zip")
    assert status == 422 and body["applied"] is False
    reasons = {r["entry"]: r["reason"] for r in body["rejected"]}
    assert reasons == {"X-999.jpg": "nomor registrasi X-999 tidak ada di register",
                       "catatan.txt": "nama berkas harus berakhiran .jpg, .jpeg atau .png"}
    assert _stored(s) == []
