"""`create_app(settings)`: the FastAPI service (JSON API under /v1, dashboard pages, /docs)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import DBAPIError

from adcraft import __version__
from adcraft.api import errors
from adcraft.api.routes import health_router, router
from adcraft.api.runtime import Runtime
from adcraft.api.security import BodySizeLimit, KeyCache, TokenBucket
from adcraft.api.settings import Settings

log = logging.getLogger("adcraft.api")


def _web_router():  # noqa: ANN202 - APIRouter
    """The dashboard's pages; a broken dashboard module must not take the JSON API down with it."""
    try:
        import adcraft.api.web

        return adcraft.api.web.router
    except ImportError:
        log.exception("the web dashboard failed to import; serving the JSON API only")
        from fastapi import APIRouter

        return APIRouter()


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    runtime = runtime or Runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            runtime.start()
        except DBAPIError as exc:  # serve 503s until the database is back rather than not start
            log.error("database unavailable at startup (%s); requests will get 503", exc.__class__.__name__)
        yield
        runtime.close()

    app = FastAPI(
        title="adcraft", version=__version__, lifespan=lifespan,
        description="Generate, check, serve and optimise ad creatives. Authenticate with `X-API-Key` "
                    "or `Authorization: Bearer`; keys come from `adcraft keys create`.",
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.key_cache = KeyCache()
    app.state.rate_limiter = TokenBucket(settings.rate_limit_per_s, settings.rate_burst)
    errors.install(app)
    app.include_router(health_router)
    app.include_router(router)
    app.include_router(_web_router())
    if settings.cors_origins:  # no CORS headers at all unless origins are configured
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "PATCH"],
                           allow_headers=[settings.api_key_header, "Authorization", "Content-Type"])
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
