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
    raw_import_retention_days: int = 30  # department files (uploads, error files) kept this long

    @property
    def production(self) -> bool:
        return self.env == "production"

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
        if self.sqlite:
            problems.append("DATABASE_URL points at SQLite; production needs PostgreSQL")
        if self.sms_sender == "outbox":
            problems.append("HUIMIN_SMS_SENDER is the development outbox; configure a real sender")
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
        raw_import_retention_days=_days(env, "HUIMIN_RAW_IMPORT_RETENTION_DAYS", 30),
    )


def _days(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number of days, not {raw!r}")
    return int(raw)
