"""The privacy notice (个人信息处理规则) and each service's short notice, as data: the page
``/privacy`` and the notices before a service's first sensitive question render these, in Chinese
with English from ``i18n.py``. A change of substance is a new ``NOTICE_VERSION``; the version read
is stored with each application and request (PIPL arts. 7, 14, 17, 30).

``SOURCES`` repeats, by name, every department source of ``server/verification/sources.py`` (the
check reads exactly those); tests/privacy/test_rules.py fails when the two lists drift apart."""

from __future__ import annotations

from dataclasses import dataclass

NOTICE_VERSION = "2026-12"
NOTICE_DATE = "2026-12-01"
CONTROLLER = "本市民政局"
PRIVACY_PATH = "/privacy"
MY_DATA_PATH = "/me/data"  # see and download what is held, who looked at it, ask for correction or deletion


KNOWN_VERSIONS = (NOTICE_VERSION,)


def read_version(value: str | None) -> str | None:
    """The notice version a form carried (the page showed that notice), if it is one we published."""
    return value if value in KNOWN_VERSIONS else None


@dataclass(frozen=True)
class Source:
    code: str
    label: str
    department: str


# every source the household check reads (code, name, the department that provides it)
SOURCES: tuple[Source, ...] = (
    Source("hukou", "户籍登记", "公安局"),
    Source("deaths", "死亡和火化", "卫健委、公安局、殡仪馆"),
    Source("prisoners", "服刑人员", "司法局、监狱管理局"),
    Source("business", "工商登记", "市场监管局"),
    Source("property", "不动产登记", "自然资源和规划局（不动产登记中心）"),
    Source("vehicles", "机动车登记", "公安局交警支队"),
    Source("housing_fund", "住房公积金", "住房公积金管理中心"),
    Source("social_insurance", "社会保险和养老金", "人力资源和社会保障局"),
    Source("tax_income", "个人所得税收入", "税务局"),
    Source("disability", "残疾人登记", "残疾人联合会"),
    Source("staff_relatives", "民政干部及近亲属", "民政局、组织部"),
    Source("other_benefits", "外地救助名单", "其他地区民政部门"),
)
BY_CODE = {s.code: s for s in SOURCES}


@dataclass(frozen=True)
class Retention:
    data: str
    period: str


# the periods the retention jobs enforce (one table for the whole platform)
RETENTION: tuple[Retention, ...] = (
    Retention("人脸参考照片和特征值", "在生存认证期间保存，认证安排结束后1年删除"),
    Retention("生存认证时拍摄的画面", "认证结束后30天删除"),
    Retention("申请材料（证件照片、证明、核对报告）", "案件办结后保存5年"),
    Retention("各部门核对数据", "核对结束时删除；与申请人和家庭成员无关的人员记录在匹配后即删除"),
    Retention("部门上传的原始文件", "30天"),
    Retention("短信验证码", "1天"),
    Retention("主动发现报告的照片", "报告办结后1年"),
    Retention("访问频率计数", "1天"),
    Retention("操作日志（审计记录）", "3年（法律要求至少6个月）"),
    Retention("查阅、更正、删除等请求", "3年"),
)


@dataclass(frozen=True)
class Purpose:
    service: str
    purpose: str
    collected: tuple[str, ...]


PURPOSES: tuple[Purpose, ...] = (
    Purpose(
        "社会救助",
        "审核低保、特困、临时救助和医疗救助的申请，计算和发放救助金，定期复核。",
        (
            "姓名、身份证号码、手机号码、住址",
            "家庭成员及关系",
            "收入、存款、房产、车辆",
            "健康状况和残疾等级",
            "银行卡号",
        ),
    ),
    Purpose(
        "生存认证",
        "确认领取待遇的人仍然健在，避免冒领。",
        ("人脸照片和特征值（须另行单独同意）", "认证时拍摄的画面"),
    ),
    Purpose(
        "主动发现",
        "帮助可能需要救助的人，由社区工作人员上门核实。",
        ("报告人的手机号码", "被报告人的情况、位置和照片"),
    ),
    Purpose(
        "证明开具",
        "开具居住证明，供办事单位扫码核验真伪。",
        ("姓名、身份证号码", "居住地址和起始日期", "证明的用途"),
    ),
    Purpose(
        "殡葬服务",
        "预约殡葬服务，核对惠民殡葬减免资格。",
        ("逝者和经办人的姓名、身份证号码", "死亡证明信息"),
    ),
)

SENSITIVE: tuple[str, ...] = (
    "身份证号码",
    "健康状况、疾病和残疾信息",
    "收入、存款、房产、车辆等财产信息",
    "服刑等违法犯罪记录",
    "人脸照片和特征值",
    "不满14周岁未成年人的个人信息",
    "银行卡号",
)

RECIPIENTS: tuple[str, ...] = (
    "为核对家庭经济状况，民政部门向上述各部门查询您和家庭成员的信息；这些部门只回答查询，不因此取得您的申请内容。",
    "批准后，按规定在社区公示申请人姓名（部分遮盖）、救助类别和金额，不公示身份证号码、健康和财产明细。",
    "救助金通过代发银行发放到您的银行卡，银行只取得姓名、卡号和金额。",
    "法律、行政法规规定的其他情形（例如审计、纪检监察依法调取）。",
    "您的个人信息存放在境内，不向境外提供。",
)

RIGHTS: tuple[str, ...] = (
    "查阅、复制：在“我的数据”页面查看并下载平台保存的您的信息，以及哪些工作人员和部门在何时查看过。",
    "更正、补充：信息有误，可在“我的数据”页面提出更正请求。",
    "删除：处理目的已实现、保存期限已届满或您撤回同意后，可以请求删除；法律要求保存的记录除外。",
    "撤回同意：可以随时撤回对核对家庭经济状况的同意；撤回不影响撤回前已进行的核对。",
    "要求解释：对自动计算或自动提示的结果，可以要求工作人员解释，并要求人工复核。",
    "注销账号：可以在“我的数据”页面注销账号。",
)

COMPLAINTS: tuple[str, ...] = (
    "我们在收到请求后15个工作日内答复。",
    "对处理结果不满意的，可以向本市网信部门投诉、举报，或者依法申请行政复议、提起诉讼。",
)

SECURITY: tuple[str, ...] = (
    "身份证号码、银行卡号等加密保存，查询使用不可逆的密钥散列。",
    "工作人员只能查看本辖区的案件，每一次查看敏感信息都记入不可篡改的操作日志。",
    "发生个人信息泄露时，我们立即采取补救措施，并通知您和主管部门。",
)


@dataclass(frozen=True)
class ServiceNotice:
    """The short notice shown before a service's first sensitive question."""

    service: str
    title: str
    asks: tuple[str, ...]
    why: str
    sources: tuple[str, ...]  # codes of SOURCES the service checks
    kept: str


SERVICE_NOTICES: dict[str, ServiceNotice] = {
    "assistance": ServiceNotice(
        "assistance",
        "申请社会救助前请阅读",
        (
            "申请人和家庭成员的姓名、身份证号码、关系",
            "收入、存款、房产、车辆等财产状况",
            "健康状况和残疾等级",
            "收款银行卡号和证明材料照片",
        ),
        "用于判断您的家庭是否符合救助条件、计算救助金额。其中身份证号码、财产、健康信息是敏感个人信息，"
        "不提供则无法审核申请。",
        tuple(s.code for s in SOURCES),
        "申请材料在案件办结后保存5年；各部门核对数据在核对结束时删除。",
    ),
    "discovery": ServiceNotice(
        "discovery",
        "报告前请阅读",
        ("您的手机号码（用于回访，不告知被报告人）", "被报告人的情况和位置", "现场照片（可不拍）"),
        "用于社区工作人员上门核实和帮助。请只填写帮助对方所需的信息；涉及健康等情况时请简要说明。",
        (),
        "报告办结后1年删除照片；报告记录按案件保存。",
    ),
    "certificates": ServiceNotice(
        "certificates",
        "申请证明前请阅读",
        ("您的姓名和身份证号码（来自实名认证）", "居住地址和起始日期", "证明的用途"),
        "用于开具证明，并让办事单位扫码核验真伪；核验页面只显示遮盖后的姓名和证明内容。",
        (),
        "证明和开具记录保存5年。",
    ),
}

HOUSEHOLD_CHECK = (
    "核对家庭经济状况：民政部门将凭身份证号码，向下列部门查询申请人和每位家庭成员的户籍、收入、"
    "存款、房产、车辆、社保、纳税等信息。每位成年家庭成员都须本人同意；不满14周岁的由监护人同意；"
    "14至17周岁的本人和监护人共同同意。"
)
WITHDRAWAL_MEANS = (
    "撤回后，民政部门不再为这份申请核对您的信息：申请将无法继续审核；正在审核的救助可能因此中止。",
    "撤回前已经进行的核对和作出的决定仍然有效，相关记录依法保存，不会删除。",
    "您可以随时重新同意。",
)
