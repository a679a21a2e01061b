"""Helpers for exports: ask as one member of staff, approve as a second, download as the first."""

from __future__ import annotations

from tests.support import post_form, sql, staff_login


def switch(client, username: str) -> None:
    post_form(client, "/office/logout")
    assert staff_login(client, username).status_code == 303


def ask(client, kind: str, subject, fmt: str, reason: str = "报送银行代发"):
    return post_form(
        client,
        "/office/exports",
        {"kind": kind, "subject": str(subject), "format": fmt, "reason": reason},
        follow_redirects=False,
    )


def last_export(settings) -> int:
    return sql(settings, "SELECT max(id) FROM export_requests")[0][0]


def decide(client, export_id: int, decision: str = "approve", opinion: str = ""):
    return post_form(
        client,
        f"/office/exports/{export_id}/decide",
        {"decision": decision, "opinion": opinion},
        follow_redirects=False,
    )


def download(client, export_id: int):
    return post_form(client, f"/office/exports/{export_id}/download", follow_redirects=False)


def exported(client, settings, kind: str, subject, fmt: str, asker: str, approver: str):
    """The whole path: ``asker`` asks, ``approver`` approves, ``asker`` downloads (and stays signed in)."""
    switch(client, asker)
    asked = ask(client, kind, subject, fmt)
    assert asked.status_code == 303, asked.text
    export_id = last_export(settings)
    switch(client, approver)
    assert decide(client, export_id).status_code == 303
    switch(client, asker)
    return download(client, export_id)


def error_file(client, settings, import_location: str, officer: str = "verify"):
    """An import's rejected rows, as the verification officer gets them now: asked for, approved by
    the city supervisor, downloaded (the officer signed in again afterwards)."""
    import_id = import_location.rstrip("/").rsplit("/", 1)[1]
    return exported(client, settings, "import_errors", import_id, "csv", officer, "city")
