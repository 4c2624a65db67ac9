"""Sends what server/services/notify.py wrote to the outbox: email over SMTP, JSON to webhooks.
A message that cannot be sent is tried again later, each wait longer than the last, and marked
failed after MAX_ATTEMPTS; nothing here ever waits on a visit or makes one wait."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import aiohttp
import aiosmtplib
from aiohttp import web
from sqlalchemy import select, update

from server.config import Config
from server.db import tables as db
from server.db.rows import row_dict
from server.keys import CLOCK, CONFIG, ENGINE, OUTBOX_WAKE, SECRET
from server.secret import SecretError, unseal

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
SEND_TIMEOUT = 10.0
BATCH = 20


def retry_delay(base: float, attempts: int) -> float:
    """Wait before the next try after `attempts` failures: base, 4x base, 16x base... capped at
    an hour, so a gateway down for a morning still gets the day's messages."""
    return float(min(3600.0, base * 4.0 ** max(0, attempts - 1)))


class SendFailed(Exception):
    pass


async def send_email(config: Config, recipient: str, payload: dict[str, Any]) -> None:
    message = EmailMessage()
    message["From"] = config.smtp_sender
    message["To"] = recipient
    message["Subject"] = f"{payload['facility']['name']}: {payload['event']}"
    message.set_content(payload["message"])
    # STARTTLS required when asked or when a password is to be sent, unless the connection is
    # TLS from the start (port 465): a password never crosses a plain connection. Without a
    # password the message goes as the relay takes it: many local relays offer TLS with a
    # self-signed certificate, which an opportunistic upgrade would refuse.
    must_upgrade = not config.smtp_tls and (config.smtp_starttls or bool(config.smtp_username))
    try:
        await aiosmtplib.send(
            message, hostname=config.smtp_host, port=config.smtp_port,
            username=config.smtp_username or None, password=config.smtp_password or None,
            use_tls=config.smtp_tls, start_tls=must_upgrade,
            timeout=SEND_TIMEOUT)
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"smtp: {type(exc).__name__}: {exc}") from None


async def send_webhook(session: aiohttp.ClientSession, url: str, secret: str,
                       body: str) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": "sambang"}
    if secret:
        digest = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
        headers["X-Sambang-Signature"] = f"sha256={digest}"
    try:
        async with session.post(url, data=body.encode(), headers=headers,
                                timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT)) as resp:
            if resp.status >= 300:
                raise SendFailed(f"webhook answered HTTP {resp.status}")
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise SendFailed(f"webhook: {type(exc).__name__}") from None


async def send_due(app: web.Application, session: aiohttp.ClientSession) -> int:
    """Try every message that is due; returns how many were sent."""
    engine = app[ENGINE]
    now = app[CLOCK]()
    query = (select(db.notifications, db.facilities.c.notify_secret_sealed)
             .join(db.facilities, db.facilities.c.id == db.notifications.c.facility_id)
             .where(db.notifications.c.state == "pending",
                    db.notifications.c.next_attempt_at <= now)
             .order_by(db.notifications.c.id).limit(BATCH))
    async with engine.connect() as conn:
        due = [row_dict(r) for r in (await conn.execute(query)).all()]
    sent = 0
    for row in due:
        try:
            if row["channel"] == "email":
                await send_email(app[CONFIG], row["recipient"], json.loads(row["payload"]))
            else:
                try:
                    secret = unseal(app[SECRET], row["notify_secret_sealed"])
                except SecretError as exc:
                    raise SendFailed(str(exc)) from None
                await send_webhook(session, row["recipient"], secret, row["payload"])
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
            if not isinstance(exc, SendFailed):
                log.warning("notification %s could not be sent: %s", row["id"],
                            type(exc).__name__)
                exc = SendFailed(f"{type(exc).__name__}")
            attempts = row["attempts"] + 1
            values: dict[str, Any] = {"attempts": attempts, "last_error": str(exc)[:500]}
            if attempts >= MAX_ATTEMPTS:
                values["state"] = "failed"
                log.warning("notification %s given up after %d attempts: %s", row["id"],
                            attempts, exc)
            else:
                values["next_attempt_at"] = now + retry_delay(
                    app[CONFIG].notify_retry_seconds, attempts)
                log.info("notification %s failed (%s); retrying", row["id"], exc)
        else:
            values = {"state": "sent", "sent_at": app[CLOCK](), "attempts": row["attempts"] + 1}
            sent += 1
        if values.get("state") in ("sent", "failed"):
            # Done with it: the names, phone and queue room link it carried are not kept.
            values["payload"] = "{}"
        async with engine.begin() as conn:
            await conn.execute(update(db.notifications)
                               .where(db.notifications.c.id == row["id"]).values(**values))
    return sent


async def outbox_ctx(app: web.Application) -> AsyncIterator[None]:
    wake = app[OUTBOX_WAKE]
    poll = max(0.05, min(5.0, app[CONFIG].notify_retry_seconds / 4))

    async def loop() -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    await send_due(app, session)
                except Exception:  # the next round tries again
                    log.exception("outbox round failed")
                wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(wake.wait(), poll)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
