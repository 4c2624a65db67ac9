"""Inmate photos in the register: one per inmate, or many at once from a ZIP whose entries are
named by registration number ("B.123-2024.jpg"). Every photo is checked by its content and
re-encoded like a KTP (services/uploads.py), off the event loop; a ZIP with one bad entry
stores nothing, so the admin fixes the file and sends it again."""

from __future__ import annotations

import asyncio
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables as db
from server.services.uploads import MAX_BYTES, UploadError, clean, store_upload

PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
FOLDER = "photos"


@dataclass(frozen=True)
class Photo:
    inmate_id: int
    data: bytes
    kind: str


@dataclass(frozen=True)
class RejectedEntry:
    """A ZIP entry refused: `code` is a "photo_<code>" text key, `values` fill it in."""

    entry: str
    code: str
    values: tuple[tuple[str, str], ...] = ()


def file_key(reg_number: str) -> str:
    """How a registration number is written as a file name: "/" cannot be in one, so
    "B.I-001/2026" is "B.I-001_2026" (either case)."""
    return reg_number.strip().replace("/", "_").replace("\\", "_").casefold()


def clean_photo(data: bytes, declared: str | None) -> tuple[bytes, str]:
    """A JPEG or PNG re-encoded without EXIF, or UploadError (a PDF is no photo)."""
    if len(data) > MAX_BYTES:
        raise UploadError("upload_too_large")
    cleaned, kind = clean(data, declared)
    if kind not in PHOTO_TYPES:
        raise UploadError("upload_type")
    return cleaned, kind


async def clean_photo_off_loop(data: bytes, declared: str | None) -> tuple[bytes, str]:
    return await asyncio.to_thread(clean_photo, data, declared)


def read_zip(data: bytes, register: dict[str, int]) -> tuple[list[Photo], list[RejectedEntry]]:
    """Each entry's photo for the inmate its name gives; `register` maps registration numbers
    as file names (`file_key`) to inmate ids. Sizes are read from the directory before anything is
    decompressed, so a small ZIP that would inflate to gigabytes is refused unread."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return [], [RejectedEntry("", "not_zip")]
    photos: list[Photo] = []
    rejected: list[RejectedEntry] = []
    seen: dict[int, str] = {}
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir()
                   and not PurePosixPath(i.filename).name.startswith(".")
                   and "__MACOSX" not in i.filename]
        if len(entries) > MAX_ZIP_ENTRIES:
            return [], [RejectedEntry("", "too_many", (("limit", str(MAX_ZIP_ENTRIES)),))]
        for info in entries:
            name = PurePosixPath(info.filename)
            stem, suffix = name.stem.strip(), name.suffix.lower()
            if suffix not in PHOTO_SUFFIXES:
                rejected.append(RejectedEntry(info.filename, "suffix"))
                continue
            inmate_id = register.get(file_key(stem))
            if inmate_id is None:
                rejected.append(RejectedEntry(info.filename, "unknown", (("number", stem),)))
                continue
            if inmate_id in seen:
                rejected.append(RejectedEntry(info.filename, "repeated",
                                              (("first", seen[inmate_id]),)))
                continue
            seen[inmate_id] = info.filename
            if info.file_size > MAX_BYTES:
                rejected.append(RejectedEntry(info.filename, "too_large"))
                continue
            try:
                with archive.open(info) as entry:
                    raw = entry.read(MAX_BYTES + 1)
                cleaned, kind = clean_photo(raw, None)
            except UploadError as exc:
                code = "too_large" if exc.code == "upload_too_large" else "type"
                rejected.append(RejectedEntry(info.filename, code))
                continue
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
                rejected.append(RejectedEntry(info.filename, "unreadable"))
                continue
            photos.append(Photo(inmate_id, cleaned, kind))
    if not photos and not rejected:
        rejected.append(RejectedEntry("", "empty"))
    return photos, rejected


async def read_zip_off_loop(data: bytes,
                            register: dict[str, int]) -> tuple[list[Photo], list[RejectedEntry]]:
    # Decompressing and re-encoding hundreds of photos is seconds of CPU: never on the loop.
    return await asyncio.to_thread(read_zip, data, register)


async def register_numbers(engine: AsyncEngine, facility_id: int) -> dict[str, int]:
    query = select(db.inmates.c.id, db.inmates.c.reg_number).where(
        db.inmates.c.facility_id == facility_id)
    async with engine.connect() as conn:
        return {file_key(r.reg_number): r.id for r in (await conn.execute(query)).all()}


async def inmate_photo(engine: AsyncEngine, facility_id: int,
                       inmate_id: int) -> tuple[str, str] | None:
    """The stored file name and type of an inmate's photo, only within the facility."""
    query = select(db.inmates.c.photo_file, db.inmates.c.photo_type).where(
        db.inmates.c.id == inmate_id, db.inmates.c.facility_id == facility_id)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None or not row.photo_file:
        return None
    return row.photo_file, row.photo_type


async def store_photos(engine: AsyncEngine, data_dir: Path, photos: list[Photo]) -> int:
    """Write the files, point the inmates at them, and remove the photos they replace."""
    folder = data_dir / FOLDER
    # A ZIP may hold thousands of photos: written in a thread, not on the loop live visits use.
    stored = await asyncio.to_thread(
        lambda: [(p, store_upload(folder, p.data, p.kind)) for p in photos])
    replaced: list[str] = []
    async with engine.begin() as conn:
        for photo, saved in stored:
            old = (await conn.execute(select(db.inmates.c.photo_file).where(
                db.inmates.c.id == photo.inmate_id))).scalar_one_or_none()
            if old:
                replaced.append(old)
            await conn.execute(update(db.inmates).where(db.inmates.c.id == photo.inmate_id)
                               .values(photo_file=saved.name, photo_type=saved.kind))
    for name in replaced:
        (folder / name).unlink(missing_ok=True)
    return len(stored)
