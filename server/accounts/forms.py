"""What the accounts pages ask and what their requests carry: one typed struct per form (parsed by
Litestar, ``data: FormOf[X]``) and the ``Field`` definitions the templates render."""

from __future__ import annotations

from dataclasses import dataclass

from server.accounts.permissions import Role
from server.forms import Field
from server.i18n import ROLE_LABELS

# ------------------------------------------------------------------ staff


@dataclass
class LoginForm:
    username: str = ""
    password: str = ""
    next: str = ""


@dataclass
class TotpForm:
    code: str = ""
    next: str = ""


@dataclass
class PasswordForm:
    current_password: str = ""
    new_password: str = ""


@dataclass
class ResetPasswordForm:
    """A security administrator sets a new password; the holder changes it at the next sign-in."""

    reset_password: str = ""


@dataclass
class StaffForm:
    """A new account (username and password) or a change to one (active). On a change, a field left
    out (None) keeps what the account has; one sent blank is checked like any other value."""

    username: str = ""
    display_name: str | None = None
    role: str | None = None
    region_code: str | None = None
    password: str = ""
    active: str = ""  # a checkbox: "on" when ticked

    def values(self) -> dict[str, str]:
        """What was typed, to show again with an error (never the password)."""
        return {k: v for k, v in vars(self).items() if k != "password" and v is not None}


@dataclass
class DecisionForm:
    """A worker's decision on an identity claim or a dispute."""

    verdict: str = ""
    note: str = ""


ROLE_OPTIONS = {r.value: ROLE_LABELS[r] for r in Role}
PASSWORD_HINT = (
    "至少12个字符，包含大写字母、小写字母、数字、符号中的至少3种；不能是常见密码，不能包含用户名或姓名。"
)

STAFF_FIELDS = {
    f.name: f
    for f in (
        Field("username", "用户名", autocomplete="off", maxlength=32),
        Field("display_name", "姓名", maxlength=100),
        Field("role", "角色", "select", options=ROLE_OPTIONS),
        Field("region_code", "所属区域", "select"),  # choices: the administrator's regions
        Field("active", "正常", "checkbox", required=False),
        Field("password", "初始密码", "password", autocomplete="new-password", hint=PASSWORD_HINT),
        Field("reset_password", "临时密码", "password", autocomplete="new-password", hint=PASSWORD_HINT),
    )
}

# ------------------------------------------------------------------ citizens


@dataclass
class PhoneForm:
    phone: str = ""
    next: str = ""


@dataclass
class CodeForm:
    phone: str = ""
    code: str = ""
    next: str = ""


@dataclass
class BindForm:
    name: str = ""
    id_number: str = ""


@dataclass
class DisputeForm:
    name: str = ""
    id_number: str = ""
    statement: str = ""
