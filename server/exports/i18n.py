CODES = {
    "export.kind": "不能导出这项内容，或不支持这种文件格式。",
    "export.reason": "请填写导出理由（不超过500字）。",
    "export.state": "这项导出申请当前状态下不能进行此操作（可能已审批、已撤回、已过期或下载次数已用完）。",
    "export.self": "不能审批自己提出的导出申请，请由另一名有审批权限的工作人员审批。",
    "export.opinion": "不批准时请填写审批意见。",
    "export.not_yours": "只有提出申请的工作人员本人可以下载或撤回。",
    "export.expired": "这项导出已过有效期，请重新申请。",
}
EN = {
    CODES["export.kind"]: "This cannot be exported, or not in this file format.",
    CODES["export.reason"]: "Please give the reason for the export (500 characters at most).",
    CODES["export.state"]: "This export request cannot be changed now (it may already be decided, "
    "withdrawn, expired or downloaded as often as allowed).",
    CODES["export.self"]: "You cannot approve your own export request; another member of staff with the "
    "right to approve must decide it.",
    CODES["export.opinion"]: "Please give your opinion when you refuse an export.",
    CODES[
        "export.not_yours"
    ]: "Only the member of staff who asked for the export may download or withdraw it.",
    CODES["export.expired"]: "This export has expired; please ask again.",
    # navigation
    "我的导出": "My exports",
    "导出审批": "Export approvals",
    # kinds and what they hold
    "资金发放名册": "Payment roll",
    "户主姓名、银行账号、救助金额": "Household heads' names, bank account numbers, amounts",
    "家庭经济状况核对报告": "Household means verification report",
    "家庭成员的部门核对记录（收入、财产、死亡、服刑等）": "Department records of the household's members "
    "(income, property, deaths, prison...)",
    "申请的核对报告": "Verification report of an application",
    "申请人及家庭成员的部门核对记录": "Department records of the applicant and the household's members",
    "案件材料打包": "A case's documents, as a bundle",
    "申请人上传的证件和证明材料": "The ID papers and proofs the applicant uploaded",
    "部门数据错误行": "Rejected rows of a department file",
    "被拒绝的部门数据行（含身份证号码）": "The rejected rows of a department's data (with ID numbers)",
    # states
    "待审批": "Waiting for approval",
    "已批准，可下载": "Approved, ready to download",
    "未批准": "Refused",
    "已撤回": "Withdrawn",
    "下载次数已用完": "Downloaded as often as allowed",
    "已过期": "Expired",
    # forms
    "文件格式": "File format",
    "导出理由": "Reason for the export",
    "说明用途，例如：报送银行代发；审批人据此决定是否批准": "Say what it is for, e.g. sent to the bank for "
    "payment; the approver decides on it",
    "审批结果": "Decision",
    "批准导出": "Approve the export",
    "不批准": "Refuse",
    "审批意见": "Opinion",
    "不批准时必须填写理由": "Required when you refuse",
    # pages
    "申请导出": "Ask for an export",
    "导出含个人信息的文件，须由另一名有审批权限的工作人员批准；批准后只能由您本人在限定时间内下载有限次数，"
    "每次下载都记入审计日志。": "A file with personal data is exported only once another member of staff "
    "with the right to approve has approved it; then only you may download it, within a limited time and a "
    "limited number of times, and every download is written to the audit log.",
    "提交导出申请": "Send the export request",
    "发放名册、核对报告、案件材料等含个人信息的文件，须在相应页面申请导出，经另一名工作人员批准后在这里下载。": (
        "Files with personal data (payment rolls, verification reports, case documents) are asked for on their "
        "own page and downloaded here once another member of staff has approved them."
    ),
    "导出申请": "Export requests",
    "内容": "Content",
    "格式": "Format",
    "理由": "Reason",
    "申请人": "Requested by",
    "状态": "Status",
    "操作": "Actions",
    "下载": "Download",
    "已下载 {done}/{allowed} 次，{until} 前有效": "Downloaded {done} of {allowed} times, valid until {until}",
    "撤回": "Withdraw",
    "还没有导出申请。": "No export requests yet.",
    "请核对导出内容和理由是否必要；您不能审批自己提出的导出。": "Check that the content and the reason are "
    "necessary; you cannot approve your own export.",
    "待审批的导出": "Exports waiting for approval",
    "审批": "Decision",
    "提交": "Submit",
    "没有待审批的导出。": "No exports are waiting for approval.",
    "我最近审批的导出": "Exports I decided lately",
    "还没有审批过导出。": "You have not decided any export yet.",
}
