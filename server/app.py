"""The application factory: every domain's controllers, plugins and plumbing wired once."""

from __future__ import annotations

import logging
from datetime import timedelta

from litestar import Litestar
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.sqlalchemy import AsyncSessionConfig, SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from server import clock
from server.accounts.auth import SessionConfig, check_route_permissions, provide_actor, provide_scope
from server.accounts.csrf import SessionBoundCSRF
from server.accounts.models import Staff
from server.accounts.sms import load_sender
from server.audit.service import configure as configure_audit
from server.db import make_engine
from server.domains import DOMAINS
from server.files import private_dir
from server.settings import ROOT, Settings, load_settings
from server.verification import service as verification_service
from server.web import EXCEPTION_HANDLERS, SecurityHeaders, provide_today, template_config

log = logging.getLogger("huimin")


MAX_BODY = 20 * 1024 * 1024


class ProductionConfigError(RuntimeError):
    pass


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    problems = settings.production_problems()
    if problems:
        raise ProductionConfigError("Refusing to start in production:\n- " + "\n- ".join(problems))

    configure_audit(settings)  # the chain's key and the anchor sink, for this process
    engine = make_engine(settings.database_url, settings.database_connect_args)
    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit_include_redirects",
    )

    async def refuse_demo_accounts_in_production(app: Litestar) -> None:
        if not settings.production:
            return
        async with engine.connect() as conn:
            if await conn.scalar(select(Staff.id).where(Staff.is_demo.is_(True)).limit(1)) is not None:
                raise ProductionConfigError(
                    "Refusing to start in production: demo accounts exist (remove them first)"
                )

    async def recover_interrupted_work(app: Litestar) -> None:
        """Imports and reviews a stopped server left half-way are marked failed, in plain words."""
        async with async_sessionmaker(engine)() as session, session.begin():
            await verification_service.recover_interrupted_work(session)

    if settings.redis_url:
        from litestar.stores.redis import RedisStore
        from redis.asyncio import Redis

        from server.settings import redis_options

        client = Redis.from_url(settings.redis_url, **redis_options(settings.redis_url, settings.redis_ca))
        session_store = RedisStore(client, namespace="huimin-sessions")
    else:
        # the store writes its files itself; its folder is owner-only, so they are too
        session_store = FileStore(private_dir(settings.var_dir / "sessions"), create_directories=True)

    app = Litestar(
        route_handlers=[
            create_static_files_router(
                path="/static",
                directories=[ROOT / "static"],
                name="static",
                cache_control=None,
                include_in_schema=False,
            ),
            create_static_files_router(
                path="/pwa", directories=[ROOT / "pwa"], name="pwa", include_in_schema=False
            ),
        ],
        plugins=[SQLAlchemyPlugin(config=db_config), HTMXPlugin(), *DOMAINS],
        template_config=template_config(),
        middleware=[
            DefineMiddleware(SecurityHeaders, hsts=settings.production),
            SessionConfig(
                store="sessions",
                key=settings.cookie_name("huimin_session"),
                max_age=int(timedelta(hours=settings.session_hours).total_seconds()),
                httponly=True,
                secure=settings.secure_cookies,
                samesite="lax",
                path="/",
            ).middleware,
            # inside the session middleware: the CSRF token is kept in (and checked against) the session
            DefineMiddleware(
                SessionBoundCSRF,
                secret=settings.secret_key,
                cookie_name=settings.cookie_name("huimin_csrf"),
                secure=settings.secure_cookies,
                exclude=("/api/device/", "/api/verification/"),
            ),
        ],
        stores={"sessions": session_store, "memory": MemoryStore()},
        dependencies={
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "region_scope": Provide(provide_scope, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=False),
            "today": Provide(provide_today, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY,
        on_startup=[refuse_demo_accounts_in_production, recover_interrupted_work],
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]}, log_exceptions="never"
        ),
        debug=False,
    )
    check_route_permissions(app)
    app.state.settings = settings
    app.state.engine = engine  # staff_guard reads the account on every request
    app.state.today = clock.today
    app.state.sms = load_sender(settings.sms_sender)
    return app
