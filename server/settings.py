"""Settings from the environment, with safe defaults for a first demo run.

Every setting is read once, here. ``HUIMIN_ENV=production`` turns the defaults that are
only fit for a demo (generated secret, SQLite, demo accounts, the SMS outbox) into
reasons to refuse to start.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from server.files import private_dir, write_private

ROOT = Path(__file__).resolve().parent.parent
DEV_PUBLIC_URL = "http://127.0.0.1:8000"


def normalise_public_url(url: str) -> str:
    """``https://host[:port][/path]`` without a trailing slash, or "" when it is not such a URL."""
    url = url.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if not sep or scheme not in ("http", "https") or not host or any(c in url for c in "?#@ \\"):
        return ""
    return url


def normalise_database_url(url: str) -> str:
    """Accept the URL forms operators paste and give SQLAlchemy its async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    secret_from_env: bool
    var_dir: Path
    secure_cookies: bool
    sms_sender: str
    redis_url: str | None
    session_hours: int = 8
    # the audit trail (server/audit): the chain's HMAC key (default: derived from the secret key),
    # the anchors' Ed25519 signing key (a PEM file; default: derived from the secret key), where the
    # anchors go (module:Class, an AnchorSink) and how often (records, minutes)
    audit_key: str | None = None
    audit_signing_key: str | None = None
    audit_anchor: str = "server.audit.anchors:FileAnchorSink"
    audit_anchor_every: int = 100
    audit_anchor_minutes: float = 10.0
    # The one source of absolute URLs (QR codes, links sent out); never the request's Host header.
    public_url: str = DEV_PUBLIC_URL
    raw_import_retention_days: int = 30  # department files (uploads, error files) kept this long
    # an approved bulk export (server/exports): downloadable this many hours, this many times
    export_hours: int = 24
    export_downloads: int = 3

    @property
    def production(self) -> bool:
        return self.env == "production"

    def cookie_name(self, name: str) -> str:
        """``__Host-`` names with Secure cookies: the browser then refuses the cookie from a sibling
        subdomain or over plain HTTP, and requires Path=/ without Domain."""
        return f"__Host-{name}" if self.secure_cookies else name

    @property
    def sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def production_problems(self) -> list[str]:
        """What makes this configuration unfit for production (checked before start)."""
        if not self.production:
            return []
        problems = []
        if not self.secret_from_env:
            problems.append("HUIMIN_SECRET_KEY is not set (a generated demo secret cannot be used)")
        elif len(self.secret_key) < 32:
            problems.append("HUIMIN_SECRET_KEY must be at least 32 characters")
        if self.audit_key is not None and len(self.audit_key) < 32:
            problems.append("HUIMIN_AUDIT_KEY must be at least 32 characters")
        if self.sqlite:
            problems.append("DATABASE_URL points at SQLite; production needs PostgreSQL")
        if not self.public_url:
            problems.append("HUIMIN_PUBLIC_URL is not set (the https:// address citizens and QR codes use)")
        elif not self.public_url.startswith("https://"):
            problems.append("HUIMIN_PUBLIC_URL must be an https:// address in production")
        from server.accounts.sms import sender_problem  # here: settings must not import the models

        sms = sender_problem(self.sms_sender)
        if sms:
            problems.append(f"HUIMIN_SMS_SENDER {sms}")
        if not self.secure_cookies:
            problems.append("HUIMIN_SECURE_COOKIES is off; production cookies must be Secure (HTTPS)")
        return problems


def _secret(var_dir: Path, env: dict[str, str]) -> tuple[str, bool]:
    if env.get("HUIMIN_SECRET_KEY"):
        return env["HUIMIN_SECRET_KEY"], True
    if env.get("HUIMIN_ENV") == "production":
        return "", False
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip(), False
    key = secrets.token_urlsafe(48)
    write_private(path, key)
    return key, False


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    var_dir = private_dir(Path(env.get("HUIMIN_VAR_DIR", ROOT / "var")).resolve())
    mode = env.get("HUIMIN_ENV", "development")
    default_db = f"sqlite+aiosqlite:///{var_dir / 'huimin.db'}"
    secret, from_env = _secret(var_dir, env)
    return Settings(
        env=mode,
        database_url=normalise_database_url(env.get("DATABASE_URL", default_db)),
        secret_key=secret,
        secret_from_env=from_env,
        var_dir=var_dir,
        secure_cookies=env.get("HUIMIN_SECURE_COOKIES", "1" if mode == "production" else "0") == "1",
        sms_sender=env.get("HUIMIN_SMS_SENDER", "outbox"),
        redis_url=env.get("REDIS_URL") or None,
        audit_key=env.get("HUIMIN_AUDIT_KEY") or None,
        audit_signing_key=env.get("HUIMIN_AUDIT_SIGNING_KEY") or None,
        audit_anchor=env.get("HUIMIN_AUDIT_ANCHOR") or "server.audit.anchors:FileAnchorSink",
        audit_anchor_every=max(1, int(env.get("HUIMIN_AUDIT_ANCHOR_EVERY") or 100)),
        audit_anchor_minutes=float(env.get("HUIMIN_AUDIT_ANCHOR_MINUTES") or 10),
        public_url=normalise_public_url(
            env.get("HUIMIN_PUBLIC_URL", "" if mode == "production" else DEV_PUBLIC_URL)
        ),
        raw_import_retention_days=_days(env, "HUIMIN_RAW_IMPORT_RETENTION_DAYS", 30),
        export_hours=max(1, _days(env, "HUIMIN_EXPORT_HOURS", 24)),
        export_downloads=max(1, _days(env, "HUIMIN_EXPORT_DOWNLOADS", 3)),
    )


def _days(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number of days, not {raw!r}")
    return int(raw)
