"""The admin page in real Chromium: log in, change a setting, add a station and read its kiosk
link once, refuse a schedule that does not read, add a staff account, and import a register
file with a bad line (the report lists it, nothing changes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser

from server.db import facility_rows, ticket_rows
from server.keys import ENGINE
from tests.conftest import AppMaker
from tests.e2e.test_browser_visit import SHOTS, browser, staff_page

__all__ = ["browser"]

pytestmark = pytest.mark.browser


async def test_admin_page_in_a_browser(make_sambang: AppMaker, browser: Browser,
                                       tmp_path: Path) -> None:
    s = await make_sambang()
    base = str(s.client.make_url("/")).rstrip("/")
    page = await staff_page(browser, base, "admin", "/admin")

    await page.fill("#facility-form input[name=address]", "Jl. Diponegoro 9, Semarang")
    await page.click("#facility-form button[type=submit]")
    await page.wait_for_selector(".notice:has-text('Tersimpan')")
    facility = await facility_rows.facility_by_code(s.app[ENGINE], "demo")
    assert facility is not None and facility.address == "Jl. Diponegoro 9, Semarang"

    await page.fill("input[placeholder='Bilik 3']", "Bilik 3")
    await page.click("form[data-show] button")
    await page.wait_for_selector("#kiosk-link:not([hidden])")
    link = (await page.inner_text("#kiosk-link")).rsplit(" ", 1)[1]
    assert (await s.client.get(link.replace(base, ""))).status == 200

    await page.fill("#schedule-form textarea", "[facility]\nname = 'tanpa aturan'")
    await page.click("#schedule-form button[type=submit]")
    await page.wait_for_selector(".alert:has-text('Jadwal tidak dapat dibaca')")

    await page.fill("#staff-form input[name=username]", "rina")
    await page.fill("#staff-form input[name=full_name]", "Rina Pendaftaran")
    await page.select_option("#staff-form select[name=role]", "registration")
    await page.fill("#staff-form input[name=password]", "kata-sandi-rina")
    await page.click("#staff-form button[type=submit]")
    await page.wait_for_selector("#staff td:has-text('rina')")

    register = tmp_path / "register.csv"
    register.write_text("reg_number,full_name,block\nB.I-001/2026,Ahmad Fauzi,Blok A\n"
                        "??,Tanpa Nomor,Blok B\n")
    await page.set_input_files("#register-file", str(register))
    await page.click("#register-upload")
    await page.wait_for_selector("#register-report li:has-text('Baris 3')")
    assert "tidak valid" in await page.inner_text("#register-report")
    await page.screenshot(path=str(SHOTS / "admin.png"), full_page=True)
    inmates = await ticket_rows.inmates_for(s.app[ENGINE], 1)
    assert all(i["status"] == "active" for i in inmates)  # the bad file changed nothing
    await s.client.close()
