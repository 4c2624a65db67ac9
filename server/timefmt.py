"""Times as the facility reads them: its own zone, labelled WIB, WITA or WIT."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_label(tz: str) -> str:
    return ZONE_LABELS.get(tz, tz)


def local_day(epoch: float, tz: str) -> str:
    return datetime.fromtimestamp(epoch, ZoneInfo(tz)).date().isoformat()


def local_time(epoch: float | None, tz: str, with_date: bool = False) -> str:
    if epoch is None:
        return "—"
    moment = datetime.fromtimestamp(epoch, ZoneInfo(tz))
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M")
    return f"{text} {zone_label(tz)}"
