"""From a visit to a social-assistance application pre-filled for the person found."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance.service import start_application_for
from server.audit.service import Actor
from server.discovery.models import Report


async def hand_off(session: AsyncSession, actor: Actor, secret: str, report: Report, payload: dict) -> str:
    report.handoff = {k: v for k, v in payload.items() if k != "id_number"}
    return await start_application_for(
        session,
        actor,
        benefit=payload["benefit"],
        name=payload["name"],
        id_number=payload.get("id_number"),
        region_code=payload["region_code"],
        address=payload.get("address"),
        phone=payload.get("phone"),
        note=payload["note"],
        source=f"discovery:{report.reference}",
        secret=secret,
    )
