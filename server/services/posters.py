"""A facility's printable poster (A4, a QR code to its public page), drawn in a thread and kept:
drawing one costs a good fraction of a second of CPU, and the seeds' facilities print the same
poster again and again. An entry is kept per facility, language and format, and is drawn anew
when what it shows changes."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections import OrderedDict
from dataclasses import astuple, dataclass

import segno
from PIL import Image, ImageDraw, ImageFont

POSTER_SIZE = (1240, 1754)  # A4 at 150 dpi


@dataclass(frozen=True)
class PosterFace:
    """Everything the poster shows, already in the reader's language."""

    title: str
    name: str
    address: str
    url: str
    scan: str
    free: str
    steps: str
    schedule: str = ""  # the facility's schedule as saved, so new hours make a new poster

    def digest(self) -> str:
        return hashlib.sha256("\x00".join(astuple(self)).encode()).hexdigest()


def draw(face: PosterFace, kind: str) -> bytes:
    """The poster as PNG or PDF bytes; CPU-bound, so called in a thread."""
    width, _ = POSTER_SIZE
    image = Image.new("RGB", POSTER_SIZE, "white")
    pen = ImageDraw.Draw(image)
    title = ImageFont.load_default(size=64)
    body = ImageFont.load_default(size=36)
    small = ImageFont.load_default(size=30)
    pen.rectangle((0, 0, width, 220), fill="#1f5f4a")
    pen.text((80, 60), face.title, font=title, fill="white")
    pen.text((80, 250), face.name, font=body, fill="#1d2521")
    pen.text((80, 300), face.address, font=small, fill="#56625c")
    buffer = io.BytesIO()
    segno.make(face.url, error="m").save(buffer, kind="png", scale=22, border=2)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    side = min(900, qr.width)
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    image.paste(qr, ((width - side) // 2, 400))
    y = 400 + side + 40
    for line in (face.scan, face.url, "", face.free, face.steps):
        pen.text((80, y), line, font=body if line != face.url else small, fill="#1d2521")
        y += 60
    out = io.BytesIO()
    image.save(out, format=kind.upper(), resolution=150.0)
    return out.getvalue()


class PosterCache:
    """Drawn posters of one app, by (facility, language, format); the least recently asked
    goes first when full."""

    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._kept: OrderedDict[tuple[int, str, str], tuple[str, bytes]] = OrderedDict()
        self.drawn = 0  # how many were drawn, not served from here

    async def poster(self, facility_id: int, lang: str, kind: str, face: PosterFace) -> bytes:
        key = (facility_id, lang, kind)
        digest = face.digest()
        kept = self._kept.get(key)
        if kept is not None and kept[0] == digest:
            self._kept.move_to_end(key)
            return kept[1]
        data = await asyncio.to_thread(draw, face, kind)
        self.drawn += 1
        self._kept[key] = (digest, data)
        self._kept.move_to_end(key)
        while len(self._kept) > self.max_entries:
            self._kept.popitem(last=False)
        return data
