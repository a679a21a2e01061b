"""Messages of identity binding and staff sign-in (codes first in Chinese, then English)."""

CODES = {
    "password.common": "这个密码太常见，很容易被猜到，请换一个。",
    "password.personal": "密码不能包含用户名或姓名。",
    "password.same": "新密码不能与当前密码相同。",
    "login.too_many_address": "当前网络登录失败次数过多，请15分钟后再试。",
    "session.expired": "登录已过期（长时间未操作，或登录时间已达上限），为保护数据已自动退出。请重新登录，登录后回到原来的页面。",
    "user.own_role": "不能修改自己账号的角色，请由另一位安全管理员操作。",
    "user.own_active": "不能停用自己的账号，请由另一位安全管理员操作。",
    "identity.mismatch": "姓名与登记信息不一致，请填写与身份证一致的姓名。",
    "identity.too_many": "今天提交实名认证的次数太多，请明天再试或到社区办理。",
    "identity.bound": "本账号已实名认证为其他人，不能再绑定别的身份证号码。如需更改请到社区办理。",
    "identity.deceased": "登记信息显示此人已故，不能绑定。如登记有误，请联系社区工作人员。",
    "identity.no_face": "没有可以刷脸核实的实名认证，请先提交实名认证，或到社区当面核实。",
    "identity.face_spent": "刷脸核实次数已用完，请带身份证到社区当面核实。",
    "identity.decided": "该事项已经处理过了。",
    "identity.note": "请填写意见。",
    "identity.dispute.open": "异议处理中",
    "identity.dispute.upheld": "异议成立，已绑定到您的账号",
    "identity.dispute.dismissed": "异议未获支持",
    "assistance.identity": "申请人为账号实名认证的本人：请先在“我的”页面完成实名认证（身份待核实期间不能申请）。",
    "assistance.identity_changed": "账号的实名信息已变更，请重新确认申请人信息后再提交。",
}

EN = {
    CODES["password.common"]: "That password is too common and easy to guess. Choose another.",
    CODES["password.personal"]: "The password cannot contain the username or the name.",
    CODES["password.same"]: "The new password must differ from the current one.",
    CODES["login.too_many_address"]: "Too many failed sign-ins from this network. Try again in 15 minutes.",
    CODES["session.expired"]: "You were signed out to protect the data (no activity for a while, or the "
    "longest sign-in time was reached). Sign in again to return to the page you were on.",
    CODES["user.own_role"]: "You cannot change your own account's role: another security administrator must.",
    CODES["user.own_active"]: "You cannot disable your own account: another security administrator must.",
    "长期未登录，已停用": "Disabled: not signed in for a long time",
    "您的密码已超过90天未更换，请先修改密码再开始工作。": "Your password is more than 90 days old. "
    "Change it before you start work.",
    "您的密码是管理员设置的，请先设置您自己的密码再开始工作。": "An administrator set your password. "
    "Choose your own before you start work.",
    "开始工作前，请先开启双重验证（用手机上的身份验证器App）。": "Before you start work, turn on two-step "
    "verification (with an authenticator app on your phone).",
    "进入工作台": "Go to the dashboard",
    "至少12个字符，包含大写字母、小写字母、数字、符号中的至少3种；不能是常见密码，不能包含用户名或姓名。": "At least 12 "
    "characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols; not a common "
    "password, and not containing the username or the name.",
    "该账号超过90天未登录，已由系统自动停用。勾选“正常”并保存即可重新启用（会记入审计日志）。": "This account was "
    "not signed in for more than 90 days and was disabled automatically. Tick 'Active' and save to enable it "
    "again (this is recorded in the audit trail).",
    "重置密码": "Reset password",
    "设置一个临时密码并当面告知本人；本人下次登录后必须先改成自己的密码。": "Set a temporary password and give "
    "it to the person directly; at the next sign-in they must change it to their own.",
    "临时密码": "Temporary password",
    "本人丢失了身份验证器时，可以清除双重验证；本人登录后须重新开启。": "If the person lost their authenticator, "
    "clear two-step verification; they must turn it on again after signing in.",
    "清除双重验证": "Clear two-step verification",
    CODES[
        "identity.mismatch"
    ]: "The name does not match the register. Enter the name exactly as on the ID card.",
    CODES[
        "identity.too_many"
    ]: "Too many identity attempts today. Try again tomorrow or visit your community office.",
    CODES[
        "identity.bound"
    ]: "This account is already verified as another person and cannot bind another ID number. "
    "Visit your community office to change it.",
    CODES[
        "identity.deceased"
    ]: "The register records this person as deceased, so the number cannot be bound. "
    "If that is wrong, contact the community office.",
    CODES["identity.no_face"]: "There is no identity claim to verify by face. Submit your identity first, "
    "or have it checked in person at your community office.",
    CODES[
        "identity.face_spent"
    ]: "No face attempts left. Bring your ID card to your community office to be checked in person.",
    CODES["identity.decided"]: "This has already been decided.",
    CODES["identity.note"]: "Please write your opinion.",
    CODES["identity.dispute.open"]: "Dispute being handled",
    CODES["identity.dispute.upheld"]: "Dispute upheld: the number is now bound to your account",
    CODES["identity.dispute.dismissed"]: "Dispute not upheld",
    CODES[
        "assistance.identity"
    ]: "You apply as the person verified on this account: verify your identity on the "
    "Me page first (you cannot apply while it is waiting to be checked).",
    CODES[
        "assistance.identity_changed"
    ]: "The identity bound to this account has changed. Check the applicant step again before submitting.",
    # pages
    "可以申请社会救助和办理证明；申请时由社区当面核实身份。": "You can apply for assistance and request certificates; "
    "the community checks your identity in person when you apply.",
    "异议已提交，社区工作人员会联系您当面核实。": "Dispute sent. Community staff will contact you to check it in person.",
    "实名认证待核实": "Identity waiting to be checked",
    "核实完成前，账号不能查看此人的待遇信息，也不能进行生存认证。": "Until it is checked, this account cannot see this "
    "person's benefits or make their survival check.",
    "您可以现在刷脸核实：与社区为您采集的参考照片比对，约10秒钟。": "You can verify by face now: you are compared with "
    "the reference photo your community took. It takes about 10 seconds.",
    "刷脸未能核实身份。可以重新刷脸，或带身份证到社区当面核实。": "The face check did not confirm your identity. "
    "Try again, or bring your ID card to your community office.",
    "刷脸核实": "Verify by face",
    "也可以带身份证到所在社区，由工作人员当面核实。": "You can also bring your ID card to your community office to be checked in person.",
    "这是我的身份证号码": "This is my ID number",
    "如果您的身份证号码被别人绑定了，请提出异议。社区工作人员会联系您当面核实，核实后解除对方的绑定。": "If someone "
    "else has bound your ID number, raise a dispute. Community staff check it with you in person and then unbind the "
    "other account.",
    "情况说明（可不填）": "What happened (optional)",
    "提出异议": "Raise a dispute",
    "身份证号码被别人绑定了？提出异议": "Someone else bound your ID number? Raise a dispute",
    "您的身份还没有核实：请先在“我的”页面完成实名认证并核实身份。": "Your identity has not been checked yet: "
    "verify it on the Me page first.",
    "去核实": "Verify now",
    "申请人为本账号实名认证的本人，不能更改。为家人申请时，请由本人账号申请或到社区办理。": "The applicant is the "
    "person verified on this account and cannot be changed. To apply for a relative, use their own account or "
    "visit the community office.",
    "申请人为账号实名认证的本人：请先在“我的”页面完成实名认证。": "You apply as the person verified on this account: "
    "verify your identity on the Me page first.",
    "去实名认证": "Verify identity",
    "实名核实": "Identity checks",
    "请当面查验身份证原件并确认是本人后再操作；不通过、支持异议和驳回异议都须填写意见。所有操作都会留痕。": "Check the "
    "original ID card in person before acting; refusing, upholding or dismissing needs an opinion. Every action is "
    "recorded.",
    "待核实的实名绑定": "Identity claims to check",
    "多个账号申请绑定此人": "Several accounts claim this person",
    "刷脸未通过": "Face checks failed",
    "已当面核实，确认": "Checked in person: confirm",
    "没有待核实的实名绑定。": "No identity claims to check.",
    "实名异议": "Identity disputes",
    "提出人手机": "Disputing phone",
    "现绑定账号": "Account holding it",
    "情况说明": "What happened",
    "是本人，解除对方绑定": "It is them: unbind the other account",
    "驳回": "Dismiss",
    "没有待处理的异议。": "No disputes to handle.",
}
