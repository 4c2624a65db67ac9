"""The demo facility: seeded once into an empty database, with credentials printed once."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncEngine

from server import links
from server.config import Config
from server.db import facility_rows, staff_rows, ticket_rows

DEMO_INMATES = [
    ("B.I-001/2026", "Ahmad Fauzi", "Blok A", "A-3"),
    ("B.II-014/2026", "Budi Santoso", "Blok A", "A-5"),
    ("A.I-102/2026", "Joko Prasetyo", "Blok B", "B-1"),
    ("B.I-033/2025", "Rudi Hartono", "Blok C", "C-2"),
    ("A.II-007/2026", "Siti Aminah", "Blok Wanita", "W-1"),
]
DEMO_SCHEDULE = """
[facility]
name = "Rutan Demo Sambang"
timezone = "Asia/Jakarta"
stations = 2

[rules]
default_call_minutes = 10
min_call_minutes = 5
max_call_minutes = 15
changeover_minutes = 1
visits_per_week = 2
same_day_queue = true

[[sessions]]
name = "Pagi"
days = ["mon", "tue", "wed", "thu", "fri", "sat"]
start = "08:30"
end = "12:00"

[[sessions]]
name = "Siang (Blok A dan Blok Wanita)"
days = ["mon", "tue", "wed", "thu"]
start = "13:00"
end = "15:00"
groups = ["Blok A", "Blok Wanita"]
"""
DEMO_STAFF = [("petugas", "Petugas Kunjungan", "officer"), ("karupam", "Karupam", "supervisor"),
              ("pendaftaran", "Petugas Pendaftaran", "registration"),
              ("admin", "Admin UPT", "admin"), ("blok", "Petugas Blok A", "block")]


async def seed_demo(engine: AsyncEngine, config: Config) -> None:
    from server.http.auth import new_password_hash

    facility = await facility_rows.facility_by_code(engine, "demo")
    if facility is None:
        facility_id = await facility_rows.create_facility(
            engine, code="demo", name="Rutan Demo Sambang", timezone="Asia/Jakarta",
            default_call_seconds=600, changeover_seconds=60, grace_seconds=600,
            recording="all", retention_days=30,
            address="Jl. Pemasyarakatan No. 1, Semarang",
            complaint_contact="Layanan pengaduan: 0812-0000-0000 (WhatsApp) atau loket depan",
            schedule_toml=DEMO_SCHEDULE,
        )
        for name in ("Bilik 1", "Bilik 2"):
            await facility_rows.create_station(engine, facility_id, name)
        for reg, name, block, cell in DEMO_INMATES:
            await ticket_rows.create_inmate(engine, facility_id=facility_id, reg_number=reg,
                                            full_name=name, block=block, cell=cell)
        lines = []
        for username, full_name, role in DEMO_STAFF:
            password = secrets.token_urlsafe(9)
            await staff_rows.create_staff(engine, facility_id=facility_id, username=username,
                                     full_name=full_name, role=role, active=True,
                                     password_hash=await new_password_hash(password))
            lines.append(f"  {role:<12} {username} / {password}")
        # Printed to the terminal once, never logged: the operator writes them down.
        print("sambang demo: staff accounts (shown only this once; change with "
              "`sambang staff set-password USERNAME`):", *lines, sep="\n", flush=True)
        facility = await facility_rows.facility_by_code(engine, "demo")
    assert facility is not None
    # Kiosk links are rotated at each demo start so they can be printed again.
    kiosks = []
    for station in await facility_rows.stations_for(engine, facility.id):
        token = await facility_rows.rotate_station_token(engine, station["id"])
        kiosks.append(f"  {station['name']}: {links.link(config, links.station(token))}")
    print(f"sambang demo: officer console {links.link(config, '/console')}", "station pages:",
          *kiosks, sep="\n", flush=True)
