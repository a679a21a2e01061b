"""Demo data for the verification center: a death record, a car and a record without an ID for
demo recipients, loaded through the same path as a department's push, so the demo shows warnings,
a possible match and two versions of the data."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.audit.service import Actor
from server.people import idcard
from server.verification import imports_service as loader
from server.verification.sources import SOURCES

DEPARTMENT = Actor("system", "demo", "接口：市公安局人口系统（演示）", "api_client", "331100")


def _id(first17: str) -> str:
    return first17 + idcard.check_char(first17)


BATCHES = {
    "deaths": [
        {
            "id_number": _id("33110219440105003"),
            "name": "赵德福",
            "death_date": "2026-09-18",
            "kind": "cremation",
        },
        {"id_number": "", "name": "徐 金花", "birth_date": "1950-07-17", "death_date": "2026-10-02"},
    ],
    "vehicles": [
        {
            "id_number": _id("33110219880506002"),
            "name": "李秀英",
            "plate": "浙K8A123",
            "kind": "car",
            "value": "86000",
        },
        {
            "id_number": _id("33110219580921002"),
            "name": "王桂兰",
            "plate": "浙K残0021",
            "kind": "disability",
            "value": "9000",
        },
    ],
}


async def seed(session: AsyncSession, secret: str, today: date | None = None) -> None:
    settings = SimpleNamespace(secret_key=secret, var_dir=Path(tempfile.gettempdir()) / "huimin-demo")
    today = today or clock.today()
    for source, rows in BATCHES.items():
        imp = await loader.new_import(
            session, DEPARTMENT, SOURCES[source], channel="api", filename=None, stored_name=None
        )
        await loader.load_rows(session, settings, imp, loader.read_json(rows, SOURCES[source]), today)
        await loader.finish_import(session, DEPARTMENT, imp, today)
