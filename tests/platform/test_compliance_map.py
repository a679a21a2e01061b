"""docs/compliance.md tells an assessor which code and which test meets each control: every file and
test it names must exist, so the map cannot quietly rot when code moves or a test is renamed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("docs/compliance.md", "docs/data-inventory.md", "docs/restore-drill.md")


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        names.add(path.stem)  # a test module named on its own
        names.update(re.findall(r"^\s*(?:async )?def (test_\w+)", path.read_text(), flags=re.M))
    return names


def test_every_file_and_test_the_compliance_documents_name_exists():
    defined = _defined_tests()
    missing = []
    for doc in DOCS:
        text = (ROOT / doc).read_text()
        for path in set(
            re.findall(r"\b((?:server|tests|templates|static|pwa|migrations)/[\w./-]+\.\w+)", text)
        ):
            if not (ROOT / path).exists():
                missing.append(f"{doc}: {path}")
        for name in set(re.findall(r"\b(test_\w+)", text)):
            if name not in defined:
                missing.append(f"{doc}: {name}")
    assert not missing, "named in the compliance documents but not in the code:\n" + "\n".join(
        sorted(missing)
    )
