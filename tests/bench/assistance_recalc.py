"""Benchmark: recalculating every household after a policy change, on SQLite and PostgreSQL.

    .venv/bin/python tests/bench/assistance_recalc.py [--households 100000] [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/bench]

Builds a synthetic register (households of 1-4 people, enrolled in 低保 or 特困, with the facts the
calculation needs) in a fresh database, then times the set-based recalculation of a new city
policy, and checks a sample against the pure calculation. Prints one line per database."""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import date

from sqlalchemy import func, insert, select, text

from server.assistance import calc, service
from server.assistance.demo import CITY_POLICY
from server.assistance.models import HouseholdFacts, MemberFacts, Policy
from server.audit.service import SYSTEM
from server.cli import upgrade_database
from server.db import make_engine, session_scope
from server.demo import CITY, TREE, region_rows
from server.people.models import Enrolment, Household, HouseholdMember, Person

COMMUNITIES = [c for streets in TREE.values() for communities in streets.values() for c, _ in communities]
BATCH = 5000


async def build(url: str, households: int) -> None:
    rng = random.Random(2026)
    async with session_scope(url) as session:
        session.add_all(region_rows(CITY, TREE))
        await session.flush()
        session.add(Policy(**CITY_POLICY, created_by="bench"))
    person_id = member_id = 0
    async with session_scope(url) as session:
        for start in range(0, households, BATCH):
            persons, homes, members, enrolments, facts, mfacts = [], [], [], [], [], []
            for h in range(start + 1, min(start + BATCH, households) + 1):
                community = COMMUNITIES[h % len(COMMUNITIES)]
                size = rng.choice((1, 1, 2, 2, 3, 4))
                head = person_id + 1
                ages = [rng.randint(1, 90) for _ in range(size)]
                single_parent = size > 1 and any(
                    a < calc.ADULT_AGE for a in ages
                )  # head + children, no spouse
                for k in range(size):
                    person_id += 1
                    member_id += 1
                    age = ages[k]
                    persons.append(
                        dict(
                            id=person_id,
                            name=f"居民{person_id}",
                            id_hash=f"{person_id:064d}",
                            id_masked="331102********0000",
                            id_cipher="x",
                            birth_date=date(2026 - age, 1, 1),
                            male=bool(k % 2),
                            region_code=community,
                            hukou_region_code=community,
                        )
                    )
                    grade = rng.choice((None, None, None, None, 1, 2, 3))
                    members.append(
                        dict(
                            id=member_id,
                            household_id=h,
                            person_id=person_id,
                            relationship_to_head="head" if k == 0 else "child",
                            disability_grade=grade,
                            serious_illness=rng.random() < 0.1,
                        )
                    )
                    groups = calc.groups_of(
                        calc.Member("", age, grade, members[-1]["serious_illness"]), single_parent
                    )
                    mfacts.append(
                        dict(member_id=member_id, household_id=h, **{g: g in groups for g in calc.GROUPS})
                    )
                homes.append(dict(id=h, region_code=community, address="bench", head_person_id=head))
                benefit = "tekun" if size == 1 and rng.random() < 0.3 else "dibao"
                enrolments.append(
                    dict(
                        id=h,
                        household_id=h,
                        benefit=benefit,
                        status="active",
                        monthly_amount_cents=100000,
                        start_date=date(2026, 1, 1),
                        region_code=community,
                    )
                )
                facts.append(
                    dict(
                        household_id=h,
                        members=size,
                        income_cents=rng.randint(0, 900) * 100 * size,
                        deposits_cents=rng.randint(0, 20000) * 100,
                        extra_housing=int(rng.random() < 0.02),
                        vehicles=int(rng.random() < 0.02),
                    )
                )
            for model, rows in (
                (Person, persons),
                (Household, homes),
                (HouseholdMember, members),
                (Enrolment, enrolments),
                (HouseholdFacts, facts),
                (MemberFacts, mfacts),
            ):
                await session.execute(insert(model), rows)


async def recalculate(url: str, sample: int = 200) -> tuple[float, dict]:
    async with session_scope(url) as session:
        policy = Policy(
            **{**CITY_POLICY, "effective_from": date(2026, 12, 1), "standard_cents": 1_200_00},
            created_by="bench",
        )
        session.add(policy)
        await session.flush()
        started = time.perf_counter()
        report = await service.apply_policy(session, SYSTEM, policy, date(2026, 12, 1))
        elapsed = time.perf_counter() - started
    # the SQL must agree with the pure calculation
    from server.assistance.households_service import current_calculation

    async with session_scope(url) as session:
        ids = list(await session.scalars(select(Enrolment.id).order_by(func.random()).limit(sample)))
        for enrolment_id in ids:
            enrolment = await session.get(Enrolment, enrolment_id)
            expected = await current_calculation(session, enrolment, date(2026, 12, 1))
            assert expected is not None and expected.amount_cents == enrolment.monthly_amount_cents, (
                enrolment_id,
                expected,
            )
    return elapsed, report


async def analyze(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def reset_pg(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--pg", help="a PostgreSQL URL whose public schema may be dropped")
    args = parser.parse_args()
    targets = []
    with tempfile.TemporaryDirectory() as folder:
        targets.append(("SQLite", f"sqlite+aiosqlite:///{folder}/bench.db"))
        if args.pg:
            targets.append(("PostgreSQL", args.pg))
        for name, url in targets:
            if name == "PostgreSQL":
                asyncio.run(reset_pg(url))
            upgrade_database(url)
            t0 = time.perf_counter()
            asyncio.run(build(url, args.households))
            asyncio.run(
                analyze(url)
            )  # as autovacuum would after a bulk load; stale statistics give bad plans
            built = time.perf_counter() - t0
            elapsed, report = asyncio.run(recalculate(url))
            print(
                f"{name:<11} {args.households:>7} households (built in {built:5.1f} s): "
                f"recalculation {elapsed:6.2f} s; up {report['up']}, down {report['down']}, "
                f"out {report['out']}; 200 sampled amounts match the pure calculation",
                flush=True,
            )


if __name__ == "__main__":
    main()
