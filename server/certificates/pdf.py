"""The certificate as an A4 PDF with embedded Chinese text, the drawn seal and the QR code, then
signed PAdES (pyHanko) by the community's certificate."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

# TrueType CJK fonts that can be embedded (Debian: fonts-wqy-microhei / fonts-wqy-zenhei / fonts-arphic-uming)
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]


def cjk_font_path() -> str | None:
    configured = os.environ.get("HUIMIN_CJK_FONT")
    for path in ([configured] if configured else []) + FONT_CANDIDATES:
        if path and Path(path).exists():
            return path
    return None


def register_cjk_font() -> tuple[str, bool]:
    """The font to write with, and whether it is embedded. Without an installed TrueType CJK font the
    PDF falls back to the standard STSong CID font, which every PDF reader shows but does not embed."""
    path = cjk_font_path()
    if path:
        if "HuiminCJK" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("HuiminCJK", path, subfontIndex=0))
        return "HuiminCJK", True
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light", False


@dataclass(frozen=True)
class Content:
    holder: str
    id_masked: str
    address: str
    resident_since: date
    purpose: str
    issued_on: date
    valid_until: date
    serial: str
    code: str
    community: str
    city: str
    qr_text: str


def render(content: Content, seal_png: bytes) -> bytes:
    font, _ = register_cjk_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"居住证明 {content.serial}")
    pdf.setAuthor(content.community)
    width, height = A4
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 40 * mm, "居 住 证 明")
    pdf.setFont(font, 10)
    pdf.drawRightString(width - 25 * mm, height - 50 * mm, f"编号：{content.serial}")
    pdf.setFont(font, 14)
    lines = [
        f"兹证明 {content.holder}（公民身份号码：{content.id_masked}），",
        f"自 {content.resident_since:%Y年%m月%d日} 起居住在 {content.address}，",
        "至今已实际居住，情况属实。",
        f"此证明用于：{content.purpose}。",
    ]
    y = height - 75 * mm
    for line in lines:
        pdf.drawString(30 * mm, y, line)
        y -= 11 * mm
    pdf.setFont(font, 12)
    pdf.drawString(30 * mm, y - 6 * mm, f"有效期至：{content.valid_until:%Y年%m月%d日}")
    pdf.drawString(30 * mm, y - 14 * mm, f"核验码：{content.code}　扫描右下角二维码或访问核验页面核验真伪")
    pdf.setFont(font, 14)
    pdf.drawRightString(width - 30 * mm, 95 * mm, content.community)
    pdf.drawRightString(width - 30 * mm, 85 * mm, f"{content.issued_on:%Y年%m月%d日}")
    pdf.drawImage(ImageReader(io.BytesIO(seal_png)), width - 85 * mm, 70 * mm, 45 * mm, 45 * mm, mask="auto")
    qr = io.BytesIO()
    segno.make(content.qr_text, error="l").save(qr, kind="png", scale=8, border=4)
    pdf.drawImage(ImageReader(io.BytesIO(qr.getvalue())), 22 * mm, 24 * mm, 52 * mm, 52 * mm)
    pdf.setFont(font, 9)
    pdf.drawString(25 * mm, 20 * mm, f"{content.city}民政局 · 全市通办 · 本证明经电子签章，修改后签章失效")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


async def sign_pdf(pdf: bytes, key, cert, root_cert, reason: str) -> bytes:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1_cert(c):
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    signing_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert(cert),
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(root_cert)]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="CommunitySeal",
        reason=reason,
        location="中国",
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = await signers.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()
