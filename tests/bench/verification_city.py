"""Benchmark: the verification center on a synthetic city.

    .venv/bin/python tests/bench/verification_city.py [--households 100000] [--records 4500000]
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/bench]

Builds a fresh database with the demo city's regions and policy, a register of enrolled households,
and one CSV per source (``server.verification.synth``: ineligible cases of every rule planted at
known rates, clean look-alikes and dirt). Then it imports every file the way the upload page does
(check each row, load with COPY, supersede, possible matches, check the people touched), runs a
full review of the city, imports 10,000 more rows and checks them incrementally, and compares the
warnings with the planted truth. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text

from server.assistance.demo import CITY_POLICY
from server.assistance.models import Policy
from server.audit.service import Actor
from server.cli import upgrade_database
from server.db import make_engine, session_scope
from server.demo import CITY, TREE, region_rows
from server.people.models import Household, Person
from server.verification import imports_service as loader
from server.verification import service, synth
from server.verification.models import SourceRecord, VerificationWarning
from server.verification.sources import SOURCES

TODAY = date(2026, 11, 25)
SECRET = "bench-secret-bench-secret-bench-secret"
ACTOR = Actor("staff", "1", "benchmark", "verification_officer", "331100")


class Settings:  # what the loader needs of the settings
    def __init__(self, url: str, var: Path):
        self.database_url, self.secret_key, self.var_dir = url, SECRET, var


async def reset(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def import_file(settings: Settings, source: str, path: Path) -> tuple[int, float, float, int]:
    async with session_scope(settings.database_url) as session:
        imp = await loader.new_import(
            session, ACTOR, SOURCES[source], channel="csv", filename=path.name, stored_name=None
        )
        t0 = time.perf_counter()
        await loader.load_file(session, settings, imp, path, TODAY)
        t1 = time.perf_counter()
        run = await loader.finish_import(session, ACTOR, imp, TODAY)
        t2 = time.perf_counter()
    return imp.rows_total, t1 - t0, t2 - t1, run.total


async def main(url: str, households: int, records: int, folder: Path) -> None:
    await reset(url)
    upgrade_database(url)
    settings = Settings(url, folder / "var")
    async with session_scope(url) as session:
        session.add_all(region_rows(CITY, TREE))
        await session.flush()
        session.add(Policy(**CITY_POLICY, created_by="bench"))
    communities = [c for streets in TREE.values() for cs in streets.values() for c, _ in cs]
    t = time.perf_counter()
    city = synth.plan_city(communities, households)
    async with session_scope(url) as session:
        first_person = (await session.scalar(select(func.max(Person.id)))) or 0
        first_household = (await session.scalar(select(func.max(Household.id)))) or 0
        await synth.build_register(session, SECRET, city)
    async with session_scope(url) as session:  # as a live database would have them (autovacuum)
        await session.execute(text("ANALYZE"))
    people = sum(len(p) for _, p in city.households)
    print(f"register: {households:,} households, {people:,} people in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    truth = synth.write_sources(city, folder / "sources", records, TODAY) | synth.expected_age_hits(
        city, TODAY
    )
    print(f"generated {records:,} source rows in {time.perf_counter() - t:.1f} s")

    total_rows = load_s = check_s = 0.0
    for source in SOURCES:
        rows, load, check, raised = await import_file(settings, source, folder / "sources" / f"{source}.csv")
        total_rows, load_s, check_s = total_rows + rows, load_s + load, check_s + check
        print(
            f"  import {source:17s} {rows:>9,} rows  {rows / load:>9,.0f} rows/s  "
            f"check of touched people {check:6.1f} s  warnings {raised:,}"
        )
    print(
        f"import: {total_rows:,.0f} rows in {load_s:.1f} s = {total_rows / load_s:,.0f} rows/s "
        f"(checking the people touched: {check_s:.1f} s more)"
    )

    async with session_scope(url) as session:
        await session.execute(text("ANALYZE")) if session.bind.dialect.name == "postgresql" else None
    t = time.perf_counter()
    async with session_scope(url) as session:
        review = await service.start_review(session, ACTOR, "331100", "benchmark review", TODAY)
    print(
        f"full review of the city: {review.households_reviewed:,} households, "
        f"{review.people_reviewed:,} people in {time.perf_counter() - t:.1f} s"
    )

    # 10,000 new death records: 100 of enrolled people, the rest of people who are not enrolled
    extra = folder / "deaths-extra.csv"
    gone = [m for _, ps in city.households[-400:] for m in ps][-100:]
    rows = [{"id_number": m.number, "name": m.name, "death_date": "2026-11-20"} for m in gone]
    rows += [
        {"id_number": synth.filler_number(i), "name": "某某", "death_date": "2026-11-20"}
        for i in range(10_000 - len(rows))
    ]
    write_rows(extra, "deaths", rows)
    t = time.perf_counter()
    rows_n, load, check, raised = await import_file(settings, "deaths", extra)
    print(
        f"incremental: {rows_n:,} death rows loaded in {load:.2f} s, "
        f"the people they touch checked in {check:.2f} s "
        f"(total {time.perf_counter() - t:.2f} s), {raised} new warnings"
    )
    more_truth = {("p", m.index, "deceased") for m in gone}

    async with session_scope(url) as session:
        rows = await session.execute(
            select(
                VerificationWarning.rule, VerificationWarning.person_id, VerificationWarning.household_id
            ).where(VerificationWarning.person_id.is_not(None))
        )
        found = set()
        for rule, person_id, household_id in rows:
            if rule in synth.HOUSEHOLD_RULES:
                found.add(("h", household_id - first_household - 1, rule))
            else:
                found.add(("p", person_id - first_person - 1, rule))
        records_loaded = await session.scalar(select(func.count()).select_from(SourceRecord))
    extra_truth = more_truth - truth
    found_main = found - extra_truth
    hits = truth & found_main
    recall = len(hits) / len(truth) if truth else 1.0
    precision = len(hits) / len(found_main) if found_main else 1.0
    by_rule = {}
    for _kind, _, rule in truth:
        by_rule.setdefault(rule, [0, 0])[0] += 1
    for _kind, _, rule in hits:
        by_rule[rule][1] += 1
    print(f"records loaded: {records_loaded:,}")
    print(
        f"recall {recall:.4f} ({len(hits):,} of {len(truth):,} planted cases), precision {precision:.4f} "
        f"({len(found_main) - len(hits)} warnings on clean records)"
    )
    print(
        "  per rule (planted / found): " + ", ".join(f"{r} {a}/{b}" for r, (a, b) in sorted(by_rule.items()))
    )


def write_rows(path: Path, source: str, rows: list[dict]) -> None:
    import csv

    names = [f.name for f in SOURCES[source].all_fields]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        writer.writerows([row.get(n, "") for n in names] for row in rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=4_500_000)
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(args.pg, args.households, args.records, Path(tmp)))
