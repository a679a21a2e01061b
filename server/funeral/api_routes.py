"""The hearse position feed: devices post with their own bearer token (no session, no CSRF)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from sqlalchemy.ext.asyncio import AsyncSession

from server.funeral import forms, service


class DeviceController(Controller):
    path = "/api/device"

    @post("/positions", status_code=201, name="funeral:device_position")
    async def position(
        self, request: Request, data: forms.PositionIn, db_session: AsyncSession
    ) -> dict[str, Any]:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        device = await service.device(db_session, token)
        lat, lon = data.point()
        pos = await service.device_position(db_session, device, lat, lon, data.booking, data.status)
        return {"id": pos.id}
