"""Reads of a citizen's messages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.notifications.models import Notification


async def latest(session: AsyncSession, citizen_id: int, limit: int = 50) -> list[Notification]:
    """The citizen's latest messages, newest first."""
    return list(
        await session.scalars(
            select(Notification)
            .where(Notification.citizen_id == citizen_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )
