"""Forms, once: what a page asks and what a request carries.

- ``Field`` describes one question (label, kind, options, hint). Pages render fields with the macros
  in ``templates/components/`` and the domain validates against the same options, so a choice offered
  on the page and a choice accepted by the rules cannot drift apart.
- A request body is a typed struct: a dataclass of ``str`` fields (``list[str] | str`` for repeated
  ones) per form, declared in the domain's ``forms.py`` and taken by a handler as ``data: FormOf[X]``
  (or ``UploadOf[X]`` for multipart). Litestar parses it (so the OpenAPI document names every field)
  and the domain checks it once, raising ``DomainError(..., Kind.INVALID, field=...)`` or returning
  field errors. Unknown fields (the CSRF token) are ignored. (``FormOf`` and ``UploadOf`` live in
  ``server.web``: this module has no web in it, so pure rules may use ``Field``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    """One question on a page. ``label``, ``hint`` and option labels are Chinese, translated in the
    template. ``kind``: text, number, money, tel, date, password, select, radios, checkbox, textarea,
    file."""

    name: str
    label: str
    kind: str = "text"
    required: bool = True
    hint: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    inputmode: str | None = None
    autocomplete: str | None = None
    maxlength: int | None = None
    accept: str | None = None  # a file input's types, e.g. ".csv,text/csv"
    placeholder: str | None = None  # a select's empty choice ("全部"), or a text input's example
    capture: str | None = None  # a file: take it with the camera ("user": the front one)


def many(value: list[str] | str | None) -> list[str]:
    """A repeated form field as a list, however many times it was sent (zero, once or more)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def ticked(value: str | None) -> bool:
    """A checkbox as browsers (``on``), links and scripts (``1``, ``yes``, ``true``) send it."""
    return (value or "").lower() in ("on", "1", "yes", "true")


def text(value: str | None, limit: int = 2000) -> str:
    """A typed text answer: surrounding space dropped, cut at ``limit`` characters."""
    return (value or "").strip()[:limit]
