"""The web dashboard: server-rendered Jinja2 pages over the same services as the JSON API.

`router` is included by `adcraft.api.app.create_app`. Pages: sign in / out, campaigns, the
new-campaign form, creatives in platform previews, performance (stats, charts, A/B report),
training runs. Every page route is a `WebRoute`, so errors render HTML pages, never tracebacks.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from adcraft.api.web import pages_auth, pages_campaigns, pages_performance, pages_runs
from adcraft.api.web.routing import error_page

router = APIRouter(include_in_schema=False)
for module in (pages_auth, pages_campaigns, pages_performance, pages_runs):
    router.include_router(module.router)

# JSON clients keep the API's JSON 404s; for a person in a browser a mistyped URL is a page.
API_PREFIXES = ("/v1/", "/docs", "/redoc", "/openapi.json", "/health")


@router.get("/{path:path}")
def not_found(request: Request, path: str) -> Response:
    """Last route of the app (create_app includes this router last): any other GET is a 404 page."""
    wants_html = "text/html" in request.headers.get("accept", "text/html")
    if request.url.path.startswith(API_PREFIXES) or not wants_html:
        raise HTTPException(404, "Not Found")
    return error_page(request, 404)


__all__ = ["router"]
