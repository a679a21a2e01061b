"""Alembic environment: async engines for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from server.db import UTCDateTime, make_engine
from server.models import metadata
from server.settings import load_settings

config = context.config


def database_url() -> str:
    return config.attributes.get("database_url") or load_settings().database_url


def render_item(type_, obj, autogen_context):
    """Autogenerate writes our UTC type as a plain timezone-aware DateTime."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def connect_args() -> dict:
    if "database_url" in config.attributes:
        return config.attributes.get("connect_args") or {}
    return load_settings().database_connect_args


async def run_async_migrations() -> None:
    engine = make_engine(database_url(), connect_args())
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
