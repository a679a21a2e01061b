"""The audit trail's messages: what `huimin audit verify` and /office/audit/verify say."""

CODES = {
    "audit.chain.intact": "审计链完整：共校验 {checked} 条记录。",
    "audit.chain.missing": "审计链在第 {seq} 条记录处断裂：该记录缺失（被删除，或记录数与链头不符）。",
    "audit.chain.link": "审计链在第 {seq} 条记录处断裂：它记下的上一条哈希与上一条记录不符。",
    "audit.chain.content": "审计链在第 {seq} 条记录处断裂：记录内容与其密钥哈希不符（被改动，或哈希不是用本系统的密钥算的）。",
    "audit.chain.head": "审计链在第 {seq} 条记录处断裂：链头记下的哈希不是最后一条记录的。",
    "audit.anchor.intact": "锚点相符：共 {checked} 个，最近一个在第 {seq} 条记录（{at}）。",
    "audit.anchor.empty": "还没有锚点（审计链为空）。",
    "audit.anchor.none": "找不到任何锚点，而审计链已有记录：锚点被删除，或从未写出（请检查 HUIMIN_AUDIT_ANCHOR）。",
    "audit.anchor.malformed": "第 {n} 个锚点无法读取（被改动或截断）。",
    "audit.anchor.signature": "第 {n} 个锚点的签名无效：锚点被改动，或不是用本系统的签名密钥签的。",
    "audit.anchor.sequence": "第 {n} 个锚点与前一个接不上：有锚点被删除、插入或调换。",
    "audit.anchor.rewound": "第 {n} 个锚点指向的第 {seq} 条记录早于前一个锚点：锚点顺序被改动。",
    "audit.anchor.keyed_from": "第 {n} 个锚点记下的密钥起始记录与数据库不符：有人改动了哪些记录算作旧式记录。",
    "audit.anchor.gone": "第 {n} 个锚点指向的第 {seq} 条记录已不存在：审计链末尾被删除、链头被回拨。",
    "audit.anchor.hash": "第 {n} 个锚点记下的第 {seq} 条记录哈希与现存记录不符：记录被改写。",
    "audit.anchor.written": "已写出第 {n} 个锚点：第 {seq} 条记录。",
    "audit.anchor.not_due": "无需新锚点：最近一个锚点已是第 {seq} 条记录。",
    "audit.anchor.refused.rewound": "拒绝写出锚点：链头早于最近一个锚点所指的第 {seq} 条记录，审计链末尾可能被删除。",
    "audit.anchor.refused.malformed": "拒绝写出锚点：最近一个锚点无法读取。",
    "audit.anchor.refused.head": "拒绝写出锚点：链头与最后一条记录不符。",
    "audit.anchor.refused.content": "拒绝写出锚点：最后一条记录与其密钥哈希不符。",
}

EN = {
    CODES["audit.chain.intact"]: "The audit chain is intact: {checked} records checked.",
    CODES[
        "audit.chain.missing"
    ]: "The audit chain breaks at record {seq}: the record is missing (deleted, or the head counts more records).",
    CODES[
        "audit.chain.link"
    ]: "The audit chain breaks at record {seq}: the previous hash it names is not the previous record's.",
    CODES[
        "audit.chain.content"
    ]: "The audit chain breaks at record {seq}: the record does not match its keyed hash (altered, or hashed without this system's key).",
    CODES[
        "audit.chain.head"
    ]: "The audit chain breaks at record {seq}: the head row names a hash that is not the last record's.",
    CODES["audit.anchor.intact"]: "The anchors match: {checked} checked, the last at record {seq} ({at}).",
    CODES["audit.anchor.empty"]: "No anchor yet (the audit chain is empty).",
    CODES[
        "audit.anchor.none"
    ]: "No anchor found although the trail has records: the anchors were deleted or never written (check HUIMIN_AUDIT_ANCHOR).",
    CODES["audit.anchor.malformed"]: "Anchor {n} cannot be read (altered or cut short).",
    CODES[
        "audit.anchor.signature"
    ]: "Anchor {n} has an invalid signature: altered, or not signed with this system's signing key.",
    CODES[
        "audit.anchor.sequence"
    ]: "Anchor {n} does not follow the one before it: anchors were deleted, inserted or reordered.",
    CODES[
        "audit.anchor.rewound"
    ]: "Anchor {n} names record {seq}, before the previous anchor's: the anchors were reordered.",
    CODES[
        "audit.anchor.keyed_from"
    ]: "Anchor {n} records a different first keyed record than the database: someone changed which records count as old-style.",
    CODES[
        "audit.anchor.gone"
    ]: "Anchor {n} names record {seq}, which no longer exists: the end of the trail was deleted and the head rewound.",
    CODES[
        "audit.anchor.hash"
    ]: "Anchor {n} names record {seq} with a hash the stored record no longer has: the record was rewritten.",
    CODES["audit.anchor.written"]: "Anchor {n} written: record {seq}.",
    CODES["audit.anchor.not_due"]: "No new anchor needed: the last one already names record {seq}.",
    CODES[
        "audit.anchor.refused.rewound"
    ]: "Anchor refused: the head is before record {seq}, which the last anchor names; the end of the trail may have been deleted.",
    CODES["audit.anchor.refused.malformed"]: "Anchor refused: the last anchor cannot be read.",
    CODES["audit.anchor.refused.head"]: "Anchor refused: the head row does not match the last record.",
    CODES["audit.anchor.refused.content"]: "Anchor refused: the last record does not match its keyed hash.",
}
