"""The verification center as staff and department systems use it: uploading a file and reading
its report, rolling it back, working a warning, the household report, the push API, and a
semiannual review from start to the counts the bureau reports."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pypdfium2

from server.verification.service import create_api_client
from tests.exports.support import error_file, exported
from tests.people.support import decide_waiting
from tests.support import in_db, post_form, sql, staff_login
from tests.verification.support import OFFICER, TODAY, small_city, write_csv
from tests.verification.test_rules import NUM, PEOPLE, register


def upload(client, source: str, content: bytes, filename: str = "data.csv", mode: str = ""):
    token = client.cookies.get("huimin_csrf")
    return client.post(
        "/office/verification/imports",
        data={"source": source, "mode": mode},
        files={"file": (filename, content, "text/csv")},
        headers={"x-csrftoken": token},
        follow_redirects=False,
    )


def signed_in(client, demo, username="verify"):
    client.app.state.today = lambda: TODAY
    assert staff_login(client, username).status_code in (302, 303)
    client.get("/office/verification")
    return client


def test_upload_reports_accepted_and_rejected_rows_and_the_error_file(demo, client, tmp_path):
    register(demo)
    signed_in(client, demo)
    bad = NUM["b"][:17] + ("0" if NUM["b"][17] != "0" else "1")
    content = (f"公民身份号码,姓名,死亡日期\n{NUM['a']},赵大山,2026-10-01\n{bad},钱小河,2026-10-01\n").encode(
        "gb18030"
    )
    response = upload(client, "deaths", content)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert 'id="rows-accepted">1<' in page.text and 'id="rows-rejected">1' in page.text
    assert 'id="warnings-raised">1<' in page.text
    errors = error_file(client, demo, response.headers["location"])
    assert errors.status_code == 200 and "校验位不正确" in errors.content.decode("utf-8-sig")
    warnings = client.get("/office/verification/warnings?rule=deceased")
    assert "赵大山" in warnings.text and "钱小河" not in warnings.text


def test_the_action_offered_first_depends_on_who_is_left_in_the_household(demo, client, tmp_path):
    register(demo)
    signed_in(client, demo)
    rows = [{"id_number": NUM[k], "name": PEOPLE[k][0], "death_date": "2026-10-01"} for k in ("a", "c")]
    upload(client, "deaths", write_csv(tmp_path / "d.csv", "deaths", rows).read_bytes())
    offered = {}
    for name in ("赵大山", "孙一一"):  # one of two members; the only member
        wid = sql(
            demo,
            "SELECT w.id FROM verification_warnings w JOIN persons p ON p.id = w.person_id "
            "WHERE p.name = :n AND w.rule = 'deceased'",
            n=name,
        )[0][0]
        page = client.get(f"/office/verification/warnings/{wid}").text
        offered[name] = re.search(r'<option value="(\w+)" selected>', page).group(1)
    assert offered == {"赵大山": "recalculate", "孙一一": "stop"}


def test_upload_refuses_wrong_files_in_plain_words(demo, client):
    signed_in(client, demo)
    assert "只能上传 CSV" in upload(client, "deaths", b"x", filename="photo.png").text
    response = upload(client, "deaths", "姓名\n张三\n".encode(), filename="d.csv")
    page = client.get(response.headers["location"])
    assert 'data-status="failed"' in page.text and "表头缺少标准要求的列" in page.text
    # only the city's verification officers load department data
    client.get("/office/logout")
    signed_in(client, demo, "community")
    assert upload(client, "deaths", b"x").status_code == 403


def test_xlsx_upload_and_rollback_from_the_page(demo, client):
    from openpyxl import Workbook

    register(demo)
    signed_in(client, demo)
    book = Workbook()
    sheet = book.active
    sheet.append(["id_number", "name", "plate", "kind", "value"])
    sheet.append([NUM["young"], "吴平平", "浙K88888", "car", 150000])
    buf = io.BytesIO()
    book.save(buf)
    response = upload(client, "vehicles", buf.getvalue(), filename="车辆.xlsx")
    location = response.headers["location"]
    assert 'id="rows-accepted">1<' in client.get(location).text
    mine = "FROM verification_warnings WHERE import_id = (SELECT max(id) FROM verification_imports)"
    assert sql(demo, f"SELECT count(*) {mine} AND status = 'open'")[0][0] == 1
    assert post_form(client, location + "/rollback", {"reason": ""}).status_code == 422
    assert (
        post_form(client, location + "/rollback", {"reason": "上传错了"}, follow_redirects=False).status_code
        == 303
    )
    assert 'data-status="rolled_back"' in client.get(location).text
    assert sql(demo, f"SELECT status {mine}") == [("withdrawn",)]


def test_working_a_warning_needs_a_reason_and_stays_in_region(demo, client, tmp_path):
    register(demo)
    signed_in(client, demo)
    upload(
        client,
        "prisoners",
        write_csv(
            tmp_path / "p.csv",
            "prisoners",
            [
                {
                    "id_number": NUM["c"],
                    "name": "孙一一",
                    "admitted_on": "2026-03-01",
                    "release_on": "2029-03-01",
                }
            ],
        ).read_bytes(),
    )
    wid = sql(demo, "SELECT id FROM verification_warnings WHERE rule = 'imprisoned'")[0][0]
    refused = post_form(
        client,
        f"/office/verification/warnings/{wid}",
        {"decision": "confirm", "action": "suspend", "reason": ""},
    )
    assert refused.status_code == 422 and "请填写意见和理由" in refused.text
    client.get("/office/logout")
    signed_in(client, demo, "qt_community")  # another county's community worker
    assert client.get(f"/office/verification/warnings/{wid}").status_code == 404
    client.get("/office/logout")
    signed_in(client, demo, "community")  # reads the warnings of its community, but does not decide them
    assert client.get(f"/office/verification/warnings/{wid}").status_code == 200
    assert (
        post_form(
            client,
            f"/office/verification/warnings/{wid}",
            {"decision": "confirm", "action": "suspend", "reason": "x"},
        ).status_code
        == 403
    )
    client.get("/office/logout")
    signed_in(client, demo, "street")
    done = post_form(
        client,
        f"/office/verification/warnings/{wid}",
        {"decision": "confirm", "action": "suspend", "reason": "已核实入狱"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert 'data-status="confirmed"' in client.get(f"/office/verification/warnings/{wid}").text
    household = sql(demo, "SELECT household_id FROM verification_warnings WHERE id = :i", i=wid)[0][0]
    # confirmed, and proposed: the benefit is paid until a district approver approves
    assert sql(demo, "SELECT status FROM enrolments WHERE household_id = :h", h=household) == [("active",)]
    assert decide_waiting(demo) >= 1
    assert sql(demo, "SELECT status FROM enrolments WHERE household_id = :h", h=household) == [("suspended",)]
    report = client.get(f"/office/verification/households/{household}/report")
    assert "家庭经济状况核对报告" in report.text and "服刑人员" in report.text and "孙一一" in report.text
    pdf = exported(client, demo, "household_report", household, "pdf", "street", "district")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "家庭经济状况核对报告" in text and "服刑保" in text


def test_department_system_pushes_rows_with_its_own_key_and_scope(demo, client):
    register(demo)
    key = in_db(demo, lambda s: create_api_client(s, "市公安局人口系统", ["deaths", "hukou"], "331100"))
    rows = {
        "rows": [
            {"id_number": NUM["a"], "name": "赵大山", "death_date": "2026-11-01"},
            {"id_number": "123", "name": "错号", "death_date": "2026-11-01"},
        ]
    }
    answer = client.post("/api/verification/deaths", json=rows, headers={"authorization": f"Bearer {key}"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["accepted"], body["rejected"], body["warnings"]) == (1, 1, 1)
    assert body["errors"][0]["row"] == 2 and "公民身份号码" in body["errors"][0]["problems"][0]
    assert (
        client.post(
            "/api/verification/vehicles", json=rows, headers={"authorization": f"Bearer {key}"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/verification/deaths", json=rows, headers={"authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/api/verification/deaths", json={"rows": "x"}, headers={"authorization": f"Bearer {key}"}
        ).status_code
        == 400
    )
    assert sql(demo, "SELECT uploaded_by, channel FROM verification_imports ORDER BY id DESC LIMIT 1") == [
        ("接口：市公安局人口系统", "api")
    ]


def test_semiannual_review_of_a_small_generated_city(demo, client, tmp_path):
    from tests.verification.support import import_csv

    city, truth = small_city(demo, tmp_path, households=120, records=1500)
    for source in ("deaths", "business", "vehicles"):
        import_csv(demo, source, tmp_path / "sources" / f"{source}.csv")
    signed_in(client, demo)
    started = post_form(
        client,
        "/office/verification/reviews",
        {"title": "2026 年下半年复核", "region_code": "331100"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    location = started.headers["location"]
    page = client.get(location)
    reviewed = int(re.search(r'id="households-reviewed">(\d+)<', page.text).group(1))
    assert reviewed >= 120
    planted_cancel = {h for kind, h, rule in truth if kind == "h" and rule == "vehicle"}
    items = re.findall(r'name="item" value="(\d+)"', page.text)
    assert len(items) >= len(planted_cancel) > 0
    amounts = sql(
        demo,
        "SELECT sum(amount_before_cents), sum(people) FROM verification_review_items "
        "WHERE proposal = 'cancel'",
    )[0]
    form = [("item", i) for i in items] + [
        ("outcome", "cancel"),
        ("reason", "复核不符合条件"),
        ("proposal", "cancel"),
        ("_csrf_token", client.cookies.get("huimin_csrf")),
    ]
    done = client.post(
        location + "/process",
        content=urlencode(form),
        follow_redirects=False,
        headers={
            "x-csrftoken": client.cookies.get("huimin_csrf"),
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert done.status_code == 303, done.text
    stopped = sql(
        demo,
        "SELECT count(*) FROM enrolments e JOIN verification_review_items i ON i.enrolment_id = e.id "
        "WHERE e.status = 'stopped'",
    )[0][0]
    assert stopped == 0, "cancelling is proposed: paid until a district approver approves"
    decide_waiting(demo)
    stopped = sql(
        demo,
        "SELECT count(*) FROM enrolments e JOIN verification_review_items i ON i.enrolment_id = e.id "
        "WHERE e.status = 'stopped'",
    )[0][0]
    assert stopped == len(items)
    post_form(client, location + "/close", {})
    closed = client.get(location).text
    assert f'id="c-cancelled">{len(items)}<' in closed
    assert f'id="c-people">{amounts[1]}<' in closed
    assert f"{amounts[0] / 100:.2f}" in closed
    # every stopped benefit went through the workflow and is on record
    assert sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'enrolment.stopped'")[0][0] == len(
        items
    )


def test_a_review_runs_in_the_background_and_its_page_shows_how_far_it_is(demo, client, monkeypatch):
    from server.verification import service

    signed_in(client, demo)
    running = in_db(demo, lambda s: service.create_review(s, OFFICER, "331102", "莲都区复核", TODAY))
    service.REVIEW_PROGRESS[running.id] = {"rule": "income", "done": 8, "total": 13}
    try:
        page = client.get(f"/office/verification/reviews/{running.id}").text
        assert 'data-stage="running"' in page and "收入超标" in page and "（9/13）" in page
        assert 'value="8"' in page and "刷新查看进度" in page, "a progress bar, and a link without JavaScript"
        again = post_form(
            client,
            "/office/verification/reviews",
            {"title": "再来一次" * 60, "region_code": "331102"},
            follow_redirects=False,
        )
        assert again.status_code == 409 and "已有一次复核正在核对" in again.text
        polled = client.get(
            f"/office/verification/reviews/{running.id}/progress", headers={"HX-Request": "true"}
        )
        assert polled.status_code == 200 and "HX-Refresh" not in polled.headers
    finally:
        service.REVIEW_PROGRESS.pop(running.id, None)
    sql(demo, "UPDATE verification_reviews SET status = 'open' WHERE id = :i", i=running.id)
    done = client.get(f"/office/verification/reviews/{running.id}/progress", headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true", (
        "the page reloads with the results once the review is done"
    )

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service.checks, "run_checks", broken)
    started = post_form(
        client,
        "/office/verification/reviews",
        {"title": "会失败的复核" * 30, "region_code": "331121"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    failed = client.get(started.headers["location"]).text
    assert 'data-status="failed"' in failed and "没有产生任何结果" in failed
    assert sql(demo, "SELECT count(*) FROM verification_review_items")[0][0] == 0


def test_work_a_stopped_server_left_half_way_is_marked_failed_at_start(demo):
    from litestar.testing import TestClient

    from server.app import create_app

    sql(
        demo,
        "INSERT INTO verification_imports (source, version, mode, channel, status, uploaded_by, region_code, "
        "rows_total, rows_accepted, rows_rejected, legacy_ids, without_id, warnings_raised, created_at) "
        "VALUES ('deaths', 99, 'append', 'csv', 'loading', 'x', '331100', 0, 0, 0, 0, 0, 0, :t)",
        t=TODAY,
    )
    sql(
        demo,
        "INSERT INTO verification_reviews "
        "(region_code, title, status, started_by, started_at, households_reviewed, people_reviewed) "
        "VALUES ('331100', '中断的复核', 'running', 'x', :t, 0, 0)",
        t=TODAY,
    )
    with TestClient(create_app(demo)):
        pass
    assert sql(demo, "SELECT status, failure FROM verification_imports WHERE version = 99") == [
        ("failed", "服务器在导入过程中重启，数据未载入，请重新导入。")
    ]
    assert sql(demo, "SELECT status FROM verification_reviews WHERE title = '中断的复核'") == [("failed",)]
