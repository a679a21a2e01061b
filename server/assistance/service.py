"""Social assistance: the database side of applications, the workflow, enrolment, policy
changes and payment rolls. Every change is audited in the same transaction."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, insert, literal, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.accounts import rules as identity_rules
from server.accounts.models import Citizen
from server.assistance import answers as form
from server.assistance import calc, rules
from server.assistance.models import (
    Application,
    Event,
    HouseholdFacts,
    MemberFacts,
    PaymentLine,
    PaymentRoll,
    Policy,
    Recalculation,
    Receipt,
)
from server.audit.service import Actor, record
from server.calendar.service import load_calendar
from server.crypto import decrypt, encrypt
from server.db import utcnow
from server.errors import DomainError, Kind
from server.notifications.service import notify
from server.people import idcard
from server.people.models import Enrolment, Household, HouseholdMember, Person
from server.people.queries import ID_PURPOSE, id_hash
from server.people.service import register_person
from server.privacy import service as privacy
from server.regions.codes import scope_prefix

PREFIX = {"dibao": "DB", "tekun": "TK", "linshi": "LS", "yiliao": "YL"}


class AssistanceError(DomainError):
    pass


def new_reference(benefit: str, today: date) -> str:
    return f"{PREFIX[benefit]}{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def mask_bank(number: str) -> str:
    return number[:4] + " **** **** " + number[-4:]


def city_of(code: str) -> str:
    return code[:4] + "00"


# ---------------------------------------------------------------- policy


async def policy_for(session: AsyncSession, region_code: str, on: date) -> Policy | None:
    """The district's own policy if it has one in force, else the city's."""
    candidates = (region_code[:6], city_of(region_code))
    rows = await session.scalars(
        select(Policy)
        .where(Policy.region_code.in_(candidates), Policy.effective_from <= on)
        .order_by(
            (Policy.region_code == region_code[:6]).desc(), Policy.effective_from.desc(), Policy.id.desc()
        )
        .limit(1)
    )
    return rows.first()


def terms(policy: Policy) -> calc.PolicyTerms:
    return calc.PolicyTerms(
        standard_cents=policy.standard_cents,
        asset_limit_cents=policy.asset_limit_cents,
        extra_pct=dict(policy.extra_pct or {}),
        tekun_pct=policy.tekun_pct,
        floor_cents=policy.floor_cents,
        linshi_months=policy.linshi_months,
        yiliao_rate_pct=policy.yiliao_rate_pct,
        yiliao_cap_cents=policy.yiliao_cap_cents,
    )


def calculation_json(result: calc.Calculation) -> dict:
    return {
        "eligible": result.eligible,
        "amount_cents": result.amount_cents,
        "reasons": list(result.reasons),
        "lines": [
            {"label": ln.label, "amount_cents": ln.amount_cents, "member": ln.member, "rule": ln.rule}
            for ln in result.lines
        ],
    }


# ---------------------------------------------------------------- citizen side


async def create_draft(
    session: AsyncSession,
    actor: Actor,
    *,
    benefit: str,
    citizen_id: int | None,
    client_key: str | None,
    today: date,
    source: str = "citizen",
) -> Application:
    if benefit not in calc.BENEFITS:
        raise AssistanceError("assistance.benefit", Kind.INVALID)
    if client_key:
        existing = await session.scalar(select(Application).where(Application.client_key == client_key))
        if existing is not None:
            return existing
    app = Application(
        reference=new_reference(benefit, today),
        client_key=client_key,
        benefit=benefit,
        status="draft",
        citizen_id=citizen_id,
        answers={},
        source=source,
    )
    session.add(app)
    await session.flush()
    session.add(
        Event(
            application_id=app.id, step="draft", action="create", actor_name=actor.name, actor_role=actor.role
        )
    )
    await record(
        session,
        actor,
        "assistance.create",
        "application",
        app.reference,
        after={"benefit": benefit, "source": source},
    )
    return app


async def already_applied(session: AsyncSession, key: str | None) -> bool:
    return bool(key) and await session.get(Receipt, key) is not None


def _person_answer(secret: str, clean: dict) -> dict:
    rid: idcard.ResidentId = clean.pop("_rid")
    return {
        **clean,
        "id_hash": id_hash(secret, rid.number),
        "id_masked": rid.masked,
        "id_cipher": encrypt(secret, ID_PURPOSE, rid.number),
        "birth": rid.birth.isoformat(),
        "male": rid.male,
    }


async def save_step(
    session: AsyncSession,
    actor: Actor,
    secret: str,
    app: Application,
    step: str,
    raw: dict[str, str],
    key: str | None,
    today: date,
    choices: dict[str, dict[str, str]],
) -> bool:
    """Save one step's answers; False when this exact submission (``key``) was already applied."""
    if app.status not in rules.EDITABLE:
        raise AssistanceError("assistance.locked")
    if key and await session.get(Receipt, key) is not None:
        return False
    if step == "applicant":
        bound = await applicant_identity(session, secret, app)
        if bound is not None:  # a citizen applies as themself: never under a number they typed
            raw = {**raw, "name": bound[0], "id_number": bound[1]}
    clean = form.clean_step(step, raw, app.benefit, today, choices)
    answers = dict(app.answers or {})
    if step == "applicant":
        bank = clean.pop("_bank")
        clean = _person_answer(secret, clean)
        clean.update(bank_cipher=encrypt(secret, "bank-account", bank), bank_masked=mask_bank(bank))
        app.applicant_name, app.id_hash, app.id_masked = clean["name"], clean["id_hash"], clean["id_masked"]
        answers[step] = clean
    elif step == "members":
        member = _person_answer(secret, clean)
        listed = answers.get("members", [])
        if member["id_hash"] in {m["id_hash"] for m in listed} or member["id_hash"] == answers.get(
            "applicant", {}
        ).get("id_hash"):
            raise form.AnswerError({"id_number": "assistance.member_twice"})
        answers["members"] = [*listed, member]
    elif step == "consent":
        answers[step] = clean
        app.consent_signer, app.consent_at = clean["signer"], utcnow()
    else:
        answers[step] = clean
    if step == "address":
        app.region_code = clean["community"]
    app.answers = answers
    if key:
        session.add(Receipt(key=key, application_id=app.id, step=step))
    await session.flush()
    await record(
        session,
        actor,
        f"assistance.answer.{step}",
        "application",
        app.reference,
        region_code=app.region_code,
        after={k: v for k, v in (answers.get(step) or {}).items() if k not in ("id_cipher", "bank_cipher")}
        if step != "members"
        else {"members": len(answers["members"])},
    )
    return True


async def applicant_identity(session: AsyncSession, secret: str, app: Application) -> tuple[str, str] | None:
    """A citizen's own application: the name and ID number bound to the account, the only applicant
    it may name (None for one staff started). An account without a bound identity (none, or only a
    claim still waiting to be proven) cannot apply."""
    citizen = await _applicant_account(session, app)
    if citizen is None:
        return None
    return citizen.name or "", decrypt(secret, ID_PURPOSE, citizen.id_cipher or "")


async def _applicant_account(session: AsyncSession, app: Application) -> Citizen | None:
    if app.citizen_id is None:
        return None
    citizen = await session.get(Citizen, app.citizen_id)
    if citizen is None or not identity_rules.may_apply(citizen.identity_level) or not citizen.id_cipher:
        raise AssistanceError("assistance.identity", Kind.FORBIDDEN)
    return citizen


async def remove_member(session: AsyncSession, actor: Actor, app: Application, index: int) -> None:
    if app.status not in rules.EDITABLE:
        raise AssistanceError("assistance.locked")
    members = list(app.answers.get("members", []))
    if 0 <= index < len(members):
        gone = members.pop(index)
        app.answers = {**app.answers, "members": members}
        await record(
            session,
            actor,
            "assistance.member_remove",
            "application",
            app.reference,
            region_code=app.region_code,
            before={"member": gone["id_masked"]},
        )


async def receiving_elsewhere(session: AsyncSession, benefit: str, hashes: list[str]) -> list[str]:
    """Names of people already in a household enrolled in the same benefit (set-based)."""
    if not hashes:
        return []
    rows = await session.scalars(
        select(Person.name)
        .join(HouseholdMember, HouseholdMember.person_id == Person.id)
        .join(Enrolment, Enrolment.household_id == HouseholdMember.household_id)
        .where(
            Person.id_hash.in_(hashes),
            Enrolment.benefit == benefit,
            Enrolment.status.in_(("active", "suspended")),
        )
        .distinct()
    )
    return list(rows)


async def evaluate(
    session: AsyncSession, app: Application, today: date
) -> tuple[list[rules.Finding], calc.Calculation | None]:
    answers = app.answers or {}
    applicant = answers.get("applicant", {})
    hashes = [applicant.get("id_hash")] + [m["id_hash"] for m in answers.get("members", [])]
    hukou = answers.get("hukou", {}).get("hukou", "")
    region = app.region_code or ""
    findings = rules.prechecks(
        benefit=app.benefit,
        hukou_in_city=bool(hukou) and hukou != "other" and hukou[:4] == region[:4],
        applicant_age=form._age(applicant.get("birth"), today),
        applicant_disability=answers.get("health", {}).get("disability_grade"),
        already_receiving=await receiving_elsewhere(session, app.benefit, [h for h in hashes if h]),
    )
    policy = await policy_for(session, region, today) if region else None
    result = calc.calculate(app.benefit, form.household_of(answers, today), terms(policy)) if policy else None
    return findings, result


async def submit(
    session: AsyncSession, actor: Actor, app: Application, today: date, key: str | None = None
) -> bool:
    if key and await session.get(Receipt, key) is not None:
        return False
    step = rules.submitted_to(app.status, app.returned_from).value
    missing = form.missing_steps(app.answers or {}, app.benefit)
    if missing:
        raise AssistanceError("assistance.incomplete", Kind.INVALID)
    account = await _applicant_account(session, app)
    if account is not None and (app.answers or {}).get("applicant", {}).get("id_hash") != account.id_hash:
        # the identity bound to the account changed (or was unbound) since the applicant was saved
        raise AssistanceError("assistance.identity_changed", Kind.CONFLICT)
    findings, result = await evaluate(session, app, today)
    calendar = await load_calendar(session)
    resubmission = app.status == rules.Status.RETURNED
    app.prechecks = [{"code": f.code, "detail": f.detail} for f in findings]
    app.calculation = calculation_json(result) if result else None
    app.amount_cents = result.amount_cents if result else None
    app.status, app.step_started_on = step, today
    app.step_due_on = rules.step_due(calendar, step, today)
    if not resubmission:
        app.submitted_at = utcnow()
        app.total_due_on = rules.total_due(calendar, app.benefit, today)
    app.return_reason = None
    if key:
        session.add(Receipt(key=key, application_id=app.id, step="submit"))
    await privacy.open_requests(session, app, today)  # whose consent the household check needs
    session.add(
        Event(
            application_id=app.id,
            step=step,
            action="resubmit" if resubmission else "submit",
            actor_name=actor.name or app.applicant_name,
            actor_role=actor.role,
            details={"prechecks": app.prechecks},
            expected_by=app.step_due_on,
        )
    )
    await session.flush()
    await notify(
        session,
        app.citizen_id,
        f"申请已提交：{app.reference}",
        f"当前环节：{rules.STEP_LABELS[step]}，预计 {app.step_due_on} 前完成。",
        f"/apply/{app.reference}",
    )
    await record(
        session,
        actor,
        "assistance.submit",
        "application",
        app.reference,
        region_code=app.region_code,
        after={"status": step, "prechecks": [f.code for f in findings], "amount_cents": app.amount_cents},
    )
    return True


async def start_application_for(
    session: AsyncSession,
    actor: Actor,
    *,
    benefit: str,
    name: str,
    id_number: str | None,
    region_code: str,
    address: str | None,
    phone: str | None,
    note: str,
    source: str,
    secret: str | None = None,
) -> str:
    """A draft application pre-filled for a person (e.g. from an active-discovery report); staff or
    the person complete it. Returns the reference."""
    app = await create_draft(
        session, actor, benefit=benefit, citizen_id=None, client_key=None, today=clock.today(), source=source
    )
    answers: dict[str, Any] = {"prefill": {"name": name, "address": address, "phone": phone, "note": note}}
    if id_number and secret:
        rid = idcard.parse(id_number)
        answers["applicant"] = {
            "name": name,
            "phone": phone,
            "id_hash": id_hash(secret, rid.number),
            "id_masked": rid.masked,
            "id_cipher": encrypt(secret, ID_PURPOSE, rid.number),
            "birth": rid.birth.isoformat(),
            "male": rid.male,
        }
        app.id_hash, app.id_masked = answers["applicant"]["id_hash"], rid.masked
    if address:
        answers["address"] = {"community": region_code, "address": address}
    answers["need"] = {"reason": note, "requested": 0, "out_of_pocket": 0}
    app.answers, app.applicant_name, app.region_code = answers, name, region_code
    await session.flush()
    return app.reference


# ---------------------------------------------------------------- staff workflow


async def act(
    session: AsyncSession,
    actor: Actor,
    secret: str,
    app: Application,
    action: str,
    opinion: str,
    today: date,
    details: dict | None = None,
) -> None:
    """One staff action on a case, as ``rules.TRANSITIONS`` allows it: the move, its event on the
    timeline, the applicant's message and the audit record, in one transaction."""
    new_status = rules.check_move(app, action, actor.role, today, opinion, details)
    if (app.status, action) in rules.CONSENT_REQUIRED:
        await privacy.require_consents(session, app, today)
    opinion = (opinion or "").strip()
    before = {"status": app.status}
    step = app.status
    await _move(session, actor, secret, app, action, new_status, opinion, today)
    session.add(
        Event(
            application_id=app.id,
            step=step,
            action=action,
            actor_name=actor.name,
            actor_role=actor.role,
            opinion=opinion,
            details=details,
            expected_by=app.step_due_on,
        )
    )
    if action != rules.Action.OBJECTION:
        await _tell_applicant(session, app, action, opinion)
    await session.flush()
    await record(
        session,
        actor,
        f"assistance.{action}",
        "application",
        app.reference,
        region_code=app.region_code,
        before=before,
        after={"status": app.status, **({"details": details} if details else {})},
        opinion=opinion,
    )


async def _move(
    session: AsyncSession,
    actor: Actor,
    secret: str,
    app: Application,
    action: str,
    new_status: rules.Status,
    opinion: str,
    today: date,
) -> None:
    """The case's new status and deadlines, and what the move itself does (fix the amount at the
    district's approval, put the household on the register at enrolment)."""
    step = app.status
    if action == rules.Action.APPROVE:
        calendar = await load_calendar(session)
        app.step_started_on, app.step_due_on = today, rules.step_due(calendar, new_status, today)
        if step == rules.Status.DISTRICT:  # the amount is fixed at approval, by rule
            _, result = await evaluate(session, app, today)
            app.calculation = calculation_json(result) if result else app.calculation
            app.amount_cents = result.amount_cents if result else app.amount_cents
    elif action == rules.Action.RETURN:
        app.returned_from, app.return_reason = step, opinion
        app.step_due_on = None
    elif action == rules.Action.ENROL:
        await enrol(session, actor, secret, app, today)
        app.step_due_on = None
    elif new_status in rules.FINAL:
        app.step_due_on = None
    app.status = new_status.value


async def _tell_applicant(session: AsyncSession, app: Application, action: str, opinion: str) -> None:
    body = (
        f"退回原因：{opinion}"
        if action == rules.Action.RETURN
        else f"当前环节：{rules.STEP_LABELS.get(app.status, app.status)}"
    )
    await notify(session, app.citizen_id, f"申请有新进展：{app.reference}", body, f"/apply/{app.reference}")


async def enrol(session: AsyncSession, actor: Actor, secret: str, app: Application, today: date) -> Enrolment:
    """Put the approved household on the register and start paying the computed amount."""
    answers = app.answers
    people = [answers["applicant"]] + list(answers.get("members", []))
    persons = []
    for p in people:
        number = decrypt(secret, ID_PURPOSE, p["id_cipher"])
        hukou = answers.get("hukou", {}).get("hukou")
        persons.append(
            await register_person(
                session,
                secret,
                name=p["name"],
                id_number=number,
                region_code=app.region_code,
                hukou_region_code=None if hukou == "other" else hukou,
                phone=p.get("phone"),
            )
        )
    household = Household(
        region_code=app.region_code,
        address=answers["address"]["address"],
        head_person_id=persons[0].id,
        bank_account_cipher=answers["applicant"].get("bank_cipher"),
    )
    session.add(household)
    await session.flush()
    health = answers.get("health", {})
    specs = [
        (
            "head",
            health.get("disability_grade"),
            bool(health.get("serious_illness")),
            health.get("employment"),
            None,
        )
    ]
    specs += [
        (
            m["relationship"],
            m.get("disability_grade"),
            bool(m.get("serious_illness")),
            m.get("employment"),
            m.get("schooling"),
        )
        for m in answers.get("members", [])
    ]
    hh = form.household_of(answers, today)
    for person, (relationship, grade, ill, employment, schooling), member in zip(
        persons, specs, hh.members, strict=True
    ):
        row = HouseholdMember(
            household_id=household.id,
            person_id=person.id,
            relationship_to_head=relationship,
            disability_grade=grade,
            serious_illness=ill,
            employment=employment,
            schooling=schooling,
        )
        session.add(row)
        await session.flush()
        groups = calc.groups_of(member, hh.single_parent)
        session.add(MemberFacts(member_id=row.id, household_id=household.id, **{g: True for g in groups}))
    session.add(
        HouseholdFacts(
            household_id=household.id,
            members=len(persons),
            income_cents=sum(hh.income_cents.values()),
            deposits_cents=hh.deposits_cents,
            extra_housing=hh.extra_housing,
            vehicles=hh.vehicles,
        )
    )
    enrolment = Enrolment(
        household_id=household.id,
        benefit=app.benefit,
        status="active",
        monthly_amount_cents=app.amount_cents or 0,
        start_date=today,
        region_code=app.region_code,
    )
    if app.benefit not in calc.MONTHLY:
        enrolment.end_date = today  # a one-off payment
    session.add(enrolment)
    app.household_id = household.id
    await session.flush()
    await record(
        session,
        actor,
        "enrolment.create",
        "enrolment",
        enrolment.id,
        region_code=app.region_code,
        after={
            "application": app.reference,
            "benefit": app.benefit,
            "amount_cents": enrolment.monthly_amount_cents,
        },
    )
    return enrolment


# ---------------------------------------------------------------- policy change: one set-based recalculation


def _extras(policy: Policy):
    """Per household, the extra amount: for each member the highest percentage of the standard
    that applies, in whole fen as ``calc.calculate`` rounds it, summed (SQL)."""
    pct = dict(policy.extra_pct or {})
    parts = [
        select(
            MemberFacts.household_id, MemberFacts.member_id, literal(int(pct.get(g, 0))).label("pct")
        ).where(getattr(MemberFacts, g).is_(True))
        for g in calc.GROUPS
    ]
    groups = union_all(*parts).subquery("g")
    best = (
        select(groups.c.household_id, func.max(groups.c.pct).label("pct"))
        .group_by(groups.c.household_id, groups.c.member_id)
        .subquery("b")
    )
    per_member = literal(policy.standard_cents) * best.c.pct / 100
    return (
        select(best.c.household_id, func.sum(per_member).label("cents"))
        .group_by(best.c.household_id)
        .subquery("x")
    )


def new_amount_sql(policy: Policy, extras, benefit_col):
    """The calculation of ``calc.calculate`` for 低保 and 特困, as one SQL expression."""
    s = literal(policy.standard_cents)
    n, income = HouseholdFacts.members, HouseholdFacts.income_cents
    out = or_(
        income / n >= s,
        HouseholdFacts.deposits_cents / n > policy.asset_limit_cents,
        HouseholdFacts.vehicles > 0,
        HouseholdFacts.extra_housing > 0,
    )
    dibao = (s * n - income) + func.coalesce(extras.c.cents, 0)
    dibao = case((dibao < policy.floor_cents * n, policy.floor_cents * n), else_=dibao)
    tekun = literal(policy.standard_cents * policy.tekun_pct // 100) * n
    return case((n == 0, 0), (out, 0), (benefit_col == "tekun", tekun), else_=dibao)


async def apply_policy(session: AsyncSession, actor: Actor, policy: Policy, today: date) -> dict[str, int]:
    """Recalculate every household the policy governs, in set-based statements, and keep the
    report of who goes up, down or out. Runs in the caller's transaction."""
    from server.people.models import Enrolment as E

    extras = _extras(policy)
    prefix = scope_prefix(policy.region_code)
    governed = [
        E.region_code.like(prefix + "%"),
        E.benefit.in_(calc.MONTHLY),
        E.status.in_(("active", "suspended")),
    ]
    if policy.region_code == city_of(
        policy.region_code
    ):  # districts with their own policy in force keep theirs
        own = (
            select(Policy.id)
            .where(
                Policy.region_code == func.substr(E.region_code, 1, 6),
                Policy.effective_from <= policy.effective_from,
            )
            .exists()
        )
        governed.append(~own)
    new_amount = new_amount_sql(policy, extras, E.benefit)
    source = (
        select(literal(policy.id), E.id, E.region_code, E.monthly_amount_cents, new_amount)
        .join(HouseholdFacts, HouseholdFacts.household_id == E.household_id)
        .outerjoin(extras, extras.c.household_id == E.household_id)
        .where(*governed)
    )
    await session.execute(
        insert(Recalculation).from_select(
            ["policy_id", "enrolment_id", "region_code", "old_cents", "new_cents"], source
        )
    )
    r = Recalculation
    await session.execute(
        update(E)
        .where(r.policy_id == policy.id, r.enrolment_id == E.id, r.new_cents != r.old_cents)
        .values(monthly_amount_cents=r.new_cents, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    report = await policy_report(session, policy.id)
    await record(
        session,
        actor,
        "assistance.policy_apply",
        "policy",
        policy.id,
        region_code=policy.region_code,
        after={"effective_from": policy.effective_from.isoformat(), **report},
    )
    return report


async def policy_report(session: AsyncSession, policy_id: int) -> dict[str, int]:
    r = Recalculation
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(and_(r.new_cents > r.old_cents, r.new_cents > 0)),
                func.count().filter(and_(r.new_cents < r.old_cents, r.new_cents > 0)),
                func.count().filter(and_(r.new_cents == 0, r.old_cents > 0)),
                func.coalesce(func.sum(r.new_cents - r.old_cents), 0),
            ).where(r.policy_id == policy_id)
        )
    ).one()
    return {
        "households": row[0],
        "up": row[1],
        "down": row[2],
        "out": row[3],
        "monthly_change_cents": int(row[4]),
    }


async def create_policy(
    session: AsyncSession, actor: Actor, data: dict, today: date
) -> tuple[Policy, dict[str, int]]:
    policy = Policy(**data, created_by=actor.name)
    session.add(policy)
    await session.flush()
    await record(
        session,
        actor,
        "assistance.policy_create",
        "policy",
        policy.id,
        region_code=policy.region_code,
        after={k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()},
    )
    return policy, await apply_policy(session, actor, policy, today)


# ---------------------------------------------------------------- payment roll


async def generate_roll(session: AsyncSession, actor: Actor, month: str, district: str) -> PaymentRoll:
    existing = await session.scalar(
        select(PaymentRoll).where(PaymentRoll.month == month, PaymentRoll.region_code == district)
    )
    if existing is not None:
        rules.roll_move(existing.status, rules.RollAction.GENERATE, actor.role)
    if existing is not None:
        await session.execute(PaymentLine.__table__.delete().where(PaymentLine.roll_id == existing.id))
        roll = existing
    else:
        roll = PaymentRoll(month=month, region_code=district, created_by=actor.name)
        session.add(roll)
        await session.flush()
    year, mon = (int(x) for x in month.split("-"))
    first = date(year, mon, 1)
    source = (
        select(
            literal(roll.id),
            Enrolment.id,
            Enrolment.household_id,
            Enrolment.region_code,
            Person.name,
            Household.bank_account_cipher,
            Enrolment.benefit,
            Enrolment.monthly_amount_cents,
        )
        .join(Household, Household.id == Enrolment.household_id)
        .join(Person, Person.id == Household.head_person_id)
        .where(
            Enrolment.region_code.like(district + "%"),
            Enrolment.status == "active",
            Enrolment.monthly_amount_cents > 0,
            Enrolment.start_date <= first + timedelta(days=31),
            or_(Enrolment.benefit.in_(calc.MONTHLY), Enrolment.start_date >= first),
        )
    )
    await session.execute(
        insert(PaymentLine).from_select(
            [
                "roll_id",
                "enrolment_id",
                "household_id",
                "region_code",
                "payee_name",
                "bank_cipher",
                "benefit",
                "amount_cents",
            ],
            source,
        )
    )
    totals = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(PaymentLine.amount_cents), 0)).where(
                PaymentLine.roll_id == roll.id
            )
        )
    ).one()
    roll.households, roll.total_cents = totals[0], int(totals[1])
    await session.flush()
    await record(
        session,
        actor,
        "payment.generate",
        "payment_roll",
        roll.id,
        region_code=district,
        after={"month": month, "households": roll.households, "total_cents": roll.total_cents},
    )
    return roll


async def approve_roll(session: AsyncSession, actor: Actor, roll: PaymentRoll) -> None:
    """The next approval of the roll (``rules.ROLL_TRANSITIONS``): the district's, then the city's."""
    before = roll.status
    roll.status = rules.roll_move(roll.status, rules.RollAction.APPROVE, actor.role).value
    if roll.status == rules.RollStatus.DISTRICT_APPROVED:
        roll.district_approved_by = actor.name
    else:
        roll.city_approved_by = actor.name
    await record(
        session,
        actor,
        "payment.approve",
        "payment_roll",
        roll.id,
        region_code=roll.region_code,
        before={"status": before},
        after={"status": roll.status},
    )
