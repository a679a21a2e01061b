from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Response, Template
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import citizen_guard, provide_citizen
from server.accounts.models import Citizen
from server.db import utcnow
from server.errors import DomainError, Kind
from server.notifications import service
from server.notifications.models import Notification
from server.settings import Settings
from server.web import page


class NotificationController(Controller):
    path = "/"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/me/messages")
    async def messages(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        rows = list(
            await db_session.scalars(
                select(Notification)
                .where(Notification.citizen_id == citizen.id)
                .order_by(Notification.id.desc())
                .limit(50)
            )
        )
        await db_session.execute(
            update(Notification)
            .where(Notification.citizen_id == citizen.id, Notification.read_at.is_(None))
            .values(read_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        return page(request, "notifications/messages.html", rows=rows)

    @get("/push/key", cache=False)
    async def key(self, settings: Settings) -> dict[str, str]:
        return {"publicKey": service.vapid_public_key(settings)}

    @post("/push/subscribe", status_code=201)
    async def subscribe(self, data: dict[str, Any], db_session: AsyncSession, citizen: Citizen) -> Response:
        try:
            await service.subscribe(db_session, citizen.id, data)
        except ValueError as e:
            raise DomainError(str(e), Kind.INVALID) from None
        return Response({"ok": True}, status_code=201)
