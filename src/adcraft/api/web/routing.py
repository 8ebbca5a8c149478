"""What every dashboard page shares: templates, the signed-in advertiser, CSRF checks and error pages.

`WebRoute` wraps each page handler so that no page ever shows a traceback or a JSON error: a
missing session redirects to sign-in, an unknown or foreign id renders the 404 page, a bad form
token the 403 page, and anything unexpected is logged and renders the 500 page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from adcraft.api import services
from adcraft.api.web import auth
from adcraft.core import PLATFORMS
from adcraft.store.models import ApiKey

log = logging.getLogger("adcraft.web")
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

ERRORS = {
    400: ("Bad request", "The page could not understand that request."),
    403: ("Form expired", "This form belongs to an older session. Reload the page and try again."),
    404: ("Page not found", "There is no such page, or it belongs to another advertiser."),
    409: ("Not possible", "That change is not possible in the current state."),
    500: ("Something went wrong", "The server could not show this page. The error has been logged."),
    503: ("Service unavailable", "The database is not reachable right now. Try again in a minute."),
}


class WebRoute(APIRoute):
    """An HTML page route whose errors are HTML pages, never tracebacks or JSON."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except auth.SignInRequired as exc:
                target = _return_to(request)
                url = f"/signin?next={quote(target)}" + ("&expired=1" if exc.expired else "")
                return RedirectResponse(url, status_code=303)
            except auth.CsrfFailed:
                return error_page(request, 403)
            except services.NotFound:
                return error_page(request, 404)
            except services.Conflict as exc:
                return error_page(request, 409, str(exc))
            except RequestValidationError:
                # a malformed id in the URL (e.g. /campaigns/abc) is a page that does not exist
                return error_page(request, 404)
            except HTTPException as exc:
                return error_page(request, exc.status_code if exc.status_code in ERRORS else 400)
            except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into a page
                status = 503 if _database_down(exc) else 500
                log.exception("dashboard page %s failed", request.url.path)
                return error_page(request, status)

        return guarded


def _return_to(request: Request) -> str:
    """Where to go after signing in: this page, or for a form post the page that held the form."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlparse(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path
    return "/campaigns"


def _database_down(exc: Exception) -> bool:
    from sqlalchemy.exc import OperationalError

    return isinstance(exc, OperationalError)


def error_page(request: Request, status: int, message: str | None = None) -> HTMLResponse:
    heading, default = ERRORS.get(status, ERRORS[500])
    context = {"status": status, "heading": heading, "message": message or default,
               "advertiser": None, "csrf": ""}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def database(request: Request):  # noqa: ANN201 - adcraft.store.Database
    """The service's database: the one its Runtime (app.state.runtime) writes to."""
    return request.app.state.runtime.db


@contextmanager
def read_session(request: Request) -> Iterator[Session]:
    with database(request).read() as session:
        yield session


@contextmanager
def write_session(request: Request) -> Iterator[Session]:
    with database(request).write() as session:
        yield session


class Page:
    """The signed-in advertiser of this request, with what every page template needs."""

    def __init__(self, request: Request, session: auth.WebSession, advertiser: Any) -> None:
        self.request, self.session, self.advertiser = request, session, advertiser
        self.advertiser_id: int = advertiser.id
        self.csrf = auth.csrf_token(request, session)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        base = {"advertiser": self.advertiser, "csrf": self.csrf,
                "flash": self.request.query_params.get("msg", "")[:200],
                "flash_kind": "bad" if self.request.query_params.get("bad") else "ok"}
        return templates.TemplateResponse(self.request, template, base | context, status_code=status_code)

    async def form(self) -> dict[str, str]:
        """The posted form after its CSRF token is checked."""
        data = await self.request.form()
        values = {k: v for k, v in data.items() if isinstance(v, str)}
        auth.check_csrf(self.request, self.session, values.get("csrf_token"))
        return values


def signed_in(request: Request) -> Page:
    """The page context of the signed-in advertiser; SignInRequired when there is none."""
    session = auth.read_session(request)
    with read_session(request) as db:
        try:
            advertiser = services.get_advertiser(db, int(session.advertiser_id))
        except (services.NotFound, ValueError):
            raise auth.SignInRequired() from None
        if not _key_is_live(db, advertiser.id, session.key_prefix):
            raise auth.SignInRequired()
        db.expunge(advertiser)
    return Page(request, session, advertiser)


def _key_is_live(db: Session, advertiser_id: int, prefix: str) -> bool:
    """The key the session signed in with still exists, belongs to the advertiser and is not revoked."""
    query = select(ApiKey.id).where(ApiKey.prefix == prefix, ApiKey.advertiser_id == advertiser_id,
                                    ApiKey.revoked_at.is_(None))
    return db.scalar(query) is not None


def platform_name(platform_id: str) -> str:
    platform = PLATFORMS.get(platform_id)
    return platform.name if platform else platform_id


def redirect(url: str) -> RedirectResponse:
    """After a POST, go to a page with GET (so reload does not post again)."""
    return RedirectResponse(url, status_code=303)
