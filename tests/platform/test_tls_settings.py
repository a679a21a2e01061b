"""TLS to the database and to Redis, passed through from the settings: the pure mapping to the
drivers' options, and production refusing plain connections to another host."""

from __future__ import annotations

import ssl

import pytest

from server.settings import database_connect_args, load_settings, redis_options

PG = "postgresql+asyncpg://huimin@db.internal:5432/huimin"


def test_database_tls_modes_become_asyncpg_ssl_arguments():
    assert database_connect_args("sqlite+aiosqlite:///x.db", "verify-full", None) == {}
    assert database_connect_args(PG, "", None) == {}  # unset: the driver's own default
    assert database_connect_args(PG, "disable", None) == {"ssl": False}
    required = database_connect_args(PG, "require", None)["ssl"]
    assert isinstance(required, ssl.SSLContext)
    assert required.verify_mode == ssl.CERT_NONE and not required.check_hostname  # encrypted, unchecked
    full = database_connect_args(PG, "verify-full", None)["ssl"]
    assert full.verify_mode == ssl.CERT_REQUIRED and full.check_hostname


def test_verify_full_uses_the_given_ca(tmp_path):
    with pytest.raises(FileNotFoundError):
        database_connect_args(PG, "verify-full", str(tmp_path / "missing-ca.pem"))


def test_settings_read_the_tls_variables(tmp_path):
    s = load_settings(
        {
            "HUIMIN_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://huimin@db.internal/huimin",
            "HUIMIN_DATABASE_SSL": "verify-full",
            "HUIMIN_REDIS_URL": "rediss://cache.internal:6380/0",
            "HUIMIN_REDIS_CA": "/etc/huimin/redis-ca.pem",
        }
    )
    assert s.database_ssl == "verify-full" and s.redis_url == "rediss://cache.internal:6380/0"
    assert s.database_connect_args["ssl"].check_hostname
    assert redis_options(s.redis_url, s.redis_ca) == {
        "ssl_cert_reqs": "required",
        "ssl_ca_certs": "/etc/huimin/redis-ca.pem",
    }
    assert redis_options("redis://127.0.0.1:6379/0", None) == {}
    with pytest.raises(ValueError, match="HUIMIN_DATABASE_SSL"):
        load_settings({"HUIMIN_VAR_DIR": str(tmp_path), "HUIMIN_DATABASE_SSL": "maybe"})


def _production(tmp_path, **env):
    return load_settings(
        {
            "HUIMIN_ENV": "production",
            "HUIMIN_VAR_DIR": str(tmp_path),
            "HUIMIN_SECRET_KEY": "x" * 40,
            **env,
        }
    ).production_problems()


def test_production_refuses_plain_connections_to_another_host(tmp_path):
    remote = _production(tmp_path, DATABASE_URL=PG, HUIMIN_DATABASE_SSL="disable")
    assert any("HUIMIN_DATABASE_SSL=disable" in p for p in remote)
    local = _production(
        tmp_path, DATABASE_URL="postgresql+asyncpg://huimin@127.0.0.1/huimin", HUIMIN_DATABASE_SSL="disable"
    )
    assert not any("HUIMIN_DATABASE_SSL" in p for p in local)
    plain_redis = _production(tmp_path, DATABASE_URL=PG, HUIMIN_REDIS_URL="redis://cache.internal:6379")
    assert any("rediss://" in p for p in plain_redis)
    tls_redis = _production(tmp_path, DATABASE_URL=PG, HUIMIN_REDIS_URL="rediss://cache.internal:6380")
    assert not any("redis" in p.lower() for p in tls_redis)
