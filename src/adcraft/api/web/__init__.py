"""The web dashboard: server-rendered Jinja2 pages over the same services as the JSON API.

`router` is included by `adcraft.api.app.create_app`. Pages: sign in / out, campaigns, the
new-campaign form, creatives in platform previews with their review, performance (stats, charts, A/B report),
training runs. Every page route is a `WebRoute`, so errors render HTML pages, never tracebacks.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from adcraft.api.web import pages_auth, pages_campaigns, pages_performance, pages_review, pages_runs
from adcraft.api.web.routing import error_page

router = APIRouter(include_in_schema=False)
# pages_review before pages_campaigns: its fixed creative actions (approve, edit, reject) come before
# the pause / resume route's {action}
for module in (pages_auth, pages_review, pages_campaigns, pages_performance, pages_runs):
    router.include_router(module.router)

# JSON clients keep the API's JSON 404s; for a person in a browser a mistyped URL is a page.
API_PREFIXES = ("/v1/", "/docs", "/redoc", "/openapi.json", "/health")
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@router.api_route("/{path:path}", methods=ANY_METHOD)
def not_found(request: Request, path: str) -> Response:
    """Last route of the app (create_app includes this router last), so it only sees unmatched requests.

    A path that another route serves with other methods keeps its 405; anything else not for a
    browser (the API, non-GET, a client not asking for HTML) gets the app's usual JSON 404.
    """
    for route in request.app.router.routes:
        other = getattr(route, "endpoint", None) is not not_found
        if other and route.matches(request.scope)[0] == Match.PARTIAL:
            raise HTTPException(405, "Method Not Allowed")  # another route serves this path
    wants_html = "text/html" in request.headers.get("accept", "")
    if request.method != "GET" or request.url.path.startswith(API_PREFIXES) or not wants_html:
        raise HTTPException(404, "Not Found")
    return error_page(request, 404)


__all__ = ["router"]
