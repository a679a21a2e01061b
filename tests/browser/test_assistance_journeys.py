"""Social assistance in a real Chromium: one application on a phone from the first screen through
every level of staff into the payment roll; and one that loses the network halfway."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from PIL import Image

from server import clock
from tests.assistance.support import ANSWERS, APPLICANT, APPLICANT_PHONE, MEMBER, id_of
from tests.support import browser_citizen_sign_in, browser_staff_sign_in, sql


def sign_in_as_the_applicant(page, live, demo):
    """孙丽华 signs in on her phone and binds her name and number (she is not on the register) on
    the 我的 page: the application is made under that identity."""
    browser_citizen_sign_in(page, live.url, demo, APPLICANT_PHONE, after="/me")
    page.get_by_label("姓名").fill(APPLICANT[0])
    page.get_by_label("身份证号码").fill(id_of(APPLICANT[1]))
    page.get_by_role("button", name="提交").click()
    page.get_by_text("实名认证成功").wait_for()
    page.goto(live.url + "/apply")


def agree_to_the_notice(page):
    """The assistance notice and the applicant's own consent, before the first question."""
    page.get_by_role("heading", name="申请社会救助前请阅读").wait_for()
    page.get_by_label(re.compile("我已阅读以上告知")).check()
    page.get_by_role("button", name="同意并开始填写").click()


def fill_until_members(page):
    a = ANSWERS["applicant"]
    page.get_by_role("button", name=re.compile("最低生活保障")).click()
    agree_to_the_notice(page)
    page.get_by_text("第 1 步").wait_for()
    assert APPLICANT[0] in page.locator("[data-applicant-fixed]").inner_text(), (
        "the applicant is the bound identity"
    )
    page.get_by_label("手机号码").fill(a["phone"])
    page.get_by_label("收款银行卡号").fill(a["bank_account"])
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("户籍所在地").select_option("331102")
    page.get_by_role("button", name="下一步").click()


def fill_from_address(page, photo: bytes | None = None):
    page.get_by_label("所在社区（村）").select_option("331102001001")
    page.get_by_label("详细地址").fill(ANSWERS["address"]["address"])
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("姓名").fill(MEMBER[0])
    page.get_by_label("身份证号码").fill(id_of(MEMBER[1]))
    page.get_by_label("与申请人的关系").select_option("child")
    page.get_by_label("就业或上学状况").select_option("student")
    page.get_by_role("button", name="添加").click()
    page.get_by_text(MEMBER[0]).first.wait_for()
    page.get_by_role("link", name="下一步").click()
    page.get_by_label("就业状况").select_option("unemployed")
    page.get_by_role("button", name="下一步").click()
    for label, value in (
        ("工资性收入", "500"),
        ("养老金", "0"),
        ("经营性收入", "0"),
        ("农业收入", "0"),
        ("转移性收入", "0"),
    ):
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("存款、理财合计（元）").fill("3000")
    page.get_by_label("除自住外的其他住房（套）").fill("0")
    page.get_by_label(re.compile("机动车")).fill("0")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("困难情况说明").fill(ANSWERS["need"]["reason"])
    page.get_by_role("button", name="下一步").click()
    if photo:
        page.get_by_label("照片").set_input_files(
            {"name": "hukou.jpg", "mimeType": "image/jpeg", "buffer": photo}
        )
        page.get_by_role("button", name="上传").click()
        page.get_by_text(re.compile(r"身份证 · \d+×\d+")).wait_for()
    page.get_by_role("link", name="下一步").click()
    page.get_by_label(re.compile("我同意民政部门")).check()
    page.get_by_label(re.compile("签名")).fill(ANSWERS["consent"]["signer"])
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("heading", name="请核对您的申请").wait_for()


def staff_page(chromium, live, username):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    browser_staff_sign_in(page, live.url, username)
    return context, page


def staff_acts(chromium, live, username, reference, button, opinion, visit=False):
    context, page = staff_page(chromium, live, username)
    page.get_by_role("link", name="社会救助").first.click()
    page.get_by_role("link", name=reference).click()
    if visit:
        page.get_by_label("调查日期").fill(clock.today().isoformat())
        page.get_by_label("调查人员").fill("张丽、刘芳")
        page.get_by_label("调查情况").fill("入户核实，情况属实")
    page.get_by_label("办理意见").fill(opinion)
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    status = page.locator("[data-status]").first.get_attribute("data-status")
    context.close()
    return status


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3000, 2000), (200, 180, 150)).save(out, "JPEG")
    return out.getvalue()


def test_one_application_from_the_phone_to_the_payment_roll(live, phone, chromium, demo):
    page = phone.new_page()
    sign_in_as_the_applicant(page, live, demo)
    fill_until_members(page)
    fill_from_address(page, photo=a_photo())
    assert "1876.00" in page.content(), "the estimate by rule: (1080x2-500) + 20% x 1080"
    # her son is 10: she consents for him as his guardian, or the community step could not pass
    page.get_by_label(re.compile("我是该未成年人的监护人")).check()
    page.get_by_role("button", name="作为监护人同意").click()
    page.locator('[data-consents="complete"]').wait_for()
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url(re.compile(r"/apply/DB\d+\?submitted=1"))
    reference = page.locator("[data-reference]").inner_text().strip()
    assert page.locator("[data-status]").get_attribute("data-status") == "community"
    # the document was scaled down on the phone and stripped on the server
    assert sql(demo, "SELECT max(width) FROM assistance_documents")[0][0] <= 1600

    assert staff_acts(chromium, live, "community", reference, "同意，转下一环节", "材料齐全") == "street"
    assert (
        staff_acts(chromium, live, "street", reference, "同意，转下一环节", "入户核实无误", visit=True)
        == "district"
    )
    assert staff_acts(chromium, live, "district", reference, "同意，转下一环节", "同意，予以公示") == "notice"
    page.goto(live.url + "/notice")
    assert "孙*华" in page.content()
    live.server.config.app.state.today = lambda: clock.today() + timedelta(days=8)
    assert (
        staff_acts(chromium, live, "district", reference, "公示期满，纳入救助", "公示期满无异议")
        == "enrolled"
    )

    page.goto(live.url + f"/apply/{reference}")
    assert "已纳入救助" in page.content() and "1876.00" in page.content()

    context, office = staff_page(chromium, live, "district")
    office.get_by_role("link", name="资金发放").click()
    office.get_by_label("月份").fill(f"{clock.today() + timedelta(days=8):%Y-%m}")
    office.get_by_role("button", name="生成发放名册").click()
    office.get_by_role("cell", name="孙丽华").wait_for()
    with office.expect_navigation():
        office.get_by_role("button", name="审核通过").click()
    assert office.locator("[data-roll-status]").get_attribute("data-roll-status") == "district_approved"
    context.close()
    context, office = staff_page(chromium, live, "city")
    office.get_by_role("link", name="资金发放").click()
    office.get_by_role("link", name=re.compile(r"\d{4}-\d{2}")).first.click()
    with office.expect_navigation():
        office.get_by_role("button", name="审核通过").click()
    assert office.locator("[data-roll-status]").get_attribute("data-roll-status") == "locked"
    assert "6222 **** **** 3445" in office.content()
    context.close()


def test_offline_halfway_still_submits_exactly_once(live, phone, demo):
    page = phone.new_page()
    sign_in_as_the_applicant(page, live, demo)
    fill_until_members(page)  # now on the address step
    phone.set_offline(True)
    page.get_by_label("所在社区（村）").select_option("331102001001")
    page.get_by_label("详细地址").fill(ANSWERS["address"]["address"])
    page.get_by_role("button", name="下一步").click()
    page.get_by_text("当前没有网络").wait_for()
    assert "/address" in page.url, "still on the same screen, the answer kept on the phone"
    phone.set_offline(False)
    page.wait_for_url(re.compile(r"/members$"))
    reference = page.url.split("/")[-2]
    # continue from the members step, then lose the network again for the final submission
    page.get_by_label("姓名").fill(MEMBER[0])
    page.get_by_label("身份证号码").fill(id_of(MEMBER[1]))
    page.get_by_label("与申请人的关系").select_option("child")
    page.get_by_label("就业或上学状况").select_option("student")
    page.get_by_role("button", name="添加").click()
    page.get_by_text(MEMBER[0]).first.wait_for()
    page.goto(live.url + f"/apply/{reference}/health")
    page.get_by_label("就业状况").select_option("unemployed")
    page.get_by_role("button", name="下一步").click()
    for label in ("工资性收入", "养老金", "经营性收入", "农业收入", "转移性收入"):
        page.get_by_label(label).fill("0")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("存款、理财合计（元）").fill("0")
    page.get_by_label("除自住外的其他住房（套）").fill("0")
    page.get_by_label(re.compile("机动车")).fill("0")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("困难情况说明").fill("无收入")
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("link", name="下一步").click()
    page.get_by_label(re.compile("我同意民政部门")).check()
    page.get_by_label(re.compile("签名")).fill(ANSWERS["consent"]["signer"])
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("heading", name="请核对您的申请").wait_for()
    phone.set_offline(True)
    page.get_by_role("button", name="确认提交").click()
    page.get_by_text("申请已保存在本机").wait_for()
    # the phone replays the queued submission when it is back online (twice, as a flaky network would)
    queued = page.evaluate("localStorage.getItem('huimin-outbox')")
    phone.set_offline(False)
    page.wait_for_url(re.compile(rf"/apply/{reference}(\?.*)?$"))
    page.evaluate("(q) => localStorage.setItem('huimin-outbox', q)", queued)
    page.reload()
    for _ in range(100):  # wait_for_function would need eval, which the CSP rightly forbids
        if page.evaluate("localStorage.getItem('huimin-outbox')") == "[]":
            break
        page.wait_for_timeout(100)
    assert page.evaluate("localStorage.getItem('huimin-outbox')") == "[]"
    assert (
        sql(
            demo,
            "SELECT count(*) FROM assistance_applications WHERE citizen_id IS NOT NULL AND status != 'draft'",
        )[0][0]
        == 1
    )
    assert (
        sql(
            demo,
            "SELECT count(*) FROM assistance_events e "
            "JOIN assistance_applications a ON a.id = e.application_id "
            "WHERE a.reference = :r AND e.action = 'submit'",
            r=reference,
        )[0][0]
        == 1
    )
    assert (
        sql(demo, "SELECT status FROM assistance_applications WHERE reference = :r", r=reference)[0][0]
        == "community"
    )
