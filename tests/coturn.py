"""A real coturn (Debian's `turnserver`) for one test: TURN over UDP and over TLS on free ports,
a self-signed certificate made for it, the TURN REST scheme with a static secret, and every file
(configuration, certificate, log, pid, user database) in the test's own folder."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import secrets
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from signaling.turn import TurnSettings

REALM = "sambang.test"


def free_port(host: str) -> int:
    """A port free for both UDP and TCP on `host` (coturn listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            with socket.socket() as tcp, contextlib.suppress(OSError):
                tcp.bind((host, port))
                return port
    raise RuntimeError("no port free for both UDP and TCP")


@dataclass(frozen=True)
class Coturn:
    host: str
    udp_port: int
    tls_port: int
    secret: str
    log: Path
    spki: str  # of its certificate's key, base64 SHA-256

    @property
    def udp_url(self) -> str:
        return f"turn:{self.host}:{self.udp_port}?transport=udp"

    @property
    def tls_url(self) -> str:
        return f"turns:{self.host}:{self.tls_port}?transport=tcp"

    def settings(self) -> TurnSettings:
        return TurnSettings((self.udp_url, self.tls_url), self.secret)


def _certificate(folder: Path) -> tuple[Path, Path, str]:
    """A self-signed certificate for coturn's TLS, and the SHA-256 of its public key (base64),
    which a test browser is told to trust (`--ignore-certificate-errors-spki-list`): browsers
    check a TURN server's certificate like a web server's."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, REALM)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "turn.crt", folder / "turn.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return cert_path, key_path, base64.b64encode(hashlib.sha256(spki).digest()).decode()


async def _wait_listening(host: str, port: int, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
            return
        except OSError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def coturn(folder: Path, host: str = "127.0.0.1") -> AsyncIterator[Coturn]:
    """coturn listening (and relaying) on `host`, stopped and waited for on the way out."""
    program = shutil.which("turnserver")
    assert program, "coturn is missing: scripts/test installs it (apt)"
    folder.mkdir(parents=True, exist_ok=True)
    cert, key, spki = _certificate(folder)
    server = Coturn(host=host, udp_port=free_port(host), tls_port=free_port(host),
                    secret=secrets.token_hex(16), log=folder / "turn.log", spki=spki)
    conf = folder / "turnserver.conf"
    conf.write_text("\n".join([
        f"listening-ip={host}", f"relay-ip={host}",
        f"listening-port={server.udp_port}", f"tls-listening-port={server.tls_port}",
        "use-auth-secret", f"static-auth-secret={server.secret}", f"realm={REALM}",
        f"cert={cert}", f"pkey={key}", "fingerprint", "no-cli", "no-rfc5780", "no-dtls",
        "no-tcp-relay", "no-multicast-peers", f"userdb={folder / 'turndb'}",
        f"pidfile={folder / 'turn.pid'}", f"log-file={server.log}", "simple-log",
        "no-stdout-log", "",
    ]))
    proc = await asyncio.create_subprocess_exec(
        program, "-c", str(conf), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    try:
        await _wait_listening(host, server.tls_port, within=15)
        yield server
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
