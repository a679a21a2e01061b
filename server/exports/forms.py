"""The export forms: a request (what, which format, why) and a second person's decision."""

from __future__ import annotations

from dataclasses import dataclass

from server.exports.rules import FORMAT_LABELS, REASON_MAX
from server.forms import Field


@dataclass
class AskForm:
    kind: str = ""
    subject: str = ""
    format: str = ""
    reason: str = ""


@dataclass
class DecisionForm:
    decision: str = ""  # approve | reject
    opinion: str = ""

    @property
    def approve(self) -> bool:
        return self.decision == "approve"


DECISIONS = {"approve": "批准导出", "reject": "不批准"}
FORMAT_FIELD = Field("format", "文件格式", kind="select", options=FORMAT_LABELS)
REASON_FIELD = Field(
    "reason",
    "导出理由",
    kind="textarea",
    hint="说明用途，例如：报送银行代发；审批人据此决定是否批准",
    maxlength=REASON_MAX,
)
DECISION_FIELD = Field("decision", "审批结果", kind="radios", options=DECISIONS)
OPINION_FIELD = Field("opinion", "审批意见", kind="textarea", required=False, hint="不批准时必须填写理由")
