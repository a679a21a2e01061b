"""A citizen's messages in the PWA, and the Web Push subscription."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import citizen_guard, provide_citizen
from server.accounts.models import Citizen
from server.notifications import queries, service
from server.notifications.forms import PushSubscriptionBody
from server.settings import Settings
from server.web import page


class NotificationController(Controller):
    path = "/"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/me/messages", name="notifications:messages")
    async def messages(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        rows = await queries.latest(db_session, citizen.id)
        await service.mark_all_read(db_session, citizen.id)
        return page(request, "notifications/messages.html", rows=rows)

    @get("/push/key", cache=False, name="notifications:push_key")
    async def key(self, settings: Settings) -> dict[str, str]:
        return {"publicKey": service.vapid_public_key(settings)}

    @post("/push/subscribe", status_code=201, name="notifications:subscribe")
    async def subscribe(
        self, data: PushSubscriptionBody, db_session: AsyncSession, citizen: Citizen
    ) -> Response:
        await service.subscribe(db_session, citizen.id, data.endpoint, data.keys)
        return Response({"ok": True}, status_code=201)
