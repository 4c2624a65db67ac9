"""KTP uploads: at most 2 MB, read in chunks and refused as soon as it is larger; the type comes
from the content, not the name; images are re-encoded so EXIF and anything appended is dropped;
PDFs that carry scripts, launch actions or embedded files are refused."""

from __future__ import annotations

import asyncio
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from aiohttp import BodyPartReader
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
PDF_DANGERS = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA")


class UploadError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class StoredUpload:
    name: str  # a random file name inside the upload folder
    kind: str  # "image/jpeg", "image/png" or "application/pdf"


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


async def read_limited(part: BodyPartReader) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(64 * 1024):
        data += chunk
        if len(data) > MAX_BYTES:
            raise UploadError("upload_too_large")
    return bytes(data)


def clean(data: bytes, declared: str | None) -> tuple[bytes, str]:
    """The bytes to keep and their type, or UploadError."""
    kind = sniff(data[:16])
    if kind is None:
        raise UploadError("upload_type")
    if declared and declared not in (kind, "application/octet-stream") and not (
        kind == "image/jpeg" and declared == "image/jpg"
    ):
        # The name or the browser says one thing, the bytes another.
        raise UploadError("upload_type")
    if kind == "application/pdf":
        if b"%%EOF" not in data[-1024:] or any(d in data for d in PDF_DANGERS):
            raise UploadError("upload_type")
        return data, kind
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UploadError("upload_type")
            image.load()
            pixels = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise UploadError("upload_type") from None
    out = io.BytesIO()
    # A fresh encode carries pixels only: no EXIF (location), no comments, nothing appended.
    if kind == "image/png":
        pixels.save(out, format="PNG", optimize=True)
    else:
        pixels.save(out, format="JPEG", quality=88)
    return out.getvalue(), kind


async def clean_off_loop(data: bytes, declared: str | None) -> tuple[bytes, str]:
    """`clean` in a thread: decoding and re-encoding a phone's photo takes a good part of a
    second of CPU, which the event loop owes to everyone else's pages and visits."""
    return await asyncio.to_thread(clean, data, declared)


def store_upload(folder: Path, data: bytes, kind: str) -> StoredUpload:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(16)
    (folder / name).write_bytes(data)
    return StoredUpload(name, kind)
