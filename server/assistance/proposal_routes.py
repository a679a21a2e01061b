"""The back office's queue of status proposals (a second person before money stops): the waiting
proposals of the region, one proposal with its household, reason, source and proposer, and the
approve/reject form (a district approver; a street reviewer for a survival lapse). Letters to print
for households without an account or a phone. Thin: reads from ``queries``, writes through
``proposals_service``; the rules are ``server/people/rules.py``."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.assistance import calc, queries
from server.assistance import forms as f
from server.assistance import proposals_service as proposals
from server.audit.service import Actor
from server.people import rules
from server.people.models import HouseholdNotice, StatusProposal
from server.regions.scope import RegionScope
from server.web import FormOf, page


def _to(request: Request, name: str, **params) -> Redirect:
    return Redirect(request.app.route_reverse(name, **params), status_code=303)


class ProposalController(Controller):
    path = "/office/proposals"
    guards = [staff_guard]

    @get("/", name="people:proposals", opt={"permission": P.HOUSEHOLDS_READ})
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        status: str = "",
    ) -> Template:
        shown = status if status in set(rules.Status) else rules.Status.PROPOSED.value
        return page(
            request,
            "people/office/proposals.html",
            rows=await queries.proposal_queue(db_session, region_scope, shown, proposals.approvers_of(actor)),
            status=shown,
            statuses=[s.value for s in rules.Status],
            labels=rules.LABELS,
            benefits=calc.BENEFITS,
        )

    @get("/count", name="people:proposals_count", opt={"permission": P.HOUSEHOLDS_READ})
    async def count(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Template:
        """The number on the navigation link (loaded by htmx; pages work without it)."""
        waiting = await queries.waiting_proposals(db_session, region_scope, proposals.approvers_of(actor))
        return page(request, "people/office/_count.html", waiting=waiting)

    @get("/{proposal_id:int}", name="people:proposal", opt={"permission": P.HOUSEHOLDS_READ})
    async def detail(
        self,
        request: Request,
        proposal_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Template:
        proposal = await region_scope.get(db_session, StatusProposal, proposal_id)
        approver = rules.approver_of(proposal.origin)
        return page(
            request,
            "people/office/proposal.html",
            proposal=proposal,
            **await queries.proposal_detail(db_session, proposal),
            labels=rules.LABELS,
            benefits=calc.BENEFITS,
            may_decide=approver in proposals.approvers_of(actor) and proposal.proposed_by_id != actor.id,
            own=proposal.proposed_by_id is not None and proposal.proposed_by_id == actor.id,
            decide_url=request.app.route_reverse(
                "people:proposal_lapse" if approver == rules.Approver.STREET else "people:proposal_decide",
                proposal_id=proposal.id,
            ),
            fields=f.DECIDE_FIELDS,
            choices={"decision": f.LAPSE_DECISIONS if approver == rules.Approver.STREET else f.DECISIONS},
        )

    async def _decide(
        self, request: Request, proposal_id: int, data: f.DecideForm, db_session, region_scope, actor, today
    ) -> Redirect:
        proposal = await region_scope.get(db_session, StatusProposal, proposal_id)
        await proposals.decide(
            db_session, actor, proposal, data.decision, data.opinion, today, request.app.state.sms
        )
        return _to(request, "people:proposal", proposal_id=proposal_id)

    @post("/{proposal_id:int}/decide", name="people:proposal_decide", opt={"permission": P.STATUS_APPROVE})
    async def decide(
        self,
        request: Request,
        proposal_id: int,
        data: FormOf[f.DecideForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        return await self._decide(request, proposal_id, data, db_session, region_scope, actor, today)

    @post(
        "/{proposal_id:int}/lapse", name="people:proposal_lapse", opt={"permission": P.SURVIVAL_LAPSE_CONFIRM}
    )
    async def lapse(
        self,
        request: Request,
        proposal_id: int,
        data: FormOf[f.DecideForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        """A street reviewer confirms a survival lapse's suspension, or lifts it."""
        return await self._decide(request, proposal_id, data, db_session, region_scope, actor, today)

    @post(
        "/{proposal_id:int}/withdraw", name="people:proposal_withdraw", opt={"permission": P.STATUS_PROPOSE}
    )
    async def withdraw(
        self,
        request: Request,
        proposal_id: int,
        data: FormOf[f.WithdrawForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        proposal = await region_scope.get(db_session, StatusProposal, proposal_id)
        await proposals.decide(
            db_session, actor, proposal, rules.Decision.WITHDRAW, data.opinion, today, request.app.state.sms
        )
        return _to(request, "people:proposal", proposal_id=proposal_id)

    @get("/letters", name="people:letters", opt={"permission": P.HOUSEHOLDS_READ})
    async def letters(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, printed: bool = False
    ) -> Template:
        """Notices for households with neither an account nor a phone: print, post, tick off."""
        return page(
            request,
            "people/office/letters.html",
            rows=await queries.letters_to_print(db_session, region_scope, printed),
            printed=printed,
        )

    @post(
        "/letters/{notice_id:int}/printed",
        name="people:letter_printed",
        opt={"permission": P.HOUSEHOLDS_READ},
    )
    async def printed(
        self,
        request: Request,
        notice_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        notice = await region_scope.get(db_session, HouseholdNotice, notice_id)
        await proposals.mark_printed(db_session, actor, notice)
        return _to(request, "people:letters")
