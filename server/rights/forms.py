"""What the rights pages ask and what their requests carry."""

from __future__ import annotations

from dataclasses import dataclass

from server.forms import Field
from server.rights.i18n import KINDS

# --- a citizen's request ---------------------------------------------------------------------------
KIND = Field("kind", "请求类别", "radios", options=KINDS)
DESCRIPTION = Field(
    "description",
    "请求内容",
    "textarea",
    required=False,  # an explanation of a named decision needs no text; the others do (service)
    hint="请写明要更正或删除哪项信息、希望怎样处理，或想了解什么。",
    maxlength=2000,
)
REQUEST_FIELDS = {f.name: f for f in (KIND, DESCRIPTION)}


@dataclass
class RequestForm:
    kind: str = ""
    description: str = ""
    about: str = ""  # hidden: the decision an explanation concerns

    def values(self) -> dict[str, str]:
        return dict(vars(self))


# --- cancelling the account ----------------------------------------------------------------------
CONFIRM = Field("confirm", "我已了解注销的后果，确认注销账号", "checkbox")


@dataclass
class CancelForm:
    confirm: str = ""


# --- staff handling a request --------------------------------------------------------------------
ACTIONS = {"start": "开始办理", "answer": "答复", "refuse": "不予办理（写明理由）"}
ACTION = Field("action", "处理", "radios", options=ACTIONS)
ANSWER = Field("answer", "答复或不予办理的理由", "textarea", required=False, maxlength=2000)
HANDLE_FIELDS = {f.name: f for f in (ACTION, ANSWER)}
STATUS_FILTER = Field(
    "status",
    "状态",
    "select",
    required=False,
    placeholder="全部",
    options={"received": "已收到", "in_progress": "办理中", "answered": "已答复", "refused": "不予办理"},
)


@dataclass
class HandleForm:
    action: str = ""
    answer: str = ""

    def values(self) -> dict[str, str]:
        return dict(vars(self))
