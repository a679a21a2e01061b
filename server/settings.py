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

from server.crypto import parse_data_keys
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
    # who answers questions and requests about personal information (the privacy notice prints it)
    privacy_contact: str = "12345 政务服务便民热线；市民政局（个人信息保护负责人）"
    # server/crypto.py: the backend (standard: AES-256-GCM, HMAC-SHA256, Ed25519; sm: SM4-GCM,
    # HMAC-SM3, SM2), chosen once for a new deployment, and the data keys (kid, secret), newest
    # first; none: one key "k0", the secret key
    crypto: str = "standard"
    data_keys: tuple[tuple[str, str], ...] = ()

    # TLS to the database (disable | require | verify-full; "" leaves the driver's default) and the CA
    # file that verifies it; the CA of a rediss:// session store
    database_ssl: str = ""
    database_ssl_ca: str | None = None
    redis_ca: str | None = None
    # the key of `huimin backup` archives (default: derived from the secret key, with a warning)
    backup_key: str | None = None
    # staff sign-in (#23): the second factor "required" before any work or "optional" (None: required
    # in production, optional elsewhere), and minutes without a request after which a staff session
    # ends (15-30; the absolute cap is ``session_hours``)
    staff_2fa: str | None = None
    staff_idle_minutes: int = 20
    # an approved bulk export (server/exports): downloadable this many hours, this many times
    export_hours: int = 24
    export_downloads: int = 3

    def __post_init__(self) -> None:
        from server.crypto import BACKENDS, keyring

        if self.crypto not in BACKENDS:
            raise ValueError(f"HUIMIN_CRYPTO must be one of {', '.join(BACKENDS)}, not {self.crypto!r}")
        keyring(self)  # encrypt/decrypt/keyed_hash, given the secret key, use this keyring

    @property
    def development(self) -> bool:
        """Demo tools (the SMS outbox page) exist only when HUIMIN_ENV=development is set explicitly."""
        return self.env == "development"

    @property
    def database_connect_args(self) -> dict:
        return database_connect_args(self.database_url, self.database_ssl, self.database_ssl_ca)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def staff_2fa_required(self) -> bool:
        return self.staff_2fa == "required" or (self.staff_2fa is None and self.production)

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
        if any(len(secret) < 32 for _, secret in self.data_keys):
            problems.append("every key of HUIMIN_DATA_KEYS must be at least 32 characters")
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
        if self.database_ssl == "disable" and not local_database(self.database_url):
            problems.append(
                "HUIMIN_DATABASE_SSL=disable for a database on another host; use require or verify-full"
            )
        if self.redis_url and self.redis_url.startswith("redis://") and not local_host(self.redis_url):
            problems.append("REDIS_URL is plain redis:// to another host; use rediss:// (TLS)")
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
    mode = env.get("HUIMIN_ENV", "").strip()  # unset: neither production nor the demo tools
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
        redis_url=env.get("HUIMIN_REDIS_URL") or env.get("REDIS_URL") or None,
        audit_key=env.get("HUIMIN_AUDIT_KEY") or None,
        audit_signing_key=env.get("HUIMIN_AUDIT_SIGNING_KEY") or None,
        audit_anchor=env.get("HUIMIN_AUDIT_ANCHOR") or "server.audit.anchors:FileAnchorSink",
        audit_anchor_every=max(1, int(env.get("HUIMIN_AUDIT_ANCHOR_EVERY") or 100)),
        audit_anchor_minutes=float(env.get("HUIMIN_AUDIT_ANCHOR_MINUTES") or 10),
        public_url=normalise_public_url(
            env.get("HUIMIN_PUBLIC_URL", "" if mode == "production" else DEV_PUBLIC_URL)
        ),
        raw_import_retention_days=_days(env, "HUIMIN_RAW_IMPORT_RETENTION_DAYS", 30),
        privacy_contact=env.get("HUIMIN_PRIVACY_CONTACT", "").strip() or Settings.privacy_contact,
        crypto=(env.get("HUIMIN_CRYPTO") or "standard").strip(),
        data_keys=parse_data_keys(env.get("HUIMIN_DATA_KEYS", "")),
        database_ssl=_choice(env, "HUIMIN_DATABASE_SSL", SSL_MODES),
        database_ssl_ca=env.get("HUIMIN_DATABASE_SSL_CA") or None,
        redis_ca=env.get("HUIMIN_REDIS_CA") or None,
        backup_key=env.get("HUIMIN_BACKUP_KEY") or None,
        staff_2fa=_choice(env, "HUIMIN_STAFF_2FA", ("", "required", "optional")) or None,
        staff_idle_minutes=_idle_minutes(env),
        export_hours=max(1, _days(env, "HUIMIN_EXPORT_HOURS", 24)),
        export_downloads=max(1, _days(env, "HUIMIN_EXPORT_DOWNLOADS", 3)),
    )


SSL_MODES = ("", "disable", "require", "verify-full")
LOCAL_HOSTS = ("", "localhost", "127.0.0.1", "::1")


def _choice(env: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().lower()
    if raw not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(a for a in allowed if a)}, not {raw!r}")
    return raw


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def local_host(url: str) -> bool:
    return _host(url) in LOCAL_HOSTS or _host(url).startswith("/")


def local_database(url: str) -> bool:
    """SQLite, a Unix socket or the loopback: no network for TLS to protect."""
    return url.startswith("sqlite") or local_host(url) or "host=/" in url


def database_connect_args(url: str, mode: str, ca: str | None) -> dict:
    """What asyncpg is given for TLS (``connect_args``): nothing for SQLite or an unset mode;
    ``ssl=False`` for disable; an encrypting context without certificate checks for require (as
    libpq's sslmode=require), and one checking the chain against ``ca`` (or the system's CAs) and
    the host name for verify-full."""
    if url.startswith("sqlite") or not mode:
        return {}
    if mode == "disable":
        return {"ssl": False}
    import ssl

    context = ssl.create_default_context(cafile=ca)
    if mode == "require":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return {"ssl": context}


def redis_options(url: str, ca: str | None) -> dict:
    """Options of the Redis client: over rediss:// the server's certificate is always checked,
    against ``ca`` when given (else the system's CAs)."""
    if not url.startswith("rediss://"):
        return {}
    options = {"ssl_cert_reqs": "required"}
    if ca:
        options["ssl_ca_certs"] = ca
    return options


def _idle_minutes(env: dict[str, str]) -> int:
    from server.accounts.rules import IDLE_MINUTES_DEFAULT, idle_minutes_problem

    raw = env.get("HUIMIN_STAFF_IDLE_MINUTES", "").strip()
    if not raw:
        return IDLE_MINUTES_DEFAULT
    problem = None if raw.isdigit() else "must be a whole number of minutes"
    problem = problem or idle_minutes_problem(int(raw))
    if problem:
        raise ValueError(f"HUIMIN_STAFF_IDLE_MINUTES {problem}, not {raw!r}")
    return int(raw)


def _days(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number of days, not {raw!r}")
    return int(raw)
