from server.i18n import register

CODES = {
    "certificate.real_name": "申请居住证明需要先完成实名认证。",
    "certificate.since": "请填写正确的居住起始日期（不能晚于今天）。",
    "certificate.not_requested": "该申请已经处理过了。",
    "certificate.not_issued": "只有已出具的证明可以作废。",
    "certificate.not_issuer": "只有出具或居住地社区可以作废该证明。",
    "certificate.evidence": "请填写核实依据。",
    "certificate.status.requested": "待社区核实",
    "certificate.status.issued": "已出具",
    "certificate.status.rejected": "不予出具",
    "certificate.status.revoked": "已作废",
}
EN = {
    "居住证明": "Residence certificate",
    "申请、下载和核验居住证明": "Request, download and verify residence certificates",
    "真实有效": "Genuine and valid",
    "已作废": "Revoked",
    "已过期": "Expired",
    "查无此证明，可能是伪造的": "No such certificate: it may be forged",
    "居住证明核验": "Certificate verification",
    "待社区核实": "Waiting for the community to check",
    "已出具": "Issued",
}
register(CODES, EN)
