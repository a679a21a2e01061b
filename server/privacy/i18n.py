"""Notice and consent messages: Chinese first, English given (the privacy notice reads in both)."""

CODES = {
    "privacy.tick": "请勾选确认后再提交。",
    "privacy.scan": "请上传签名的授权书照片。",
    "privacy.already_given": "这项同意已经记录过了。",
    "privacy.not_given": "没有可以撤回的同意。",
    "privacy.not_guardian": "只有申请人的子女或孙子女未成年时，申请人才能作为监护人在线同意；其他情况请到社区签署纸质授权书。",
    "privacy.consents_missing": "还有家庭成员没有同意核对家庭经济状况：同意齐全前不能核对，社区受理也不能通过。",
}

EN = {
    # codes
    "请勾选确认后再提交。": "Tick the box to confirm, then send.",
    "请上传签名的授权书照片。": "Upload a photo of the signed consent form.",
    "这项同意已经记录过了。": "This consent is already on record.",
    "没有可以撤回的同意。": "There is no consent to withdraw.",
    "只有申请人的子女或孙子女未成年时，申请人才能作为监护人在线同意；其他情况请到社区签署纸质授权书。": (
        "The applicant can consent online as guardian only for their own child or grandchild under 18; "
        "otherwise the guardian signs a paper form at the community office."
    ),
    "还有家庭成员没有同意核对家庭经济状况：同意齐全前不能核对，社区受理也不能通过。": (
        "Some household members have not consented to the household economic-status check: until every "
        "consent is present the check cannot run and the community step cannot pass."
    ),
    # templates: service notice
    "我们会问": "What we ask",
    "为什么": "Why",
    "向哪些部门核对": "Which departments' data are checked",
    "保存多久": "How long it is kept",
    "个人信息处理规则（全文）": "Privacy notice (full text)",
    "版本 {version}": "Version {version}",
    # worker's consent page
    "家庭成员授权": "Household members' consent",
    "返回案件": "Back to the case",
    "所有需要的同意都已取得，可以核对家庭经济状况。": (
        "Every consent needed is present: the household economic-status check may run."
    ),
    "还缺少同意：缺少同意时不能核对家庭经济状况，社区受理也不能通过。": (
        "Consents are missing: without them the household economic-status check cannot run and the "
        "community step cannot pass."
    ),
    "成年成员本人在手机上确认，或由社区工作人员上传本人签名的纸质授权书；不满14周岁的由监护人同意；14至17周岁的本人和监护人共同签名。": (
        "Adult members confirm on their own phone, or a community worker uploads the paper form they "
        "signed; for members under 14 a guardian consents; members aged 14 to 17 sign together with a "
        "guardian."
    ),
    "缺少": "Missing",
    "家庭成员的同意齐全后才能核对。": "The check runs once every household member's consent is in.",
    "已齐全": "Complete",
    "记录纸质授权书": "Record a signed paper form",
    "记录本人签名的撤回": "Record a signed withdrawal",
    # applicant's pages
    "家庭成员同意核对": "Household members' consent to the check",
    "核对家庭经济状况前，需要每位家庭成员同意：成年成员本人同意；不满14周岁的由监护人同意；14至17周岁的本人和监护人共同同意。": (
        "Before the household economic-status check, every member must consent: adults themselves; "
        "for children under 14 a guardian; members aged 14 to 17 themselves together with a guardian."
    ),
    "已同意": "Consented",
    "待确认": "still to confirm",
    "请该成员用本人手机号登录惠民服务，实名认证后在“我的授权”中确认；也可以到社区签署纸质授权书。": (
        "Ask this member to sign in to Huimin with their own phone number, verify their identity and "
        "confirm under “My consents”; or to sign a paper form at the community office."
    ),
    "作为监护人同意": "Consent as guardian",
    "请监护人到社区签署纸质授权书。": "The guardian signs a paper consent form at the community office.",
    "同意齐全前，可以提交申请，但社区不能受理通过，也不会向各部门核对。": (
        "You may submit before every consent is in, but the community step cannot pass and no "
        "department's data are checked until then."
    ),
    "申请社会救助前请阅读": "Please read before applying for social assistance",
    "个人信息告知和授权": "Notice and consent",
    "其他家庭成员的同意在后面的步骤中取得。您可以随时在“我的授权”中撤回同意。": (
        "The other household members' consent is asked later. You can withdraw your consent at any time "
        "under “My consents”."
    ),
    "同意并开始填写": "Agree and start",
    "申请人阅读的告知版本": "Notice version the applicant read",
    "报告人阅读的告知版本": "Notice version the reporter read",
    "所有需要的同意都已取得。": "Every consent needed is present.",
    # the full notice
    "个人信息处理规则": "Privacy notice",
    "版本 {version}，{date} 起施行": "Version {version}, in force from {date}",
    "本平台由本市民政局运营，用于办理社会救助等民政服务。下面用简短的话说明我们处理哪些个人信息、为什么、保存多久，以及您有哪些权利。": (
        "This platform is run by the city civil-affairs bureau for social assistance and other "
        "civil-affairs services. Below, in short sentences: which personal information we process, why, "
        "how long we keep it, and your rights."
    ),
    "目录": "Contents",
    "谁处理您的信息": "Who processes your information",
    "处理目的和信息种类": "Purposes and the information collected",
    "敏感个人信息": "Sensitive personal information",
    "保存期限": "How long we keep it",
    "谁会收到您的信息": "Who receives your information",
    "安全措施": "How we keep it safe",
    "您的权利和行使方式": "Your rights and how to use them",
    "投诉": "Complaints",
    "个人信息处理者：{controller}。": "Personal information handler: {controller}.",
    "联系方式：": "Contact: ",
    "我们只收集办理服务所必需的信息；不提供必需的信息，相应的申请无法办理，但不影响其他服务。": (
        "We collect only what a service needs; without the information it needs, that application cannot "
        "be handled, but your other services are not affected."
    ),
    "下列信息一旦泄露或被非法使用，可能损害您的人身、财产安全，属于敏感个人信息。我们只在办理救助等法定职责必需时处理，并事先告知、取得您的单独同意（法律规定无需同意的除外）：": (
        "The information below could harm your safety or property if it leaked or were misused: it is "
        "sensitive personal information. We process it only where our legal duties (such as social "
        "assistance) need it, after telling you and with your separate consent (unless the law says "
        "consent is not needed):"
    ),
    "不满14周岁未成年人的信息，须经其父母或其他监护人同意。": (
        "Information about a child under 14 is processed only with the consent of a parent or other guardian."
    ),
    "期限届满后，信息由系统自动删除或匿名化。": (
        "When the period ends, the platform deletes or anonymises the information automatically."
    ),
    "我的数据": "My data",
    "我们如何处理您的个人信息，请阅读": "How we handle your personal information:",
    "我的授权": "My consents",
    # a member's consents
    "已记录您的同意。": "Your consent is on record.",
    "已撤回同意。": "Your consent is withdrawn.",
    "家人申请救助时需要您本人同意核对。请先在“我的”页面完成实名认证，认证后这里会显示需要您确认的事项。": (
        "When a family member applies for assistance, your own consent to the check is needed. Verify your "
        "identity on the “Me” page first; what you need to confirm is then shown here."
    ),
    "目前没有需要您确认的事项。": "There is nothing for you to confirm now.",
    "确认同意核对家庭经济状况": "Confirm your consent to the household economic-status check",
    "申请编号 {reference}：您的家人申请社会救助，并把您列为共同生活的家庭成员。": (
        "Application {reference}: a family member applied for social assistance and listed you as a "
        "member of the household."
    ),
    "会核对哪些部门的数据": "Which departments' data are checked",
    "各部门核对数据在核对结束时删除；申请材料在案件办结后保存5年。": (
        "Department data are deleted when the check ends; application documents are kept for 5 years "
        "after the case closes."
    ),
    "不同意的，这份申请将无法继续审核。": "Without your consent, this application cannot go on.",
    "已同意核对家庭经济状况": "You consented to the household economic-status check",
    "申请编号 {reference}": "Application {reference}",
    "撤回同意": "Withdraw consent",
    "撤回意味着什么": "What withdrawing means",
    # notice data: controller and sources
    "本市民政局": "the city civil-affairs bureau",
    "公安局": "Public security bureau",
    "卫健委、公安局、殡仪馆": "Health commission, public security bureau, funeral homes",
    "司法局、监狱管理局": "Justice bureau, prison administration",
    "市场监管局": "Market regulation bureau",
    "自然资源和规划局（不动产登记中心）": "Natural resources and planning bureau (real-estate registry)",
    "公安局交警支队": "Traffic police",
    "住房公积金管理中心": "Housing provident fund centre",
    "人力资源和社会保障局": "Human resources and social security bureau",
    "税务局": "Tax bureau",
    "残疾人联合会": "Disabled persons' federation",
    "民政局、组织部": "Civil-affairs bureau, organisation department",
    "其他地区民政部门": "Civil-affairs departments of other areas",
    "户籍登记": "Hukou registry",
    "死亡和火化": "Deaths and cremations",
    "服刑人员": "Prisoners",
    "工商登记": "Business registrations",
    "不动产登记": "Real estate",
    "机动车登记": "Vehicles",
    "住房公积金": "Housing provident fund",
    "社会保险和养老金": "Social insurance and pensions",
    "个人所得税收入": "Tax income",
    "残疾人登记": "Disability registry",
    "民政干部及近亲属": "Civil-affairs staff and close relatives",
    "外地救助名单": "Assistance paid elsewhere",
    # retention
    "人脸参考照片和特征值": "Face reference photos and encodings",
    "在生存认证期间保存，认证安排结束后1年删除": (
        "Kept while the person is on a survival-check schedule; deleted 1 year after it ends"
    ),
    "生存认证时拍摄的画面": "Frames taken during a survival check",
    "认证结束后30天删除": "Deleted 30 days after the check closes",
    "申请材料（证件照片、证明、核对报告）": "Application documents (ID photos, certificates, check reports)",
    "案件办结后保存5年": "Kept 5 years after the case closes",
    "各部门核对数据": "Department data used for the check",
    "核对结束时删除；与申请人和家庭成员无关的人员记录在匹配后即删除": (
        "Deleted when the check ends; records of people who are neither applicants nor household members "
        "are dropped right after matching"
    ),
    "部门上传的原始文件": "Raw files uploaded by departments",
    "30天": "30 days",
    "短信验证码": "SMS one-time codes",
    "1天": "1 day",
    "主动发现报告的照片": "Photos in discovery reports",
    "报告办结后1年": "1 year after the report closes",
    "访问频率计数": "Rate-limit counters",
    "操作日志（审计记录）": "Audit trail",
    "3年（法律要求至少6个月）": "3 years (the law requires at least 6 months)",
    "查阅、更正、删除等请求": "Requests to see, correct or delete data",
    "3年": "3 years",
    # purposes
    "审核低保、特困、临时救助和医疗救助的申请，计算和发放救助金，定期复核。": (
        "Deciding applications for minimum living allowance, support for the extremely poor, temporary "
        "and medical assistance; computing and paying benefits; periodic reviews."
    ),
    "姓名、身份证号码、手机号码、住址": "Name, ID number, mobile number, address",
    "家庭成员及关系": "Household members and relationships",
    "收入、存款、房产、车辆": "Income, savings, property, vehicles",
    "健康状况和残疾等级": "Health and disability grade",
    "银行卡号": "Bank card number",
    "确认领取待遇的人仍然健在，避免冒领。": (
        "Confirming that people receiving benefits are alive, so that no one else draws them."
    ),
    "人脸照片和特征值（须另行单独同意）": "Face photos and encodings (only with a separate consent)",
    "认证时拍摄的画面": "Frames taken during the check",
    "帮助可能需要救助的人，由社区工作人员上门核实。": (
        "Helping people who may need assistance: a community worker visits to check."
    ),
    "报告人的手机号码": "The reporter's mobile number",
    "被报告人的情况、位置和照片": "The situation, location and photo of the person reported",
    "证明开具": "Certificates",
    "开具居住证明，供办事单位扫码核验真伪。": (
        "Issuing residence certificates that offices can verify by scanning."
    ),
    "居住地址和起始日期": "Your address and since when you live there",
    "姓名、身份证号码": "Name, ID number",
    "预约殡葬服务，核对惠民殡葬减免资格。": ("Booking funeral services and checking the funeral fee waiver."),
    "逝者和经办人的姓名、身份证号码": "Names and ID numbers of the deceased and of the person arranging",
    "死亡证明信息": "Death certificate details",
    # sensitive
    "健康状况、疾病和残疾信息": "Health, illness and disability",
    "收入、存款、房产、车辆等财产信息": "Income, savings, property, vehicles and other assets",
    "服刑等违法犯罪记录": "Criminal records, such as a prison sentence",
    "人脸照片和特征值": "Face photos and encodings",
    "不满14周岁未成年人的个人信息": "Personal information of children under 14",
    # recipients
    "为核对家庭经济状况，民政部门向上述各部门查询您和家庭成员的信息；这些部门只回答查询，不因此取得您的申请内容。": (
        "To check the household's economic status, civil affairs asks the departments above about you and "
        "your household members; they only answer, and do not receive your application."
    ),
    "批准后，按规定在社区公示申请人姓名（部分遮盖）、救助类别和金额，不公示身份证号码、健康和财产明细。": (
        "Once approved, the applicant's name (partly masked), the benefit and the amount are posted in the "
        "community as the rules require; never ID numbers, health or asset details."
    ),
    "救助金通过代发银行发放到您的银行卡，银行只取得姓名、卡号和金额。": (
        "Benefits are paid to your bank card by the paying bank, which receives only the name, card number "
        "and amount."
    ),
    "法律、行政法规规定的其他情形（例如审计、纪检监察依法调取）。": (
        "Other cases laws and regulations provide for (for example an audit or a disciplinary inquiry)."
    ),
    "您的个人信息存放在境内，不向境外提供。": (
        "Your personal information is stored in China and is not provided abroad."
    ),
    # rights
    "查阅、复制：在“我的数据”页面查看并下载平台保存的您的信息，以及哪些工作人员和部门在何时查看过。": (
        "See and copy: on the “My data” page, view and download what the platform holds about you, and "
        "which staff and departments looked at it and when."
    ),
    "更正、补充：信息有误，可在“我的数据”页面提出更正请求。": (
        "Correct: if something is wrong, ask for a correction on the “My data” page."
    ),
    "删除：处理目的已实现、保存期限已届满或您撤回同意后，可以请求删除；法律要求保存的记录除外。": (
        "Delete: once the purpose is met, the period has ended or you withdrew consent, you may ask for "
        "deletion, except records the law requires us to keep."
    ),
    "撤回同意：可以随时撤回对核对家庭经济状况的同意；撤回不影响撤回前已进行的核对。": (
        "Withdraw consent: you may withdraw your consent to the household check at any time; checks made "
        "before stay valid."
    ),
    "要求解释：对自动计算或自动提示的结果，可以要求工作人员解释，并要求人工复核。": (
        "Ask for an explanation: of any result computed or flagged automatically, and for a person to "
        "review it."
    ),
    "注销账号：可以在“我的数据”页面注销账号。": "Close your account: on the “My data” page.",
    # complaints
    "我们在收到请求后15个工作日内答复。": "We answer within 15 working days of your request.",
    "对处理结果不满意的，可以向本市网信部门投诉、举报，或者依法申请行政复议、提起诉讼。": (
        "If you are not satisfied, you may complain to the city's cyberspace administration, or apply for "
        "administrative reconsideration or go to court."
    ),
    # security
    "身份证号码、银行卡号等加密保存，查询使用不可逆的密钥散列。": (
        "ID and bank card numbers are stored encrypted; look-ups use a keyed one-way hash."
    ),
    "工作人员只能查看本辖区的案件，每一次查看敏感信息都记入不可篡改的操作日志。": (
        "Staff see only the cases of their own area, and every view of sensitive information goes into a "
        "tamper-evident audit trail."
    ),
    "发生个人信息泄露时，我们立即采取补救措施，并通知您和主管部门。": (
        "If personal information leaks, we act at once to limit the harm and tell you and the authorities."
    ),
    # service notices
    "申请人和家庭成员的姓名、身份证号码、关系": "Names, ID numbers and relationships of the applicant and members",
    "收入、存款、房产、车辆等财产状况": "Income, savings, property, vehicles and other assets",
    "收款银行卡号和证明材料照片": "The bank card for payment, and photos of documents",
    "用于判断您的家庭是否符合救助条件、计算救助金额。其中身份证号码、财产、健康信息是敏感个人信息，不提供则无法审核申请。": (
        "To decide whether your household qualifies and to compute the amount. ID numbers, assets and "
        "health are sensitive personal information; without them the application cannot be decided."
    ),
    "申请材料在案件办结后保存5年；各部门核对数据在核对结束时删除。": (
        "Application documents are kept 5 years after the case closes; department data are deleted when "
        "the check ends."
    ),
    "报告前请阅读": "Please read before you report",
    "您的手机号码（用于回访，不告知被报告人）": (
        "Your mobile number (for follow-up; never told to the person reported)"
    ),
    "被报告人的情况和位置": "The situation and location of the person reported",
    "现场照片（可不拍）": "A photo of the scene (optional)",
    "用于社区工作人员上门核实和帮助。请只填写帮助对方所需的信息；涉及健康等情况时请简要说明。": (
        "So that a community worker can visit and help. Give only what is needed to help; describe health "
        "matters briefly."
    ),
    "报告办结后1年删除照片；报告记录按案件保存。": (
        "Photos are deleted 1 year after the report closes; the report is kept with the case."
    ),
    "申请证明前请阅读": "Please read before requesting a certificate",
    "您的姓名和身份证号码（来自实名认证）": "Your name and ID number (from your verified identity)",
    "证明的用途": "What the certificate is for",
    "用于开具证明，并让办事单位扫码核验真伪；核验页面只显示遮盖后的姓名和证明内容。": (
        "To issue the certificate and let offices verify it by scanning; the verification page shows only "
        "the masked name and what the certificate says."
    ),
    "证明和开具记录保存5年。": "Certificates and their records are kept for 5 years.",
    "核对家庭经济状况：民政部门将凭身份证号码，向下列部门查询申请人和每位家庭成员的户籍、收入、存款、房产、车辆、社保、纳税等信息。每位成年家庭成员都须本人同意；不满14周岁的由监护人同意；14至17周岁的本人和监护人共同同意。": (
        "The household economic-status check: by ID number, civil affairs asks the departments below about "
        "the hukou, income, savings, property, vehicles, social insurance and taxes of the applicant and "
        "each household member. Every adult member consents themself; for children under 14 a guardian "
        "consents; members aged 14 to 17 consent together with a guardian."
    ),
    "撤回后，民政部门不再为这份申请核对您的信息：申请将无法继续审核；正在审核的救助可能因此中止。": (
        "After you withdraw, civil affairs no longer checks your information for this application: the "
        "application cannot go on, and a benefit under review may stop."
    ),
    "撤回前已经进行的核对和作出的决定仍然有效，相关记录依法保存，不会删除。": (
        "Checks made and decisions taken before you withdrew stay valid; their records are kept as the law "
        "requires and are not deleted."
    ),
    "您可以随时重新同意。": "You can consent again at any time.",
    # rules labels
    "本人同意": "own consent",
    "监护人同意": "guardian's consent",
    "本人在线确认": "confirmed online by the member",
    "纸质授权书": "signed paper form",
    "申请人作为监护人确认": "confirmed by the applicant as guardian",
    # form fields
    "我已阅读以上告知，并同意民政部门核对我本人的家庭经济状况": (
        "I have read the notice above and consent to civil affairs checking my household's economic status"
    ),
    "我已阅读以上告知，同意民政部门为这份申请核对我本人的收入和财产状况": (
        "I have read the notice above and consent to civil affairs checking my income and assets for this "
        "application"
    ),
    "我是该未成年人的监护人，同意为这份申请核对其信息": (
        "I am this minor's guardian and consent to the check of their information for this application"
    ),
    "我明白撤回的后果，确定撤回同意": "I understand what withdrawing means and withdraw my consent",
    "签名的授权书照片": "Photo of the signed consent form",
    "本人签名；不满18周岁的，还须监护人签名": "Signed by the member; under 18, also by a guardian",
    "我已核对签名人的身份证件，授权书由本人（及监护人）签署": (
        "I checked the signer's ID: the form is signed by the member (and the guardian)"
    ),
    "12345 政务服务便民热线；市民政局（个人信息保护负责人）": (
        "12345 government service hotline; the city civil-affairs bureau (personal information protection officer)"
    ),
}
