"""Review forms on the creatives page: approve, edit and approve, reject, approve all that pass, add by hand.

Every form carries the CSRF token (`Page.form` checks it) and is scoped to the signed-in advertiser
and to the campaign in the URL: another advertiser's creative, or one of another campaign, is the
404 page. An edit or a new creative that a gate blocks comes back as the creatives page with status
422, the error and its findings on the card, and the text as typed; an action the creative's state
forbids (approving a rejected one) is the 409 page with the reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adcraft.api import review, services
from adcraft.api.web.pages_campaigns import render_campaign
from adcraft.api.web.previews import edit_boxes
from adcraft.api.web.routing import WebRoute, redirect, signed_in, write_session
from adcraft.core import InputError, get_platform

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FIELD_PREFIX = "f."  # form names of the text boxes: f.<field name>


def posted_fields(form: dict[str, str], platform_id: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The posted boxes as creative fields (a multi-value field: one value per line), and the raw text
    per field to put back into the form."""
    platform = get_platform(platform_id)
    raw = {k.removeprefix(FIELD_PREFIX): v.replace("\r\n", "\n") for k, v in form.items()
           if k.startswith(FIELD_PREFIX)}
    fields = {}
    for name, text in raw.items():
        multi = any(spec.name == name and spec.max_count > 1 for spec in platform.fields)
        fields[name] = [line for line in text.split("\n") if line.strip()] if multi else [text]
    return fields, raw


def _back(campaign_id: int, message: str, creative_id: int | None = None, bad: bool = False) -> Response:
    anchor = f"#creative-{creative_id}" if creative_id else ""
    return redirect(f"/campaigns/{campaign_id}?msg={quote(message)}{'&bad=1' if bad else ''}{anchor}")


def _in_campaign(db: Any, advertiser_id: int, campaign_id: int, creative_id: int) -> Any:
    creative = services.get_creative(db, advertiser_id, creative_id)
    if creative.campaign_id != campaign_id:
        raise services.NotFound(f"creative {creative_id}")
    return creative


@router.post("/campaigns/{campaign_id}/creatives/{creative_id}/approve")
async def approve(request: Request, campaign_id: int, creative_id: int) -> Response:
    """Approve as written (409 page when a gate blocks it: edit it instead)."""
    page = await run_in_threadpool(signed_in, request)
    await page.form()

    def change() -> None:
        with write_session(request) as db:
            _in_campaign(db, page.advertiser_id, campaign_id, creative_id)
            review.approve(db, page.advertiser_id, creative_id)

    await run_in_threadpool(change)
    return _back(campaign_id, f"Creative #{creative_id} approved: it is served from now on.", creative_id)


@router.post("/campaigns/{campaign_id}/creatives/{creative_id}/edit")
async def edit_and_approve(request: Request, campaign_id: int, creative_id: int) -> Response:
    """Approve the text as edited in the card's boxes, after every gate passes on it."""
    page = await run_in_threadpool(signed_in, request)
    form = await page.form()

    def change() -> tuple[dict[str, str], dict[str, Any] | None]:
        with write_session(request) as db:
            _in_campaign(db, page.advertiser_id, campaign_id, creative_id)
            platform = services.get_campaign(db, page.advertiser_id, campaign_id).platform
            fields, raw = posted_fields(form, platform)
            try:
                review.approve(db, page.advertiser_id, creative_id, fields)
            except (services.NotFound, services.Conflict):
                raise  # the 404 / 409 page
            except review.GateFailed as exc:
                return raw, {"message": str(exc), "findings": exc.findings}
            except InputError as exc:  # empty text, unknown field, too many values
                return raw, {"message": str(exc), "findings": []}
            return raw, None

    raw, error = await run_in_threadpool(change)
    if error is not None:
        return await run_in_threadpool(render_campaign, page, campaign_id, 422, {creative_id: error},
                                       {creative_id: raw})
    return _back(campaign_id, f"Creative #{creative_id} edited and approved: it is served from now on.",
                 creative_id)


@router.post("/campaigns/{campaign_id}/creatives/{creative_id}/reject")
async def reject(request: Request, campaign_id: int, creative_id: int) -> Response:
    page = await run_in_threadpool(signed_in, request)
    form = await page.form()

    def change() -> None:
        with write_session(request) as db:
            _in_campaign(db, page.advertiser_id, campaign_id, creative_id)
            review.reject(db, page.advertiser_id, creative_id, form.get("reason", "")[:500])

    await run_in_threadpool(change)
    return _back(campaign_id, f"Creative #{creative_id} rejected: it will never be served.", creative_id)


@router.post("/campaigns/{campaign_id}/review/approve-all")
async def approve_all(request: Request, campaign_id: int) -> Response:
    """Bulk approve every pending creative that passes every gate; the flash names those skipped."""
    page = await run_in_threadpool(signed_in, request)
    await page.form()

    def change() -> dict[str, Any]:
        with write_session(request) as db:
            return review.approve_many(db, page.advertiser_id, campaign_id)

    result = await run_in_threadpool(change)
    n = len(result["approved"])
    message = f"Approved {n} creative{'' if n == 1 else 's'}."
    if result["skipped"]:
        ids = ", ".join(f"#{s['id']}" for s in result["skipped"])
        message += f" Still waiting (a gate blocks them; edit or reject): {ids}."
    return _back(campaign_id, message, bad=not n and bool(result["skipped"]))


@router.post("/campaigns/{campaign_id}/creatives/add")
async def add(request: Request, campaign_id: int) -> Response:
    """A creative written by hand: checked by every gate, then waiting for review (or live when the
    campaign auto-approves and it passes)."""
    page = await run_in_threadpool(signed_in, request)
    form = await page.form()

    def change() -> tuple[Any, str, dict[str, Any] | None]:
        with write_session(request) as db:
            platform = services.get_campaign(db, page.advertiser_id, campaign_id).platform
            fields, raw = posted_fields(form, platform)
            boxes = edit_boxes(platform, {k: [v] for k, v in raw.items()})
            try:
                row = review.add_creative(db, page.advertiser_id, campaign_id, fields)
            except (services.NotFound, services.Conflict):
                raise
            except InputError as exc:
                return None, "", {"open": True, "error": str(exc), "fields": boxes}
            return row.id, row.status, None

    creative_id, status, add_form = await run_in_threadpool(change)
    if add_form is not None:
        return await run_in_threadpool(render_campaign, page, campaign_id, 422, None, None, add_form)
    state = "active: it is served from now on" if status == "active" else "waiting for review"
    return _back(campaign_id, f"Creative #{creative_id} added, {state}.", creative_id)
