"""Sending text messages. The default sender is a development outbox (a table, shown on a
page that exists only outside production, and the log); production names a real sender
with ``HUIMIN_SMS_SENDER=package.module:ClassName``."""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import SmsOutbox

log = logging.getLogger("huimin.sms")


class SmsSender(Protocol):
    async def send(self, session: AsyncSession, phone: str, text: str) -> None: ...


class OutboxSender:
    async def send(self, session: AsyncSession, phone: str, text: str) -> None:
        session.add(SmsOutbox(phone=phone, body=text))
        log.info("SMS to %s: %s", phone, text)


def sender_class(name: str) -> type:
    """The class ``HUIMIN_SMS_SENDER`` names: ``outbox`` or ``package.module:ClassName``."""
    name = name.strip()
    if name == "outbox":
        return OutboxSender
    module, _, attr = name.partition(":")
    cls = getattr(importlib.import_module(module), attr)
    if not isinstance(cls, type):
        raise TypeError(f"{name} is not a class")
    return cls


def sender_problem(name: str) -> str | None:
    """Why this sender cannot deliver codes in production, or None. The outbox is refused under
    any name it can be reached by (its module path, a subclass), not only as ``outbox``."""
    try:
        cls = sender_class(name)
    except Exception as e:  # noqa: BLE001 - any failure to load is a reason to refuse
        return f"cannot be loaded ({name!r}: {e})"
    if issubclass(cls, OutboxSender):
        return "is the development outbox, which never delivers a message; configure a real sender"
    return None


def load_sender(name: str) -> SmsSender:
    return sender_class(name)()
