"""A demo city, Lishui-style: 2 districts, 4 streets, 8 communities, staff for every role
and level, and a few citizens. Idempotent: seeding twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import Citizen, Staff
from server.accounts.permissions import Role
from server.accounts.staff_service import create_staff
from server.assistance.demo import seed as seed_assistance
from server.audit.service import SYSTEM, record
from server.certificates import keys
from server.crypto import encrypt, keyed_hash
from server.db import utcnow
from server.discovery.demo import seed as seed_discovery
from server.funeral.demo import seed as seed_funeral
from server.people import idcard
from server.people.models import Enrolment, Household, HouseholdMember
from server.people.service import register_person
from server.regions.codes import level_of, parent_code, scope_prefix
from server.regions.models import Region
from server.survival.demo import seed as seed_survival
from server.verification.demo import seed as seed_verification

DEMO_PASSWORD = "huimin-demo-2026"

CITY = ("331100", "丽水市")
TREE = {
    ("331102", "莲都区"): {
        ("331102001", "紫金街道"): [("331102001001", "天宁社区"), ("331102001002", "中山社区")],
        ("331102002", "岩泉街道"): [("331102002001", "岩泉社区"), ("331102002002", "万象社区")],
    },
    ("331121", "青田县"): {
        ("331121001", "鹤城街道"): [("331121001001", "鹤城社区"), ("331121001002", "水南社区")],
        ("331121002", "瓯南街道"): [("331121002001", "瓯南社区"), ("331121002002", "油竹社区")],
    },
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    region: str


STAFF = [
    # three administrators (三权分立): accounts, configuration, the audit trail; none sees business data
    DemoAccount("admin", "安全管理员", Role.SECURITY_ADMIN, "331100"),
    DemoAccount("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, "331100"),
    DemoAccount("auditor", "审计管理员", Role.AUDIT_ADMIN, "331100"),
    DemoAccount("city", "市级监管员 王敏", Role.CITY_SUPERVISOR, "331100"),
    DemoAccount("verify", "核对中心 陈洁", Role.VERIFICATION_OFFICER, "331100"),
    DemoAccount("district", "莲都区审批员 李强", Role.DISTRICT_APPROVER, "331102"),
    DemoAccount("district_admin", "莲都区安全管理员 周涛", Role.SECURITY_ADMIN, "331102"),
    DemoAccount("street", "紫金街道审核员 张丽", Role.STREET_REVIEWER, "331102001"),
    DemoAccount("community", "天宁社区工作人员 刘芳", Role.COMMUNITY_WORKER, "331102001001"),
    DemoAccount("funeral", "丽水市殡仪馆 操作员 吴军", Role.FUNERAL_OPERATOR, "331102"),
    DemoAccount("qt_district", "青田县审批员 徐斌", Role.DISTRICT_APPROVER, "331121"),
    DemoAccount("qt_street", "鹤城街道审核员 郑燕", Role.STREET_REVIEWER, "331121001"),
    DemoAccount("qt_community", "鹤城社区工作人员 何静", Role.COMMUNITY_WORKER, "331121001001"),
]

CITIZENS = [
    ("13800000001", "张建国", "33110219560312001"),
    ("13800000002", "李秀英", "33110219880506002"),
    ("13800000003", None, None),
]


def region_rows(city: tuple[str, str], tree: dict) -> list[Region]:
    def make(code: str, name: str) -> Region:
        return Region(
            code=code,
            name=name,
            level=level_of(code),
            parent_code=parent_code(code),
            prefix=scope_prefix(code),
        )

    rows = [make(*city)]
    for district, streets in tree.items():
        rows.append(make(*district))
        for street, communities in streets.items():
            rows.append(make(*street))
            rows.extend(make(*c) for c in communities)
    return rows


async def seed(session: AsyncSession, secret: str) -> bool:
    """Returns False when the demo city was already there."""
    if await session.get(Region, CITY[0]) is not None:
        return False
    session.add_all(region_rows(CITY, TREE))
    await session.flush()
    await record(
        session,
        SYSTEM,
        "demo.seed",
        "region",
        CITY[0],
        region_code=CITY[0],
        after={"regions": 15, "staff": len(STAFF)},
    )
    for account in STAFF:
        await create_staff(
            session,
            SYSTEM,
            username=account.username,
            display_name=account.name,
            role=account.role,
            region_code=account.region,
            password=DEMO_PASSWORD,
            is_demo=True,
        )
    for phone, name, first17 in CITIZENS:
        citizen = Citizen(phone=phone, created_at=utcnow())
        if name and first17:
            number = first17 + idcard.check_char(first17)
            citizen.name, citizen.id_masked, citizen.verified_at = name, idcard.mask(number), utcnow()
            citizen.identity_level = "verified"  # the demo's people, as if confirmed at their community
            citizen.id_hash = keyed_hash(secret, "resident-id", number)
            citizen.id_cipher = encrypt(secret, "resident-id", number)
        session.add(citizen)
    await seed_households(session, secret)
    await seed_assistance(session, secret)
    await seed_discovery(session, [c for streets in TREE.values() for cs in streets.values() for c, _ in cs])
    await seed_funeral(session)
    await seed_verification(session, secret)
    await seed_survival(session)
    await keys.root(session, secret, CITY[0], CITY[1])  # the city's seal root CA
    await keys.token_key(session, secret, CITY[0])
    return True


# (community, address, benefit, monthly yuan,
#  members: (name, first 17 ID digits, relationship, disability grade))
HOUSEHOLDS = [
    (
        "331102001001",
        "天宁社区 解放街 12 号 3 单元 201 室",
        "dibao",
        1460,
        [("张建国", "33110219560312001", "head", None), ("王桂兰", "33110219580921002", "spouse", 2)],
    ),
    (
        "331102001001",
        "天宁社区 丽阳街 8 号 102 室",
        "tekun",
        1190,
        [("赵德福", "33110219440105003", "head", 1)],
    ),
    (
        "331102001002",
        "中山社区 中山街 45 号",
        "dibao",
        2120,
        [
            ("李秀英", "33110219880506002", "head", None),
            ("陈晨", "33110220150820001", "child", None),
            ("陈雨", "33110220180304002", "child", 3),
        ],
    ),
    ("331121001001", "鹤城社区 鹤城路 77 号", "dibao", 980, [("徐金花", "33112119500717004", "head", None)]),
]


async def seed_households(session: AsyncSession, secret: str) -> None:
    """A few enrolled households, so every service has recipients to work with."""
    for community, address, benefit, yuan, members in HOUSEHOLDS:
        people = []
        for name, first17, relationship, disability in members:
            number = first17 + idcard.check_char(first17)
            person = await register_person(
                session,
                secret,
                name=name,
                id_number=number,
                region_code=community,
                hukou_region_code=community,
            )
            people.append((person, relationship, disability))
        household = Household(region_code=community, address=address, head_person_id=people[0][0].id)
        session.add(household)
        await session.flush()
        for person, relationship, disability in people:
            session.add(
                HouseholdMember(
                    household_id=household.id,
                    person_id=person.id,
                    relationship_to_head=relationship,
                    disability_grade=disability,
                    serious_illness=False,
                )
            )
        session.add(
            Enrolment(
                household_id=household.id,
                benefit=benefit,
                status="active",
                monthly_amount_cents=yuan * 100,
                start_date=date(2026, 1, 1),
                region_code=community,
            )
        )
    await session.flush()


async def demo_accounts(session: AsyncSession) -> list[Staff]:
    return list(
        await session.scalars(
            select(Staff).where(Staff.is_demo.is_(True)).order_by(Staff.region_code, Staff.id)
        )
    )
