"""Every question a form asks has its English text: a reader who chose English never meets a
Chinese label, hint or option on a form (the Field definitions are the one source of them)."""

from __future__ import annotations

import importlib
import pathlib
import pkgutil
import re

import server
from server.assistance import answers
from server.domains import register_messages
from server.forms import Field
from server.i18n import EN


def _fields() -> list[tuple[str, Field]]:
    found = []
    for mod in pkgutil.walk_packages(server.__path__, "server."):
        if not mod.name.endswith(".forms"):
            continue
        module = importlib.import_module(mod.name)
        for name, value in vars(module).items():
            values = (
                value.values()
                if isinstance(value, dict)
                else value
                if isinstance(value, list | tuple)
                else [value]
            )
            for v in values:
                if isinstance(v, Field):
                    found.append((f"{mod.name}.{name}", v))
    for step in answers.STEPS:
        found += [(f"answers.{step.name}", f) for f in step.fields]
    return found


def test_every_form_question_hint_and_option_reads_in_english():
    register_messages()
    missing = sorted(
        {
            f"{where}: {text}"
            for where, f in _fields()
            for text in (f.label, f.hint, getattr(f, "placeholder", None), *f.options.values())
            if text and any("\u4e00" <= ch <= "\u9fff" for ch in text) and text not in EN
        }
    )
    assert not missing, "Add English for these (the domain's i18n.py EN table):\n" + "\n".join(missing)


TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "templates"
_LITERAL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def test_every_chinese_text_the_templates_translate_reads_in_english():
    """The office and citizen pages' own words: each ``_("中文")`` literal in a template has its English."""
    register_messages()
    missing = sorted(
        {
            f"{path.relative_to(TEMPLATES)}: {text}"
            for path in TEMPLATES.rglob("*.html")
            for m in _LITERAL.finditer(path.read_text(encoding="utf-8"))
            for text in [m.group(1) if m.group(1) is not None else m.group(2)]
            if any("\u4e00" <= ch <= "\u9fff" for ch in text) and text not in EN
        }
    )
    assert not missing, (
        "Add English for these (the i18n.py EN table of the domain whose templates use them; "
        "server/i18n.py for office, pwa and shared text):\n" + "\n".join(missing)
    )
