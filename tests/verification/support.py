"""Helpers for the verification tests: a small generated city, imports as the loader runs them,
and the warnings mapped back to the planted truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from server.audit.service import Actor
from server.people.models import HouseholdMember, Person
from server.verification import imports_service as loader
from server.verification import synth
from server.verification.models import DataImport, VerificationWarning
from server.verification.sources import SOURCES
from tests.support import in_db

TODAY = date(2026, 11, 25)
OFFICER = Actor("staff", "3", "核对中心 陈洁", "verification_officer", "331100")


def import_csv(settings, source: str, path: Path, today: date = TODAY, actor: Actor = OFFICER) -> DataImport:
    """What the upload page does, without the web: a new version, load, finish."""

    async def go(session):
        imp = await loader.new_import(
            session, actor, SOURCES[source], channel="csv", filename=path.name, stored_name=None
        )
        header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        await loader.load_rows(
            session, settings, imp, loader.read_csv(path, SOURCES[source], {}), today, header
        )
        await loader.finish_import(session, actor, imp, today)
        return imp

    return in_db(settings, go)


def write_csv(path: Path, source: str, rows: list[dict]) -> Path:
    import csv

    names = [f.name for f in SOURCES[source].all_fields]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for row in rows:
            w.writerow([row.get(n, "") for n in names])
    return path


def small_city(settings, tmp_path: Path, households: int = 400, records: int = 6000):
    """A generated city on top of the demo one: its register, its files and the planted truth."""

    async def build(session):
        communities = await synth.communities(session)
        city = synth.plan_city(communities, households)
        await synth.build_register(session, settings.secret_key, city)
        return city

    city = in_db(settings, build)
    truth = synth.write_sources(city, tmp_path / "sources", records, TODAY)
    return city, truth | synth.expected_age_hits(city, TODAY)


def warnings_as_truth(settings, city) -> set[tuple]:
    key = {}
    for h_index, (_, people) in enumerate(city.households):
        for m in people:
            key[m.name, m.birth, m.number[-4:]] = (m.index, h_index)

    async def go(session):
        rows = await session.execute(
            select(VerificationWarning.rule, Person.name, Person.birth_date, Person.id_masked)
            .join(Person, Person.id == VerificationWarning.person_id)
            .where(VerificationWarning.status == "open")
        )
        return list(rows)

    out = set()
    for rule, name, birth, masked in in_db(settings, go):
        hit = key.get((name, birth, masked[-4:]))
        if hit is None:
            continue
        out.add(("h", hit[1], rule) if rule in synth.HOUSEHOLD_RULES else ("p", hit[0], rule))
    return out


def household_of(settings, person_name: str) -> int:
    async def go(session):
        return await session.scalar(
            select(HouseholdMember.household_id).join(Person).where(Person.name == person_name)
        )

    return in_db(settings, go)
