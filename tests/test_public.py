"""The facility's public page and its poster: what a family sees before registering, and nothing
of the inmate register."""

from __future__ import annotations

import io

from PIL import Image

from tests.conftest import Sambang


async def test_public_page_shows_the_schedule_and_rules(sambang: Sambang) -> None:
    resp = await sambang.client.get("/f/demo?lang=id")
    assert resp.status == 200
    page = await resp.text()
    for text in ("Rutan Demo Sambang", "Jadwal kunjungan", "Senin", "08:30–12:00",
                 "Blok A, Blok Wanita", "Lama panggilan 10 menit", "Pengaduan", "<svg",
                 "/f/demo/poster.pdf", " WIB"):
        assert text in page, text
    assert "Ahmad Fauzi" not in page and "B.I-001" not in page  # never the inmate register
    english = await (await sambang.client.get("/f/demo?lang=en")).text()
    assert "Visiting hours" in english and "Monday" in english


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
