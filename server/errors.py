"""Domain errors: a refusal the person should read, with no web in it.

A service raises ``DomainError(code, Kind.X)``: ``code`` names a message in the translation tables
(``server.i18n.CODES``), ``kind`` says what sort of refusal it is. Only the web layer
(``server.web``) turns a kind into an HTTP status; nothing is saved when one is raised.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    INVALID = "invalid"  # the input is wrong: say which and keep what was typed
    BAD_REQUEST = "bad_request"  # the request itself is malformed (not something a person typed)
    CONFLICT = "conflict"  # the record is not in a state that allows this
    UNAUTHENTICATED = "unauthenticated"  # the sign-in details are wrong
    FORBIDDEN = "forbidden"  # this person may not do this
    NOT_FOUND = "not_found"  # no such record (or not one this person may see)
    TOO_LARGE = "too_large"  # a file or body beyond the limit
    TOO_MANY = "too_many"  # an attempt limit was reached
    BROKEN = "broken"  # our fault: the platform could not finish it


class DomainError(Exception):
    """A refusal the user should read: ``code`` names a message; ``kind`` what sort it is."""

    def __init__(self, code: str, kind: Kind = Kind.CONFLICT, field: str | None = None):
        super().__init__(code)
        self.code, self.kind, self.field = code, Kind(kind), field
