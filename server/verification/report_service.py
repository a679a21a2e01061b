"""The household verification report (家庭经济状况核对报告): one household's people, the live
records found for each, what the rules find in them (``rules.assess``), the warnings already
raised, and which data versions it was read from. It is built for an enrolled household, or for
an application before anyone is enrolled, when the street review attaches it to the case as a
PDF (a document of the application, kept, hashed and audited)."""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from xml.sax.saxutils import escape

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance.answers import RELATIONSHIPS
from server.assistance.documents_service import write_document
from server.assistance.households_service import members_of
from server.assistance.models import Application, Document, Event
from server.audit.service import Actor, record
from server.people.models import Household, Person
from server.privacy.service import require_consents
from server.regions import queries as region_queries
from server.regions.models import Region
from server.settings import Settings
from server.verification import checks_service as checks
from server.verification import rules
from server.verification.models import DataImport, SourceRecord, VerificationWarning
from server.verification.sources import SOURCES

RELATIONSHIP_LABELS = {"head": "户主", "applicant": "申请人", **RELATIONSHIPS}
DOCUMENT_KIND = "verification_report"


@dataclass
class Member:
    name: str
    id_masked: str
    relationship: str
    id_hash: str
    living: bool = True


@dataclass
class Report:
    subject: str  # the address, or the application's reference and address
    region_code: str
    community: str
    members: list[Member]
    today: date
    records: dict[str, list[tuple[SourceRecord, DataImport]]] = field(default_factory=dict)
    findings: list[rules.Finding] = field(default_factory=list)
    income_cents: Fraction = Fraction(0)
    deposits_cents: int = 0
    standard_cents: int = 0
    asset_limit_cents: int = 0
    warnings: list[VerificationWarning] = field(default_factory=list)
    sources_loaded: dict[str, datetime] = field(default_factory=dict)

    @property
    def living(self) -> int:
        return sum(m.living for m in self.members)

    def name_of(self, id_hash: str | None) -> str:
        return next((m.name for m in self.members if m.id_hash == id_hash), "全户") if id_hash else "全户"


def fact_of(rec: SourceRecord) -> rules.Fact:
    return rules.Fact(
        person=rec.id_hash,
        source=rec.source,
        kind=rec.kind,
        ref=rec.ref,
        region_code=rec.region_code,
        start_date=rec.start_date,
        end_date=rec.end_date,
        amount_cents=rec.amount_cents,
        balance_cents=rec.balance_cents,
    )


def describe(fact: rules.Fact) -> str:
    """One record in a line: source, kind, reference, dates, amounts (yuan)."""
    parts = [SOURCES[fact.source].label]
    parts += [str(v) for v in (fact.kind, fact.ref) if v]
    if fact.start_date or fact.end_date:
        parts.append(
            f"{fact.start_date or ''}—{fact.end_date or ''}" if fact.end_date else str(fact.start_date)
        )
    if fact.amount_cents is not None:
        parts.append(f"{fact.amount_cents / 100:.2f}")
    if fact.balance_cents:
        parts.append(f"余额 {fact.balance_cents / 100:.2f}")
    return " · ".join(parts)


async def build(
    session: AsyncSession,
    members: list[Member],
    region_code: str,
    subject: str,
    today: date,
    warnings: list[VerificationWarning] | None = None,
) -> Report:
    community = await session.get(Region, region_code) if region_code else None
    report = Report(
        subject=subject,
        region_code=region_code,
        community=community.name if community else region_code,
        members=members,
        today=today,
        warnings=warnings or [],
    )
    hashes = [m.id_hash for m in members if m.id_hash]
    rows = await session.execute(
        select(SourceRecord, DataImport)
        .join(DataImport, DataImport.id == SourceRecord.import_id)
        .where(SourceRecord.id_hash.in_(hashes), DataImport.status == rules.ImportStatus.ACTIVE.value)
        .order_by(SourceRecord.source, SourceRecord.start_date, SourceRecord.id)
    )
    report.records = {h: [] for h in hashes}
    for rec, imp in rows:
        report.records[rec.id_hash].append((rec, imp))
    living = {m.id_hash for m in members if m.living}
    facts = [fact_of(rec) for h in living for rec, _ in report.records.get(h, [])]
    city = await region_queries.city_code(session) or region_code[:4] + "00"
    standards = await checks.load_standards(session, city, today)
    report.standard_cents, report.asset_limit_cents = standards.get(
        region_code[:6], standards.get(city, (0, 0))
    )
    report.findings = rules.assess(
        facts, len(living), report.standard_cents, report.asset_limit_cents, city, today
    )
    report.income_cents, _ = rules.monthly_income(facts, today)
    report.deposits_cents = sum(f.balance_cents for f in rules.savings(facts))
    report.sources_loaded = dict(
        (
            await session.execute(
                select(DataImport.source, func.max(DataImport.finished_at))
                .where(DataImport.status == rules.ImportStatus.ACTIVE.value)
                .group_by(DataImport.source)
            )
        ).all()
    )
    return report


async def for_household(session: AsyncSession, household: Household, today: date) -> Report:
    members = [
        Member(p.name, p.id_masked, m.relationship_to_head, p.id_hash, p.deceased_on is None)
        for m, p in await members_of(session, household.id)
    ]
    warnings = list(
        await session.scalars(
            select(VerificationWarning)
            .where(VerificationWarning.household_id == household.id)
            .order_by(VerificationWarning.id)
        )
    )
    return await build(session, members, household.region_code, household.address, today, warnings)


def application_members(app: Application) -> list[Member]:
    answers = app.answers or {}
    people = [({**answers["applicant"], "relationship": "applicant"})] if answers.get("applicant") else []
    people += answers.get("members", [])
    return [
        Member(p.get("name", ""), p.get("id_masked", ""), p.get("relationship", "other"), p["id_hash"])
        for p in people
        if p.get("id_hash")
    ]


async def for_application(session: AsyncSession, app: Application, today: date) -> Report:
    """Refused (``privacy.consents_missing``) until every member has consented to the check."""
    await require_consents(session, app, today)
    hashes = [m.id_hash for m in application_members(app)]
    registered = await session.scalars(select(Person.id).where(Person.id_hash.in_(hashes)))
    warnings = []
    if ids := list(registered):  # people already on the register: their warnings, whichever household
        warnings = list(
            await session.scalars(
                select(VerificationWarning)
                .where(VerificationWarning.person_id.in_(ids))
                .order_by(VerificationWarning.id)
            )
        )
    address = (app.answers or {}).get("address", {}).get("address", "")
    return await build(
        session,
        application_members(app),
        app.region_code or "",
        f"{app.reference} · {address}",
        today,
        warnings,
    )


# ------------------------------------------------------------------------------------ the PDF


def pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from server.certificates.pdf import register_cjk_font

    font, _ = register_cjk_font()
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=14)
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)
    h2 = ParagraphStyle("h", fontName=font, fontSize=12, leading=18, spaceBefore=6)

    def para(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text), style)  # names, addresses and opinions are free text, not markup

    def lines(texts) -> Paragraph:
        return Paragraph("<br/>".join(escape(t) for t in texts), body)

    def table(rows, widths):
        t = Table(
            [[c if isinstance(c, Paragraph) else para(str(c)) for c in r] for r in rows],
            colWidths=widths,
            repeatRows=1,
        )
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        return t

    out = [
        para("家庭经济状况核对报告", title),
        Spacer(1, 4 * mm),
        para(f"社区：{report.community}　{report.subject}　报告日期：{report.today:%Y-%m-%d}"),
        para("家庭成员", h2),
    ]
    rows = [["姓名", "身份证号", "关系", "核对到的记录"]]
    for m in report.members:
        found = lines([describe(fact_of(r)) for r, _ in report.records.get(m.id_hash, [])] or ["无"])
        name = m.name + ("（已故）" if not m.living else "")
        rows.append([name, m.id_masked, RELATIONSHIP_LABELS.get(m.relationship, m.relationship), found])
    out.append(table(rows, [25 * mm, 42 * mm, 20 * mm, 87 * mm]))
    out.append(para("核对结果", h2))
    out.append(para(means_line(report)))
    frows = [["规则", "人员", "依据"]]
    for f in report.findings:
        frows.append(
            [rules.RULES[f.rule].label, report.name_of(f.person), lines(describe(x) for x in f.facts)]
        )
    if len(frows) == 1:
        frows.append(["无", "", "未发现不符合条件的记录"])
    out.append(table(frows, [30 * mm, 25 * mm, 119 * mm]))
    if report.warnings:
        out.append(para("已有预警", h2))
        wrows = [["规则", "状态", "说明"]]
        for w in report.warnings:
            wrows.append(
                [
                    rules.RULES[w.rule].label,
                    rules.STATUS_LABELS[w.status],
                    w.reason or w.detail or rules.RULES[w.rule].explain,
                ]
            )
        out.append(table(wrows, [30 * mm, 20 * mm, 124 * mm]))
    out += [
        Spacer(1, 3 * mm),
        para(
            "数据来源（当前版本）："
            + (
                "；".join(
                    f"{SOURCES[s].label} {t:%Y-%m-%d}" for s, t in sorted(report.sources_loaded.items()) if t
                )
                or "无"
            )
        ),
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf, pagesize=A4, title="家庭经济状况核对报告", leftMargin=18 * mm, rightMargin=18 * mm
    ).build(out)
    return buf.getvalue()


def means_line(report: Report) -> str:
    n = report.living
    income = float(report.income_cents) / 100
    per_person = income / n if n else 0.0
    return (
        f"核对到的家庭月收入 {income:.2f} 元，{n} 人，人均 {per_person:.2f} 元（救助标准 "
        f"{report.standard_cents / 100:.2f} 元）；公积金等存款 {report.deposits_cents / 100:.2f} 元"
        f"（限额每人 {report.asset_limit_cents / 100:.2f} 元）。"
    )


# ------------------------------------------------------------------- attached to an application


async def attach(
    session: AsyncSession, actor: Actor, settings: Settings, app: Application, today: date
) -> Document:
    """Build the report now, keep its PDF as a document of the application, and put it on the
    case's timeline and the audit trail with its hash (what the reviewer saw stays as it was)."""
    report = await for_application(session, app, today)
    data = pdf(report)
    digest = hashlib.sha256(data).hexdigest()
    name = f"{app.reference}-report-{secrets.token_hex(8)}.pdf"
    write_document(settings, name, data)
    doc = Document(
        application_id=app.id,
        kind=DOCUMENT_KIND,
        stored_name=name,
        content_type="application/pdf",
        size=len(data),
        width=0,
        height=0,
        sha256=digest,
    )
    session.add(doc)
    await session.flush()
    findings = sorted({f.rule for f in report.findings})
    session.add(
        Event(
            application_id=app.id,
            step=app.status,
            action="verification_report",
            actor_name=actor.name,
            actor_role=actor.role,
            details={"document": doc.id, "sha256": digest, "findings": findings},
        )
    )
    await record(
        session,
        actor,
        "verification.report_attached",
        "application",
        app.reference,
        region_code=app.region_code,
        after={"document": doc.id, "sha256": digest, "findings": findings},
    )
    return doc
