"""Training runs: the run folders under ADCRAFT_HOME/runs with their metrics, and their report files."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from adcraft.api.web import runs
from adcraft.api.web.routing import WebRoute, error_page, signed_in
from adcraft.core import InputError
from adcraft.models.paths import adcraft_home

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# A report is adcraft's own HTML, but it is still served without scripts and without remote content.
REPORT_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src data:"


@router.get("/runs")
def runs_page(request: Request) -> Response:
    page = signed_in(request)
    home = adcraft_home()
    return page.render("runs.html", runs=runs.list_runs(home), runs_dir=str(runs.runs_dir(home)), nav="runs")


@router.get("/runs/{run}/files/{relative:path}")
def run_file(request: Request, run: str, relative: str) -> Response:
    signed_in(request)
    try:
        path, media = runs.run_file(adcraft_home(), run, relative)
    except InputError:
        return error_page(request, 404)
    return FileResponse(path, media_type=media, headers={"Content-Security-Policy": REPORT_CSP,
                                                         "X-Content-Type-Options": "nosniff"})
