"""A synthetic city for tests and the benchmark: enrolled households in the register, and one
CSV file per source with ineligible cases of every rule planted at known rates, clean look-alikes
that must raise nothing (a disability vehicle, a released prisoner, a closed business, a hukou
that moved back), and typical dirt (name variants, legacy 15-digit IDs, repeated rows, rows
without an ID, rows with a broken check digit, people who are not enrolled).

``build_register`` writes the households set-based; ``write_sources`` writes the files and
returns the planted truth: ("p", person index, rule) for rules about one person and
("h", household index, rule) for rules about a household's means (property, vehicle, income,
savings).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance.models import HouseholdFacts
from server.crypto import STANDARD, derive_key, encrypt, hash_backend, keyed_hash
from server.people.idcard import check_char
from server.people.models import Enrolment, Household, HouseholdMember, Person
from server.people.queries import ID_PURPOSE
from server.regions.models import Region
from server.verification.sources import SOURCES

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰建国华红梅玉珍凤文辉力鹏飞燕萍鑫宇晨浩然婷雪琳"
# Planted rates, per enrolled person (household rules: per household)
RATES = {
    "deceased": 0.010,
    "imprisoned": 0.003,
    "business": 0.008,
    "duplicate": 0.004,
    "staff_relative": 0.002,
    "hukou_outside": 0.008,
    "property": 0.010,
    "vehicle": 0.010,
    "income": 0.010,
    "deposits": 0.006,
}
HOUSEHOLD_RULES = ("property", "vehicle", "income", "deposits")
ENROLLED_ON = date(2026, 1, 1)


@dataclass
class Member:
    index: int
    name: str
    number: str
    birth: date
    male: bool


@dataclass
class SynthCity:
    communities: list[str]
    households: list[tuple[str, list[Member]]] = field(default_factory=list)
    truth: set[tuple] = field(default_factory=set)


def _number(rng: random.Random, region6: str, birth: date, male: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{region6}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def plan_city(communities: list[str], households: int, seed: int = 2026) -> SynthCity:
    """Households of one to four people (about 2.5), in the given communities."""
    rng = random.Random(seed)
    city = SynthCity(communities=communities)
    index = 0
    seen: set[str] = set()
    for h in range(households):
        community = communities[h % len(communities)]
        size = rng.choices((1, 2, 3, 4), weights=(20, 30, 30, 20))[0]
        members = []
        for _ in range(size):
            while True:
                birth = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 365 * 88))
                male = rng.random() < 0.5
                number = _number(rng, community[:6], birth, male)
                if number not in seen:
                    seen.add(number)
                    break
            members.append(Member(index, _name(rng), number, birth, male))
            index += 1
        city.households.append((community, members))
    return city


async def build_register(session: AsyncSession, secret: str, city: SynthCity, facts: bool = True) -> None:
    """Persons, households, members and active 低保 enrolments, in bulk statements."""
    key = derive_key(secret, ID_PURPOSE)
    standard = hash_backend(secret) is STANDARD  # else the look-up hash is HMAC-SM3 (HUIMIN_CRYPTO=sm)

    first_id = (await session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1))) or 0
    first_household = (await session.scalar(select(Household.id).order_by(Household.id.desc()).limit(1))) or 0
    persons, households, members, enrolments, household_facts = [], [], [], [], []
    pid, hid = first_id, first_household
    cipher = encrypt(
        secret, ID_PURPOSE, "000000000000000000"
    )  # the clear number is never read in the benchmark
    for community, people in city.households:
        hid += 1
        head = pid + 1
        for m in people:
            pid += 1
            persons.append(
                {
                    "id": pid,
                    "name": m.name,
                    "id_hash": hmac.new(key, m.number.encode(), hashlib.sha256).hexdigest()
                    if standard
                    else keyed_hash(secret, ID_PURPOSE, m.number),
                    "id_masked": m.number[:6] + "********" + m.number[-4:],
                    "id_cipher": cipher,
                    "birth_date": m.birth,
                    "male": m.male,
                    "region_code": community,
                    "hukou_region_code": community,
                }
            )
            members.append(
                {
                    "household_id": hid,
                    "person_id": pid,
                    "relationship_to_head": "head" if pid == head else "other",
                    "serious_illness": False,
                }
            )
        households.append(
            {
                "id": hid,
                "region_code": community,
                "address": f"{community} 合成地址 {hid} 号",
                "head_person_id": head,
            }
        )
        enrolments.append(
            {
                "household_id": hid,
                "benefit": "dibao",
                "status": "active",
                "monthly_amount_cents": 300_00 * len(people),
                "start_date": ENROLLED_ON,
                "region_code": community,
            }
        )
        household_facts.append(
            {
                "household_id": hid,
                "members": len(people),
                "income_cents": 0,
                "deposits_cents": 0,
                "extra_housing": 0,
                "vehicles": 0,
            }
        )
    chunk = 20_000
    for table, rows in (
        (Person, persons),
        (Household, households),
        (HouseholdMember, members),
        (Enrolment, enrolments),
        (HouseholdFacts, household_facts if facts else []),
    ):
        for i in range(0, len(rows), chunk):
            await session.execute(insert(table), rows[i : i + chunk])
    if session.bind.dialect.name == "postgresql":  # the ids were given: move the sequences past them
        for table in ("persons", "households"):
            await session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )


def _legacy(number: str) -> str:
    return number[:6] + number[8:17]


def _variant(rng: random.Random, name: str) -> str:
    pick = rng.random()
    if pick < 0.3:
        return " ".join(name)
    if pick < 0.5:
        return name[0] + "·" + name[1:]
    return name


@dataclass
class _Planter:
    """The rows of every source being written, the planted truth, and the one random stream (the
    order of its draws makes the city: keep it)."""

    rng: random.Random
    rows: dict[str, list[list]]
    truth: set[tuple]

    def ident(self, m: Member) -> str:
        return _legacy(m.number) if m.birth.year < 2000 and self.rng.random() < 0.15 else m.number

    def add(self, source: str, m: Member | None, values: dict, *, number=None, name=None, birth=None) -> None:
        spec = SOURCES[source]
        row = {
            "id_number": number if number is not None else self.ident(m),
            "name": name or _variant(self.rng, m.name),
            "birth_date": "" if birth is None else birth.isoformat(),
            **values,
        }
        self.rows[source].append([row.get(f.name, "") for f in spec.all_fields])


def write_sources(
    city: SynthCity,
    folder: Path,
    total_records: int,
    today: date,
    seed: int = 7,
    outside_city: str = "330106",
) -> set[tuple]:
    """One CSV per source. Returns the planted truth (exact-ID cases, see the module's note)."""
    w = _Planter(random.Random(seed), {code: [] for code in SOURCES}, set())
    folder.mkdir(parents=True, exist_ok=True)
    for h_index, (community, people) in enumerate(city.households):
        household_hit = _household_rules_hit(w, people)
        for m in people:
            _person_records(w, m, community, today, outside_city)
        _household_lookalikes(w, people[0], community)
        for rule, m in household_hit.items():
            _plant_household_rule(w, rule, m, community, len(people), today.year - 1)
            w.truth.add(("h", h_index, rule))
    _rest_of_the_city(w, total_records, city.communities[0][:4])
    _write_files(w, folder)
    return w.truth


def _household_rules_hit(w: _Planter, people: list[Member]) -> dict[str, Member]:
    """The household rules a household is planted for, and the member each one is about."""
    hit: dict[str, Member] = {}
    for rule in HOUSEHOLD_RULES:
        if w.rng.random() < RATES[rule] * 2:
            hit[rule] = people[0] if rule == "property" else w.rng.choice(people)
    return hit


def _person_records(w: _Planter, m: Member, community: str, today: date, outside_city: str) -> None:
    """A member's records: the hukou, then each person rule planted or a clean look-alike."""
    w.add("hukou", m, {"region_code": community, "registered_on": "2000-01-01", "status": "normal"})
    _death(w, m, today)
    _prison(w, m)
    _business(w, m)
    _paid_elsewhere(w, m)
    _staff_relative(w, m, community)
    _hukou_moved(w, m, community, outside_city)
    _disability_and_idless_record(w, m)


def _death(w: _Planter, m: Member, today: date) -> None:
    if w.rng.random() < RATES["deceased"]:
        death_date = (today - timedelta(days=w.rng.randrange(1, 200))).isoformat()
        w.add("deaths", m, {"death_date": death_date, "kind": "death"})
        w.truth.add(("p", m.index, "deceased"))


def _prison(w: _Planter, m: Member) -> None:
    r = w.rng.random()
    if r < RATES["imprisoned"]:
        w.add(
            "prisoners",
            m,
            {"admitted_on": "2025-06-01", "release_on": "2028-06-01", "facility": "省第一监狱"},
        )
        w.truth.add(("p", m.index, "imprisoned"))
    elif r < RATES["imprisoned"] * 3:  # released long ago: clean
        w.add(
            "prisoners",
            m,
            {"admitted_on": "2010-01-01", "release_on": "2012-01-01", "facility": "省第一监狱"},
        )


def _business(w: _Planter, m: Member) -> None:
    r = w.rng.random()
    if r < RATES["business"]:
        values = {
            "credit_code": f"91331100MA{m.index:08d}",
            "role": w.rng.choice(("legal_rep", "shareholder")),
            "capital": "500000",
            "registered_on": "2020-05-01",
        }
        w.add("business", m, values)
        w.truth.add(("p", m.index, "business"))
    elif r < RATES["business"] * 2:  # closed years ago: clean
        values = {
            "credit_code": f"92331100MA{m.index:08d}",
            "role": "legal_rep",
            "capital": "30000",
            "registered_on": "2015-05-01",
            "deregistered_on": "2018-01-01",
        }
        w.add("business", m, values)


def _paid_elsewhere(w: _Planter, m: Member) -> None:
    r = w.rng.random()
    paid = {"benefit": "dibao", "region_code": "330102", "monthly_amount": "900"}
    if r < RATES["duplicate"]:
        w.add("other_benefits", m, {**paid, "start_date": "2025-03-01"})
        w.truth.add(("p", m.index, "duplicate"))
    elif r < RATES["duplicate"] * 2:  # ended before enrolment here: clean
        w.add("other_benefits", m, {**paid, "start_date": "2020-03-01", "end_date": "2024-12-31"})


def _staff_relative(w: _Planter, m: Member, community: str) -> None:
    if w.rng.random() < RATES["staff_relative"]:
        values = {"relationship": "sibling", "staff_name": "某干部", "staff_region_code": community[:9]}
        w.add("staff_relatives", m, values)
        w.truth.add(("p", m.index, "staff_relative"))


def _hukou_moved(w: _Planter, m: Member, community: str, outside_city: str) -> None:
    r = w.rng.random()
    if r < RATES["hukou_outside"]:
        w.add("hukou", m, {"region_code": outside_city, "registered_on": "2025-08-01", "status": "normal"})
        w.truth.add(("p", m.index, "hukou_outside"))
    elif r < RATES["hukou_outside"] * 2:  # moved out, then back: clean
        w.add("hukou", m, {"region_code": outside_city, "registered_on": "2010-01-01", "status": "normal"})
        w.add("hukou", m, {"region_code": community, "registered_on": "2015-01-01", "status": "normal"})


def _disability_and_idless_record(w: _Planter, m: Member) -> None:
    if w.rng.random() < 0.05:
        w.add("disability", m, {"certificate_no": f"C{m.index:010d}", "grade": w.rng.choice("1234")})
    if w.rng.random() < 0.02:  # an ID-less record with a name variant: a possible match, not a warning
        values = {"death_date": "2026-01-05", "kind": "cremation"}
        w.add("deaths", None, values, number="", name=_variant(w.rng, m.name) + "", birth=m.birth)


def _household_lookalikes(w: _Planter, owner: Member, community: str) -> None:
    """Clean look-alikes most households have: one home, a disability car, a pension, a sealed fund."""
    home = {
        "certificate_no": f"浙(2020)丽水不动产权第{owner.index:07d}号",
        "use": "residential",
        "area_m2": "65.5",
        "region_code": community,
    }
    w.add("property", owner, home)
    if w.rng.random() < 0.02:
        w.add("vehicles", owner, {"plate": f"浙K{owner.index:05d}残", "kind": "disability", "value": "8000"})
    if w.rng.random() < 0.3:
        w.add("social_insurance", owner, {"kind": "pension", "monthly_amount": "300"})
    if w.rng.random() < 0.2:
        fund = {"account_no": f"GJJ{owner.index:09d}", "status": "sealed", "balance": "2000"}
        w.add("housing_fund", owner, fund)


def _plant_household_rule(w: _Planter, rule: str, m: Member, community: str, n: int, year: int) -> None:
    """The record that makes a household rule hit (``n``: the household's size)."""
    if rule == "property":
        if w.rng.random() < 0.5:  # a second home
            cert, use, area = f"浙(2024)丽水不动产权第{m.index:07d}号B", "residential", "120"
        else:  # a shop
            cert, use, area = f"浙(2023)丽水不动产权第{m.index:07d}号S", "commercial", "40"
        w.add("property", m, {"certificate_no": cert, "use": use, "area_m2": area, "region_code": community})
    elif rule == "vehicle":
        car = {"plate": f"浙K{m.index:05d}", "kind": "car", "value": "150000", "registered_on": "2024-03-01"}
        w.add("vehicles", m, car)
    elif rule == "income":
        w.add(
            "tax_income",
            m,
            {"year": str(year), "annual_income": str(1080 * 12 * n + 1200), "payer": "某公司"},
        )
    elif rule == "deposits":
        fund = {"account_no": f"GJJ{m.index:09d}D", "status": "sealed", "balance": str(32400 * n + 5000)}
        w.add("housing_fund", m, fund)


FILLER_SOURCES = (
    "hukou",
    "hukou",
    "hukou",
    "social_insurance",
    "tax_income",
    "housing_fund",
    "property",
    "vehicles",
    "business",
    "disability",
    "deaths",
    "prisoners",
    "other_benefits",
    "staff_relatives",
)


def _rest_of_the_city(w: _Planter, total_records: int, city_code: str) -> None:
    """People who are not enrolled, up to ``total_records`` rows in all (and a few broken rows)."""
    enrolled_rows = sum(len(v) for v in w.rows.values())
    for i in range(max(total_records - enrolled_rows, 0)):
        source = FILLER_SOURCES[i % len(FILLER_SOURCES)]
        birth = date(1940, 1, 1) + timedelta(days=w.rng.randrange(0, 365 * 80))
        county = "3311" + w.rng.choice(("22", "23", "24", "25", "26", "27", "81"))
        number = _number(w.rng, county, birth, i % 2 == 1)  # not enrolled here
        if i % 1000 == 999:
            number = number[:17] + ("0" if number[17] != "0" else "1")  # broken check digit: rejected
        values = FILLER_VALUES[source](i, city_code)
        w.add(source, None, values, number=number, name=_name(w.rng), birth=None)


def _write_files(w: _Planter, folder: Path) -> None:
    """One CSV per source, with 1 % of its rows repeated."""
    for source, data in w.rows.items():
        repeats = [data[w.rng.randrange(len(data))] for _ in range(len(data) // 100)] if data else []
        data.extend(repeats)
        with open(folder / f"{source}.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([f.name for f in SOURCES[source].all_fields])
            writer.writerows(data)


FILLER_VALUES = {
    "hukou": lambda i, c: {"region_code": f"{c}02001001", "registered_on": "1999-01-01", "status": "normal"},
    "social_insurance": lambda i, c: {"kind": "pension", "monthly_amount": "3200.50"},
    "tax_income": lambda i, c: {"year": "2025", "annual_income": "86000", "payer": "某公司"},
    "housing_fund": lambda i, c: {
        "account_no": f"F{i:010d}",
        "status": "paying",
        "monthly_base": "6000",
        "balance": "42000",
    },
    "property": lambda i, c: {
        "certificate_no": f"P{i:010d}",
        "use": "residential",
        "area_m2": "89.3",
        "region_code": f"{c}02",
    },
    "vehicles": lambda i, c: {"plate": f"浙K{i % 100000:05d}X", "kind": "car", "value": "90000"},
    "business": lambda i, c: {"credit_code": f"9133{i:014d}", "role": "shareholder", "capital": "100000"},
    "disability": lambda i, c: {"certificate_no": f"D{i:010d}", "grade": "3"},
    "deaths": lambda i, c: {"death_date": "2025-09-01", "kind": "death"},
    "prisoners": lambda i, c: {"admitted_on": "2024-01-01", "release_on": "2027-01-01"},
    "other_benefits": lambda i, c: {"benefit": "dibao", "region_code": "330102", "monthly_amount": "800"},
    "staff_relatives": lambda i, c: {"relationship": "spouse", "staff_name": "某干部"},
}


def filler_number(i: int) -> str:
    """A valid ID of someone who is not in the generated register (a region code not used for it)."""
    birth = date(1950, 1, 1) + timedelta(days=i % 20000)
    first17 = f"331181{birth:%Y%m%d}{(i // 20000) % 1000:03d}"
    return first17 + check_char(first17)


def expected_age_hits(city: SynthCity, today: date) -> set[tuple]:
    """Members who turned 60 or 18 after enrolment (the age rule's truth)."""
    out = set()
    for _, people in city.households:
        for m in people:
            for years in (60, 18):
                try:
                    birthday = m.birth.replace(year=m.birth.year + years)
                except ValueError:
                    birthday = date(m.birth.year + years, 3, 1)
                if ENROLLED_ON < birthday <= today:
                    out.add(("p", m.index, "age"))
    return out


async def communities(session: AsyncSession, prefix: str = "") -> list[str]:
    return list(
        await session.scalars(
            select(Region.code)
            .where(Region.level == "community", Region.code.like(prefix + "%"))
            .order_by(Region.code)
        )
    )
