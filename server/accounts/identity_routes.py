"""The back office's side of identity binding: claims waiting for a worker of the person's region to
confirm in person, and disputes ("this is me") to resolve. Every decision is audited; staff see only
their region's (``RegionScope``)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import identity
from server.accounts.auth import staff_guard
from server.accounts.citizens import CitizenError, mask_phone
from server.accounts.models import Citizen, IdentityClaim, IdentityDispute
from server.accounts.permissions import P, allows
from server.audit.service import Actor
from server.errors import DomainError
from server.regions.scope import RegionScope
from server.web import Form, page


class IdentityOfficeController(Controller):
    path = "/office/identity"
    guards = [staff_guard]
    opt = {"permission": P.IDENTITY_VIEW}

    @get("/")
    async def index(self, request: Request, db_session: AsyncSession, region_scope: RegionScope) -> Template:
        claims = (
            await db_session.execute(
                select(IdentityClaim, Citizen.phone)
                .join(Citizen, Citizen.id == IdentityClaim.citizen_id)
                .where(IdentityClaim.status == "pending", region_scope.where(IdentityClaim.region_code))
                .order_by(IdentityClaim.id)
                .limit(200)
            )
        ).all()
        hashes = {c.id_hash for c, _ in claims}
        rivals = (
            dict(
                (
                    await db_session.execute(
                        select(IdentityClaim.id_hash, func.count())
                        .where(IdentityClaim.status == "pending", IdentityClaim.id_hash.in_(hashes))
                        .group_by(IdentityClaim.id_hash)
                    )
                ).all()
            )
            if hashes
            else {}
        )
        disputes = list(
            await db_session.scalars(
                select(IdentityDispute)
                .where(IdentityDispute.status == "open", region_scope.where(IdentityDispute.region_code))
                .order_by(IdentityDispute.id)
                .limit(200)
            )
        )
        ids = {d.citizen_id for d in disputes} | {d.holder_id for d in disputes if d.holder_id}
        phones = (
            dict(
                (await db_session.execute(select(Citizen.id, Citizen.phone).where(Citizen.id.in_(ids)))).all()
            )
            if ids
            else {}
        )
        role = request.session.get("role")
        return page(
            request,
            "office/identity.html",
            claims=claims,
            rivals=rivals,
            disputes=disputes,
            phones=phones,
            mask_phone=mask_phone,
            may_confirm=allows(role, P.IDENTITY_CONFIRM),
            may_resolve=allows(role, P.IDENTITY_DISPUTE_RESOLVE),
            error=request.query_params.get("error"),
        )

    @post("/claims/{claim_id:int}", opt={"permission": P.IDENTITY_CONFIRM})
    async def decide_claim(
        self, claim_id: int, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        claim = await region_scope.get(db_session, IdentityClaim, claim_id)
        try:
            await identity.decide_claim(
                db_session, actor, claim, str(data.get("verdict", "")), str(data.get("note", ""))
            )
        except CitizenError as e:
            raise DomainError(e.code, e.kind) from None
        return Redirect("/office/identity", status_code=303)

    @post("/disputes/{dispute_id:int}", opt={"permission": P.IDENTITY_DISPUTE_RESOLVE})
    async def decide_dispute(
        self, dispute_id: int, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        dispute = await region_scope.get(db_session, IdentityDispute, dispute_id)
        try:
            await identity.decide_dispute(
                db_session, actor, dispute, str(data.get("verdict", "")), str(data.get("note", ""))
            )
        except CitizenError as e:
            raise DomainError(e.code, e.kind) from None
        return Redirect("/office/identity", status_code=303)
