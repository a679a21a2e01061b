"""The citizen's copy of their information: the same data as the ``/me/data`` page, with today's
benefit calculations, as JSON (complete, machine-readable) and as a PDF; every download audited."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.accounts.models import Citizen
from server.assistance.households_service import current_calculation
from server.assistance.service import calculation_json
from server.audit.service import Actor, record
from server.certificates.pdf import register_cjk_font
from server.rights import i18n, queries

FORMAT_VERSION = 1


async def everything(session: AsyncSession, citizen: Citizen, today: date) -> dict[str, Any]:
    """What the platform holds about the account and its person, with each monthly benefit's
    calculation as of today (line by line: how the amount is made up)."""
    data = await queries.holdings(session, citizen)
    person = await queries.person_of(session, citizen)
    enrolments = await queries.own_enrolments(session, await queries.household_ids(session, person))
    by_id = {e.id: e for e in enrolments}
    for entry in data["enrolments"]:
        enrolment = by_id[entry["id"]]
        result = (
            await current_calculation(session, enrolment, today) if enrolment.status != "stopped" else None
        )
        entry["calculation"] = calculation_json(result) if result is not None else None
    return data


def as_json(data: dict[str, Any], now: datetime) -> bytes:
    document = {
        "format": "huimin.personal-data",
        "version": FORMAT_VERSION,
        "generated_at": now.isoformat(),
        **data,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(
            f"{i18n.FIELDS.get(k, k)}：{_value(v)}" for k, v in value.items() if v not in (None, [], {})
        )
    if isinstance(value, list):
        return " / ".join(_value(v) for v in value) or "—"
    return str(value)


def _wrap(text: str, width: int) -> list[str]:
    lines = []
    for paragraph in text.splitlines() or [""]:
        while len(paragraph) > width:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
        lines.append(paragraph)
    return lines


def as_pdf(data: dict[str, Any], now: datetime) -> bytes:
    """An A4 document: a title with the person's name, then each section's records, one per line
    (wrapped), fields named in Chinese."""
    font, _ = register_cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    who = (data.get("person") or {}).get("name") or data["account"].get("name") or data["account"]["phone"]
    pdf.setTitle(f"个人信息副本 {who}")
    pdf.setAuthor("惠民")
    width, height = A4
    y = height - 20 * mm

    def line(text: str, size: int = 9, gap: float = 5 * mm) -> None:
        nonlocal y
        if y < 20 * mm:
            pdf.showPage()
            y = height - 20 * mm
        pdf.setFont(font, size)
        pdf.drawString(18 * mm, y, text)
        y -= gap

    line(f"个人信息副本：{who}", 16, 9 * mm)
    line(f"生成时间：{clock.local(now, '%Y-%m-%d %H:%M')}　（身份证号码只显示部分）", 9, 8 * mm)
    for key, title in i18n.SECTIONS.items():
        value = data.get(key)
        line(title, 12, 7 * mm)
        items = value if isinstance(value, list) else [value] if value else []
        if isinstance(value, dict) and key == "survival":
            items = ([{"schedule": value["schedule"]}] if value["schedule"] else []) + value["checks"]
        if not items:
            line("没有记录。")
        for item in items:
            for piece in _wrap(_value(item), 52):
                line(piece)
        y -= 2 * mm
    pdf.save()
    return buffer.getvalue()


async def record_download(session: AsyncSession, actor: Actor, citizen: Citizen, fmt: str) -> None:
    """A download of the citizen's copy (JSON or PDF), in the audit trail."""
    await record(session, actor, f"rights.download.{fmt}", "citizen", citizen.id, after={"format": fmt})
