"""The inmate register from a CSV export: columns reg_number, full_name, block (and optionally
cell, categories separated by ";" such as "narkotika;lansia", and status: "aktif", "bebas" for
released, "pindah" for moved). Parsing is pure and reports every
rejected row with its reason; applying it makes inmates missing from a full re-import, or marked
released or moved, no longer visitable."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables as db

REQUIRED = ("reg_number", "full_name", "block")
STATUSES = {"aktif": "active", "active": "active", "bebas": "released",
            "released": "released", "pindah": "moved", "moved": "moved"}
REG_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./ -]{2,40}$")


@dataclass(frozen=True)
class InmateRow:
    reg_number: str
    full_name: str
    block: str
    status: str
    cell: str = ""
    categories: str = ""


@dataclass(frozen=True)
class Rejected:
    """A refused line: `code` names the rule (an i18n key, "import_<code>"), `values` fill in
    the message."""

    line: int
    code: str
    values: tuple[tuple[str, str], ...] = ()

    def message(self, lang: str = "en") -> str:
        from server.i18n import translate

        return translate(f"import_{self.code}", lang, **dict(self.values))

    @property
    def reason(self) -> str:
        return self.message("en")


def _records(reader: csv.DictReader[str], rejected: list[Rejected]) -> Iterator[dict[str, Any]]:
    """The reader's rows, until one the csv module cannot read (a field over its size limit):
    that one is rejected and the file with it."""
    try:
        yield from reader
    except csv.Error as exc:
        rejected.append(Rejected(reader.line_num, "unreadable", (("reason", str(exc)),)))


def parse_register(text: str) -> tuple[list[InmateRow], list[Rejected]]:
    # newline="" as the csv module asks: a lone \r (old Mac or Excel exports) ends a line
    # instead of breaking the reader.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
    except csv.Error as exc:
        return [], [Rejected(1, "unreadable", (("reason", str(exc)),))]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [Rejected(1, "missing", (("columns", ", ".join(missing)),))]
    reader.fieldnames = header
    rows: list[InmateRow] = []
    rejected: list[Rejected] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(_records(reader, rejected), start=2):
        values = {k: (v or "").strip() for k, v in raw.items() if k}
        reg_number = values.get("reg_number", "")
        if not REG_NUMBER.match(reg_number):
            rejected.append(Rejected(line, "bad_number", (("number", reg_number),)))
            continue
        if not values.get("full_name"):
            rejected.append(Rejected(line, "no_name"))
            continue
        status = STATUSES.get(values.get("status", "aktif").lower() or "aktif")
        if status is None:
            rejected.append(Rejected(line, "bad_status", (("status", values.get("status", "")),)))
            continue
        if reg_number in seen:
            rejected.append(Rejected(line, "repeated", (("number", reg_number),
                                                        ("first", str(seen[reg_number])))))
            continue
        seen[reg_number] = line
        categories = ";".join(c.strip() for c in values.get("categories", "").split(";")
                              if c.strip())
        rows.append(InmateRow(reg_number, values["full_name"], values.get("block", ""),
                              status, values.get("cell", ""), categories))
    return rows, rejected


async def apply_register(engine: AsyncEngine, facility_id: int,
                         rows: list[InmateRow]) -> dict[str, int]:
    """Insert new inmates, update known ones; those absent from the file stop being visitable."""
    counts = {"added": 0, "updated": 0, "no_longer_visitable": 0}
    async with engine.begin() as conn:
        known = {r.reg_number: r for r in (await conn.execute(select(db.inmates).where(
            db.inmates.c.facility_id == facility_id))).all()}
        listed = set()
        for row in rows:
            listed.add(row.reg_number)
            values = {"full_name": row.full_name, "block": row.block, "status": row.status,
                      "cell": row.cell, "categories": row.categories}
            if row.reg_number in known:
                await conn.execute(update(db.inmates).where(
                    db.inmates.c.id == known[row.reg_number].id).values(**values))
                counts["updated"] += 1
            else:
                await conn.execute(db.inmates.insert().values(
                    facility_id=facility_id, reg_number=row.reg_number, **values))
                counts["added"] += 1
            if row.status != "active" and (
                row.reg_number not in known or known[row.reg_number].status == "active"
            ):
                counts["no_longer_visitable"] += 1
        for reg_number, old in known.items():
            if reg_number not in listed and old.status == "active":
                await conn.execute(update(db.inmates).where(db.inmates.c.id == old.id)
                                   .values(status="moved"))
                counts["no_longer_visitable"] += 1
    return counts


def inmate_groups(inmate: dict[str, object]) -> set[str]:
    """What a schedule's session may admit this inmate by: block, cell and categories."""
    groups = {str(inmate.get("block") or ""), str(inmate.get("cell") or "")}
    groups |= set(str(inmate.get("categories") or "").split(";"))
    return {g for g in groups if g}
