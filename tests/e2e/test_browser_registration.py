"""The family's phone flow in real Chromium at 360x740: the facility page, registration with a
KTP photo, a visit request, approval by an officer, and the queue room of the approved ticket."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.conftest import AppMaker
from tests.e2e.test_browser_visit import SHOTS, browser, phone_page
from tests.integration.test_registration import jpeg_with_exif

__all__ = ["browser"]

pytestmark = pytest.mark.browser


async def test_phone_registration_to_queue_room(make_sambang: AppMaker, browser: Browser,
                                                tmp_path: object) -> None:
    s = await make_sambang()
    base = str(s.client.make_url("/")).rstrip("/")
    photo = SHOTS / "ktp-sample.jpg"
    SHOTS.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(jpeg_with_exif())

    phone = await phone_page(browser)
    await phone.goto(f"{base}/f/demo")
    await phone.click("text=Daftar")
    await phone.fill("input[name=full_name]", "Sri Wahyuni")
    await phone.fill("input[name=nik]", "3374015208900003")
    await phone.select_option("select[name=relation]", "spouse")
    await phone.fill("input[name=phone]", "021 555")  # a landline: refused, with a reason
    await phone.fill("input[name=address]", "Jl. Melati 3, Semarang")
    await phone.set_input_files("input[name=ktp]", str(photo))
    await phone.check("input[name=consent]")
    await phone.click("button[type=submit]")
    await phone.wait_for_selector("text=Nomor HP tidak valid")
    assert await phone.input_value("input[name=full_name]") == "Sri Wahyuni"
    await phone.screenshot(path=str(SHOTS / "register-error.png"), full_page=True)
    await phone.fill("input[name=phone]", "0812 3456 7890")
    await phone.set_input_files("input[name=ktp]", str(photo))  # files are never kept
    await phone.check("input[name=consent]")
    await phone.click("button[type=submit]")
    await phone.wait_for_url(f"{base}/v/**")

    await phone.fill("input[name=reg_number]", "B.I-001/2026")
    await phone.click("text=Lihat sesi yang tersedia")
    # The schedule offers today's morning session first (the test's clock is Tuesday 09:00).
    await phone.wait_for_selector("select[name=slot]")
    chosen = await phone.eval_on_selector("select[name=slot]",
                                          "s => s.options[s.selectedIndex].text")
    assert chosen.startswith("Hari ini") and "Pagi" in chosen
    await phone.screenshot(path=str(SHOTS / "visitor-sessions.png"), full_page=True)
    await phone.click("button:has-text('Minta kunjungan')")
    await phone.wait_for_selector("text=menunggu verifikasi")

    csrf = await s.login()
    pending = (await (await s.client.get("/api/requests")).json())["requests"]
    status, _ = await s.post(f"/api/requests/{pending[0]['id']}/approve", {}, csrf)
    assert status == 200

    await phone.reload()
    await phone.wait_for_selector(".request.approved")
    await phone.screenshot(path=str(SHOTS / "visitor-approved.png"), full_page=True)
    await phone.click("text=Buka ruang antrean")
    await phone.wait_for_function("document.querySelector('#position').textContent === '1'")
    await s.client.close()
