"""Sign in with an API key, sign out, and the dashboard's static files."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from adcraft.api import services
from adcraft.api.web import auth
from adcraft.api.web.routing import HERE, WebRoute, error_page, read_session, redirect, signed_in, templates
from adcraft.store.keys import split_key

router = APIRouter(route_class=WebRoute, include_in_schema=False)
STATIC = {"style.css": "text/css", "progress.js": "text/javascript"}


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an absolute URL or '//host' would make sign-in an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/campaigns"
    return target


@router.get("/")
async def home(request: Request) -> Response:
    try:
        auth.read_session(request)
    except auth.SignInRequired:
        return redirect("/signin")
    return redirect("/campaigns")


@router.get("/signin", response_class=HTMLResponse)
async def signin_form(request: Request, next: str = "/campaigns", expired: int = 0) -> Response:
    context = {"next": _safe_next(next), "expired": bool(expired), "error": "", "advertiser": None}
    return templates.TemplateResponse(request, "signin.html", context)


def _authenticate(request: Request, key: str):  # noqa: ANN202 - an Advertiser or None
    with read_session(request) as db:
        return services.authenticate(db, key)


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request) -> Response:
    form = await request.form()
    key = str(form.get("api_key", "")).strip()
    target = _safe_next(str(form.get("next", "")))
    advertiser = await run_in_threadpool(_authenticate, request, key) if key else None
    if advertiser is None:
        error = ("Enter your API key." if not key else
                 "That API key is not valid (unknown, mistyped or revoked). Check it and try again.")
        context = {"next": target, "expired": False, "error": error, "advertiser": None}
        return templates.TemplateResponse(request, "signin.html", context, status_code=401 if key else 400)
    response = RedirectResponse(target, status_code=303)
    auth.start_session(request, response, advertiser.id, split_key(key) or "")
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    page = await run_in_threadpool(signed_in, request)
    await page.form()  # checks the CSRF token: another site cannot sign the user out
    response = redirect("/signin")
    auth.end_session(response)
    return response


@router.get("/static/{name}")
async def static(request: Request, name: str) -> Response:
    if name not in STATIC:
        return error_page(request, 404)
    return FileResponse(HERE / "static" / name, media_type=STATIC[name],
                        headers={"Cache-Control": "public, max-age=300"})
