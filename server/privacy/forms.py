"""What the notice and consent forms carry, and the questions they render."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import UploadFile

from server.forms import Field


@dataclass
class AgreeForm:
    """A citizen's own consent: the box must be ticked."""

    agree: str = ""


@dataclass
class GuardianForm:
    member: str = ""  # the minor's identity hash, as the application lists them
    agree: str = ""


@dataclass
class WithdrawForm:
    confirm: str = ""


@dataclass
class PaperForm:
    scan: UploadFile | None = None
    agree: str = ""


READ_FIELD = Field(
    "agree",
    "我已阅读以上告知，并同意民政部门核对我本人的家庭经济状况",
    kind="checkbox",
)
MEMBER_AGREE_FIELD = Field(
    "agree",
    "我已阅读以上告知，同意民政部门为这份申请核对我本人的收入和财产状况",
    kind="checkbox",
)
GUARDIAN_FIELD = Field("agree", "我是该未成年人的监护人，同意为这份申请核对其信息", kind="checkbox")
WITHDRAW_FIELD = Field("confirm", "我明白撤回的后果，确定撤回同意", kind="checkbox")
SCAN_FIELD = Field(
    "scan",
    "签名的授权书照片",
    kind="file",
    accept="image/jpeg,image/png",
    hint="本人签名；不满18周岁的，还须监护人签名",
)
PAPER_FIELD = Field("agree", "我已核对签名人的身份证件，授权书由本人（及监护人）签署", kind="checkbox")
