"""Helpers for the social-assistance tests: a citizen fills in an application as a browser would."""

from __future__ import annotations

import re

from server.people.idcard import check_char
from tests.support import citizen_login, post_form, sql

APPLICANT = ("孙丽华", "33110219800214002")
MEMBER = ("孙小宝", "33110220160301003")
# 孙丽华's own account: she is not on the register, so she binds her name and number to apply
# (a citizen applies only as the identity bound to the account)
APPLICANT_PHONE = "13600000002"


def id_of(first17: str) -> str:
    return first17 + check_char(first17)


ANSWERS = {
    "applicant": {
        "name": APPLICANT[0],
        "id_number": id_of(APPLICANT[1]),
        "phone": "13800000002",
        "bank_account": "6222 0202 0011 2233 445",
    },
    "hukou": {"hukou": "331102"},
    "address": {"community": "331102001001", "address": "天宁社区 解放街 20 号"},
    "health": {"disability_grade": "", "employment": "unemployed"},
    "income": {"wages": "500", "pension": "0", "business": "0", "farming": "0", "transfer": "0"},
    "assets": {"deposits": "3000", "extra_housing": "0", "vehicles": "0"},
    "need": {"reason": "离异后独自抚养孩子，收入很低。"},
    "consent": {"agree": "on", "signer": APPLICANT[0]},
}


def idem(page_html: str) -> str:
    return re.search(r'name="idem" value="([0-9a-f]+)"', page_html).group(1)


def start(client, benefit: str = "dibao") -> str:
    page = client.get("/apply")
    key = re.search(r'name="key" value="([0-9a-f]+)-', page.text).group(1)
    created = post_form(
        client, "/apply", {"benefit": benefit, "key": f"{key}-{benefit}"}, follow_redirects=False
    )
    assert created.status_code == 303, created.text
    reference = created.headers["location"].split("/")[2]
    assert created.headers["location"].endswith("/privacy"), "the notice comes before any question"
    agreed = post_form(client, f"/apply/{reference}/privacy", {"agree": "on"}, follow_redirects=False)
    assert agreed.status_code == 303, agreed.text
    return reference


def consent_as_guardian(client, reference: str, page: str = "check") -> None:
    """The applicant consents, as guardian, for each minor child the page offers it for."""
    html = client.get(f"/apply/{reference}/{page}" if page == "check" else f"/apply/{reference}").text
    for member in re.findall(r'name="member" value="([0-9a-f]+)"', html):
        done = post_form(
            client, f"/apply/{reference}/guardian", {"member": member, "agree": "on"}, follow_redirects=False
        )
        assert done.status_code == 303, done.text


def answer(client, reference: str, step: str, data: dict, **kw):
    page = client.get(f"/apply/{reference}/{step}")
    assert page.status_code == 200, (step, page.status_code, page.text[-400:])
    return post_form(
        client, f"/apply/{reference}/{step}", {**data, "idem": idem(page.text)}, follow_redirects=False, **kw
    )


def bind_applicant(client, settings, phone: str = APPLICANT_PHONE) -> None:
    """The signed-in account bound to 孙丽华, unless it has an identity already."""
    if not sql(settings, "SELECT identity_level FROM citizens WHERE phone = :p", p=phone)[0][0]:
        bound = post_form(
            client,
            "/me/identity",
            {"name": APPLICANT[0], "id_number": id_of(APPLICANT[1])},
            follow_redirects=False,
        )
        assert bound.status_code == 303, bound.text


def apply_fully(
    client, settings, benefit: str = "dibao", phone: str = APPLICANT_PHONE, with_member: bool = True
) -> str:
    citizen_login(client, settings, phone)
    bind_applicant(client, settings, phone)
    reference = start(client, benefit)
    for step, data in ANSWERS.items():
        assert answer(client, reference, step, data).status_code == 303, step
        if step == "address" and with_member:
            member = {
                "name": MEMBER[0],
                "id_number": id_of(MEMBER[1]),
                "relationship": "child",
                "employment": "student",
                "schooling": "天宁小学三年级",
            }
            assert answer(client, reference, "members", member).status_code == 303
    consent_as_guardian(client, reference)
    check = client.get(f"/apply/{reference}/check")
    submitted = post_form(
        client, f"/apply/{reference}/submit", {"idem": idem(check.text)}, follow_redirects=False
    )
    assert submitted.status_code == 303, submitted.text
    return reference


def status_of(settings, reference: str) -> str:
    return sql(settings, "SELECT status FROM assistance_applications WHERE reference = :r", r=reference)[0][0]
