"""What a family reads when the facility cancels its call, in headless Chromium on a phone held
upright: first in the queue again while the session runs, a make-up for the next session once
it is over, and only its own absence ends its visit."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page

from tests.conftest import AppMaker
from tests.e2e.test_browser_visit import PORTRAIT, SHOTS, browser, staff_page

pytestmark = pytest.mark.browser
__all__ = ["browser"]


async def family_phone(browser: Browser, link: str) -> Page:
    context = await browser.new_context(viewport=PORTRAIT, is_mobile=True, has_touch=True)
    page = await context.new_page()
    await page.goto(link)
    return page


async def issue(officer: Page, name: str) -> str:
    await officer.fill("input[name=visitor_name]", name)
    await officer.click("#ticket-form button[type=submit]")
    await officer.wait_for_function(
        "document.querySelector('#ticket-link').textContent.includes('/t/') && "
        "!document.querySelector('input[name=visitor_name]').value")
    return str(await officer.text_content("#ticket-link"))


async def call_and_cancel(officer: Page, family: Page, cause_label: str) -> None:
    await officer.click("#stations button:has-text('Panggil berikutnya')")
    await family.wait_for_selector("text=Giliran Anda!")
    await officer.click(f"#visits button:has-text('{cause_label}')")


async def test_a_cancelled_call_keeps_the_familys_visit(make_sambang: AppMaker,
                                                         browser: Browser) -> None:
    s = await make_sambang()
    base = str(s.client.make_url("/")).rstrip("/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    officer = await staff_page(browser, base, "petugas", "/console")
    sri = await family_phone(browser, await issue(officer, "Sri Wahyuni"))
    budi = await family_phone(browser, await issue(officer, "Budi Hartono"))
    await budi.wait_for_function("document.querySelector('#position').textContent === '2'")

    # The inmate cannot come: Sri is told why, and that she is first again.
    await call_and_cancel(officer, sri, "Batalkan: WBP berhalangan")
    await sri.wait_for_selector("text=belum bisa dibawa ke bilik")
    await sri.wait_for_function("document.querySelector('#position').textContent === '1'")
    text = await sri.inner_text("main")
    assert "Anda kembali ke urutan pertama" in text
    assert "Kunjungan selesai" not in text and "Terima kasih" not in text
    assert "Menunggu giliran" in text
    await sri.screenshot(path=str(SHOTS / "family-cancelled-back-in-queue.png"))
    # Reloaded, the page says the same from its first paint.
    await sri.reload()
    first_paint = await sri.inner_text("main")
    assert "Anda di urutan pertama" in first_paint and "Kunjungan selesai" not in first_paint
    assert await budi.inner_text("#position") == "2"

    # Called again (first, before Budi); now the session is nearly over and the booth fails:
    # a make-up in the afternoon session, which admits the inmate's block.
    await officer.click("#stations button:has-text('Panggil berikutnya')")
    await sri.wait_for_selector("text=Giliran Anda!")
    assert "Giliran Anda" not in await budi.inner_text("main")
    zone = ZoneInfo("Asia/Jakarta")
    now = datetime.fromtimestamp(s.clock(), zone)
    s.clock.offset += (now.replace(hour=11, minute=59, second=30) - now).total_seconds()
    await officer.click("#visits button:has-text('Batalkan: bilik bermasalah')")
    await sri.wait_for_selector("text=Kunjungan pengganti")
    text = await sri.inner_text("main")
    assert "Panggilan Anda sebelumnya dibatalkan oleh petugas" in text
    assert "Siang (Blok A dan Blok Wanita)" in text and "12.30 WIB" in text
    assert "dipanggil pertama" in text and "Terima kasih" not in text
    await sri.screenshot(path=str(SHOTS / "family-cancelled-makeup.png"))

    # Budi is not here when called: that, and only that, ends his visit.
    await call_and_cancel(officer, budi, "Keluarga tidak hadir")
    await budi.wait_for_selector("#ended:not([hidden])")
    text = await budi.inner_text("main")
    assert "Anda tidak hadir saat dipanggil" in text and "urutan pertama" not in text
    for page in (sri, budi, officer):
        await page.context.close()
