"""Demo funeral facilities for the demo city: a funeral home with bookable services and a
public-welfare cemetery with a plot register; the demo operator works at the funeral home."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.accounts.models import Staff
from server.funeral.models import Device, Facility, Operator, Plot, ServiceItem, Slot
from server.funeral.service import token_digest

DEMO_DEVICE_TOKEN = "demo-hearse-token-0001"


async def seed(session: AsyncSession, today: date | None = None) -> None:
    today = today or clock.today()
    home = Facility(
        kind="funeral_home",
        name="丽水市殡仪馆",
        region_code="331102",
        address="莲都区 殡仪馆路 1 号",
        lat=28.4712,
        lon=119.9030,
        hours="全天 24 小时接运；业务大厅 8:00–17:00",
        phone="0578-2000000",
        process="报丧登记 → 遗体接运 → 冷藏 → 告别仪式 → 火化 → 骨灰领取或寄存",
        credit="A",
    )
    cemetery = Facility(
        kind="public_cemetery",
        name="莲都区公益性公墓",
        region_code="331102",
        address="莲都区 青山路 88 号",
        lat=28.4380,
        lon=119.9480,
        hours="8:00–17:00",
        phone="0578-2111111",
        process="墓位选定 → 签订协议 → 安葬",
        credit="A",
    )
    agency = Facility(
        kind="agency",
        name="丽水安心殡葬服务有限公司",
        region_code="331102",
        address="莲都区 中山街 10 号",
        lat=28.4560,
        lon=119.9230,
        hours="8:00–20:00",
        phone="0578-2222222",
        process="咨询 → 代办手续 → 礼仪服务",
        credit="B",
    )
    session.add_all([home, cemetery, agency])
    await session.flush()
    session.add_all(
        [
            ServiceItem(
                facility_id=home.id,
                name="遗体接运",
                basic=True,
                price_cents=300_00,
                unit="次",
                slot_kind="pickup",
            ),
            ServiceItem(
                facility_id=home.id,
                name="遗体冷藏",
                basic=True,
                price_cents=100_00,
                unit="天",
                slot_kind="storage",
            ),
            ServiceItem(
                facility_id=home.id,
                name="告别厅（小）",
                basic=True,
                price_cents=400_00,
                unit="场",
                slot_kind="hall",
            ),
            ServiceItem(
                facility_id=home.id,
                name="遗体火化",
                basic=True,
                price_cents=500_00,
                unit="具",
                slot_kind="cremation",
            ),
            ServiceItem(
                facility_id=home.id,
                name="骨灰寄存",
                basic=True,
                price_cents=150_00,
                unit="年",
                slot_kind="niche",
            ),
            ServiceItem(facility_id=home.id, name="鲜花布置", basic=False, price_cents=800_00, unit="场"),
            ServiceItem(
                facility_id=cemetery.id, name="公益性墓位", basic=True, price_cents=3000_00, unit="穴"
            ),
        ]
    )
    for day in (today + timedelta(days=i) for i in range(1, 15)):
        session.add_all(
            [
                Slot(facility_id=home.id, kind="pickup", day=day, label="08:00", capacity=3),
                Slot(facility_id=home.id, kind="storage", day=day, label="全天", capacity=10),
                Slot(facility_id=home.id, kind="hall", day=day, label="09:00", capacity=1),
                Slot(facility_id=home.id, kind="hall", day=day, label="14:00", capacity=1),
                Slot(facility_id=home.id, kind="cremation", day=day, label="10:00", capacity=2),
                Slot(facility_id=home.id, kind="cremation", day=day, label="15:00", capacity=2),
                Slot(facility_id=home.id, kind="niche", day=day, label="全天", capacity=20),
            ]
        )
    names = [
        "王德顺",
        "李秀兰",
        "张福海",
        "刘桂芳",
        "陈国强",
        "杨淑珍",
        "赵永年",
        "黄美华",
        "周建华",
        "吴玉兰",
        "王德顺",
        "孙立本",
    ]
    for i, name in enumerate(names):
        session.add(
            Plot(
                facility_id=cemetery.id,
                section="松园",
                row=i // 4 + 1,
                number=i % 4 + 1,
                deceased_name=name,
                death_year=2010 + i,
            )
        )
    operator = await session.scalar(select(Staff).where(Staff.username == "funeral"))
    if operator is not None:
        session.add(Operator(staff_id=operator.id, facility_id=home.id))
    session.add(
        Device(facility_id=home.id, name="接运车 浙K·A0001", token_hash=token_digest(DEMO_DEVICE_TOKEN))
    )
    await session.flush()
