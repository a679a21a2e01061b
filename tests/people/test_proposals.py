"""A second person before money stops (#23): suspending, stopping or recording a death is proposed
by one person (or the system) and decided by another; only then does the benefit change, and the
household is told. Real database, real pages."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from server.audit.service import SYSTEM
from tests.people.support import DISTRICT, STREET, decide_waiting, waiting
from tests.support import in_db, post_form, sql, staff_login

ROOT = Path(__file__).resolve().parents[2]


def as_staff(client, username):
    post_form(client, "/office/logout")
    assert staff_login(client, username).status_code == 303


def status_of(settings, enrolment_id: int) -> str:
    return sql(settings, "SELECT status FROM enrolments WHERE id = :i", i=enrolment_id)[0][0]


def proposal_id(settings, enrolment_id: int, action: str) -> int:
    return sql(
        settings,
        "SELECT id FROM status_proposals WHERE enrolment_id = :e AND action = :a ORDER BY id DESC LIMIT 1",
        e=enrolment_id,
        a=action,
    )[0][0]


def decide(client, pid: int, decision: str, opinion: str = "已入户核实", route: str = "decide"):
    return post_form(
        client,
        f"/office/proposals/{pid}/{route}",
        {"decision": decision, "opinion": opinion},
        follow_redirects=False,
    )


# ------------------------------------------------------------------------------ the one path


def test_only_the_approval_path_suspends_or_stops_a_benefit():
    """Every ``change_status`` call in server/ outside the proposal service resumes (literal
    "active"); suspending and stopping go through an approved proposal."""
    offenders = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ("server/assistance/proposals_service.py", "server/people/enrolments.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name != "change_status":
                continue
            status = node.args[3] if len(node.args) > 3 else None
            if not (isinstance(status, ast.Constant) and status.value == "active"):
                offenders.append(f"{rel}:{node.lineno}")
    assert not offenders, "suspend/stop only through proposals_service.decide: " + ", ".join(offenders)


def test_only_the_approval_path_records_a_death():
    """``record_death`` (marks a member deceased, recalculates) is called by the proposal service only,
    and no service sets ``deceased_on`` but that one."""
    callers, setters = [], []
    for path in sorted((ROOT / "server").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "record_death":
                callers.append(rel)
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for leaf in ast.walk(t):
                        if isinstance(leaf, ast.Attribute) and leaf.attr == "deceased_on":
                            setters.append(rel)
    assert set(callers) == {"server/assistance/proposals_service.py"}
    assert set(setters) == {"server/assistance/households_service.py"}


# ------------------------------------------------------------------------------ who may


def test_a_funeral_operator_can_do_none_of_it(client, demo):
    as_staff(client, "funeral")
    pid = waiting(demo) and proposal_id(demo, 2, "death")
    assert client.get("/office/proposals").status_code == 403
    assert client.get(f"/office/proposals/{pid}").status_code == 403
    for route in ("decide", "lapse", "withdraw"):
        assert decide(client, pid, "approve", route=route).status_code == 403
    assert (
        post_form(
            client, "/office/assistance/households/1/status", {"status": "stopped", "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        post_form(
            client, "/office/assistance/households/1/change", {"member_died": "1", "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        post_form(
            client,
            "/office/verification/warnings/2",
            {"decision": "confirm", "action": "stop", "reason": "x"},
        ).status_code
        == 403
    )
    assert status_of(demo, 1) == "active" and status_of(demo, 3) == "active"
    assert sql(demo, "SELECT deceased_on FROM persons WHERE id = 1") == [(None,)]
    assert sql(demo, "SELECT status FROM status_proposals") == [("proposed",)]  # the demo's death record


def test_the_status_form_proposes_and_the_proposer_cannot_approve_it(client, demo):
    as_staff(client, "district")  # a district approver may propose too, but not decide his own
    done = post_form(
        client,
        "/office/assistance/households/1/status",
        {"status": "suspended", "reason": "举报外出务工收入未申报"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get("/office/assistance/households/1").text
    assert "已提交，待区县审批" in page and "举报外出务工收入未申报" in page
    assert status_of(demo, 1) == "active"
    # the same again makes no second proposal
    post_form(client, "/office/assistance/households/1/status", {"status": "suspended", "reason": "再次提交"})
    assert sql(demo, "SELECT count(*) FROM status_proposals WHERE enrolment_id = 1") == [(1,)]
    pid = proposal_id(demo, 1, "suspend")
    own = decide(client, pid, "approve")
    assert own.status_code == 403 and "不能审批自己提出的变更" in own.text
    assert status_of(demo, 1) == "active"
    assert "撤回" in client.get(f"/office/proposals/{pid}").text
    # the street reviewer may not decide a district approver's proposal either
    as_staff(client, "street")
    assert decide(client, pid, "approve").status_code == 403
    assert status_of(demo, 1) == "active"
    audit = sql(demo, "SELECT action, actor_name FROM audit_records WHERE object_type = 'status_proposal'")
    assert audit[-1:] == [("proposal.create", "莲都区审批员 李强")] and "proposal.approve" not in str(audit)


def test_resuming_stays_one_step(client, demo):
    as_staff(client, "street")
    post_form(client, "/office/assistance/households/1/status", {"status": "suspended", "reason": "核查中"})
    as_staff(client, "district")
    assert decide(client, proposal_id(demo, 1, "suspend"), "approve").status_code == 303
    assert status_of(demo, 1) == "suspended"
    as_staff(client, "street")
    post_form(client, "/office/assistance/households/1/status", {"status": "active", "reason": "核查无误"})
    assert status_of(demo, 1) == "active"


def test_a_rejection_changes_nothing_and_tells_nobody(client, demo):
    as_staff(client, "street")
    post_form(client, "/office/assistance/households/3/status", {"status": "stopped", "reason": "疑似有车"})
    pid = proposal_id(demo, 3, "stop")
    as_staff(client, "district")
    assert decide(client, pid, "reject", opinion="").status_code == 422  # an opinion is required
    assert decide(client, pid, "reject", opinion="车辆已过户，不属实").status_code == 303
    assert status_of(demo, 3) == "active"
    assert sql(demo, "SELECT status, decided_by, opinion FROM status_proposals WHERE id = :i", i=pid) == [
        ("rejected", "莲都区审批员 李强", "车辆已过户，不属实")
    ]
    assert sql(demo, "SELECT count(*) FROM household_notices") == [(0,)]
    assert decide(client, pid, "approve").status_code == 409, "decided once"


# ------------------------------------------------------------------------------ where proposals come from


def test_confirming_a_warning_leaves_the_benefit_active_until_a_district_approver_approves(client, demo):
    as_staff(client, "street")
    done = post_form(
        client,
        "/office/verification/warnings/2",
        {"decision": "confirm", "action": "suspend", "reason": "车辆登记属实"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert status_of(demo, 3) == "active", "a confirmed warning is a proposal, never a direct stop"
    page = client.get("/office/verification/warnings/2").text
    assert 'data-status="confirmed"' in page and "已提交，待区县审批" in page
    assert waiting(demo)[-1] == (3, "suspend", "warning", "紫金街道审核员 张丽")
    as_staff(client, "district")
    assert client.get("/office/proposals/count").text.strip().endswith(">2</span>")  # + the death record
    queue = client.get("/office/proposals").text
    pid = proposal_id(demo, 3, "suspend")
    assert f'data-proposal="{pid}"' in queue
    detail = client.get(f"/office/proposals/{pid}").text
    for shown in ("车辆登记属实", "紫金街道审核员 张丽", "核对预警", "李秀英", "verification.warning:2"):
        assert shown in detail
    assert decide(client, pid, "approve").status_code == 303
    assert status_of(demo, 3) == "suspended"
    # 李秀英 has a verified account: she is told in the app, and staff see it was sent
    assert sql(demo, "SELECT channel, person_id FROM household_notices WHERE proposal_id = :p", p=pid) == [
        ("pwa", 4)
    ]
    assert sql(demo, "SELECT citizen_id, title FROM notifications ORDER BY id DESC LIMIT 1") == [
        (2, "待遇变更通知")
    ]
    assert "惠民应用消息" in client.get(f"/office/proposals/{pid}").text
    actions = [a for (a,) in sql(demo, "SELECT action FROM audit_records ORDER BY seq")]
    assert (
        actions.index("proposal.create")
        < actions.index("enrolment.suspended")
        < actions.index("proposal.approve")
    )


def test_the_death_form_is_a_proposal_and_the_amount_changes_on_approval(client, demo):
    amount = sql(demo, "SELECT monthly_amount_cents FROM enrolments WHERE id = 1")[0][0]
    as_staff(client, "community")
    done = post_form(
        client,
        "/office/assistance/households/1/change",
        {"member_died": "2", "reason": "家属告知王桂兰已去世"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert sql(demo, "SELECT deceased_on FROM persons WHERE id = 2") == [(None,)]
    assert sql(demo, "SELECT monthly_amount_cents FROM enrolments WHERE id = 1")[0][0] == amount
    assert "已提交，待区县审批" in client.get("/office/assistance/households/1").text
    pid = proposal_id(demo, 1, "death")
    as_staff(client, "district")
    assert "王桂兰" in client.get(f"/office/proposals/{pid}").text
    assert decide(client, pid, "approve").status_code == 303
    assert sql(demo, "SELECT deceased_on IS NOT NULL FROM persons WHERE id = 2") == [(True,)]
    after = sql(demo, "SELECT status, monthly_amount_cents FROM enrolments WHERE id = 1")[0]
    assert after[0] == "active" and after[1] < amount, "one person fewer: recalculated by rule"
    assert sql(demo, "SELECT channel FROM household_notices WHERE proposal_id = :p", p=pid) == [("pwa",)]


def test_a_department_death_record_is_a_proposal_by_the_system(client, demo):
    """The demo's deaths import raised a 'deceased' warning for 赵德福: the system proposed his
    death; nothing changed until the district approver approved. His household has nobody else, no
    account and no phone: the benefit ends and a letter waits to be printed."""
    assert waiting(demo) == [(2, "death", "death_record", "系统")]
    assert sql(demo, "SELECT deceased_on FROM persons WHERE id = 3") == [(None,)]
    assert status_of(demo, 2) == "active"
    assert decide_waiting(demo, STREET) == 0, "not the street reviewer's to decide"
    as_staff(client, "district")
    pid = proposal_id(demo, 2, "death")
    assert "部门死亡信息" in client.get(f"/office/proposals/{pid}").text
    assert decide(client, pid, "approve", opinion="死亡证明已核").status_code == 303
    assert status_of(demo, 2) == "stopped"
    assert sql(demo, "SELECT channel, printed_at FROM household_notices WHERE proposal_id = :p", p=pid) == [
        ("letter", None)
    ]
    as_staff(client, "community")
    letters = client.get("/office/proposals/letters").text
    assert "待遇变更通知" in letters and "赵德福" in letters
    notice = sql(demo, "SELECT id FROM household_notices WHERE proposal_id = :p", p=pid)[0][0]
    post_form(client, f"/office/proposals/letters/{notice}/printed")
    assert sql(demo, "SELECT printed_by FROM household_notices WHERE id = :i", i=notice) == [
        ("天宁社区工作人员 刘芳",)
    ]
    assert f'data-notice="{notice}"' not in client.get("/office/proposals/letters").text


def test_a_household_without_an_account_is_told_by_sms(client, demo):
    sql(demo, "UPDATE persons SET phone = '13911112222' WHERE id = 7")  # 徐金花, 青田县
    as_staff(client, "qt_street")
    post_form(client, "/office/assistance/households/4/status", {"status": "stopped", "reason": "已迁出本市"})
    pid = proposal_id(demo, 4, "stop")
    as_staff(client, "district")  # 莲都区's approver: another county's proposal is out of reach
    assert client.get(f"/office/proposals/{pid}").status_code == 404
    assert decide(client, pid, "approve").status_code == 404
    assert status_of(demo, 4) == "active"
    as_staff(client, "qt_district")
    assert decide(client, pid, "approve").status_code == 303
    assert status_of(demo, 4) == "stopped"
    assert sql(demo, "SELECT channel, person_id FROM household_notices WHERE proposal_id = :p", p=pid) == [
        ("sms", 7)
    ]
    body = sql(demo, "SELECT body FROM sms_outbox WHERE phone = '13911112222'")[0][0]
    assert "停止发放" in body and "已迁出本市" in body


def test_the_semiannual_review_cancellation_is_a_proposal(demo):
    from server.assistance import proposals_service

    async def propose(session):
        from server.people.models import Enrolment

        return await proposals_service.propose(
            session,
            SYSTEM,
            await session.get(Enrolment, 1),
            "stop",
            "复核不符合条件",
            origin="review",
            source="x",
        )

    in_db(demo, propose)
    assert status_of(demo, 1) == "active"
    assert decide_waiting(demo, DISTRICT) == 2  # with the demo's death record
    assert status_of(demo, 1) == "stopped"


def test_the_nav_counts_what_waits_for_the_user(client, demo):
    as_staff(client, "district")
    assert 'hx-get="/office/proposals/count"' in client.get("/office/proposals").text
    assert 'data-waiting="1"' in client.get("/office/proposals/count").text
    as_staff(client, "street")  # the death record is not his to decide: nothing waits for him
    assert "data-waiting" not in client.get("/office/proposals/count").text
    as_staff(client, "qt_district")
    assert "data-waiting" not in client.get("/office/proposals/count").text


def test_survival_lapse_waits_for_the_street_reviewer(demo):
    """The worker proposes; the benefit is paid until the street reviewer confirms; a lapse he lifted
    is not proposed again for the same due date."""
    from server.survival import service as survival

    sql(demo, "UPDATE survival_schedules SET next_due = :d", d=date(2026, 6, 1))
    policy = survival.Policy(grace_days=30)
    counts = in_db(demo, lambda s: survival.run_round(s, date(2026, 7, 2), policy))
    assert counts["proposed"] >= 1
    lapses = [w for w in waiting(demo) if w[2] == "survival"]
    assert lapses and all(w[3] == "系统" for w in lapses)
    enrolment_id = lapses[0][0]
    assert status_of(demo, enrolment_id) == "active"
    assert decide_waiting(demo, DISTRICT) == 1, "the district approver decides only the death record"
    assert status_of(demo, enrolment_id) == "active"
    assert decide_waiting(demo, STREET, "reject") == len(lapses)  # he knows: in hospital
    assert status_of(demo, enrolment_id) == "active"
    again = in_db(demo, lambda s: survival.run_round(s, date(2026, 7, 9), policy))
    assert again["proposed"] == 0 and not [w for w in waiting(demo) if w[2] == "survival"]
