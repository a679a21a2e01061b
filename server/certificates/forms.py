"""What the certificate pages ask and what their requests carry: one typed struct per form, and the
``Field`` definitions the templates render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.errors import DomainError, Kind
from server.forms import Field

# --- a citizen's request ---------------------------------------------------------------------------
COMMUNITY = Field("community", "居住的社区（村）", "select")
ADDRESS = Field("address", "详细地址", maxlength=200, autocomplete="street-address")
SINCE = Field("since", "从哪天起住在这里", "date")
PURPOSE = Field("purpose", "用途", hint="例如：子女入学", maxlength=100)
REQUEST_FIELDS = {f.name: f for f in (COMMUNITY, ADDRESS, SINCE, PURPOSE)}


@dataclass
class RequestForm:
    community: str = ""
    address: str = ""
    since: str = ""
    purpose: str = ""
    notice: str = ""  # the version of the privacy notice the page showed (server/privacy/notice.py)

    def values(self) -> dict[str, str]:
        return dict(vars(self))

    def since_date(self) -> date:
        try:
            return date.fromisoformat(self.since)
        except ValueError:
            raise DomainError("certificate.since", Kind.INVALID, field="since") from None


# --- the counter's decisions -----------------------------------------------------------------------
EVIDENCE = Field("evidence", "核实依据（户籍、租房登记、走访）", "textarea")
REJECT_REASON = Field("reason", "不予出具的原因")
REVOKE_REASON = Field("reason", "作废原因")
REISSUE_REASON = Field("reason", "重新出具的原因（原证明随之作废）")
LOOKUP = Field("q", "全市通办：按身份证号码查找", required=False, autocomplete="off")


@dataclass
class IssueForm:
    evidence: str = ""


@dataclass
class ReasonForm:
    """Why a request is refused, or a certificate revoked or reissued."""

    reason: str = ""
