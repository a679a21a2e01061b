"""Active discovery: routing by place, deadlines, merging near-duplicates, rate limits, and the
staff work from triage to a visit that starts an assistance application."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import httpx
from PIL import Image

from server.calendar.days import Calendar
from server.discovery import rules
from server.discovery.demo import outline_of
from tests.support import post_form, sql, staff_login

TIANNING = outline_of("331102001001")[0]  # centre of 天宁社区
ZHONGSHAN = outline_of("331102001002")[0]


def areas():
    return [rules.Area(code, *outline_for(code)) for code in ("331102001001", "331102001002", "331121001001")]


def outline_for(code):
    centre, corners = outline_of(code)
    return centre, tuple(tuple(c) for c in corners)


def test_routing_by_outline_then_nearest_then_by_hand():
    assert rules.route(TIANNING, areas()) == ("331102001001", "outline")
    assert rules.route(ZHONGSHAN, areas()) == ("331102001002", "outline")
    near = (TIANNING[0] - 0.008, TIANNING[1])  # just south of every outline, 900 m from 天宁's centre
    assert rules.route(near, areas()) == ("331102001001", "nearest")
    assert rules.route((30.0, 121.0), areas()) == (None, "manual")
    assert rules.route(None, areas()) == (None, "manual")


def test_deadlines_24_hours_when_urgent_else_3_working_days():
    cal = Calendar(holidays={date(2026, 10, 1), date(2026, 10, 2)})
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert rules.visit_deadline(monday, True, cal) == monday + timedelta(hours=24)
    assert rules.visit_deadline(monday, False, cal).date() == date(2026, 11, 26)
    friday = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert rules.visit_deadline(friday, False, cal).date() == date(2026, 12, 2)


def test_near_duplicates_are_the_same_person_at_the_same_place_within_a_week():
    t = datetime(2026, 11, 25, tzinfo=UTC)
    a = rules.Sighting("王 大爷", 80, TIANNING, None, t)
    assert rules.same_person_and_place(
        a, rules.Sighting("王大爷", 78, (TIANNING[0] + 0.001, TIANNING[1]), None, t + timedelta(days=2))
    )
    assert not rules.same_person_and_place(a, rules.Sighting("李大爷", 80, TIANNING, None, t))
    assert not rules.same_person_and_place(a, rules.Sighting("王大爷", 80, ZHONGSHAN, None, t))
    assert not rules.same_person_and_place(
        a, rules.Sighting("王大爷", 80, TIANNING, None, t + timedelta(days=8))
    )
    unnamed = rules.Sighting(None, 75, None, "菜市场 东门", t)
    assert rules.same_person_and_place(unnamed, rules.Sighting(None, 72, None, "菜市场东门", t))
    assert not rules.same_person_and_place(unnamed, rules.Sighting(None, 40, None, "菜市场东门", t))


def test_rate_limits_by_device_address_and_phone():
    assert rules.rate_refusal({"device": 4, "address": 9, "phone": 4}) is None
    assert rules.rate_refusal({"device": 5}) == "discovery.too_many"
    assert rules.rate_refusal({"address": 10}) == "discovery.too_many"
    assert rules.rate_refusal({"phone": 5}) == "discovery.too_many"


def report(client, **fields):
    data = {
        "situation": "elderly_alone",
        "name": "王大爷",
        "age": "80",
        "lat": str(TIANNING[0]),
        "lon": str(TIANNING[1]),
        "details": "独居，腿脚不便",
        **fields,
    }
    return post_form(client, "/report", data, follow_redirects=False)


def test_anyone_reports_and_follows_in_general_terms(client, demo):
    client.get("/report")
    made = report(client, phone="13900001111")
    assert made.status_code == 303
    reference = made.headers["location"].split("/")[2].split("?")[0]
    page = client.get(made.headers["location"])
    assert reference in page.text and "已收到" in page.text and "天宁社区" in page.text
    assert "王大爷" not in page.text and "独居" not in page.text, "no personal data of the person reported"
    row = sql(demo, "SELECT region_code, routed_by, status, visit_due_at IS NOT NULL FROM discovery_reports")[
        0
    ]
    assert row == ("331102001001", "outline", "new", True)


def test_a_second_report_of_the_same_person_is_merged(client, demo):
    client.get("/report")
    first = report(client)
    second = report(client, name="王 大爷", lat=str(TIANNING[0] + 0.001))
    rows = sql(
        demo, "SELECT reference, status, merged_into_id, duplicates FROM discovery_reports ORDER BY id"
    )
    assert rows[1][1] == "merged" and rows[1][2] is not None and rows[0][3] == 1
    # the second reporter follows the outcome of the first report
    assert "已收到" in client.get(second.headers["location"]).text
    assert first.status_code == second.status_code == 303


def test_where_is_required_and_rate_limits_apply(client, demo):
    client.get("/report")
    nowhere = report(client, lat="", lon="")
    assert nowhere.status_code == 422 and "请使用定位" in nowhere.text
    for i in range(5):
        assert report(client, name=f"人{i}", lat=str(TIANNING[0] + i * 0.002)).status_code == 303
    limited = report(client, name="第六个")
    assert limited.status_code == 429 and "提交太频繁" in limited.text
    assert sql(demo, "SELECT count(*) FROM discovery_reports")[0][0] == 5


def test_a_photo_gives_the_place_and_loses_its_location_data(client, demo, settings):
    image = Image.new("RGB", (1200, 900), (90, 120, 150))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (28.0, 27.0, 18.0), 3: "E", 4: (119.0, 55.0, 30.0)}  # inside 天宁社区
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    client.get("/report")
    made = client.post(
        "/report",
        data={"situation": "homeless", "_csrf_token": client.cookies.get("huimin_csrf")},
        files={"photo": ("p.jpg", buffer.getvalue(), "image/jpeg")},
        follow_redirects=False,
    )
    assert made.status_code == 303
    name, code = sql(demo, "SELECT photo_name, region_code FROM discovery_reports")[0]
    assert code == "331102001001"
    stored = Image.open(settings.var_dir / "uploads" / "discovery" / name)
    assert not stored.getexif()


def test_urgent_reports_alert_street_and_district(client, demo):
    client.get("/report")
    report(client, urgent="on")
    assert sorted(r[0] for r in sql(demo, "SELECT region_code FROM discovery_alerts")) == [
        "331102",
        "331102001",
    ]
    staff_login(client, "street")
    assert "紧急报告提醒" in client.get("/office/discovery").text


def test_worker_visits_and_starts_an_application(client, demo):
    client.get("/report")
    report(client)
    report_id = sql(demo, "SELECT id FROM discovery_reports")[0][0]
    staff_login(client, "qt_community")
    assert client.get(f"/office/discovery/{report_id}").status_code == 404, (
        "another district's worker cannot see it"
    )
    post_form(client, "/office/logout")
    staff_login(client, "community")
    worker = sql(demo, "SELECT id FROM staff WHERE username = 'community'")[0][0]
    forged = post_form(client, f"/office/discovery/{report_id}/assign", {"assignee_id": "abc"})
    assert forged.status_code == 404, "a forged worker id is refused plainly"
    assert (
        post_form(client, f"/office/discovery/{report_id}/assign", {"assignee_id": worker}).status_code == 200
    )
    empty = post_form(
        client, f"/office/discovery/{report_id}/visit", {"findings": "", "decision": "application"}
    )
    assert empty.status_code == 422
    image = io.BytesIO()
    Image.new("RGB", (800, 600), (180, 170, 160)).save(image, "JPEG")
    done = client.post(
        f"/office/discovery/{report_id}/visit",
        data={
            "findings": "独居无收入，需申请特困",
            "decision": "application",
            "benefit": "tekun",
            "address": "天宁社区 丽阳街 3 号",
            "_csrf_token": client.cookies.get("huimin_csrf"),
        },
        files={"photo": ("visit.jpg", image.getvalue(), "image/jpeg")},
    )
    assert done.status_code == 200 and "已启动救助申请" in done.text
    assert client.get(f"/office/discovery/{report_id}/visit-photo/0").headers["content-type"] == "image/jpeg"
    ref = sql(demo, "SELECT application_ref FROM discovery_reports")[0][0]
    app = sql(
        demo,
        "SELECT benefit, applicant_name, region_code, source, status FROM assistance_applications "
        "WHERE reference = :r",
        r=ref,
    )[0]
    assert (
        app[:3] == ("tekun", "王大爷", "331102001001")
        and app[3].startswith("discovery:")
        and app[4] == "draft"
    )


def test_overdue_visits_are_flagged(client, demo):
    client.get("/report")
    report(client)
    sql(demo, "UPDATE discovery_reports SET visit_due_at = :t", t=datetime.now(UTC) - timedelta(hours=1))
    staff_login(client, "community")
    page = client.get("/office/discovery", params={"overdue": "true"})
    assert 'data-overdue="1"' in page.text and "超过上门期限" in page.text


def test_map_draws_outlines_and_points_without_tiles(client, demo):
    client.get("/report")
    report(client)
    staff_login(client, "district")
    page = client.get("/office/discovery/map")
    assert (
        page.status_code == 200
        and "<svg" in page.text
        and "<polygon" in page.text
        and 'data-status="new"' in page.text
    )
    assert "http" not in page.text.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_spam_is_flagged_with_a_reason(client, demo):
    client.get("/report")
    report(client)
    report_id = sql(demo, "SELECT id FROM discovery_reports")[0][0]
    staff_login(client, "street")
    assert post_form(client, f"/office/discovery/{report_id}/spam", {"reason": ""}).status_code == 422
    post_form(client, f"/office/discovery/{report_id}/spam", {"reason": "恶作剧"})
    assert sql(demo, "SELECT status FROM discovery_reports")[0][0] == "spam"


def test_references_are_random_50_bits_and_read_back_forgivingly():
    made = {rules.new_reference() for _ in range(2000)}
    assert len(made) == 2000
    assert all(
        len(r) == 12 and r.startswith("ZD") and set(r[2:]) <= set(rules.REFERENCE_ALPHABET) for r in made
    )
    assert len(rules.REFERENCE_ALPHABET) ** rules.REFERENCE_LENGTH >= 2**50
    assert not set("ILOU") & set(rules.REFERENCE_ALPHABET), "no letters read as 1, 0 or V"
    assert rules.normalise_reference("zd 7k3m-9qx2hp") == "ZD7K3M9QX2HP"
    assert rules.normalise_reference("ZDOKIM9QXLHP") == "ZD0K1M9QX1HP", "O read as 0, I and L as 1"
    assert rules.normalise_reference("ZD20261125004211") == "ZD20261125004211", "old references unchanged"
    assert rules.lookup_refusal(rules.LOOKUPS_PER_HOUR, rules.FAILED_LOOKUPS_PER_HOUR) is None
    assert rules.lookup_refusal(rules.LOOKUPS_PER_HOUR + 1, 0) == "discovery.lookups"
    assert rules.lookup_refusal(1, rules.FAILED_LOOKUPS_PER_HOUR + 1) == "discovery.lookups"


def test_a_new_report_gets_a_long_random_reference_and_old_references_still_work(client, demo):
    client.get("/report")
    made = report(client)
    reference = made.headers["location"].split("/")[2].split("?")[0]
    assert re.fullmatch(r"ZD[0-9A-HJKMNP-TV-Z]{10}", reference), reference
    assert "已收到" in client.get(f"/report/{reference.lower()}").text, "typed in lower case"
    sql(demo, "UPDATE discovery_reports SET reference = 'ZD20261125004211'")
    page = client.get("/report/ZD20261125004211")
    assert page.status_code == 200 and "已收到" in page.text
    assert "no-store" in page.headers["cache-control"]


def test_enumerating_references_is_stopped_and_a_real_one_still_works(client, demo, live):
    """Eighty guesses in parallel from one address: at most the failure limit are looked up (404),
    the rest refused in plain words (429), also for a real reference from that address; the
    reporter, from another address, follows the report as before."""
    client.get("/report")
    reference = report(client).headers["location"].split("/")[2].split("?")[0]
    guesses = [f"ZD{i:010d}" for i in range(40)] + [f"ZD20261125{i:06d}" for i in range(40)]

    def guess(ref):
        with httpx.Client(base_url=live.url, headers={"accept": "text/html"}, timeout=60) as c:
            return c.get(f"/report/{ref}")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, guesses))
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {404, 429}, statuses
    assert statuses.count(404) <= 10 and statuses.count(429) >= 70, "at most 10 failed look-ups an hour"
    refused = next(a for a in answers if a.status_code == 429)
    assert "查询太频繁" in refused.text and int(refused.headers["retry-after"]) > 0
    assert guess(reference).status_code == 429, "a real reference does not answer a guesser"
    followed = client.get(f"/report/{reference}")
    assert followed.status_code == 200 and "已收到" in followed.text
    assert sql(demo, "SELECT count(*) FROM discovery_reports")[0][0] == 1
