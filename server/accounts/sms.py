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


def load_sender(name: str) -> SmsSender:
    if name == "outbox":
        return OutboxSender()
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)()
