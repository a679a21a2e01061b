"""The retention table: how long each class of personal data is kept, why, and on what basis
(PIPL art. 19: no longer than the purpose needs, unless a law sets a period), as data; and the pure
functions that turn a period into a cut-off instant. ``server/retention/service.py`` enforces the
table, one set-based statement per class, in the worker round; ``huimin retention show`` prints it.

Periods are counted from the event that ends the purpose (the check closes, the case closes, the
survival schedule ends), not from when the data was collected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class DataClass(StrEnum):
    FACES = "faces"  # survival reference photos and encodings
    FRAMES = "frames"  # survival check frames
    DOCUMENTS = "documents"  # application documents (rows and files)
    DEPARTMENT_ROWS = "department_rows"  # rows of department data of people outside the register
    RAW_FILES = "raw_files"  # department files as uploaded, and their error files
    CODES = "codes"  # one-time sign-in codes and the development SMS outbox
    DISCOVERY_PHOTOS = "discovery_photos"  # photos of a report of someone in need, and of the visit
    RATE_COUNTERS = "rate_counters"
    NOTIFICATIONS = "notifications"  # messages to citizens in the PWA
    DATA_RIGHTS = "data_rights"  # requests to see, correct, delete or explain
    AUDIT = "audit"  # the audit trail: never deleted by the application


@dataclass(frozen=True)
class Retention:
    data_class: DataClass
    what: str  # Chinese
    period: str  # Chinese, as said to citizens and assessors
    basis: str  # Chinese: the purpose or the law that sets the period
    days: int | None  # None: not a fixed period after the event (see period)
    enforced_by: str  # where it is enforced (for operators and assessors; not shown to citizens)


DAY = 1
YEAR = 365

TABLE: tuple[Retention, ...] = (
    Retention(
        DataClass.FACES,
        "生存认证的人脸参照照片及特征值",
        "列入生存认证期间保存；认证安排结束后 1 年删除",
        "仅用于确认待遇领取人本人健在（《个人信息保护法》第二十八条，敏感个人信息，取得单独同意或法定职责）；"
        "保留 1 年以便处理认证结束前后的复核与申诉",
        YEAR,
        "server/retention/service.py (worker, hourly)",
    ),
    Retention(
        DataClass.FRAMES,
        "生存认证拍摄的画面",
        "认证结束后 30 天删除",
        "仅供人工复核与申诉期间查看；比对完成后不再需要",
        30 * DAY,
        "server/survival/service.py purge_frames (worker, hourly)",
    ),
    Retention(
        DataClass.DOCUMENTS,
        "救助申请的证明材料（文件与记录）",
        "案件办结后 5 年删除",
        "社会救助档案的核查、审计与复查需要（民政部门档案管理规定的保管期限）",
        5 * YEAR,
        "server/retention/service.py (worker, hourly)",
    ),
    Retention(
        DataClass.DEPARTMENT_ROWS,
        "部门比对数据中既非申请人也非家庭成员的人员记录",
        "比对完成即删除（同一次导入的事务内）；在册人员的记录保存至该数据版本被替换或核对结束",
        "只为核对申请人及其家庭成员的情况；与核对无关的人员信息不应保存（最小必要）",
        0,
        "server/verification/imports_service.py finish_import (after matching)",
    ),
    Retention(
        DataClass.RAW_FILES,
        "部门上传的原始文件及其错误文件（加密保存）",
        "30 天后删除（导入失败的文件立即删除）",
        "仅供导入出错时核对与重新导入",
        30 * DAY,
        "server/verification/service.py purge_files (worker, hourly)",
    ),
    Retention(
        DataClass.CODES,
        "短信验证码记录（及开发模式的短信发件箱）",
        "1 天后删除",
        "验证码 5 分钟内有效；保留 1 天用于频率限制与排查",
        DAY,
        "server/retention/service.py (worker, hourly)",
    ),
    Retention(
        DataClass.DISCOVERY_PHOTOS,
        "主动发现报告及走访照片",
        "报告办结后 1 年删除（报告文字记录保留）",
        "走访核实与后续救助衔接需要",
        YEAR,
        "server/retention/service.py (worker, hourly)",
    ),
    Retention(
        DataClass.RATE_COUNTERS,
        "频率限制计数（客户端地址的哈希）",
        "1 天后删除",
        "防止暴力尝试与滥用",
        DAY,
        "server/retention/service.py (worker, hourly)",
    ),
    Retention(
        DataClass.NOTIFICATIONS,
        "发给群众的站内消息",
        "发出后 1 年删除（决定本身保存在案件中）",
        "告知办理进度与决定",
        YEAR,
        "server/retention/service.py (worker, hourly)",
    ),
    Retention(
        DataClass.DATA_RIGHTS,
        "个人信息查阅、更正、删除、解释请求",
        "办结后 3 年删除",
        "证明已依法答复（《个人信息保护法》第五十条）",
        3 * YEAR,
        "server/retention/service.py (worker, hourly)",
    ),
    Retention(
        DataClass.AUDIT,
        "审计记录（全过程留痕）",
        "至少 3 年；应用不删除（数据库触发器拒绝删除），满 3 年后由运维人员归档",
        "《网络安全法》第二十一条要求网络日志至少保存 6 个月；等级保护三级安全审计要求",
        3 * YEAR,
        "the operator (docs/restore-drill.md)",
    ),
)

BY_CLASS = {r.data_class: r for r in TABLE}


def period(data_class: DataClass) -> timedelta:
    days = BY_CLASS[data_class].days
    if days is None:
        raise ValueError(f"{data_class} has no fixed period")
    return timedelta(days=days)


def cutoff(data_class: DataClass, now: datetime) -> datetime:
    """The instant before which the ending event must lie for the data to be deleted now."""
    return now - period(data_class)


def cutoffs(now: datetime) -> dict[DataClass, datetime]:
    return {r.data_class: now - timedelta(days=r.days) for r in TABLE if r.days is not None}
