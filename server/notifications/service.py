from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.errors import DomainError, Kind
from server.files import write_private
from server.notifications.models import Notification, PushSubscription
from server.settings import Settings

log = logging.getLogger("huimin.push")
SUBJECT = "mailto:huimin@example.gov.cn"


def vapid_key_path(settings: Settings) -> Path:
    return settings.var_dir / "vapid_private.pem"


def vapid_private_pem(settings: Settings) -> bytes:
    """The VAPID signing key: from the environment, else created once under the var folder."""
    if os.environ.get("HUIMIN_VAPID_PRIVATE_KEY"):
        return os.environ["HUIMIN_VAPID_PRIVATE_KEY"].encode()
    path = vapid_key_path(settings)
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        write_private(
            path,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )
    return path.read_bytes()


def vapid_public_key(settings: Settings) -> str:
    """The application server key the browser subscribes with (uncompressed point, base64url)."""
    key = serialization.load_pem_private_key(vapid_private_pem(settings), password=None)
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def notify(session: AsyncSession, citizen_id: int | None, title: str, body: str, url: str) -> None:
    """Queue a message for the citizen: shown in the PWA at once, pushed by the worker."""
    if citizen_id:
        session.add(Notification(citizen_id=citizen_id, title=title, body=body, url=url))


async def mark_all_read(session: AsyncSession, citizen_id: int) -> None:
    """The citizen has seen their messages (the messages page was shown)."""
    await session.execute(
        update(Notification)
        .where(Notification.citizen_id == citizen_id, Notification.read_at.is_(None))
        .values(read_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


async def subscribe(session: AsyncSession, citizen_id: int, endpoint: str, keys: Mapping[str, str]) -> None:
    """Keep (or move to this account) a browser's push subscription."""
    if not endpoint.startswith("https://") and not endpoint.startswith("http://127.0.0.1"):
        raise DomainError("push.endpoint", Kind.INVALID)
    if not keys.get("p256dh") or not keys.get("auth"):
        raise DomainError("push.keys", Kind.INVALID)
    existing = await session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if existing is None:
        session.add(
            PushSubscription(
                citizen_id=citizen_id, endpoint=endpoint, p256dh=keys["p256dh"], auth=keys["auth"]
            )
        )
    else:
        existing.citizen_id, existing.p256dh, existing.auth = citizen_id, keys["p256dh"], keys["auth"]


def _send(subscription: PushSubscription, payload: str, private_pem: bytes) -> int:
    # imported here, not at the top: only the worker sends pushes, so web processes and every other
    # command skip loading the Web Push libraries
    from py_vapid import Vapid02
    from pywebpush import WebPushException, webpush

    vapid = Vapid02.from_pem(private_pem)
    try:
        response = webpush(
            {
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=payload,
            vapid_private_key=vapid,
            vapid_claims={"sub": SUBJECT},
            timeout=5,
        )
        return response.status_code
    except WebPushException as e:
        return e.response.status_code if e.response is not None else 0
    except Exception:  # a push service that is down must not stop the others
        log.exception("push to %s failed", subscription.endpoint[:60])
        return 0


async def send_pending(session: AsyncSession, settings: Settings, limit: int = 200) -> int:
    """Push the queued messages (the worker calls this); gone subscriptions are removed."""
    pending = list(
        await session.scalars(
            select(Notification)
            .where(Notification.pushed_at.is_(None))
            .order_by(Notification.id)
            .limit(limit)
        )
    )
    if not pending:
        return 0
    private_pem = vapid_private_pem(settings)
    sent = 0
    for note in pending:
        subscriptions = list(
            await session.scalars(
                select(PushSubscription).where(PushSubscription.citizen_id == note.citizen_id)
            )
        )
        payload = json.dumps({"title": note.title, "body": note.body, "url": note.url}, ensure_ascii=False)
        for sub in subscriptions:
            status = await asyncio.to_thread(_send, sub, payload, private_pem)
            if status in (404, 410):
                await session.execute(delete(PushSubscription).where(PushSubscription.id == sub.id))
            elif 200 <= status < 300:
                sent += 1
        note.pushed_at = utcnow()
    await session.flush()
    return sent
