"""What the audit trail may keep of a change: field names always, sensitive values only as a keyed hash.

The trail is read by auditors and kept three years; it must say *that* an ID number, a phone, a bank
account, an address, a health fact, an income figure or a criminal record changed, and let an
auditor holding the key match a value they already know, without anyone reading the value itself
from the trail. ``redact`` replaces such values, by field name (anywhere in the ``before``/``after``
dicts, nested too) and, for actions whose every value is sensitive (a household's income or health
step), by action. Pure data and functions: ``service.record`` passes the keyed hash in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

# Field names whose values are never stored in the trail, wherever they appear.
SENSITIVE_FIELDS: frozenset[str] = frozenset(
    {
        # identity numbers (the masked form, id_masked, and the keyed id_hash may stay)
        "id_number",
        "id18",
        "resident_id",
        "id_card",
        # phones
        "phone",
        "mobile",
        "phone_number",
        "contact_phone",
        # bank accounts
        "bank_account",
        "bank",
        "bank_number",
        "account_number",
        "card_number",
        # addresses
        "address",
        "home_address",
        "location_text",
        # health and disability
        "disability_grade",
        "serious_illness",
        "illness",
        "health",
        "diagnosis",
        "disability",
        # income and assets of people
        "income_cents",
        "income",
        "wages",
        "pension",
        "farming",
        "deposits",
        "balance_cents",
        "out_of_pocket",
        # criminal and prison records
        "criminal",
        "criminal_record",
        "conviction",
        "sentence",
        "prison",
        "offence",
        # free text describing a person's hardship (often health or family matters)
        "situation",
    }
)

# Actions whose every value is sensitive: a household's income, assets, health and hardship steps.
SENSITIVE_ACTIONS: frozenset[str] = frozenset(
    {
        "assistance.answer.applicant",
        "assistance.answer.address",
        "assistance.answer.health",
        "assistance.answer.income",
        "assistance.answer.assets",
        "assistance.answer.need",
    }
)
# ...but for these field names, which say what happened rather than about whom
PLAIN_IN_SENSITIVE_ACTIONS: frozenset[str] = frozenset(
    {
        "name",
        "id_masked",
        "id_hash",
        "bank_masked",
        "male",
        "community",
        "hukou",
        "employment",
        "relationship",
        "signer",
    }
)

HASH_PREFIX = "hmac:"


def canonical(value: Any) -> str:
    """The text a value is hashed as: strings stripped, the rest as compact JSON, so an auditor
    hashing a known value (``huimin audit hash-value``) gets the same digest."""
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def is_redacted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(HASH_PREFIX)


def sensitive(action: str, name: str) -> bool:
    if name in SENSITIVE_FIELDS:
        return True
    return action in SENSITIVE_ACTIONS and name not in PLAIN_IN_SENSITIVE_ACTIONS


def redact(action: str, values: Mapping[str, Any] | None, hash_text: Callable[[str], str]) -> dict | None:
    """``values`` with every sensitive value replaced by ``hmac:<keyed hash>`` (None stays None:
    "not given" is not a secret); the field names stay, so the auditor sees what changed."""
    if values is None:
        return None
    return {key: _value(action, str(key), value, hash_text) for key, value in values.items()}


def _value(action: str, name: str, value: Any, hash_text: Callable[[str], str]) -> Any:
    if value is None or is_redacted(value):
        return value
    if sensitive(action, name):
        return HASH_PREFIX + hash_text(canonical(value))
    if isinstance(value, Mapping):
        return {key: _value(action, str(key), v, hash_text) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [
            {key: _value(action, str(key), v, hash_text) for key, v in item.items()}
            if isinstance(item, Mapping)
            else item
            for item in value
        ]
    return value
