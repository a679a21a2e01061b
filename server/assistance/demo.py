"""Demo data for social assistance: the city's policy, the 2026 holidays, facts for the demo
households, and applications waiting at each step."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.accounts.permissions import Role
from server.assistance import calc, service
from server.assistance.models import HouseholdFacts, MemberFacts, Policy
from server.audit.service import Actor
from server.calendar.service import demo_days
from server.crypto import encrypt
from server.people import idcard
from server.people.models import Enrolment, Household, HouseholdMember, Person
from server.privacy.service import consents_signed_at_counter

CITY_POLICY = dict(
    region_code="331100",
    effective_from=date(2026, 1, 1),
    standard_cents=1_080_00,
    asset_limit_cents=32_400_00,
    floor_cents=100_00,
    tekun_pct=130,
    extra_pct={
        "severe_disabled": 30,
        "serious_ill": 20,
        "elderly": 10,
        "minor": 10,
        "single_parent_minor": 20,
    },
)
DEMO_APPLICANTS = [  # name, first 17 ID digits, community, benefit, how far it has got
    ("周小梅", "33110219750411002", "331102001001", "dibao", "community"),
    ("吴大伟", "33110219680902003", "331102001001", "dibao", "street"),
    ("郑秋菊", "33110219520613004", "331102001002", "tekun", "notice"),
]


def id_of(first17: str) -> str:
    return first17 + idcard.check_char(first17)


async def seed(session: AsyncSession, secret: str) -> None:
    session.add_all(demo_days())
    session.add(Policy(**CITY_POLICY, created_by="demo"))
    await session.flush()
    await facts_for_existing_households(session, secret)
    staff = {
        "community": Actor("staff", None, "天宁社区工作人员 刘芳", Role.COMMUNITY_WORKER, "331102001001"),
        "street": Actor("staff", None, "紫金街道审核员 张丽", Role.STREET_REVIEWER, "331102001"),
        "district": Actor("staff", None, "莲都区审批员 李强", Role.DISTRICT_APPROVER, "331102"),
    }
    today = clock.today()
    for name, first17, community, benefit, target in DEMO_APPLICANTS:
        citizen = Actor("citizen", None, name, "citizen", None)
        app = await service.create_draft(
            session, citizen, benefit=benefit, citizen_id=None, client_key=None, today=today
        )
        choices = {"hukou": {"331102": "莲都区", "other": "外地"}, "community": {community: community}}
        form = {
            "applicant": {
                "name": name,
                "id_number": id_of(first17),
                "phone": "13900000000",
                "bank_account": "6222020200112233445",
            },
            "hukou": {"hukou": "331102"},
            "address": {"community": community, "address": "示例路 1 号"},
            "health": {"disability_grade": "", "employment": "unemployed"},
            "income": {k: "0" for k in calc.INCOME_KINDS} | {"wages": "300"},
            "assets": {"deposits": "2000", "extra_housing": "0", "vehicles": "0"},
            "need": {"reason": "失业在家，无稳定收入。"},
            "consent": {"agree": "on", "signer": name},
        }
        for step, raw in form.items():
            await service.save_step(session, citizen, secret, app, step, raw, None, today, choices)
        await consents_signed_at_counter(session, staff["community"], app, today)
        await service.submit(session, citizen, app, today - timedelta(days=3))
        for step in ("community", "street", "district"):
            if app.status == target:
                break
            details = (
                {"visit": {"visit_date": str(today), "visitors": "张丽、刘芳", "findings": "情况属实"}}
                if step == "street"
                else None
            )
            await service.act(
                session, staff[step], secret, app, "approve", "材料齐全，情况属实。", today, details
            )


async def facts_for_existing_households(session: AsyncSession, secret: str) -> None:
    """The seeded register households get the facts a policy change recalculates from."""
    today = clock.today()
    rows = (
        await session.execute(
            select(Enrolment, Household).join(Household, Household.id == Enrolment.household_id)
        )
    ).all()
    for _enrolment, household in rows:
        if await session.get(HouseholdFacts, household.id) is not None:
            continue
        members = (
            await session.execute(
                select(HouseholdMember, Person)
                .join(Person, Person.id == HouseholdMember.person_id)
                .where(HouseholdMember.household_id == household.id)
            )
        ).all()
        household.bank_account_cipher = encrypt(secret, "bank-account", f"62220202{household.id:011d}")
        session.add(
            HouseholdFacts(
                household_id=household.id, members=len(members), income_cents=300_00 * (len(members) > 1)
            )
        )
        single_parent = False
        for member, person in members:
            age = today.year - person.birth_date.year
            groups = calc.groups_of(
                calc.Member(person.name, age, member.disability_grade, member.serious_illness), single_parent
            )
            session.add(
                MemberFacts(member_id=member.id, household_id=household.id, **{g: True for g in groups})
            )
    await session.flush()
