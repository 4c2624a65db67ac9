"""The facility's public page and its poster: what a family sees before registering, and nothing
of the inmate register."""

from __future__ import annotations

import io
import re

from PIL import Image

from tests.conftest import Sambang


async def test_public_page_shows_the_schedule_and_rules(sambang: Sambang) -> None:
    resp = await sambang.client.get("/f/demo?lang=id")
    assert resp.status == 200
    page = await resp.text()
    for text in ("Rutan Demo Sambang", "Jadwal kunjungan", "Senin", "08.30–12.00",
                 "Blok A, Blok Wanita", "Lama panggilan 10 menit", "Pengaduan", "<svg",
                 "/f/demo/poster.pdf", " WIB"):
        assert text in page, text
    assert "Ahmad Fauzi" not in page and "B.I-001" not in page  # never the inmate register
    # One date style and one time style: today is a Tuesday (the test clock), at 09.00.
    assert re.search(r"Selasa, \d\d-\d\d-\d{4} 09\.0\d WIB", page)
    english = await (await sambang.client.get("/f/demo?lang=en")).text()
    assert "Visiting hours" in english and "Monday" in english


async def test_a_method_a_page_does_not_take_is_refused_in_indonesian(sambang: Sambang) -> None:
    for method, path in (("PUT", "/f/demo"), ("POST", "/t/no-such-ticket"),
                         ("DELETE", "/console")):
        resp = await sambang.client.request(method, path)
        page = await resp.text()
        assert resp.status == 405 and "GET" in resp.headers["Allow"], (method, path)
        assert "Halaman ini tidak menerima permintaan seperti itu" in page
        assert "Method Not Allowed" not in page and resp.content_type == "text/html"
    resp = await sambang.client.put("/api/queue")
    body = await resp.json()
    assert resp.status == 405 and body["error"]["code"] == "method_not_allowed"


async def test_poster_as_png_and_pdf(sambang: Sambang) -> None:
    resp = await sambang.client.get("/f/demo/poster.png")
    assert resp.status == 200 and resp.content_type == "image/png"
    image = Image.open(io.BytesIO(await resp.read()))
    assert image.size == (1240, 1754)
    resp = await sambang.client.get("/f/demo/poster.pdf")
    assert resp.status == 200 and resp.content_type == "application/pdf"
    assert (await resp.read()).startswith(b"%PDF")


async def test_unknown_facility_is_a_clear_page(sambang: Sambang) -> None:
    resp = await sambang.client.get("/f/tidak-ada?lang=id")
    assert resp.status == 404 and "UPT tidak ditemukan" in await resp.text()
    assert (await sambang.client.get("/f/tidak-ada/poster.png")).status == 404
