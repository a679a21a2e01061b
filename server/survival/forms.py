"""What the survival pages ask and what their requests carry: the reviewer's verdict, a reference
photo (uploaded, or chosen from an application's documents) and the capture's frames."""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass

from litestar.datastructures import UploadFile

from server.forms import Field, text
from server.survival import rules

NOTE = Field("note", "审核意见（不通过时必填）", required=False, maxlength=2000)
PHOTO = Field(
    "photo", "上传或拍摄本人正面照片", kind="file", accept="image/jpeg,image/png,image/webp", capture="user"
)
REVIEW_FIELDS = {NOTE.name: NOTE}
REFERENCE_FIELDS = {PHOTO.name: PHOTO}


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
