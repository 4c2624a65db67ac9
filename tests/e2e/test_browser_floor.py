"""The officers' floor in real Chromium, read as the officers read it: the block officer's phone
shows whom to bring (photo, block and cell, station), the family reads that the person they
visit is being fetched, the console shows the register's photo beside the station's camera and
holds the start until the identity is confirmed; after the call the console checks the inmate
out and the block officer takes him back. Screenshots land in test-artifacts/."""

from __future__ import annotations

import io

import pytest
from aiohttp import FormData
from PIL import Image, ImageDraw
from playwright.async_api import Browser, Page

from server.db import ticket_rows
from server.keys import ENGINE
from tests.conftest import PASSWORD, AppMaker, Sambang
from tests.e2e.test_browser_visit import (
    KIOSK,
    PORTRAIT,
    SHOTS,
    browser,
    phone_page,
    staff_page,
)

__all__ = ["browser"]

pytestmark = pytest.mark.browser

STILL_SHOWN = """() => {
  const img = document.querySelector('img.still');
  return !!img && img.complete && img.naturalWidth > 0 && !img.classList.contains('missing');
}"""


async def _register_photo(s: Sambang) -> None:
    inmate = (await ticket_rows.inmates_for(s.app[ENGINE], 1))[0]
    image = Image.new("RGB", (240, 300), "#c9b49a")
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 50, 180, 190), fill="#8d6e57")
    draw.rectangle((40, 200, 200, 300), fill="#e06c1f")  # the orange of a tahanan's vest
    out = io.BytesIO()
    image.save(out, format="JPEG")
    form = FormData()
    form.add_field("foto", out.getvalue(), filename="ahmad.jpg", content_type="image/jpeg")
    resp = await s.client.post(f"/api/admin/inmates/{inmate['id']}/photo", data=form,
                               headers={"X-CSRF-Token": await s.login("admin")})
    assert resp.status == 200, await resp.text()


async def _block_officer(browser: Browser, base: str) -> Page:
    """The block officer's phone, logged in; the login lands on the escort page."""
    context = await browser.new_context(viewport=PORTRAIT, is_mobile=True, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", "blok")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/blok")
    return page


async def test_bring_check_and_take_back_as_the_officers_read_it(
        make_sambang: AppMaker, browser: Browser) -> None:
    s = await make_sambang()
    base = str(s.client.make_url("/")).rstrip("/")
    await _register_photo(s)
    csrf = await s.login("petugas")
    _, token = await s.issue_ticket(csrf, "Sri Wahyuni")
    _, station_token = await s.station_token()

    officer = await staff_page(browser, base, "petugas", "/console")
    block = await _block_officer(browser, base)
    await block.wait_for_selector("text=Tidak ada WBP yang perlu dijemput.")
    station = await (await browser.new_context(viewport=KIOSK)).new_page()
    await station.goto(f"{base}/s/{station_token}")
    family = await phone_page(browser)
    await family.goto(f"{base}/t/{token}")
    await family.wait_for_function("document.querySelector('#position').textContent === '1'")

    # Blok A's loudspeaker: switched on by hand (browsers play sound only after a tap).
    speaker = await block.context.new_page()
    await speaker.goto(f"{base}/blok?pengeras=1&blok=Blok+A")
    await speaker.click("#speaker-btn")
    await speaker.wait_for_selector("text=Pengeras suara menyala")

    await officer.locator("#stations button", has_text="Panggil berikutnya").first.click()
    # Called aloud from the block's loudspeaker (and the console): the spoken WAV is fetched.
    await speaker.wait_for_function("""() => performance.getEntriesByType('resource')
        .some(e => e.name.endsWith('/announcement.wav'))""")
    row = block.locator("#to-bring .escort-row").first
    await row.wait_for()
    seen = await row.inner_text()
    for words in ("Ahmad Fauzi", "B.I-001/2026", "Blok A · Kamar A-3", "menuju Bilik 1",
                  "Dipanggil, belum dijemput"):
        assert words in seen, seen
    await block.wait_for_function(
        "document.querySelector('#to-bring img.portrait').naturalWidth > 0")
    await block.screenshot(path=str(SHOTS / "block-to-bring.png"), full_page=True)

    await row.locator("button", has_text="Jemput sekarang").click()
    await family.wait_for_selector(
        "text=Orang yang Anda kunjungi sedang dijemput petugas menuju Bilik 1")
    assert "WBP" not in await family.locator("#state").inner_text()
    await family.screenshot(path=str(SHOTS / "family-fetching.png"))
    await officer.wait_for_selector("#visits td.vstate:has-text('WBP sedang dijemput')")
    start = officer.locator("#visits button", has_text="Mulai")
    assert await start.is_disabled()  # the call waits for the identity check

    panel = officer.locator("#identity .check").first
    await panel.wait_for()
    facts = await panel.inner_text()
    assert "Ahmad Fauzi" in facts and "Foto register" in facts and "Kamera bilik sekarang" in facts
    await officer.wait_for_function(
        "document.querySelector('#identity img.portrait:not(.still)').naturalWidth > 0")
    await officer.wait_for_function(STILL_SHOWN, timeout=15000)  # the kiosk's fake camera
    await officer.screenshot(path=str(SHOTS / "console-identity-check.png"), full_page=True)
    await panel.locator("button", has_text="Identitas cocok").click()
    await officer.wait_for_selector("#visits td.vstate:has-text('identitas cocok')")
    await officer.locator("#visits button:not([disabled])", has_text="Mulai").click()
    await family.wait_for_function("document.body.dataset.state === 'live'")
    assert await officer.locator("#identity-card").is_hidden()

    await officer.locator("#visits button", has_text="Akhiri").click()
    back = officer.locator("#checkout .check").first
    await back.wait_for()
    assert "Ahmad Fauzi" in await back.inner_text()
    await block.wait_for_selector(
        "#to-return .escort-row:has-text('menunggu pemeriksaan keluar oleh petugas kunjungan')")
    await back.locator("button", has_text="Periksa keluar").click()
    take_back = block.locator("#to-return button", has_text="Kembali ke blok")
    await take_back.wait_for()
    await block.screenshot(path=str(SHOTS / "block-to-return.png"), full_page=True)
    await take_back.click()
    await block.wait_for_selector("text=Tidak ada WBP yang perlu diantar kembali.")
    await officer.wait_for_selector("#checkout-card", state="hidden")

    visit_id = (await (await s.client.get("/api/visits")).json())["visits"][0]["id"]
    await officer.goto(f"{base}/visits/{visit_id}")
    timeline = await officer.locator(".timeline").inner_text()
    for line in ("WBP dijemput · Petugas Blok A (blok)",
                 "identitas diperiksa: cocok dengan register · Petugas Kunjungan (petugas)",
                 "diperiksa keluar · Petugas Kunjungan (petugas)",
                 "kembali ke blok · Petugas Blok A (blok)"):
        assert line in timeline, timeline
    for page in (officer, block, station, family):
        await page.context.close()
