"""Pre-checks at submission (事前防范) and the workflow's steps and time limits, as plain functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.accounts.permissions import P
from server.calendar.days import Calendar

# step -> (who acts, working days allowed); notice is counted in calendar days
STEPS = ("community", "street", "district", "notice")
# step -> the permission that decides it (server/accounts/permissions.py says which roles hold it)
STEP_PERMISSIONS = {
    "community": P.ASSISTANCE_ACT_COMMUNITY,
    "street": P.ASSISTANCE_ACT_STREET,
    "district": P.ASSISTANCE_ACT_DISTRICT,
    "notice": P.ASSISTANCE_ACT_DISTRICT,
}
STEP_LABELS = {
    "draft": "填写中",
    "community": "社区受理",
    "street": "街道审核",
    "district": "区县审批",
    "notice": "公示",
    "enrolled": "已纳入救助",
    "returned": "退回修改",
    "terminated": "已终止",
    "paid": "已发放",
}
STEP_DAYS = {"community": 5, "street": 10, "district": 7}
NOTICE_DAYS = 7
TOTAL_DAYS = {"dibao": 25, "tekun": 25, "linshi": 10, "yiliao": 15}
NEXT_STEP = {"community": "street", "street": "district", "district": "notice", "notice": "enrolled"}


@dataclass(frozen=True)
class Finding:
    code: str
    detail: str = ""


def prechecks(
    *,
    benefit: str,
    hukou_in_city: bool,
    applicant_age: int,
    applicant_disability: int | None,
    already_receiving: list[str],
) -> list[Finding]:
    """What the applicant is told before submitting, and staff see on the case."""
    found = []
    if not hukou_in_city:
        found.append(Finding("precheck.hukou"))
    if benefit == "tekun" and not (
        applicant_age >= 60 or applicant_age < 16 or applicant_disability in (1, 2)
    ):
        found.append(Finding("precheck.age_tekun", str(applicant_age)))
    for name in already_receiving:
        found.append(Finding("precheck.duplicate", name))
    return found


def step_due(calendar: Calendar, step: str, started: date) -> date:
    if step == "notice":
        from datetime import timedelta

        return started + timedelta(days=NOTICE_DAYS)
    return calendar.add_working_days(started, STEP_DAYS.get(step, 5))


def total_due(calendar: Calendar, benefit: str, submitted: date) -> date:
    return calendar.add_working_days(submitted, TOTAL_DAYS.get(benefit, 25))


def overdue(today: date, step_due_on: date | None, total_due_on: date | None) -> bool:
    return bool((step_due_on and today > step_due_on) or (total_due_on and today > total_due_on))


def mask_name(name: str) -> str:
    """For the public notice: 张建国 -> 张*国, 李丽 -> 李*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
