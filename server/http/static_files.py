"""Scripts and styles under a versioned path, /static/<content hash>/<name>, cached by browsers
for a year: a family's phone on 3G fetches style.css once, not on every page; a new release
changes the hash, so nobody keeps an old copy. Templates link through `static_url`; the plain
/static/<name> path still answers, revalidated each time."""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"  # kept, but asked again (ETag, Last-Modified) before use
VERSION_PATTERN = "[0-9a-f]{12}"


class StaticFiles:
    """Each file's version is the start of its SHA-256; a file edited while the server runs
    (development) gets a new one at its next link."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self._versions: dict[str, tuple[int, int, str]] = {}  # name: (mtime_ns, size, hash)

    def version(self, name: str) -> str | None:
        path = self.folder / name
        try:
            stat = path.stat()
        except OSError:
            return None
        if path.resolve().parent != self.folder or not path.is_file():
            return None  # only the folder's own files are versioned
        known = self._versions.get(name)
        if known is None or known[:2] != (stat.st_mtime_ns, stat.st_size):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            known = (stat.st_mtime_ns, stat.st_size, digest)
            self._versions[name] = known
        return known[2]

    def url(self, name: str) -> str:
        version = self.version(name)
        return f"/static/{version}/{name}" if version else f"/static/{name}"


def setup_routes(app: web.Application, files: StaticFiles) -> None:
    async def versioned(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        current = files.version(name)
        if current is None:
            raise web.HTTPNotFound()
        # A page from before a release may ask for an old version: it gets today's file,
        # but no promise that this URL never changes.
        cache = IMMUTABLE if request.match_info["version"] == current else REVALIDATE
        return web.FileResponse(files.folder / name, headers={"Cache-Control": cache})

    async def plain(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        if files.version(name) is None:
            raise web.HTTPNotFound()
        return web.FileResponse(files.folder / name, headers={"Cache-Control": REVALIDATE})

    app.router.add_get(f"/static/{{version:{VERSION_PATTERN}}}/{{name}}", versioned)
    app.router.add_get("/static/{name}", plain, name="static")
