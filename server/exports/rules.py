"""Bulk exports of personal data as plain rules (no web, no database): what may be exported, who
asks and who approves (never the same person), the life of a request as a state machine, and how
long and how often an approved file may be downloaded.

A payment roll carries bank account numbers, a verification report the tax, property, vehicle,
death and prison records of a household, a case's documents the applicant's ID card and income
proofs: none leaves the platform on one person's say. The requester names the thing, the format
and the reason; a second person holding ``P.EXPORTS_APPROVE`` over the region approves or rejects
with an opinion; the requester then downloads it within ``HUIMIN_EXPORT_HOURS`` at most
``HUIMIN_EXPORT_DOWNLOADS`` times, each download audited for every person in the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from server.accounts.permissions import P, allows
from server.errors import DomainError, Kind

DEFAULT_HOURS = 24
DEFAULT_DOWNLOADS = 3
REASON_MAX = 500


class Status(StrEnum):
    REQUESTED = "requested"  # waiting for a second person
    APPROVED = "approved"  # the requester may download it (until it expires or is used up)
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn by the requester before a decision
    USED = "used"  # downloaded as many times as allowed
    EXPIRED = "expired"  # not downloaded (or not decided) in time


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    DOWNLOAD = "download"
    EXPIRE = "expire"


class Who(StrEnum):
    """Who may take an action: the requester, a second person with P.EXPORTS_APPROVE, the worker."""

    REQUESTER = "requester"
    APPROVER = "approver"
    SYSTEM = "system"


# (from, action) -> (to, who). A download of an approved export keeps it approved until the last
# allowed one (``after_download``); anything not listed is refused.
TRANSITIONS: dict[tuple[Status, Action], tuple[Status, Who]] = {
    (Status.REQUESTED, Action.APPROVE): (Status.APPROVED, Who.APPROVER),
    (Status.REQUESTED, Action.REJECT): (Status.REJECTED, Who.APPROVER),
    (Status.REQUESTED, Action.CANCEL): (Status.CANCELLED, Who.REQUESTER),
    (Status.REQUESTED, Action.EXPIRE): (Status.EXPIRED, Who.SYSTEM),
    (Status.APPROVED, Action.DOWNLOAD): (Status.USED, Who.REQUESTER),
    (Status.APPROVED, Action.EXPIRE): (Status.EXPIRED, Who.SYSTEM),
}
OPEN = frozenset({Status.REQUESTED, Status.APPROVED})
PENDING_DAYS = 7  # a request nobody decided within a week lapses


class ExportType(StrEnum):
    PAYMENT_ROLL = "payment_roll"
    HOUSEHOLD_REPORT = "household_report"
    APPLICATION_REPORT = "application_report"
    CASE_DOCUMENTS = "case_documents"
    IMPORT_ERRORS = "import_errors"


@dataclass(frozen=True)
class ExportSpec:
    label: str
    formats: tuple[str, ...]
    permission: P  # the requester must hold it (at the request and again at the download)
    what: str  # the data it carries, as the approver reads it


KINDS: dict[str, ExportSpec] = {
    ExportType.PAYMENT_ROLL: ExportSpec(
        "资金发放名册", ("csv", "xlsx"), P.PAYMENTS_EXPORT, "户主姓名、银行账号、救助金额"
    ),
    ExportType.HOUSEHOLD_REPORT: ExportSpec(
        "家庭经济状况核对报告",
        ("pdf",),
        P.VERIFICATION_REPORT_READ,
        "家庭成员的部门核对记录（收入、财产、死亡、服刑等）",
    ),
    ExportType.APPLICATION_REPORT: ExportSpec(
        "申请的核对报告", ("pdf",), P.VERIFICATION_REPORT_READ, "申请人及家庭成员的部门核对记录"
    ),
    ExportType.CASE_DOCUMENTS: ExportSpec(
        "案件材料打包", ("zip",), P.ASSISTANCE_DOCUMENTS, "申请人上传的证件和证明材料"
    ),
    ExportType.IMPORT_ERRORS: ExportSpec(
        "部门数据错误行", ("csv",), P.VERIFICATION_IMPORT, "被拒绝的部门数据行（含身份证号码）"
    ),
}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel", "pdf": "PDF", "zip": "ZIP"}
STATUS_LABELS = {
    Status.REQUESTED: "待审批",
    Status.APPROVED: "已批准，可下载",
    Status.REJECTED: "未批准",
    Status.CANCELLED: "已撤回",
    Status.USED: "下载次数已用完",
    Status.EXPIRED: "已过期",
}


class ExportError(DomainError):
    """A move the rules refuse: a conflict (wrong state), forbidden (wrong person) or invalid input."""


def check_request(kind: str, fmt: str, reason: str, role: str | None) -> ExportSpec:
    """What a request names must exist, and its requester must hold the kind's own permission."""
    spec = KINDS.get(kind)
    if spec is None or fmt not in spec.formats:
        raise ExportError("export.kind", Kind.INVALID, field="kind")
    if not reason.strip() or len(reason.strip()) > REASON_MAX:
        raise ExportError("export.reason", Kind.INVALID, field="reason")
    if not allows(role, spec.permission):
        raise ExportError("error.forbidden", Kind.FORBIDDEN)
    return spec


def transition(current: str, action: Action, who: Who) -> Status:
    allowed = TRANSITIONS.get((Status(current), action))
    if allowed is None:
        raise ExportError("export.state", Kind.CONFLICT)
    to, needed = allowed
    if needed != who:
        raise ExportError("error.forbidden", Kind.FORBIDDEN)
    return to


def decide(current: str, approve: bool, opinion: str, approver_id: str | None, requester_id: str) -> Status:
    """A second person decides: never the requester; a rejection says why."""
    if approver_id is None or approver_id == requester_id:
        raise ExportError("export.self", Kind.FORBIDDEN)
    if not approve and not opinion.strip():
        raise ExportError("export.opinion", Kind.INVALID, field="opinion")
    return transition(current, Action.APPROVE if approve else Action.REJECT, Who.APPROVER)


def expires_at(approved_at: datetime, hours: int) -> datetime:
    return approved_at + timedelta(hours=hours)


def may_download(
    status: str, requester_id: str, actor_id: str | None, now: datetime, expires: datetime | None
) -> None:
    """Only the requester, only an approved export, only before it expires."""
    if actor_id != requester_id:
        raise ExportError("export.not_yours", Kind.FORBIDDEN)
    if status == Status.APPROVED and expires is not None and now >= expires:
        raise ExportError("export.expired", Kind.CONFLICT)
    transition(status, Action.DOWNLOAD, Who.REQUESTER)


def after_download(downloads: int, allowed: int) -> Status:
    """Still approved until the last allowed download, then used up."""
    return Status.USED if downloads >= allowed else Status.APPROVED
