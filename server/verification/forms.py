"""What the verification center's pages ask and what their requests carry: one typed struct per
form (``FormOf``/``UploadOf`` in the routes), the department API's JSON body, and the ``Field``
definitions the templates render, with their options taken from ``rules`` and ``sources``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.datastructures import UploadFile

from server.errors import DomainError, Kind
from server.forms import Field, many
from server.verification import rules
from server.verification.sources import SOURCES

FILE_TYPES = (".csv", ".xlsx", ".txt")

# ------------------------------------------------------------------ the questions, once

SOURCE = Field(
    "source",
    "数据源",
    "select",
    options={code: f"{s.label}（{s.department}）" for code, s in SOURCES.items()},
)
MODE = Field(
    "mode", "导入方式", "select", required=False, options=rules.MODE_LABELS, placeholder="按数据源默认"
)
FILE = Field("file", "文件", "file", accept=".csv,.xlsx,text/csv")
UPLOAD_FIELDS = {f.name: f for f in (SOURCE, MODE, FILE)}

ROLLBACK_REASON = Field("reason", "回滚原因")

DECISION = Field("decision", "核实结果", "radios", options=rules.DECISION_LABELS)
ACTION = Field("action", "处理方式（经社会救助流程）", "select")  # options: the household's (see below)
WARNING_REASON = Field("reason", "意见和理由", "textarea")
WARNING_FIELDS = {f.name: f for f in (DECISION, ACTION, WARNING_REASON)}

REVIEW_TITLE = Field("title", "名称", required=False, maxlength=100, placeholder="如：2026 年下半年复核")
REVIEW_REGION = Field("region_code", "地区", "select")  # options: the officer's regions

OUTCOME = Field("outcome", "对选中的家庭", "select")  # options: the proposal's, and keeping
BULK_REASON = Field("reason", "意见")
PROCESS_FIELDS = {f.name: f for f in (OUTCOME, BULK_REASON)}

# the filters of the list pages (GET): an empty choice means all
SOURCE_FILTER = Field(
    "source",
    "数据源",
    "select",
    required=False,
    options={c: s.label for c, s in SOURCES.items()},
    placeholder="全部",
)
RULE_FILTER = Field(
    "rule",
    "规则",
    "select",
    required=False,
    options={c: r.label for c, r in rules.RULES.items()},
    placeholder="全部",
)
STATUS_FILTER = Field(
    "status", "状态", "select", required=False, options=rules.STATUS_LABELS, placeholder="全部"
)
REGION_FILTER = Field("region", "地区", "select", required=False, placeholder="全部")


def action_options(has_enrolment: bool) -> dict[str, str]:
    """What confirming may do: act on the benefit only when the warning has one."""
    return {
        code: label
        for code, label in rules.ACTION_LABELS.items()
        if has_enrolment or code == rules.WarningAction.NONE
    }


def outcome_options(proposal: str) -> dict[str, str]:
    """For the households a review proposes to cancel (or adjust): do it, or keep them."""
    first = "取消救助" if proposal == rules.Proposal.CANCEL else "按规则重新核算"
    return {proposal: first, "keep": "核实后维持"}


def region_options(regions) -> dict[str, str]:
    return {r.code: r.name for r in regions}


# ------------------------------------------------------------------ the requests


@dataclass
class UploadForm:
    """A department file a city officer uploads (multipart)."""

    source: str = ""
    mode: str = ""
    file: UploadFile | None = None

    def values(self) -> dict[str, str]:
        return {"source": self.source, "mode": self.mode}

    def clean(self) -> tuple[str, str]:
        """The source and the file's channel (csv or xlsx), or the first problem, on its field."""
        if self.source not in SOURCES:
            raise DomainError("verification.source", Kind.INVALID, field="source")
        if self.file is None or not hasattr(self.file, "read"):
            raise DomainError("verification.file", Kind.INVALID, field="file")
        name = (self.file.filename or "").lower()
        if not name.endswith(FILE_TYPES):
            raise DomainError("verification.file_type", Kind.INVALID, field="file")
        return self.source, "xlsx" if name.endswith(".xlsx") else "csv"


@dataclass
class RollbackForm:
    reason: str = ""


@dataclass
class WarningForm:
    """A clerk's decision on a warning (checked by ``rules.warning_decision``)."""

    decision: str = ""
    action: str = ""
    reason: str = ""


@dataclass
class MatchForm:
    decision: str = ""

    def confirm(self) -> bool:
        if self.decision not in tuple(rules.MatchDecision):
            raise DomainError("verification.action", Kind.INVALID, field="decision")
        return self.decision == rules.MatchDecision.CONFIRM


@dataclass
class ReviewForm:
    title: str = ""
    region_code: str = ""


@dataclass
class ProcessForm:
    """The households ticked on a review's page and what to do with them."""

    item: list[str] | str | None = None
    proposal: str = ""
    outcome: str = ""
    reason: str = ""

    def item_ids(self) -> list[int]:
        ids = [int(x) for x in many(self.item) if x.isdigit()]
        if not ids:
            raise DomainError("verification.none_chosen", Kind.INVALID, field="item")
        return ids

    def shown_proposal(self) -> str:
        """The list the officer came from, to return to."""
        return self.proposal or rules.Proposal.CANCEL.value


@dataclass
class PushBody:
    """``POST /api/verification/<source>``: the rows, in the standard's field names, and
    optionally the mode (``append`` or ``replace``; otherwise the source's default)."""

    rows: list[Any]
    mode: Any = None  # anything but "append" or "replace" means the source's default

    def clean(self, max_rows: int) -> list[Any]:
        if not self.rows:
            raise DomainError("verification.api_body", Kind.BAD_REQUEST)
        if len(self.rows) > max_rows:
            raise DomainError("verification.api_too_many", Kind.TOO_LARGE)
        return self.rows
