"""What the survival pages ask and what their requests carry: the reviewer's verdict, a reference
photo (uploaded, or chosen from an application's documents) and the capture's frames."""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from datetime import date

from litestar.datastructures import UploadFile

from server.errors import DomainError, Kind
from server.forms import Field, text, ticked
from server.survival import rules

NOTE = Field("note", "审核意见（不通过时必填）", required=False, maxlength=2000)
PHOTO = Field(
    "photo", "上传或拍摄本人正面照片", kind="file", accept="image/jpeg,image/png,image/webp", capture="user"
)
REVIEW_FIELDS = {NOTE.name: NOTE}
REFERENCE_FIELDS = {PHOTO.name: PHOTO}
OPINION = Field(
    "note", "复核意见", kind="textarea", maxlength=2000, hint="通过或不通过都请写明理由，本人会看到。"
)
REQUESTED_REVIEW_FIELDS = {OPINION.name: OPINION}

# the recipient's request that a person review a failed check
REQUEST_NOTE = Field(
    "note",
    "想对审核人员说的话",
    kind="textarea",
    required=False,
    maxlength=500,
    hint="例如：当时光线不好，或者我戴着眼镜。",
)
REQUEST_FIELDS = {REQUEST_NOTE.name: REQUEST_NOTE}


@dataclass
class ReviewRequestForm:
    note: str = ""

    def clean(self) -> str:
        return text(self.note, 500)


# a worker's in-person proof of life
IN_PERSON_METHODS = {
    rules.InPersonMethod.HOME: "上门认证",
    rules.InPersonMethod.COUNTER: "窗口认证",
    rules.InPersonMethod.VIDEO: "工作人员视频连线",
}
IN_PERSON_FIELDS = {
    f.name: f
    for f in (
        Field("proved_on", "认证日期", kind="date"),
        Field("method", "认证方式", kind="radios", options=IN_PERSON_METHODS),
        Field(
            "note",
            "认证情况",
            kind="textarea",
            maxlength=500,
            hint="见到本人的情况，例如：本人在家，精神状况良好。",
        ),
        Field("witness", "在场证明人", required=False, maxlength=50, hint="例如：家属或社区网格员的姓名。"),
    )
}


@dataclass
class InPersonForm:
    proved_on: str = ""
    method: str = ""
    note: str = ""
    witness: str = ""

    def clean(self) -> dict:
        """The proof as the service takes it (``proved_on`` None when it is not a date)."""
        try:
            proved_on: date | None = date.fromisoformat(self.proved_on.strip())
        except ValueError:
            proved_on = None
        return {
            "proved_on": proved_on,
            "method": self.method.strip(),
            "note": text(self.note, 500),
            "witness": text(self.witness, 50),
        }

    def values(self) -> dict[str, str]:
        return {
            "proved_on": self.proved_on,
            "method": self.method,
            "note": self.note,
            "witness": self.witness,
        }


# consent to a reference face: the person's own in the app, or recorded by a worker
AGREE = Field("agree", "我已阅读以上说明，同意采集和使用我的人脸信息用于生存认证", kind="checkbox")
AGREE_FIELDS = {AGREE.name: AGREE}


@dataclass
class AgreeForm:
    agree: str = ""

    def clean(self) -> None:
        if not ticked(self.agree):
            raise DomainError("survival.consent_agree", Kind.INVALID, field="agree")


CONSENT_BASES = {
    rules.ConsentBasis.PAPER: "本人签署的书面同意书",
    rules.ConsentBasis.GUARDIAN: "监护人同意（不满14周岁必须）",
    rules.ConsentBasis.LEGAL: "法定依据（写明所依据的文件）",
}
CONSENT_FIELDS = {
    f.name: f
    for f in (
        Field("basis", "采集依据", kind="radios", options=CONSENT_BASES),
        Field("guardian", "监护人姓名", required=False, maxlength=50, hint="监护人同意时填写。"),
        Field(
            "document",
            "同意书编号或法定依据",
            kind="textarea",
            maxlength=500,
            hint="书面同意书的编号和存放位置，或所依据的法律法规、文件名称和条款。",
        ),
    )
}


@dataclass
class ConsentForm:
    basis: str = ""
    guardian: str = ""
    document: str = ""

    def clean(self) -> dict:
        return {
            "basis": self.basis.strip(),
            "guardian": text(self.guardian, 50),
            "document": text(self.document, 500),
        }

    def values(self) -> dict[str, str]:
        return {"basis": self.basis, "guardian": self.guardian, "document": self.document}


@dataclass
class ReviewForm:
    """The reviewer's decision: the button pressed (``verdict``) and the note."""

    verdict: str = ""
    note: str = ""

    def clean(self) -> tuple[rules.CheckAction, str]:
        return rules.review_action(self.verdict), text(self.note)


@dataclass
class ReferenceUpload:
    photo: UploadFile | None = None

    async def read(self) -> bytes:
        return await self.photo.read() if self.photo is not None else b""


@dataclass
class DocumentChoice:
    """An application's document chosen as the reference photo."""

    document_id: str = ""

    def clean(self) -> int:
        """The document's id, or 0 (found nowhere) for anything that is not one."""
        raw = self.document_id.strip()
        return int(raw) if raw.isdigit() and len(raw) < 18 else 0


# The capture page sends ``nonce`` and ``frame0`` .. ``frameN``; one more field than a capture may
# carry (``frame{2 * MAX_FRAMES}``) so that an over-long upload is refused rather than cut short.
FRAME_FIELDS = tuple(f"frame{n}" for n in range(rules.MAX_FRAMES * 2 + 1))
CaptureUpload = make_dataclass(
    "CaptureUpload",
    [("nonce", str, field(default=""))]
    + [(name, UploadFile | None, field(default=None)) for name in FRAME_FIELDS],
)
CaptureUpload.__doc__ = "A capture: the challenge's nonce and its frames, in order."
