"""The retention table in English (``huimin retention show --lang en``, docs/data-inventory.md)."""

EN = {
    "生存认证的人脸参照照片及特征值": "Survival-check reference face photos and encodings",
    "列入生存认证期间保存；认证安排结束后 1 年删除": (
        "Kept while the person is on a survival-check schedule; deleted 1 year after it ends"
    ),
    "仅用于确认待遇领取人本人健在（《个人信息保护法》第二十八条，敏感个人信息，取得单独同意或法定职责）；"
    "保留 1 年以便处理认证结束前后的复核与申诉": (
        "Only to confirm that a benefit recipient is alive (PIPL art. 28, sensitive personal information, "
        "separate consent or statutory duty); kept 1 year for reviews and appeals around the end"
    ),
    "生存认证拍摄的画面": "Frames taken during a survival check",
    "认证结束后 30 天删除": "Deleted 30 days after the check closes",
    "仅供人工复核与申诉期间查看；比对完成后不再需要": (
        "Only for a human review or an appeal; not needed once the comparison is done"
    ),
    "救助申请的证明材料（文件与记录）": "Documents of assistance applications (files and rows)",
    "案件办结后 5 年删除": "Deleted 5 years after the case closes",
    "社会救助档案的核查、审计与复查需要（民政部门档案管理规定的保管期限）": (
        "Needed for checks, audits and reviews of social-assistance files (the civil-affairs archive period)"
    ),
    "部门比对数据中既非申请人也非家庭成员的人员记录": (
        "Department rows of people who are neither applicants nor household members"
    ),
    "比对完成即删除（同一次导入的事务内）；在册人员的记录保存至该数据版本被替换或核对结束": (
        "Deleted as soon as matching is done (in the import's own transaction); rows of people on the "
        "register are kept until that data version is replaced or the check ends"
    ),
    "只为核对申请人及其家庭成员的情况；与核对无关的人员信息不应保存（最小必要）": (
        "Only to check applicants and their household members; data of anyone else is not kept "
        "(data minimisation)"
    ),
    "部门上传的原始文件及其错误文件（加密保存）": "Department files as uploaded and their error files (encrypted)",
    "30 天后删除（导入失败的文件立即删除）": "Deleted after 30 days (the file of a failed import at once)",
    "仅供导入出错时核对与重新导入": "Only to check and re-import when an import goes wrong",
    "短信验证码记录（及开发模式的短信发件箱）": "One-time sign-in codes (and the development SMS outbox)",
    "1 天后删除": "Deleted after 1 day",
    "验证码 5 分钟内有效；保留 1 天用于频率限制与排查": (
        "A code is valid for 5 minutes; kept 1 day for rate limits and troubleshooting"
    ),
    "主动发现报告及走访照片": "Photos of reports of people in need, and of the visits",
    "报告办结后 1 年删除（报告文字记录保留）": "Deleted 1 year after the report closes (the report's text stays)",
    "走访核实与后续救助衔接需要": "Needed for the visit and the assistance that follows",
    "频率限制计数（客户端地址的哈希）": "Rate-limit counters (hashes of client addresses)",
    "防止暴力尝试与滥用": "To stop guessing and abuse",
    "发给群众的站内消息": "Messages to citizens in the app",
    "发出后 1 年删除（决定本身保存在案件中）": "Deleted 1 year after sending (the decision itself stays on the case)",
    "告知办理进度与决定": "To tell citizens about progress and decisions",
    "个人信息查阅、更正、删除、解释请求": "Requests to see, correct, delete or explain personal information",
    "办结后 3 年删除": "Deleted 3 years after the request is closed",
    "证明已依法答复（《个人信息保护法》第五十条）": "To show the request was answered as the law asks (PIPL art. 50)",
    "审计记录（全过程留痕）": "The audit trail (every step recorded)",
    "至少 3 年；应用不删除（数据库触发器拒绝删除），满 3 年后由运维人员归档": (
        "At least 3 years; the application never deletes it (database triggers refuse), the operator "
        "archives it after 3 years"
    ),
    "《网络安全法》第二十一条要求网络日志至少保存 6 个月；等级保护三级安全审计要求": (
        "The Cybersecurity Law art. 21 requires network logs for at least 6 months; the MLPS level-3 "
        "security-audit control"
    ),
}
