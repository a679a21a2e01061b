"""What each kind of export holds: the record it names (found through the requester's region
scope, so nothing outside it can be asked for or downloaded), its title for the lists, and the file
built from the live records at download time, with the ids of every person in it."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from server import spreadsheets
from server.assistance import calc
from server.assistance import queries as assistance_queries
from server.assistance.documents_service import read_document
from server.assistance.models import PaymentRoll
from server.crypto import decrypt
from server.errors import DomainError, Kind
from server.exports import queries
from server.exports.models import ExportRequest
from server.exports.rules import ExportType
from server.people import queries as people_queries
from server.people.models import Household
from server.regions.scope import RegionScope
from server.settings import Settings
from server.verification import queries as verification_queries
from server.verification import report_service as report
from server.verification import rules as verification_rules
from server.verification.imports_service import error_csv
from server.verification.sources import SOURCES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX, "pdf": "application/pdf", "zip": "application/zip"}


@dataclass(frozen=True)
class Subject:
    region_code: str
    title: str


@dataclass(frozen=True)
class Built:
    data: bytes
    media_type: str
    filename: str
    person_ids: list[int]


def _int(subject: str) -> int:
    if not subject.isdigit() or len(subject) > 12:
        raise DomainError("error.not_found", Kind.NOT_FOUND)
    return int(subject)


async def subject_of(
    session: AsyncSession, scope: RegionScope, kind: str, subject: str, city_code: str | None
) -> Subject:
    """The record an export names, through the region scope (404 outside it), and its title."""
    if kind == ExportType.PAYMENT_ROLL:
        roll = await scope.get(session, PaymentRoll, _int(subject))
        return Subject(roll.region_code, f"资金发放名册 {roll.month} {roll.region_code}")
    if kind == ExportType.HOUSEHOLD_REPORT:
        household = await scope.get(session, Household, _int(subject))
        return Subject(household.region_code, f"家庭核对报告 {household.address}")
    if kind in (ExportType.APPLICATION_REPORT, ExportType.CASE_DOCUMENTS):
        app = await assistance_queries.scoped_application(session, scope, subject)
        label = "核对报告" if kind == ExportType.APPLICATION_REPORT else "案件材料"
        return Subject(app.region_code or scope.code, f"{label} {app.reference} {app.applicant_name or ''}")
    if kind == ExportType.IMPORT_ERRORS:
        verification_rules.ensure_city(city_code)
        imp = await verification_queries.get_import(session, _int(subject))
        return Subject(city_code or "", f"错误行 {SOURCES[imp.source].label} 第 {imp.version} 版")
    raise DomainError("export.kind", Kind.INVALID, field="kind")


async def build(
    session: AsyncSession, settings: Settings, scope: RegionScope, export: ExportRequest, today: date
) -> Built:
    """The file, built now from the live records (nothing exported is kept on disk)."""
    kind, fmt = export.kind, export.format
    if kind == ExportType.PAYMENT_ROLL:
        roll = await scope.get(session, PaymentRoll, _int(export.subject))
        data = await _roll_file(session, settings, roll, fmt)
        people = await queries.payees_of_roll(session, roll.id)
        return Built(data, MEDIA[fmt], f"payment-{roll.region_code}-{roll.month}.{fmt}", people)
    if kind == ExportType.HOUSEHOLD_REPORT:
        household = await scope.get(session, Household, _int(export.subject))
        data = report.pdf(await report.for_household(session, household, today))
        people = await people_queries.household_people(session, household.id)
        return Built(data, MEDIA["pdf"], f"verification-report-household-{household.id}.pdf", people)
    if kind in (ExportType.APPLICATION_REPORT, ExportType.CASE_DOCUMENTS):
        app = await assistance_queries.scoped_application(session, scope, export.subject)
        people = await assistance_queries.application_people(session, app)
        if kind == ExportType.APPLICATION_REPORT:
            data = report.pdf(await report.for_application(session, app, today))
            return Built(data, MEDIA["pdf"], f"verification-report-{app.reference}.pdf", people)
        documents = await assistance_queries.documents(session, app)
        return Built(
            _zip(
                [
                    (f"{i:02d}-{d.kind}", d, read_document(settings, d.stored_name))
                    for i, d in enumerate(documents, 1)
                ]
            ),
            MEDIA["zip"],
            f"documents-{app.reference}.zip",
            people,
        )
    if kind == ExportType.IMPORT_ERRORS:
        imp = await verification_queries.get_import(session, _int(export.subject))
        data = ("\ufeff" + error_csv(settings, imp)).encode()
        return Built(data, MEDIA["csv"], f"errors-{imp.source}-v{imp.version}.csv", [])
    raise DomainError("export.kind", Kind.INVALID)


async def _roll_file(session: AsyncSession, settings: Settings, roll: PaymentRoll, fmt: str) -> bytes:
    header = ["月份", "区域代码", "户主", "救助类别", "银行账号", "金额（元）"]
    rows = [
        [
            roll.month,
            ln.region_code,
            ln.payee_name,
            calc.BENEFITS[ln.benefit],
            decrypt(settings.secret_key, "bank-account", ln.bank_cipher) if ln.bank_cipher else "",
            ln.amount_cents,
        ]
        for ln in await assistance_queries.roll_lines(session, roll)
    ]
    if fmt == "csv":
        return spreadsheets.csv_bytes(
            [
                header,
                *(row[:5] + [f"{row[5] / 100:.2f}"] for row in rows),
                ["合计", "", "", "", "", f"{roll.total_cents / 100:.2f}"],
            ]
        )
    return spreadsheets.xlsx_bytes(
        roll.month,
        [
            header,
            *(row[:5] + [row[5] / 100] for row in rows),
            ["合计", "", "", "", "", roll.total_cents / 100],
        ],
    )


def _zip(files: list[tuple[str, object, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, doc, data in files:
            extension = "pdf" if getattr(doc, "content_type", "") == "application/pdf" else "jpg"
            bundle.writestr(f"{name}.{extension}", data)
    return out.getvalue()
