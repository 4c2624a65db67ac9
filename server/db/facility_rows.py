"""Facilities and their stations (kiosk tokens kept only as hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables as db
from server.db.atomic import Target, writing
from server.db.rows import inserted_id, new_token, row_dict, token_hash


@dataclass(frozen=True)
class Facility:
    id: int
    code: str
    name: str
    timezone: str
    default_call_seconds: int
    changeover_seconds: int
    grace_seconds: int
    recording: str = "off"
    retention_days: int = 90
    address: str = ""
    complaint_contact: str = ""
    schedule_toml: str | None = None
    notify_webhook: str = ""
    notify_secret_sealed: str = ""
    ask_by_name: bool = False
    call_override_seconds: int | None = None
    call_override_day: str | None = None
    reconnect_grace: int = 120


async def facilities_all(engine: AsyncEngine) -> list[Facility]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(db.facilities).order_by(db.facilities.c.id))).all()
    return [Facility(**row_dict(r)) for r in rows]


async def create_facility(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.facilities).values(**values))
    return inserted_id(result)


async def facility_by_code(engine: AsyncEngine, code: str) -> Facility | None:
    async with engine.connect() as conn:
        query = select(db.facilities).where(db.facilities.c.code == code)
        row = (await conn.execute(query)).first()
    return Facility(**row_dict(row)) if row else None


async def facility_by_id(engine: AsyncEngine, facility_id: int) -> Facility | None:
    async with engine.connect() as conn:
        query = select(db.facilities).where(db.facilities.c.id == facility_id)
        row = (await conn.execute(query)).first()
    return Facility(**row_dict(row)) if row else None


async def stations_for(engine: AsyncEngine, facility_id: int) -> list[dict[str, Any]]:
    query = (
        select(db.stations.c.id, db.stations.c.name, db.stations.c.facility_id)
        .where(db.stations.c.facility_id == facility_id)
        .order_by(db.stations.c.id)
    )
    async with engine.connect() as conn:
        return [row_dict(r) for r in (await conn.execute(query)).all()]


async def create_station(engine: Target, facility_id: int, name: str) -> int:
    async with writing(engine) as conn:
        result = await conn.execute(
            insert(db.stations).values(facility_id=facility_id, name=name, token_hash=None)
        )
    return inserted_id(result)


async def rotate_station_token(engine: Target, station_id: int) -> str:
    """A new kiosk token for the station; the old link stops working."""
    token = new_token()
    async with writing(engine) as conn:
        await conn.execute(
            update(db.stations)
            .where(db.stations.c.id == station_id)
            .values(token_hash=token_hash(token))
        )
    return token


async def station_by_token(engine: AsyncEngine, token: str) -> dict[str, Any] | None:
    query = select(db.stations.c.id, db.stations.c.name, db.stations.c.facility_id).where(
        db.stations.c.token_hash == token_hash(token)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return row_dict(row) if row else None
