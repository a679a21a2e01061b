"""The written data-exchange standard (Markdown) and the JSON Schemas, made from ``SOURCES`` so
that the documents and the checks cannot drift apart (``huimin verification standard`` writes
them to ``docs/``; a test compares)."""

from __future__ import annotations

import json
from pathlib import Path

from server.verification.rules import RULES
from server.verification.sources import SOURCES, TYPE_MESSAGES, json_schema

TYPES = {
    "id": "身份证号",
    "text": "文本（≤64 字）",
    "date": "日期 YYYY-MM-DD",
    "year": "年度 YYYY",
    "money": "金额（元，≤2 位小数）",
    "area": "面积（平方米，≤2 位小数）",
    "region": "区划代码",
    "enum": "代码",
}


def markdown() -> str:
    out = [
        "# 家庭经济状况核对数据交换标准（Huimin verification data-exchange standard）",
        "",
        "本文件由 `server/verification/sources.py` 生成（`huimin verification standard`），与系统的逐行校验一致。",
        "每个数据源的机器可读定义见 `docs/schemas/<数据源>.json`（JSON Schema 2020-12）。",
        "",
        "## 通用规则",
        "",
        "- 文件：CSV（UTF-8，可带 BOM；或 GB18030）或 Excel .xlsx（第一个工作表）。第一行为字段名或中文列名，列的顺序不限，多余的列忽略。",
        "- 接口：`POST /api/verification/<数据源>`，请求头 `Authorization: Bearer <密钥>`，"
        '请求体 `{"rows": [行, ...], "mode": "append|replace"}`，'
        "每次最多 50,000 行；每个密钥只能推送授权的数据源。应答给出版本号、接受和拒绝行数、新产生预警数和前 100 个被拒绝行的问题。",
        "- 公民身份号码：18 位并通过校验位；15 位旧号码自动升为 18 位（补“19”并计算校验位）。系统只保存号码的密钥散列，不保存明文。",
        "- 没有身份证号的行必须有姓名和出生日期；这种记录只作为“可能匹配”（姓名规范化后与出生日期都相同），须工作人员确认后才参与核对。",
        "- 每一行单独校验：有问题的行写入可下载的错误文件（行号、问题、原始内容），其余行照常导入。",
        "- 每次导入是一个版本（数据源、版本号、导入人、时间、行数）。“追加”的版本累积生效；“全量替换”的版本生效后上一版本失效。任一版本可以回滚：",
        "  它的数据删除，被它替换的版本恢复，它产生的未处理预警撤回。",
        "- 同一事实（同一数据源、同一人、同样的类型、编号和日期）无论导入几次，只产生一条预警。",
        "",
        "## 校验问题的说法",
        "",
    ]
    out += [f"- {TYPES[t]}：{m}" for t, m in TYPE_MESSAGES.items() if t in TYPES]
    out += ["", "## 数据源", ""]
    for s in SOURCES.values():
        out += [
            f"### {s.label}（`{s.code}`，{s.label_en}）",
            "",
            f"提供单位：{s.department}。默认导入方式：{'追加' if s.mode == 'append' else '全量替换'}。{s.note}",
            "",
            "| 字段名 | 中文列名 | 类型 | 必填 | 说明 |",
            "|---|---|---|---|---|",
        ]
        for f in s.all_fields:
            note = f.description + ("取值：" + " / ".join(f.choices) if f.choices else "")
            out.append(
                f"| `{f.name}` | {f.label} | {TYPES[f.type]} | {'是' if f.required else ''} | {note} |"
            )
        out.append("")
    out += ["## 核对规则", "", "| 规则 | 名称 | 等级 | 复核建议 | 含义 |", "|---|---|---|---|---|"]
    for r in RULES.values():
        out.append(f"| `{r.code}` | {r.label} | {r.severity} | {r.proposal} | {r.explain} |")
    return "\n".join(out) + "\n"


def schemas() -> dict[str, str]:
    return {
        code: json.dumps(json_schema(s), ensure_ascii=False, indent=2) + "\n" for code, s in SOURCES.items()
    }


def write(folder: Path) -> None:
    (folder / "schemas").mkdir(parents=True, exist_ok=True)
    (folder / "verification-data-standard.md").write_text(markdown(), encoding="utf-8")
    for code, text in schemas().items():
        (folder / "schemas" / f"{code}.json").write_text(text, encoding="utf-8")
