"""Calling an inmate aloud, as the seeds' facilities do over a loudspeaker: "Panggilan untuk
warga binaan Ahmad Fauzi, Blok A, menuju Bilik 1", spoken by espeak-ng's Indonesian voice.

The audio is made on the server (a browser's own speech has no Indonesian voice on most
officers' PCs), by espeak-ng as a subprocess so the event loop never waits on it, and kept in
the data directory under a hash of its words: a call read out again, or by a second block's
loudspeaker, costs nothing."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

VOICE = "id"  # espeak-ng's Indonesian
WORDS_PER_MINUTE = 140  # slower than espeak's 175: a loudspeaker in a yard echoes
SPEAK_TIMEOUT = 30.0
FOLDER = "announcements"


class AnnouncementUnavailable(RuntimeError):
    """espeak-ng is missing or failed; the officers call by voice as before."""


def announcement_text(inmate_name: str, block: str, station_name: str) -> str:
    """The words of a call, always in Bahasa Indonesia (the voice is Indonesian). A block named
    "A" is read "Blok A"; one already named "Blok A" is not read "Blok Blok A"."""
    parts = [f"Panggilan untuk warga binaan {inmate_name.strip()}"]
    block = block.strip()
    if block:
        parts.append(block if block.casefold().startswith("blok") else f"Blok {block}")
    parts.append(f"menuju {station_name.strip()}")
    return ", ".join(parts)


class Announcer:
    """Spoken calls, made once per wording and kept as WAV files."""

    def __init__(self, data_dir: Path, program: str = "espeak-ng") -> None:
        self.folder = data_dir / FOLDER
        self.program = program
        self._making: dict[str, asyncio.Lock] = {}  # one espeak per wording at a time

    def path_for(self, text: str) -> Path:
        key = hashlib.sha256(f"{VOICE}|{WORDS_PER_MINUTE}|{text}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.wav"

    async def audio(self, text: str) -> Path:
        """The WAV file of `text`, made now if it is not kept yet."""
        path = self.path_for(text)
        if path.is_file():
            return path
        lock = self._making.setdefault(path.name, asyncio.Lock())
        try:
            async with lock:
                if not path.is_file():
                    await self._speak(text, path)
        finally:
            if not lock.locked():
                self._making.pop(path.name, None)
        return path

    async def _speak(self, text: str, path: Path) -> None:
        if shutil.which(self.program) is None:
            raise AnnouncementUnavailable(f"{self.program} is not installed")
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # A name of its own per run: two runs of the same words (a lock dropped while another
        # caller still waited on it) must not write one file.
        partial = path.with_suffix(f".{secrets.token_hex(6)}.part")
        # The words go as one argument, never through a shell: an inmate's name is data.
        process = await asyncio.create_subprocess_exec(
            self.program, "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", str(partial), "--",
            text, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await asyncio.wait_for(process.communicate(), SPEAK_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            partial.unlink(missing_ok=True)
            raise AnnouncementUnavailable(
                f"{self.program} took over {SPEAK_TIMEOUT:.0f} s") from None
        if process.returncode != 0 or not partial.is_file() or partial.stat().st_size < 1024:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            log.warning("announcement failed: %s", err.decode(errors="replace")[:300])
            raise AnnouncementUnavailable(f"{self.program} exited {process.returncode}")
        partial.replace(path)  # whole or not at all: a page never plays half a call
